/**
 * One simulated node: an unmodified {@linkcode GossipsubAutomaton} and the
 * glue the real worker puts around it, turning the automaton's outputs into
 * messages on links exactly as `lib/gossipsub/worker/apply_event.ts` does
 * (Octez `gossipsub_worker.ml` `apply_event`):
 * - a new connection: `addPeer`, then Subscribe for every joined topic;
 * - joining a topic: Subscribe to every connected peer, then Graft to the
 *   peers `join` picked (sorted);
 * - a Graft refused (filtered, unsubscribed, direct, negative score, backed
 *   off): a Prune without PX and with `pruneBackoff`; `MeshFull`: a Prune with PX;
 * - an IHave: an IWant with the requested ids; an IWant: the cached messages;
 * - a Prune with PX: connect to the suggested peers (here: when below the
 *   node's connection target), as the worker's `Connect` output asks the P2P layer;
 * - a full message routed: sent to every peer of `toRoute`, and delivered;
 * - a heartbeat: Ping every `heartbeatPingInterval` ticks, Grafts, Prunes with
 *   PX from `selectPxPeers`, then the IHaves of `selectGossipMessages`.
 *
 * An adversary is the same node with some of this switched off (it does not
 * relay, does not gossip) plus the active misbehaviour of `adversary.ts`.
 *
 * @module
 */

import { GossipsubAutomaton, type Limits } from "../gossipsub/mod.ts";
import type { SimMessage } from "./wire_size.ts";

/** What the network does for a node: the simulator implements it. */
export interface NodeNetwork {
  /** Current simulated time (ms). */
  now(): number;
  /** Puts `message` on the link from `from` to `to`. */
  send(from: SimNode, to: number, message: SimMessage): void;
  /** Asks for a connection from `from` to `to` (from peer exchange). */
  connect(from: SimNode, to: number): void;
  /** `node` accepted message `messageId` from `sender` (first, valid delivery). */
  delivered(node: SimNode, messageId: number, sender: number): void;
  /** `node` received a full message it had already seen. */
  duplicate(node: SimNode): void;
}

/** How a node behaves beyond what its automaton decides. */
export interface NodeBehaviour {
  /** Sends routed full messages and answers IWants (honest: true). */
  readonly relays: boolean;
  /** Sends the IHaves of its heartbeats (honest: true). */
  readonly gossips: boolean;
}

/** Everything a node needs at construction. */
export interface SimNodeOptions {
  /** Its index, which is also its peer identity. */
  readonly id: number;
  /** Limits of its automaton. */
  readonly limits: Limits<string>;
  /** Topics, in order: message id `i` belongs to `topics[i % topics.length]`. */
  readonly topics: readonly string[];
  /** Seed of its automaton's generator. */
  readonly seed: number;
  /** The network. */
  readonly net: NodeNetwork;
  /** Behaviour (default honest). */
  readonly behaviour?: NodeBehaviour;
}

const numbers = { key: (n: number) => n, compare: (a: number, b: number) => a - b };
const strings = {
  key: (s: string) => s,
  compare: (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0),
};

/** The honest behaviour. */
export const HONEST: NodeBehaviour = { relays: true, gossips: true };

/**
 * Validity of a payload: its first byte is the flag (1 valid, anything else
 * invalid), so a spammer's message is `Invalid` for the automaton's `message.valid`.
 */
export function payloadValidity(message: Uint8Array): "Valid" | "Invalid" {
  return message[0] === 1 ? "Valid" : "Invalid";
}

/** A link in one direction: its one-way delay and when its last message arrives (FIFO). */
export interface Link {
  /** One-way delay (ms). */
  readonly latency: number;
  /** Arrival time of the last message put on it. */
  lastArrival: number;
  /** Whether the node dialled this connection. */
  readonly outbound: boolean;
}

/** One simulated node (see the module documentation). */
export class SimNode {
  /** Index and peer identity. */
  readonly id: number;
  /** The automaton, unmodified. */
  readonly automaton: GossipsubAutomaton<number, string, number, Uint8Array>;
  /** Behaviour. */
  readonly behaviour: NodeBehaviour;
  /** Open connections by peer. */
  readonly links: Map<number, Link> = new Map();
  /** Upload link busy until this time (ms), for the bandwidth model. */
  uplinkFreeAt = 0;
  /** Ids of recent full messages this node accepted (newest last; used by IWant flooders). */
  readonly recent: number[] = [];
  readonly #net: NodeNetwork;
  readonly #limits: Limits<string>;
  readonly #topics: readonly string[];

  /** A node with an empty automaton, not yet in any topic. */
  constructor(options: SimNodeOptions) {
    this.id = options.id;
    this.#net = options.net;
    this.#limits = options.limits;
    this.#topics = options.topics;
    this.behaviour = options.behaviour ?? HONEST;
    const topics = options.topics;
    const net = options.net;
    this.automaton = new GossipsubAutomaton({
      limits: options.limits,
      peer: numbers,
      topic: strings,
      messageId: { ...numbers, getTopic: (id) => topics[id % topics.length], valid: () => "Valid" },
      message: { valid: (message) => payloadValidity(message) },
      now: () => net.now(),
      rng: options.seed,
    });
  }

  #send(to: number, message: SimMessage): void {
    this.#net.send(this, to, message);
  }

  /** Joins every topic (the worker's `Join` application input). */
  joinTopics(): void {
    const gs = this.automaton;
    for (const topic of this.#topics) {
      const out = gs.join({ topic });
      if (out.kind === "AlreadyJoined") continue;
      for (const peer of gs.view.connectedPeers()) this.#send(peer, { kind: "Subscribe", topic });
      for (const peer of [...out.toGraft].sort(numbers.compare)) {
        this.#send(peer, { kind: "Graft", topic });
      }
    }
  }

  /** A connection opened (`NewConnection`): add the peer, send our subscriptions. */
  connected(peer: number, link: Link): void {
    this.links.set(peer, link);
    const out = this.automaton.addPeer({ peer, direct: false, outbound: link.outbound });
    if (out.kind === "PeerAlreadyKnown") return;
    for (const topic of this.automaton.view.joinedTopics()) {
      this.#send(peer, { kind: "Subscribe", topic });
    }
  }

  /** A connection closed (`Disconnection`). */
  disconnected(peer: number): void {
    if (!this.links.delete(peer)) return;
    this.automaton.removePeer({ peer });
  }

  /** The application publishes a message (`PublishMessage`). */
  publish(topic: string, messageId: number, message: Uint8Array): void {
    const out = this.automaton.publishMessage({ topic, messageId, message });
    if (out.kind === "AlreadyPublished") return;
    for (const peer of out.toPublish) {
      this.#send(peer, { kind: "MessageWithHeader", message, topic, messageId });
    }
  }

  /** A message arrived from `peer` (`InMessage`). */
  receive(peer: number, message: SimMessage): void {
    const gs = this.automaton;
    switch (message.kind) {
      case "MessageWithHeader":
        return this.#receiveFull(peer, message.topic, message.messageId, message.message);
      case "Graft":
        return this.#graft(peer, message.topic);
      case "Subscribe":
        gs.handleSubscribe({ peer, topic: message.topic });
        return;
      case "Unsubscribe":
        gs.handleUnsubscribe({ peer, topic: message.topic });
        return;
      case "IHave": {
        const out = gs.handleIhave({ peer, topic: message.topic, messageIds: message.messageIds });
        if (out.kind === "MessageRequestedMessageIds" && out.messageIds.length > 0) {
          this.#send(peer, { kind: "IWant", messageIds: out.messageIds });
        }
        return;
      }
      case "IWant": {
        const out = gs.handleIwant({ peer, messageIds: message.messageIds });
        if (out.kind !== "OnIwantMessagesToRoute" || !this.behaviour.relays) return;
        for (const { messageId, result } of out.routedMessageIds) {
          if (result.kind !== "Message") continue;
          const topic = this.#topics[messageId % this.#topics.length];
          this.#send(peer, {
            kind: "MessageWithHeader",
            message: result.message,
            topic,
            messageId,
          });
        }
        return;
      }
      case "Prune": {
        const { topic, px, backoff } = message;
        const out = gs.handlePrune({ peer, topic, px, backoff });
        if (out.kind !== "PX") return;
        for (const candidate of [...out.peers].sort(numbers.compare)) {
          if (candidate !== this.id && !this.links.has(candidate)) {
            this.#net.connect(this, candidate);
          }
        }
        return;
      }
      case "Ping":
        return;
    }
  }

  #graft(peer: number, topic: string): void {
    const gs = this.automaton;
    const out = gs.handleGraft({ peer, topic });
    const backoff = this.#limits.pruneBackoff;
    switch (out.kind) {
      case "PeerAlreadyInMesh":
      case "UnexpectedGraftingPeer":
      case "GraftingSuccessfully":
        return;
      case "MeshFull":
        return this.#send(peer, {
          kind: "Prune",
          topic,
          px: gs.selectPxPeers(peer, topic, []),
          backoff,
        });
      default:
        return this.#send(peer, { kind: "Prune", topic, px: [], backoff });
    }
  }

  #receiveFull(sender: number, topic: string, messageId: number, message: Uint8Array): void {
    const out = this.automaton.handleReceiveMessage({ sender, topic, messageId, message });
    if (out.kind === "AlreadyReceived") return this.#net.duplicate(this);
    if (out.kind !== "RouteMessage") return;
    this.#net.delivered(this, messageId, sender);
    this.recent.push(messageId);
    if (this.recent.length > 64) this.recent.shift();
    if (!this.behaviour.relays) return;
    for (const peer of out.toRoute) {
      this.#send(peer, { kind: "MessageWithHeader", message, topic, messageId });
    }
  }

  /** One heartbeat, with the worker's emissions (see the module documentation). */
  heartbeat(): void {
    const gs = this.automaton;
    const out = gs.heartbeat();
    const tick = gs.view.heartbeatTicks;
    const limits = this.#limits;
    const ping = limits.heartbeatPingInterval;
    if (ping !== undefined && tick % ping === 0) {
      for (const peer of this.links.keys()) this.#send(peer, { kind: "Ping" });
    }
    const byPeer = (a: { peer: number }, b: { peer: number }) => a.peer - b.peer;
    for (const { peer, topics } of [...out.toGraft].sort(byPeer)) {
      for (const topic of [...topics].sort(strings.compare)) {
        this.#send(peer, { kind: "Graft", topic });
      }
    }
    for (const { peer, topics } of [...out.toPrune].sort(byPeer)) {
      for (const topic of [...topics].sort(strings.compare)) {
        const px = gs.selectPxPeers(peer, topic, out.noPXPeers);
        this.#send(peer, { kind: "Prune", topic, px, backoff: limits.pruneBackoff });
      }
    }
    const gossip = gs.selectGossipMessages();
    if (!this.behaviour.gossips) return;
    for (const { peer, topic, messageIds } of gossip) {
      if (messageIds.length > 0) this.#send(peer, { kind: "IHave", topic, messageIds });
    }
  }
}

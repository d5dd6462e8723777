/**
 * What the gossipsub worker does with one event (Octez `apply_event`, spec
 * §11.4–§11.6): call the automaton, turn its output into P2P and application
 * outputs, keep the counters. Synchronous and timer-free except for the batch
 * timer; the queue, the loop and the heartbeat timer live in `gossipsub_worker.ts`.
 *
 * @module
 */

import type { GossipsubAutomaton } from "../automaton/gossipsub_automaton.ts";
import type {
  Clock,
  Key,
  MessageIdModule,
  PeerModule,
  Span,
  TopicModule,
} from "../automaton/modules.ts";
import type {
  BatchEntry,
  GraftOutput,
  IHaveOutput,
  IWantOutput,
  PruneOutput,
  ReceiveMessage,
  ReceiveMessageOutput,
} from "../automaton/io.ts";
import { BatchAccumulator } from "./batch_accumulator.ts";
import type { OutputChannel } from "../../base/output_channel.ts";
import type {
  AppInput,
  AppOutput,
  OutputStreamName,
  P2pInput,
  P2pOutput,
  PeerMessage,
  WorkerEvent,
  WorkerStats,
} from "./types.ts";
import { emptyWorkerStats } from "./types.ts";
import { UnknownValidityBuffer } from "./unknown_validity_buffer.ts";

/** Clearing the unreachable-points map every 21,600 ticks (6 h at 1 s) drops stale points (Octez). */
const UNREACHABLE_RESET_TICKS = 21_600;

/** Everything {@linkcode EventApplier} needs. */
export interface EventApplierOptions<P, T, I, M> {
  /** The automaton driven. */
  readonly automaton: GossipsubAutomaton<P, T, I, M>;
  /** Peer module. */
  readonly peer: PeerModule<P>;
  /** Topic module. */
  readonly topic: TopicModule<T>;
  /** Message-id module. */
  readonly messageId: MessageIdModule<I, T>;
  /** Our own peer, never asked to connect to from a PX list. */
  readonly self?: P;
  /** Where P2P outputs go. */
  readonly p2pOutput: OutputChannel<P2pOutput<P, T, I, M>>;
  /** Where application outputs go. */
  readonly appOutput: OutputChannel<AppOutput<T, I, M>>;
  /** Queues an internal event (never dropped). */
  readonly enqueue: (event: WorkerEvent<P, T, I, M>) => void;
  /** Clock of the rate limits, in ms. */
  readonly now: Clock;
  /** Capacity of the unknown-validity buffer. */
  readonly unknownValidityCapacity: number;
  /** Trusted peers and initial points are re-dialled every this many ticks. */
  readonly reconnectionTicks: number;
  /** Minimum time between two observability events of the same kind, in ms. */
  readonly dropEventInterval: Span;
  /** The address a peer can be dialled at, used to skip unreachable points. */
  readonly reachablePoint?: (peer: P) => string | undefined;
  /** Points to keep connected to. */
  readonly initialPoints?: () => Iterable<string>;
  /** The P2P layer's schedule; replaces the unreachable-point table when given. */
  readonly pointContactable?: (point: string) => boolean;
  /** Told how long each heartbeat took (automaton and emission), in ms. */
  readonly onHeartbeat?: (durationMs: number) => void;
  /** Told the peers a local publication goes to (`undefined`: it was already published). */
  readonly onPublished?: (messageId: I, recipients: readonly P[] | undefined) => void;
  /** Payload equality for batch merging. */
  readonly messageEquals: (a: M, b: M) => boolean;
}

/** Reconnection schedule of one unreachable point. */
interface Unreachable {
  /** First tick at which it may be dialled again. */
  next: number;
  /** Ticks waited after the last failure. */
  delay: number;
}

/** Applies events to the automaton and emits the outputs (one worker's state). */
export class EventApplier<P, T, I, M> {
  /** Counters (live object). */
  readonly stats: WorkerStats = emptyWorkerStats();
  readonly #o: EventApplierOptions<P, T, I, M>;
  readonly #gs: GossipsubAutomaton<P, T, I, M>;
  readonly #peerKey: (peer: P) => Key;
  readonly #bootstrapPeers = new Set<Key>();
  readonly #trustedPeers = new Map<Key, P>();
  readonly #unknown: UnknownValidityBuffer<P, T, I, M>;
  readonly #unreachable = new Map<string, Unreachable>();
  readonly #batch: BatchAccumulator<P, T, I, M> | undefined;
  readonly #lastRateLimited = new Map<string, number>();

  /** A core with empty worker state around `options.automaton`. */
  constructor(options: EventApplierOptions<P, T, I, M>) {
    this.#o = options;
    this.#gs = options.automaton;
    this.#peerKey = (p) => options.peer.key(p);
    this.#unknown = new UnknownValidityBuffer(
      options.unknownValidityCapacity,
      (a, b) => options.messageId.compare(a, b),
      (id) => options.messageId.key(id),
    );
    const handling = this.#gs.messageHandling;
    if (handling.kind === "InBatches") {
      this.#batch = new BatchAccumulator(handling.timeInterval, {
        peer: this.#peerKey,
        topic: options.topic,
        messageId: options.messageId,
        messageEquals: options.messageEquals,
      }, (batch) => options.enqueue({ kind: "ProcessBatch", batch }));
    }
  }

  /** Messages waiting in the unknown-validity buffer. */
  get unknownValidityMessages(): number {
    return this.#unknown.size;
  }

  /** Disarms the batch timer and drops buffered state. */
  stop(): void {
    this.#batch?.cancel();
    this.#unknown.clear();
  }

  /**
   * True at most once per `dropEventInterval` for `name` (Octez rate-limits
   * its observability events to one a minute).
   */
  rateLimit(name: string): boolean {
    const now = this.#o.now();
    const last = this.#lastRateLimited.get(name);
    if (last !== undefined && now - last < this.#o.dropEventInterval) return false;
    this.#lastRateLimited.set(name, now);
    return true;
  }

  /** Applies one event. Exceptions from application callbacks propagate. */
  apply(event: WorkerEvent<P, T, I, M>): void {
    switch (event.kind) {
      case "Heartbeat": {
        if (this.#o.onHeartbeat === undefined) return this.#heartbeat();
        const start = performance.now();
        this.#heartbeat();
        return this.#o.onHeartbeat(performance.now() - start);
      }
      case "P2pInput":
        return this.#p2pInput(event.input);
      case "AppInput":
        return this.#appInput(event.input);
      case "CheckUnknownMessages":
        return this.#checkUnknownMessages();
      case "ProcessBatch":
        return this.#processBatch(event.batch);
      case "SetApplicationScore":
        this.#gs.setApplicationScore({ peer: event.peer, score: event.score });
        return;
      case "SubscribeTopicCapExceeded":
      case "P2pQueueDrop":
      case "OutputQueueDrop":
        return; // observability only: `eventsLogging` has seen it
    }
  }

  /**
   * Records that dialling `point` failed: it is skipped for 5 heartbeats, then
   * twice as long after each new failure, up to 300 heartbeats.
   *
   * Deviation from Octez (quirk §16.15): Octez doubles the stored absolute
   * tick (`min(next × 2, 300) + tick`), which after the first few minutes
   * always means 300 ticks; here the delay itself doubles (5, 10, 20 … 300).
   */
  setUnreachablePoint(point: string): void {
    if (this.#o.pointContactable !== undefined) return;
    const tick = this.#gs.view.heartbeatTicks;
    const previous = this.#unreachable.get(point);
    const delay = previous === undefined ? 5 : Math.min(previous.delay * 2, 300);
    this.#unreachable.set(point, { next: tick + delay, delay });
  }

  /** For each unreachable point, the time left before it may be dialled again, in ms. */
  reconnectionDelays(): [point: string, delay: Span][] {
    const view = this.#gs.view;
    const tick = view.heartbeatTicks;
    return [...this.#unreachable].map((
      [point, { next }],
    ) => [point, (next - tick) * view.limits.heartbeatInterval]);
  }

  #pointContactable(point: string | undefined): boolean {
    if (point === undefined) return true;
    if (this.#o.pointContactable !== undefined) return this.#o.pointContactable(point);
    const entry = this.#unreachable.get(point);
    return entry === undefined || this.#gs.view.heartbeatTicks >= entry.next;
  }

  #peerContactable(peer: P): boolean {
    return this.#pointContactable(this.#o.reachablePoint?.(peer));
  }

  // ---- emission (spec §11.4) ----

  #output(output: P2pOutput<P, T, I, M>): boolean {
    if (this.#o.p2pOutput.push(output)) return true;
    this.stats.countDroppedP2pOutputs++;
    this.#outputDropEvent("p2p", this.#o.p2pOutput.depth);
    return false;
  }

  #outputDropEvent(stream: OutputStreamName, depth: number): void {
    if (this.rateLimit(`OutputQueueDrop/${stream}`)) {
      this.#o.enqueue({ kind: "OutputQueueDrop", stream, depth });
    }
  }

  /**
   * Sends `message` to `toPeer`, except full messages, IHave and IWant to a
   * bootstrap peer, which are silently not sent (Octez). Sent-counters count
   * only what entered the output stream.
   */
  /** Emits `message` to `toPeer`; false when it was not sent (a bootstrap peer, a full output). */
  #send(toPeer: P, message: PeerMessage<P, T, I, M>): boolean {
    const kind = message.kind;
    if (
      (kind === "MessageWithHeader" || kind === "IHave" || kind === "IWant") &&
      this.#bootstrapPeers.has(this.#peerKey(toPeer))
    ) return false;
    if (!this.#output({ kind: "OutMessage", toPeer, p2pMessage: message })) return false;
    const s = this.stats;
    if (kind === "Graft") s.countSentGrafts++;
    else if (kind === "Prune") s.countSentPrunes++;
    else if (kind === "IHave") s.countSentIhaves++;
    else if (kind === "IWant") s.countSentIwants++;
    else if (kind === "MessageWithHeader") s.countSentAppMessages++;
    return true;
  }

  #emitApp(output: AppOutput<T, I, M>): void {
    if (this.#o.appOutput.push(output)) return;
    this.stats.countDroppedAppOutputs++;
    this.#outputDropEvent("app", this.#o.appOutput.depth);
  }

  // ---- application inputs ----

  #appInput(input: AppInput<T, I, M>): void {
    switch (input.kind) {
      case "PublishMessage": {
        const { topic, messageId, message } = input;
        const out = this.#gs.publishMessage({ topic, messageId, message });
        if (out.kind === "AlreadyPublished") return this.#o.onPublished?.(messageId, undefined);
        const sent: P[] = [];
        // One message object for all recipients: outputs are read-only.
        const full: PeerMessage<P, T, I, M> = {
          kind: "MessageWithHeader",
          message,
          topic,
          messageId,
        };
        for (const peer of out.toPublish) {
          if (this.#send(peer, full)) sent.push(peer);
        }
        return this.#o.onPublished?.(messageId, sent);
      }
      case "Join": {
        const topic = input.topic;
        const out = this.#gs.join({ topic });
        if (out.kind === "AlreadyJoined") return;
        this.stats.countTopics++;
        // Subscribe before Graft: a peer ignores a Graft for a topic we have not subscribed to.
        for (const peer of this.#gs.view.connectedPeers()) {
          this.#send(peer, { kind: "Subscribe", topic });
        }
        for (const peer of this.#sortedPeers(out.toGraft)) {
          this.#send(peer, { kind: "Graft", topic });
        }
        return;
      }
      case "Leave": {
        const topic = input.topic;
        const out = this.#gs.leave({ topic });
        if (out.kind === "NotJoined") return;
        this.stats.countTopics--;
        const backoff = this.#gs.limits.unsubscribeBackoff;
        // Prune before Unsubscribe, so that mesh peers clean their mesh first.
        for (const peer of this.#sortedPeers(out.toPrune)) {
          const px = this.#gs.selectPxPeers(peer, topic, out.noPXPeers);
          this.#send(peer, { kind: "Prune", topic, px, backoff });
        }
        for (const peer of this.#gs.view.connectedPeers()) {
          this.#send(peer, { kind: "Unsubscribe", topic });
        }
        return;
      }
    }
  }

  #sortedPeers(peers: readonly P[]): P[] {
    return [...peers].sort((a, b) => this.#o.peer.compare(a, b));
  }

  // ---- P2P inputs ----

  #p2pInput(input: P2pInput<P, T, I, M>): void {
    switch (input.kind) {
      case "NewConnection": {
        const { peer, direct, outbound } = input;
        const bootstrap = input.bootstrap ?? false;
        const out = this.#gs.addPeer({ peer, direct, outbound, bootstrap });
        if (out.kind === "PeerAlreadyKnown") return;
        this.stats.countConnections++;
        const key = this.#peerKey(peer);
        if (bootstrap) {
          this.stats.countBootstrapConnections++;
          this.#bootstrapPeers.add(key);
        }
        if (input.trusted) this.#trustedPeers.set(key, peer);
        for (const topic of this.#gs.view.joinedTopics()) {
          this.#send(peer, { kind: "Subscribe", topic });
        }
        return;
      }
      case "Disconnection": {
        const peer = input.peer;
        this.#gs.removePeer({ peer });
        this.stats.countConnections--;
        if (this.#bootstrapPeers.delete(this.#peerKey(peer))) {
          this.stats.countBootstrapConnections--;
        }
        return;
      }
      case "InMessage":
        return this.#inMessage(input.fromPeer, input.p2pMessage);
    }
  }

  #inMessage(peer: P, message: PeerMessage<P, T, I, M>): void {
    switch (message.kind) {
      case "MessageWithHeader": {
        const { topic, messageId } = message;
        return this.#receive({ sender: peer, topic, messageId, message: message.message });
      }
      case "Graft":
        return this.#graft(
          peer,
          message.topic,
          this.#gs.handleGraft({ peer, topic: message.topic }),
        );
      case "Subscribe": {
        const out = this.#gs.handleSubscribe({ peer, topic: message.topic });
        if (
          out.kind === "SubscribeIgnoredTopicLimitExceeded" &&
          this.rateLimit("SubscribeTopicCapExceeded")
        ) {
          const maxTopics = this.#gs.limits.maxTopicsPerPeer ?? Infinity;
          this.#o.enqueue({ kind: "SubscribeTopicCapExceeded", peer, maxTopics });
        }
        return;
      }
      case "Unsubscribe":
        this.#gs.handleUnsubscribe({ peer, topic: message.topic });
        return;
      case "IHave": {
        const { topic, messageIds } = message;
        return this.#ihave(peer, this.#gs.handleIhave({ peer, topic, messageIds }));
      }
      case "IWant":
        return this.#iwant(peer, this.#gs.handleIwant({ peer, messageIds: message.messageIds }));
      case "Prune": {
        const { topic, px, backoff } = message;
        return this.#prune(peer, px, this.#gs.handlePrune({ peer, topic, px, backoff }));
      }
      case "Ping":
        return; // keep-alive only
    }
  }

  #graft(peer: P, topic: T, out: GraftOutput): void {
    const prune = (px: P[]) => {
      this.#send(peer, { kind: "Prune", topic, px, backoff: this.#gs.limits.pruneBackoff });
    };
    switch (out.kind) {
      case "PeerAlreadyInMesh":
      case "UnexpectedGraftingPeer":
        return;
      case "GraftingSuccessfully":
        this.stats.countRecvGrafts++;
        return;
      case "PeerFiltered":
      case "UnsubscribedTopic":
      case "GraftingDirectPeer":
      case "GraftingPeerWithNegativeScore":
      case "PeerBackedOff":
        return prune([]);
      case "MeshFull":
        // Counted as a successful graft, though the peer is pruned at once (Octez).
        this.stats.countRecvGrafts++;
        return prune(this.#gs.selectPxPeers(peer, topic, []));
    }
  }

  #ihave(peer: P, out: IHaveOutput<I>): void {
    if (out.kind !== "MessageRequestedMessageIds") return;
    this.stats.countRecvIhaves += out.messageIds.length;
    if (out.messageIds.length > 0) this.#send(peer, { kind: "IWant", messageIds: out.messageIds });
  }

  #iwant(peer: P, out: IWantOutput<I, M>): void {
    if (out.kind !== "OnIwantMessagesToRoute") return;
    for (const { messageId, result } of out.routedMessageIds) {
      if (result.kind !== "Message") continue;
      this.stats.countRecvIwants++;
      const topic = this.#o.messageId.getTopic(messageId);
      this.#send(peer, { kind: "MessageWithHeader", message: result.message, topic, messageId });
    }
  }

  #prune(origin: P, advertised: readonly P[], out: PruneOutput<P>): void {
    if (out.kind !== "PruneTopicNotTracked" && out.kind !== "PeerNotInMesh") {
      this.stats.countRecvPrunes++;
    }
    const kept = new Map<Key, P>();
    if (out.kind === "PX") {
      const view = this.#gs.view;
      const selfKey = this.#o.self === undefined ? undefined : this.#peerKey(this.#o.self);
      for (const peer of out.peers) {
        const key = this.#peerKey(peer);
        if (key === selfKey || view.isConnected(peer) || !this.#peerContactable(peer)) continue;
        kept.set(key, peer);
      }
      for (const peer of this.#sortedPeers([...kept.values()])) {
        this.#output({ kind: "Connect", peer, origin: { kind: "PX", peer: origin } });
      }
    }
    const forgotten = new Map<Key, P>();
    for (const peer of advertised) {
      const key = this.#peerKey(peer);
      if (!kept.has(key)) forgotten.set(key, peer);
    }
    for (const peer of this.#sortedPeers([...forgotten.values()])) {
      this.#output({ kind: "Forget", peer, origin });
    }
  }

  // ---- full messages (spec §11.6) ----

  #receive(received: ReceiveMessage<P, T, I, M>): void {
    this.#onReceived(received, this.#gs.handleReceiveMessage(received));
  }

  #onReceived(received: ReceiveMessage<P, T, I, M>, out: ReceiveMessageOutput<P, T, I, M>): void {
    switch (out.kind) {
      case "RouteMessage": {
        this.stats.countRecvValidAppMessages++;
        const { topic, messageId, message } = received;
        if (out.toRoute.length > 0) {
          // One message object for all recipients: outputs are read-only.
          const full: PeerMessage<P, T, I, M> = {
            kind: "MessageWithHeader",
            message,
            topic,
            messageId,
          };
          for (const peer of out.toRoute) this.#send(peer, full);
        }
        if (this.#gs.view.hasJoined(topic)) this.#emitApp({ message, topic, messageId });
        return;
      }
      case "ToIncludeInBatch":
        this.#batch?.add(out.entry);
        return;
      case "UnknownValidity":
        this.stats.countRecvUnknownValidityAppMessages++;
        if (this.#unknown.add(received) !== undefined) {
          this.stats.countEvictedUnknownValidityMessages++;
        }
        return;
      case "Outdated":
        this.stats.countRecvOutdatedAppMessages++;
        return;
      case "InvalidMessage":
        this.stats.countRecvInvalidAppMessages++;
        return;
      case "AlreadyReceived":
        // Not an Octez counter (its worker keeps none for duplicates); operators want it.
        this.stats.countRecvDuplicateAppMessages++;
        return;
      case "NotSubscribed":
        return;
    }
  }

  #processBatch(batch: readonly BatchEntry<P, T, I, M>[]): void {
    for (const { message, output } of this.#gs.applyBatch(batch).results) {
      this.#onReceived(message, output);
    }
  }

  /**
   * Retries buffered messages from the smallest id while their id's validity
   * is known: `Outdated` ones are dropped, `Valid` and `Invalid` ones go
   * through the normal receive path again (same first sender). Stops at the
   * first `Unknown`. At most the messages present at the start are looked at,
   * so a message whose id is `Valid` but whose payload is still `Unknown`
   * (re-buffered) cannot loop forever.
   */
  #checkUnknownMessages(): void {
    const validity = this.#o.messageId;
    for (let budget = this.#unknown.size; budget > 0; budget--) {
      const first = this.#unknown.peekMin();
      if (first === undefined) return;
      const verdict = validity.valid(first.messageId);
      if (verdict === "Unknown") return;
      this.#unknown.removeMin();
      if (verdict !== "Outdated") this.#receive(first);
    }
  }

  // ---- heartbeat (spec §11.5) ----

  #heartbeat(): void {
    const gs = this.#gs;
    const out = gs.heartbeat();
    const view = gs.view;
    const tick = view.heartbeatTicks;
    const limits = gs.limits;
    const ping = limits.heartbeatPingInterval;
    if (ping !== undefined && tick % ping === 0) {
      for (const peer of view.connectedPeers()) this.#send(peer, { kind: "Ping" });
    }
    const byPeer = (a: { peer: P }, b: { peer: P }) => this.#o.peer.compare(a.peer, b.peer);
    const sortTopics = (topics: readonly T[]) =>
      [...topics].sort((a, b) => this.#o.topic.compare(a, b));
    for (const { peer, topics } of [...out.toGraft].sort(byPeer)) {
      for (const topic of sortTopics(topics)) this.#send(peer, { kind: "Graft", topic });
    }
    for (const { peer, topics } of [...out.toPrune].sort(byPeer)) {
      for (const topic of sortTopics(topics)) {
        const px = gs.selectPxPeers(peer, topic, out.noPXPeers);
        this.#send(peer, { kind: "Prune", topic, px, backoff: limits.pruneBackoff });
      }
    }
    for (const { peer, topic, messageIds } of gs.selectGossipMessages()) {
      if (messageIds.length > 0) this.#send(peer, { kind: "IHave", topic, messageIds });
    }
    if (tick % this.#o.reconnectionTicks === 0) {
      for (const peer of this.#sortedPeers([...this.#trustedPeers.values()])) {
        if (!view.isConnected(peer) && this.#peerContactable(peer)) {
          this.#output({ kind: "Connect", peer, origin: { kind: "Trusted" } });
        }
      }
      const points = new Set(this.#o.initialPoints?.() ?? []);
      for (const point of [...points].sort()) {
        if (this.#pointContactable(point)) this.#output({ kind: "ConnectPoint", point });
      }
    }
    if (tick % UNREACHABLE_RESET_TICKS === 0) this.#unreachable.clear();
  }
}

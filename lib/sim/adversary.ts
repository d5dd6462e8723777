/**
 * Adversaries of the gossipsub v1.1 threat model (Vyzovitis et al.,
 * "GossipSub: Attack-Resilient Message Propagation in the Filecoin and ETH2.0
 * Networks", 2020, §5), each a simulated node running the same automaton with
 * part of the worker's duties dropped and an active misbehaviour on a timer:
 *
 * - `sybil`: joins meshes (grafts and accepts grafts like anyone) but never
 *   forwards a message, answers no IWant and gossips nothing. Penalised by P3
 *   (mesh delivery deficit) where its weight is non-zero (the test limits; the
 *   DAL disables P3 and P3b) and outscored by honest peers' P2 first deliveries.
 * - `eclipse`: Sybils that all connect to one target and behave as `sybil`;
 *   the target's mesh must keep honest peers (D_out outbound peers, D_score
 *   best-scored, opportunistic grafting).
 * - `spam`: relays like an honest peer but also sends, every tick, a fresh
 *   message whose validity flag is 0 to every connected peer: the automaton's
 *   `message.valid` says `Invalid` and P4 applies.
 * - `ihave-flood`: every tick, an IHave with `floodIds` fresh unknown ids to
 *   every connected peer, never answering the IWants it provokes (and not
 *   relaying). Bounded by `maxRecvIhavePerHeartbeat` and
 *   `maxSentIwantPerHeartbeat`; Octez has no promise tracking (no P7 for broken
 *   IWant promises), so only the lack of P2 separates it from honest peers.
 * - `iwant-flood`: every tick, an IWant for its `floodIds` most recent message
 *   ids to every connected peer (no relaying): bounded per peer and id by
 *   `maxGossipRetransmission`; not scored in Octez either.
 * - `graft-backoff`: relays honestly but, every tick, sends Graft to every
 *   connected peer whatever its backoff: each Graft while backed off costs P7
 *   (twice within `graftFloodThreshold` of the prune, Octez
 *   `gossipsub_automaton.ml` `handle_graft`, our `control.ts`).
 *
 * @module
 */

import type { NodeBehaviour, SimNode } from "./sim_node.ts";
import type { SimMessage } from "./wire_size.ts";

/** The adversary kinds (see the module documentation). */
export type AdversaryKind =
  | "sybil"
  | "eclipse"
  | "spam"
  | "ihave-flood"
  | "iwant-flood"
  | "graft-backoff";

/** Every adversary kind, for help texts and checks. */
export const ADVERSARY_KINDS: readonly AdversaryKind[] = [
  "sybil",
  "eclipse",
  "spam",
  "ihave-flood",
  "iwant-flood",
  "graft-backoff",
];

/** The adversaries of a run. */
export interface AdversaryConfig {
  /** Their kind. */
  readonly kind: AdversaryKind;
  /** How many (they are nodes `nodes … nodes + count − 1`). */
  readonly count: number;
  /** Honest nodes each one connects to (eclipse: the target only). */
  readonly connections: number;
  /** The eclipse target (an honest node index; default 0). */
  readonly target?: number;
  /** Period of the active misbehaviour, in ms (default 200). */
  readonly tickMs?: number;
  /** Ids per IHave or IWant of the floods (default 500). */
  readonly floodIds?: number;
}

/** What an adversary does beyond its node: the simulator implements it. */
export interface AdversaryNetwork {
  /** Puts `message` on the link from `from` to `to`. */
  send(from: SimNode, to: number, message: SimMessage): void;
  /** A fresh message id in the adversaries' own range (never a publication's). */
  freshId(): number;
}

/** The passive part of each kind's behaviour. */
export function behaviourOf(kind: AdversaryKind): NodeBehaviour {
  switch (kind) {
    case "spam":
    case "graft-backoff":
      return { relays: true, gossips: true };
    case "sybil":
    case "eclipse":
    case "ihave-flood":
    case "iwant-flood":
      return { relays: false, gossips: false };
  }
}

/** Whether the kind has an active misbehaviour (a timer). */
export function isActive(kind: AdversaryKind): boolean {
  return kind !== "sybil" && kind !== "eclipse";
}

/** One tick of the active misbehaviour of `node`, on topic `topic`. */
export function adversaryTick(
  kind: AdversaryKind,
  node: SimNode,
  topic: string,
  config: AdversaryConfig,
  net: AdversaryNetwork,
): void {
  const peers = [...node.links.keys()].sort((a, b) => a - b);
  const floodIds = config.floodIds ?? 500;
  switch (kind) {
    case "spam": {
      const payload = new Uint8Array(32); // flag byte 0: invalid
      for (const peer of peers) {
        const messageId = net.freshId();
        net.send(node, peer, { kind: "MessageWithHeader", topic, messageId, message: payload });
      }
      return;
    }
    case "ihave-flood": {
      const messageIds = Array.from({ length: floodIds }, () => net.freshId());
      for (const peer of peers) net.send(node, peer, { kind: "IHave", topic, messageIds });
      return;
    }
    case "iwant-flood": {
      const messageIds = node.recent.slice(-floodIds);
      if (messageIds.length === 0) return;
      for (const peer of peers) net.send(node, peer, { kind: "IWant", messageIds });
      return;
    }
    case "graft-backoff":
      for (const peer of peers) net.send(node, peer, { kind: "Graft", topic });
      return;
    case "sybil":
    case "eclipse":
      return;
  }
}

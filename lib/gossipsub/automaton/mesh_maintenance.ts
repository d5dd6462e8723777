/**
 * Heartbeat mesh maintenance for one joined topic (Octez
 * `Heartbeat.maintain_mesh`): drop negative-score peers, graft when below D_lo,
 * prune to D when above D_hi while keeping the best D_score peers and D_out
 * outbound ones, graft outbound peers when the quota is unmet, and graft
 * opportunistically when the mesh median score is low.
 *
 * Decisions are taken against the state as it was before the heartbeat's
 * updates (Octez takes one snapshot for all topics); the caller applies the
 * accumulated grafts and prunes afterwards.
 *
 * @module
 */

import type { ConnectedPeer } from "./connections.ts";
import type { Key } from "./modules.ts";
import type { GossipsubState, MeshEntry } from "./state.ts";

/** Peers with the topics decided for them, keyed by peer key. */
export type PeerTopicsMap<P, T> = Map<Key, { readonly peer: P; readonly topics: Map<Key, T> }>;

/** What a heartbeat accumulates across topics. */
export interface MeshDecisions<P, T> {
  /** Peers to graft, with topics. */
  readonly toGraft: PeerTopicsMap<P, T>;
  /** Peers to prune, with topics. */
  readonly toPrune: PeerTopicsMap<P, T>;
  /** Pruned peers that must get no PX. */
  readonly noPX: Map<Key, P>;
}

/** Records `topic` for `peer` in a peer → topics map. */
export function addPeerTopic<P, T>(
  map: PeerTopicsMap<P, T>,
  key: Key,
  peer: P,
  topicKey: Key,
  topic: T,
): void {
  const entry = map.get(key);
  if (entry === undefined) map.set(key, { peer, topics: new Map([[topicKey, topic]]) });
  else entry.topics.set(topicKey, topic);
}

/**
 * Chooses which mesh peers to prune when the mesh holds more than D_hi peers:
 * keep the D_score best-scored ones and random others up to D, then swap in
 * outbound victims for kept inbound peers until D_out outbound peers are kept
 * (Octez `select_peers_to_prune`).
 */
function selectVictims<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  peers: ReadonlyMap<Key, P>,
): Key[] {
  const { degreeOptimal, degreeScore, degreeOut } = state.limits;
  const outbound = (key: Key) => state.connections.findByKey(key)?.outbound ?? false;
  const scored = [...peers.keys()].map((key) => ({ key, score: state.scoreOf(key) }));
  // Shuffle first so that ties (e.g. every score 0) are broken at random; the
  // sort is stable.
  state.rng.shuffle(scored);
  scored.sort((a, b) => b.score - a.score);
  const high = scored.slice(0, degreeScore);
  const low = state.rng.shuffle(scored.slice(degreeScore));
  const keep = high.concat(low.slice(0, degreeOptimal - degreeScore)).map((e) => e.key);
  const victims = low.slice(degreeOptimal - degreeScore).map((e) => e.key);
  const outboundKept = keep.filter(outbound).length;
  if (outboundKept >= degreeOut) return victims;
  const inboundKept = keep.filter((key) => !outbound(key));
  const outboundVictims = victims.filter(outbound);
  const inboundVictims = victims.filter((key) => !outbound(key));
  const swap = Math.min(
    Math.max(0, degreeOut - outboundKept),
    Math.min(outboundVictims.length, inboundKept.length),
  );
  if (swap <= 0) return victims;
  return inboundKept.slice(inboundKept.length - swap).reverse()
    .concat(inboundVictims, outboundVictims.slice(swap));
}

/** Maintains the mesh of one topic, adding its grafts and prunes to `decisions`. */
export function maintainTopicMesh<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  topicKey: Key,
  entry: MeshEntry<P, T>,
  decisions: MeshDecisions<P, T>,
  tick: number,
): void {
  const limits = state.limits;
  const { topic } = entry;
  const { toGraft, toPrune, noPX } = decisions;
  const backoff = state.backoffs.topic(topicKey);
  const backedOff = (key: Key) => backoff !== undefined && backoff.has(key);
  const kept = new Map(entry.peers);
  const prune = (key: Key, peer: P) => {
    addPeerTopic(toPrune, key, peer, topicKey, topic);
    kept.delete(key);
  };
  const graft = (chosen: ConnectedPeer<P, T>[]) => {
    for (const c of chosen) addPeerTopic(toGraft, c.key, c.peer, topicKey, topic);
  };

  // 1. Negative scores leave the mesh, without PX.
  for (const [key, peer] of entry.peers) {
    if (state.scoreOf(key) < 0) {
      prune(key, peer);
      noPX.set(key, peer);
    }
  }

  // 2. Too few peers. Quirk §16.4 (first half), reproduced: these new peers
  // are not counted by steps 3 and 4, as in Octez; the two steps cannot apply
  // in the same heartbeat anyway (n < D_lo excludes both n > D_hi and n' ≥ D_lo).
  const n = kept.size;
  if (n < limits.degreeLow) {
    graft(state.select(
      topicKey,
      (c, score) => !kept.has(c.key) && !backedOff(c.key) && !c.direct && score >= 0,
      limits.degreeOptimal - n,
    ));
  }

  // 3. Too many peers: prune down to D.
  if (n > limits.degreeHigh) {
    for (const key of selectVictims(state, kept)) prune(key, kept.get(key)!);
  }

  // 4. Not enough outbound peers. When this step runs, its selection (even an
  // empty one) replaces the mesh as the peer list step 5 works on, as in Octez
  // (`gossipsub_automaton.ml` `maintain_topic_mesh`, the `(to_graft, new_peers)`
  // branch).
  let opportunisticBase: Key[] = [...kept.keys()];
  if (kept.size >= limits.degreeLow) {
    let outbound = 0;
    for (const key of kept.keys()) if (state.connections.findByKey(key)?.outbound) outbound++;
    if (outbound < limits.degreeOut) {
      const chosen = state.select(
        topicKey,
        (c, score) =>
          !kept.has(c.key) && !backedOff(c.key) && !c.direct && score >= 0 && c.outbound,
        limits.degreeOut - outbound,
      );
      graft(chosen);
      opportunisticBase = chosen.map((c) => c.key);
    }
  }

  // 5. Opportunistic grafting, exactly as Octez `opportunistic_grafting`
  // (`gossipsub_automaton.ml` 1691-1738, called at 1853-1893). The median is
  // taken over, and candidates are excluded from, one peer list only:
  // - when step 4 ran, the peers it just grafted, not the mesh (quirk §16.4,
  //   second half, reproduced): a mesh peer may be chosen again, which sends it
  //   a redundant Graft and restarts its P1 time in mesh; with fewer than two
  //   such peers nothing is grafted;
  // - otherwise the mesh after steps 1 and 3, without the peers step 2 grafted
  //   (quirk §16.4, first half): the median ignores them, and one of them may
  //   be drawn again (the graft is recorded once).
  // Candidates are not required to score ≥ 0, only above the median (which is
  // ≥ 0: negative peers left in step 1, and steps 2 and 4 pick scores ≥ 0).
  if (tick % limits.opportunisticGraftTicks !== 0) return;
  if (opportunisticBase.length <= 1) return;
  const scores = opportunisticBase.map((key) => state.scoreOf(key)).sort((a, b) => a - b);
  const median = scores[Math.floor(opportunisticBase.length / 2)];
  if (!(median < limits.opportunisticGraftThreshold)) return;
  const base = new Set(opportunisticBase);
  graft(state.select(
    topicKey,
    (c, score) =>
      !base.has(c.key) && !backedOff(c.key) && !c.direct && score > median &&
      !(toPrune.get(c.key)?.topics.has(topicKey) ?? false),
    limits.opportunisticGraftPeers,
  ));
}

/**
 * Pure selectors the worker calls to build outgoing control messages (Octez
 * `select_px_peers` and `select_gossip_messages`): peer exchange for the Prunes
 * we send, and the IHave gossip of each heartbeat. They read the state and
 * advance the random generator, nothing else.
 *
 * @module
 */

import type { Key } from "./modules.ts";
import type { GossipsubState } from "./state.ts";

/** One IHave to emit: advertise `messageIds` of `topic` to `peer`. */
export interface GossipMessage<P, T, I> {
  /** The peer to send the IHave to. */
  readonly peer: P;
  /** The topic. */
  readonly topic: T;
  /** The advertised ids (at most `maxSentIwantPerHeartbeat`). */
  readonly messageIds: readonly I[];
}

/**
 * Peers to suggest in the Prune we send to `peerToPrune` on `topic`: up to
 * `peersToPx` random subscribers of the topic with a non-negative score, other
 * than the pruned peer; none when PX is disabled or the peer is in
 * `noPXPeers`. As in Octez the list may include mesh, direct and bootstrap
 * peers; the worker filters what it cannot use.
 */
export function selectPxPeers<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  peerToPrune: P,
  topic: T,
  noPXPeers: Iterable<P> = [],
): P[] {
  const limits = state.limits;
  if (!limits.doPx) return [];
  const prunedKey = state.peerKey(peerToPrune);
  for (const peer of noPXPeers) if (state.peerKey(peer) === prunedKey) return [];
  return state.select(
    state.topicKey(topic),
    (c, score) => c.key !== prunedKey && score >= 0,
    limits.peersToPx,
  ).map((c) => c.peer);
}

function gossipForTopic<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  topicKey: Key,
  topic: T,
  excluded: ReadonlyMap<Key, P>,
  out: GossipMessage<P, T, I>[],
): void {
  const ids = state.messageCache.getMessageIdsToGossip(topic);
  if (ids.length === 0) return;
  const { gossipThreshold, degreeLazy, gossipFactor, maxSentIwantPerHeartbeat } = state.limits;
  const candidates = state.candidates(
    topicKey,
    (c, score) => !c.direct && score >= gossipThreshold && !excluded.has(c.key),
  );
  const target = Math.max(degreeLazy, Math.floor(gossipFactor * candidates.length));
  const count = Math.min(target, candidates.length);
  // Octez shuffles every candidate then takes `target`; drawing only the first
  // `target` positions gives the same distribution with a quarter of the draws
  // (gossipFactor 0.25), which is most of the heartbeat at 5,000 peers.
  state.rng.shuffle(candidates, count);
  for (let i = 0; i < count; i++) {
    let messageIds: readonly I[];
    if (ids.length <= maxSentIwantPerHeartbeat) {
      // Every id is sent: Octez shuffles anyway (`gossipsub_automaton.ml`
      // `select_gossip_messages`, `select_gossip_for_peer`: "so that we emit a
      // different set for each peer", which only differs when the list is
      // truncated), but an IHave's order carries no meaning, so every peer of the topic gets the same read-only list
      // (fresh for this topic and heartbeat), without O(ids) draws or a copy
      // per peer: at 5,000 peers × 100 topics that is 95,000 arrays fewer.
      messageIds = ids;
    } else {
      const drawn = state.rng.shuffle(ids.slice(), maxSentIwantPerHeartbeat);
      drawn.length = maxSentIwantPerHeartbeat;
      messageIds = drawn;
    }
    out.push({ peer: candidates[i].peer, topic, messageIds });
  }
}

/**
 * The IHave gossip of a heartbeat, for every joined topic (excluding its mesh
 * peers) then every fanout topic (excluding its fanout peers): the cached ids
 * of the gossip window, sent to max(D_lazy, ⌊gossipFactor × eligible⌋) random
 * non-direct subscribers whose score reaches `gossipThreshold`.
 */
export function selectGossipMessages<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
): GossipMessage<P, T, I>[] {
  const out: GossipMessage<P, T, I>[] = [];
  for (const [topicKey, entry] of state.mesh) {
    gossipForTopic(state, topicKey, entry.topic, entry.peers, out);
  }
  for (const [topicKey, entry] of state.fanout) {
    gossipForTopic(state, topicKey, entry.topic, entry.peers, out);
  }
  return out;
}

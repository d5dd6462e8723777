/**
 * Joining and leaving topics on behalf of the local application (Octez `Join`
 * and `Leave`).
 *
 * @module
 */

import type { Key, Time } from "./modules.ts";
import type { JoinOutput, LeaveOutput, TopicChange } from "./io.ts";
import type { GossipsubState } from "./state.ts";

/**
 * Joins a topic: the mesh starts from the still-valid fanout peers (connected,
 * not backed off, score ≥ 0) topped up to D with random eligible subscribers;
 * the fanout entry is dropped. `toGraft` may be empty.
 */
export function join<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  input: TopicChange<T>,
  now: Time,
): JoinOutput<P> {
  const { topic } = input;
  const topicKey = state.topicKey(topic);
  if (state.mesh.has(topicKey)) return { kind: "AlreadyJoined" };
  const degree = state.limits.degreeOptimal;
  const peers = new Map<Key, P>();
  const fanout = state.fanout.get(topicKey);
  if (fanout !== undefined) {
    for (const [key, peer] of fanout.peers) {
      if (
        state.connections.findByKey(key) !== undefined && !state.backedOff(topicKey, key) &&
        !(state.scoreOf(key) < 0)
      ) peers.set(key, peer);
    }
  }
  if (peers.size < degree) {
    const more = state.select(
      topicKey,
      (c, score) =>
        !c.direct && !state.backedOff(topicKey, c.key) && !(score < 0) && !peers.has(c.key),
      degree - peers.size,
    );
    for (const c of more) peers.set(c.key, c.peer);
  }
  for (const key of peers.keys()) state.scores.get(key)?.graft(topic, now);
  state.mesh.set(topicKey, { topic, peers });
  state.fanout.delete(topicKey);
  return { kind: "JoiningTopic", toGraft: [...peers.values()] };
}

/**
 * Leaves a topic: every former mesh peer gets an `unsubscribeBackoff` backoff
 * and a score `prune`; those with a negative score get no PX in their Prune.
 * No fanout entry is created.
 */
export function leave<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  input: TopicChange<T>,
  now: Time,
): LeaveOutput<P> {
  const { topic } = input;
  const topicKey = state.topicKey(topic);
  const mesh = state.mesh.get(topicKey);
  if (mesh === undefined) return { kind: "NotJoined" };
  state.mesh.delete(topicKey);
  const toPrune: P[] = [];
  const noPXPeers: P[] = [];
  for (const [key, peer] of mesh.peers) {
    state.backoffs.add(topicKey, key, now, state.limits.unsubscribeBackoff);
    toPrune.push(peer);
    if (state.scoreOf(key) < 0) noPXPeers.push(peer);
  }
  // Scores are pruned after the no-PX decision, as in Octez.
  for (const key of mesh.peers.keys()) state.scores.get(key)?.prune(topic);
  return { kind: "LeavingTopic", toPrune, noPXPeers };
}

/**
 * The automaton's heartbeat (Octez `Heartbeat.handle`), in Octez's order:
 *
 * 1. tick += 1;
 * 2. every `backoffCleanupTicks`: drop backoffs expired for two intervals;
 * 3. every `scoreCleanupTicks`: refresh and decay scores, drop expired records;
 * 4. reset the per-heartbeat IHave/IWant counters;
 * 5. mesh maintenance for every joined topic (`mesh_maintenance.ts`);
 * 6. install prune backoffs, score `graft` the grafted, update meshes;
 * 7. fanout maintenance (expiry, stale peers, refill to D);
 * 8. shift the message cache;
 * 9. score `prune` the pruned.
 *
 * IHave gossip is selected afterwards by the worker with
 * `selectGossipMessages`, i.e. after the shift (quirk §16.6, reproduced).
 *
 * Quirk §16.5, deviation without observable effect: Octez scores `graft` a
 * second time in step 9. The clock is read once per input here, so the second
 * call would set the same instant again; it is skipped.
 *
 * Joined topics are visited in the order they were joined rather than Octez's
 * ascending topic order; both are deterministic and the spec leaves the order
 * unspecified (§17). It only affects which random draws go to which topic.
 *
 * @module
 */

import type { Time } from "./modules.ts";
import { maintainTopicMesh, type MeshDecisions, type PeerTopicsMap } from "./mesh_maintenance.ts";
import type { HeartbeatOutput, PeerTopics } from "./io.ts";
import type { GossipsubState } from "./state.ts";

function toList<P, T>(map: PeerTopicsMap<P, T>): PeerTopics<P, T>[] {
  const list: PeerTopics<P, T>[] = [];
  for (const { peer, topics } of map.values()) list.push({ peer, topics: [...topics.values()] });
  return list;
}

function maintainFanout<P, T, I, M>(state: GossipsubState<P, T, I, M>, now: Time): void {
  const { fanoutTtl, publishThreshold, degreeOptimal } = state.limits;
  for (const [topicKey, entry] of state.fanout) {
    if (entry.lastPublishedTime + fanoutTtl < now) {
      state.fanout.delete(topicKey);
      continue;
    }
    for (const key of [...entry.peers.keys()]) {
      const connection = state.connections.findByKey(key);
      if (
        connection === undefined || !connection.topics.has(topicKey) ||
        state.scoreOf(key) < publishThreshold
      ) entry.peers.delete(key);
    }
    if (entry.peers.size < degreeOptimal) {
      const more = state.select(
        topicKey,
        (c, score) => !entry.peers.has(c.key) && !c.direct && score >= publishThreshold,
        degreeOptimal - entry.peers.size,
      );
      for (const c of more) entry.peers.set(c.key, c.peer);
    }
  }
}

/** Runs one heartbeat. */
export function heartbeat<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  now: Time,
): HeartbeatOutput<P, T> {
  const limits = state.limits;
  const tick = ++state.heartbeatTicks;
  if (tick % limits.backoffCleanupTicks === 0) {
    // Two intervals of slack for message latency (go-libp2p-pubsub#368).
    state.backoffs.cleanup(now - 2 * limits.heartbeatInterval);
  }
  if (tick % limits.scoreCleanupTicks === 0) {
    for (const [key, record] of state.scores) if (!record.refresh(now)) state.scores.delete(key);
  }
  state.ihavePerHeartbeat.clear();
  state.iwantPerHeartbeat.clear();

  const decisions: MeshDecisions<P, T> = {
    toGraft: new Map(),
    toPrune: new Map(),
    noPX: new Map(),
  };
  for (const [topicKey, entry] of state.mesh) {
    maintainTopicMesh(state, topicKey, entry, decisions, tick);
  }

  for (const [key, { topics }] of decisions.toPrune) {
    for (const topicKey of topics.keys()) {
      state.backoffs.add(topicKey, key, now, limits.pruneBackoff);
    }
  }
  for (const [key, { peer, topics }] of decisions.toGraft) {
    const record = state.scores.get(key);
    for (const [topicKey, topic] of topics) {
      record?.graft(topic, now);
      state.mesh.get(topicKey)?.peers.set(key, peer);
    }
  }
  for (const [key, { topics }] of decisions.toPrune) {
    for (const topicKey of topics.keys()) state.mesh.get(topicKey)?.peers.delete(key);
  }

  maintainFanout(state, now);
  state.messageCache.shift();

  for (const [key, { topics }] of decisions.toPrune) {
    const record = state.scores.get(key);
    if (record !== undefined) { for (const topic of topics.values()) record.prune(topic); }
  }
  return {
    kind: "Heartbeat",
    toGraft: toList(decisions.toGraft),
    toPrune: toList(decisions.toPrune),
    noPXPeers: [...decisions.noPX.values()],
  };
}

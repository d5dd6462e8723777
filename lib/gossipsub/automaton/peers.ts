/**
 * Connection and subscription inputs: add / remove a peer, remote Subscribe /
 * Unsubscribe, and the application score (Octez `Add_peer`, `Remove_peer`,
 * `Subscribe`, `Unsubscribe`, `set_application_score`).
 *
 * @module
 */

import type { Time } from "./modules.ts";
import type {
  AddPeer,
  AddPeerOutput,
  RemovePeer,
  RemovePeerOutput,
  SetApplicationScore,
  SetApplicationScoreOutput,
  SubscribeOutput,
  SubscriptionChange,
  UnsubscribeOutput,
} from "./io.ts";
import { PeerScore } from "./score.ts";
import type { GossipsubState } from "./state.ts";

const PEER_ADDED: AddPeerOutput = { kind: "PeerAdded" };
const PEER_ALREADY_KNOWN: AddPeerOutput = { kind: "PeerAlreadyKnown" };
const REMOVING_PEER: RemovePeerOutput = { kind: "RemovingPeer" };
const SUBSCRIBED: SubscribeOutput = { kind: "Subscribed" };
const SUBSCRIBE_TO_UNKNOWN_PEER: SubscribeOutput = { kind: "SubscribeToUnknownPeer" };
const TOPIC_LIMIT: SubscribeOutput = { kind: "SubscribeIgnoredTopicLimitExceeded" };
const UNSUBSCRIBED: UnsubscribeOutput = { kind: "Unsubscribed" };
const UNSUBSCRIBE_FROM_UNKNOWN_PEER: UnsubscribeOutput = { kind: "UnsubscribeFromUnknownPeer" };
const SET_APPLICATION_SCORE: SetApplicationScoreOutput = { kind: "SetApplicationScore" };

/**
 * A connection was established. An already known peer keeps its flags. A
 * retained score record (disconnected peer with a non-positive score) is
 * restored with its penalties and application score.
 */
export function addPeer<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  input: AddPeer<P>,
): AddPeerOutput {
  const flags = {
    direct: input.direct,
    outbound: input.outbound,
    bootstrap: input.bootstrap ?? false,
  };
  if (!state.connections.add(input.peer, flags)) return PEER_ALREADY_KNOWN;
  const key = state.peerKey(input.peer);
  const retained = state.scores.get(key);
  if (retained === undefined) state.scores.set(key, new PeerScore(state.scoreParameters));
  else retained.setConnected();
  return PEER_ADDED;
}

/**
 * A connection was lost. Always answers `RemovingPeer`, even for an unknown
 * peer; backoffs and per-heartbeat counters are left to expire (quirk §16.12,
 * reproduced: they are bounded by the heartbeat and the backoff cleanup).
 */
export function removePeer<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  input: RemovePeer<P>,
  now: Time,
): RemovePeerOutput {
  const key = state.peerKey(input.peer);
  const connection = state.connections.findByKey(key);
  if (connection !== undefined) {
    // Only topics the peer subscribed to can hold it in a mesh or a fanout
    // (grafts subscribe, unsubscribes scrub), so this is O(its topics), not
    // O(all topics) as Octez's full map traversal.
    for (const topicKey of connection.topics.keys()) {
      state.mesh.get(topicKey)?.peers.delete(key);
      state.fanout.get(topicKey)?.peers.delete(key);
    }
  }
  state.connections.remove(input.peer);
  const record = state.scores.get(key);
  if (record !== undefined && !record.removePeer(now, state.limits.retainDuration)) {
    state.scores.delete(key);
  }
  return REMOVING_PEER;
}

/** A remote peer says it subscribes to a topic; it is not added to any mesh here. */
export function handleSubscribe<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  input: SubscriptionChange<P, T>,
): SubscribeOutput {
  switch (state.connections.subscribe(input.peer, input.topic, state.limits.maxTopicsPerPeer)) {
    case "Subscribed":
      return SUBSCRIBED;
    case "UnknownPeer":
      return SUBSCRIBE_TO_UNKNOWN_PEER;
    case "TopicLimitExceeded":
      return TOPIC_LIMIT;
  }
}

/**
 * A remote peer unsubscribes: it leaves our mesh (score `prune`) and the fanout
 * of that topic, without backoff.
 */
export function handleUnsubscribe<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  input: SubscriptionChange<P, T>,
): UnsubscribeOutput {
  if (!state.connections.unsubscribe(input.peer, input.topic)) return UNSUBSCRIBE_FROM_UNKNOWN_PEER;
  const key = state.peerKey(input.peer);
  const topicKey = state.topicKey(input.topic);
  state.scores.get(key)?.prune(input.topic);
  state.mesh.get(topicKey)?.peers.delete(key);
  state.fanout.get(topicKey)?.peers.delete(key);
  return UNSUBSCRIBED;
}

/** Sets the P5 raw value of an existing record (no-op otherwise). */
export function setApplicationScore<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  input: SetApplicationScore<P>,
): SetApplicationScoreOutput {
  state.scores.get(state.peerKey(input.peer))?.setApplicationScore(input.score);
  return SET_APPLICATION_SCORE;
}

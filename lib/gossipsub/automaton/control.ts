/**
 * Control messages from remote peers: IHave, IWant, Graft and Prune (Octez
 * `IHave`, `IWant`, `Graft`, `Prune` modules of `gossipsub_automaton.ml`).
 *
 * Checks run in Octez's order and, as in Octez, side effects of earlier steps
 * are kept when a later check rejects (no rollback, quirk §16.1): the IHave
 * counter grows before the later IHave checks, a rejected Graft installs a
 * backoff, an invalid id costs a P4 point. Peers without a score record
 * (never connected) pass the score gates (quirk §16.2, reproduced: Octez's
 * worker integration test relies on an IHave from such a peer being answered).
 *
 * @module
 */

import type { Key, Time } from "./modules.ts";
import type {
  Graft,
  GraftOutput,
  IHave,
  IHaveOutput,
  IWant,
  IWantOutput,
  IWantResult,
  Prune,
  PruneOutput,
} from "./io.ts";
import type { GossipsubState } from "./state.ts";

const MESSAGE_TOPIC_NOT_TRACKED = { kind: "MessageTopicNotTracked" } as const;
const INVALID_MESSAGE_ID = { kind: "InvalidMessageId" } as const;
const NOTHING_REQUESTED = { kind: "MessageRequestedMessageIds", messageIds: [] } as const;
const NOT_FOUND: IWantResult<never> = { kind: "NotFound" };
const TOO_MANY_REQUESTS: IWantResult<never> = { kind: "TooManyRequests" };
const IGNORED: IWantResult<never> = { kind: "Ignored" };

/** Handles an IHave: decides which advertised ids to request with an IWant. */
export function handleIhave<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  input: IHave<P, T, I>,
): IHaveOutput<I> {
  const limits = state.limits;
  const key = state.peerKey(input.peer);
  const record = state.scores.get(key);
  if (record !== undefined && record.value() < limits.gossipThreshold) {
    return {
      kind: "IhaveFromPeerWithLowScore",
      score: record.value(),
      threshold: limits.gossipThreshold,
    };
  }
  const count = (state.ihavePerHeartbeat.get(key) ?? 0) + 1;
  state.ihavePerHeartbeat.set(key, count);
  if (count > limits.maxRecvIhavePerHeartbeat) {
    return { kind: "TooManyRecvIhaveMessages", count, max: limits.maxRecvIhavePerHeartbeat };
  }
  const asked = state.iwantPerHeartbeat.get(key) ?? 0;
  if (asked >= limits.maxSentIwantPerHeartbeat) {
    return { kind: "TooManySentIwantMessages", count: asked, max: limits.maxSentIwantPerHeartbeat };
  }
  if (!state.mesh.has(state.topicKey(input.topic))) return MESSAGE_TOPIC_NOT_TRACKED;
  const wanted: I[] = [];
  for (const messageId of input.messageIds) {
    switch (state.messageIdModule.valid(messageId)) {
      case "Valid":
      case "Unknown": // requested too since Octez v21.4: a future id will be valid soon
        if (
          !state.messageCache.seenMessage(messageId) &&
          state.peerFilter(input.peer, { kind: "IHave", messageId })
        ) wanted.push(messageId);
        break;
      case "Outdated":
        break;
      case "Invalid":
        record?.invalidMessageDelivered(input.topic);
        return INVALID_MESSAGE_ID;
    }
  }
  if (wanted.length === 0) return NOTHING_REQUESTED;
  const limit = limits.maxSentIwantPerHeartbeat - asked;
  if (wanted.length > limit) {
    state.rng.shuffle(wanted, limit);
    wanted.length = limit;
  } else {
    state.rng.shuffle(wanted);
  }
  state.iwantPerHeartbeat.set(key, asked + wanted.length);
  return { kind: "MessageRequestedMessageIds", messageIds: wanted };
}

/**
 * Handles an IWant: answers each id from the history window, counting accesses
 * per peer (`maxGossipRetransmission`). No topic or subscription check, as in Octez.
 */
export function handleIwant<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  input: IWant<P, I>,
): IWantOutput<I, M> {
  const limits = state.limits;
  const record = state.scores.get(state.peerKey(input.peer));
  if (record !== undefined && record.value() < limits.gossipThreshold) {
    return {
      kind: "IwantFromPeerWithLowScore",
      score: record.value(),
      threshold: limits.gossipThreshold,
    };
  }
  const results = new Map<Key, { messageId: I; result: IWantResult<M> }>();
  for (const messageId of input.messageIds) {
    const found = state.messageCache.getMessageForPeer(input.peer, messageId);
    let result: IWantResult<M>;
    if (found === undefined) result = NOT_FOUND;
    else if (found.accessCount > limits.maxGossipRetransmission) result = TOO_MANY_REQUESTS;
    else if (state.peerFilter(input.peer, { kind: "IWant", messageId })) {
      result = { kind: "Message", message: found.message };
    } else result = IGNORED;
    results.set(state.messageIdKey(messageId), { messageId, result });
  }
  const routedMessageIds = [...results.values()];
  if (routedMessageIds.length > 1) {
    const compare = state.messageIdModule.compare;
    routedMessageIds.sort((a, b) => compare(a.messageId, b.messageId));
  }
  return { kind: "OnIwantMessagesToRoute", routedMessageIds };
}

const PEER_FILTERED: GraftOutput = { kind: "PeerFiltered" };
const UNSUBSCRIBED_TOPIC: GraftOutput = { kind: "UnsubscribedTopic" };
const PEER_ALREADY_IN_MESH: GraftOutput = { kind: "PeerAlreadyInMesh" };
const UNEXPECTED_GRAFTING_PEER: GraftOutput = { kind: "UnexpectedGraftingPeer" };
const GRAFTING_DIRECT_PEER: GraftOutput = { kind: "GraftingDirectPeer" };
const PEER_BACKED_OFF: GraftOutput = { kind: "PeerBackedOff" };
const NEGATIVE_SCORE: GraftOutput = { kind: "GraftingPeerWithNegativeScore" };
const MESH_FULL: GraftOutput = { kind: "MeshFull" };
const GRAFTING_SUCCESSFULLY: GraftOutput = { kind: "GraftingSuccessfully" };

/**
 * Handles a Graft. Every rejection that the worker answers with a Prune also
 * installs a `pruneBackoff` backoff, in Octez's check order. A successful Graft
 * records the peer as subscribed to the topic (quirk §16.9, reproduced: Octez's
 * unit test "graft auto-subscribes" requires it).
 */
export function handleGraft<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  input: Graft<P, T>,
  now: Time,
): GraftOutput {
  const { peer, topic } = input;
  const limits = state.limits;
  const key = state.peerKey(peer);
  const topicKey = state.topicKey(topic);
  const backoff = () => state.backoffs.add(topicKey, key, now, limits.pruneBackoff);
  if (!state.peerFilter(peer, { kind: "Graft" })) {
    backoff();
    return PEER_FILTERED;
  }
  const mesh = state.mesh.get(topicKey);
  if (mesh === undefined) {
    backoff();
    return UNSUBSCRIBED_TOPIC;
  }
  if (mesh.peers.has(key)) return PEER_ALREADY_IN_MESH;
  const connection = state.connections.findByKey(key);
  if (connection === undefined) return UNEXPECTED_GRAFTING_PEER;
  if (connection.direct) {
    backoff();
    return GRAFTING_DIRECT_PEER;
  }
  const record = state.scores.get(key);
  if (record !== undefined) {
    const expiry = state.backoffs.get(topicKey, key);
    if (expiry !== undefined && now < expiry) {
      // The last prune time is reconstructed as `expiry − pruneBackoff`, even
      // when the entry came from another duration (quirk §16.9, reproduced:
      // the P7 graft-flood test expects it).
      const lastPrune = expiry - limits.pruneBackoff;
      record.penalty(now < lastPrune + limits.graftFloodThreshold ? 2 : 1);
      backoff();
      return PEER_BACKED_OFF;
    }
    if (record.value() < 0) {
      backoff();
      return NEGATIVE_SCORE;
    }
  }
  if (!connection.outbound && mesh.peers.size >= limits.degreeHigh) {
    backoff();
    return MESH_FULL;
  }
  const cap = limits.maxTopicsPerPeer;
  if (cap !== undefined && !connection.topics.has(topicKey) && connection.topics.size >= cap) {
    backoff();
    return PEER_FILTERED;
  }
  record?.graft(topic, now);
  mesh.peers.set(key, peer);
  state.connections.subscribe(peer, topic, cap);
  return GRAFTING_SUCCESSFULLY;
}

/**
 * Handles a Prune: the sender leaves our mesh with the backoff it asked for,
 * used as is even when 0 or negative (quirk §16.10, reproduced: Octez's
 * "graft on joined topic" test prunes with backoff 0 then re-grafts at once),
 * and its PX list is accepted if its score allows.
 */
export function handlePrune<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  input: Prune<P, T>,
  now: Time,
): PruneOutput<P> {
  const topicKey = state.topicKey(input.topic);
  const mesh = state.mesh.get(topicKey);
  if (mesh === undefined) return { kind: "PruneTopicNotTracked" };
  const key = state.peerKey(input.peer);
  if (!mesh.peers.delete(key)) return { kind: "PeerNotInMesh" };
  state.backoffs.add(topicKey, key, now, input.backoff);
  const record = state.scores.get(key);
  if (record !== undefined) {
    record.prune(input.topic);
    if (record.value() < state.limits.acceptPxThreshold) {
      return { kind: "IgnorePXScoreTooLow", score: record.value() };
    }
  }
  const px = [...input.px];
  state.rng.shuffle(px, state.limits.peersToPx);
  const kept = new Map<Key, P>();
  for (let i = 0; i < px.length && i < state.limits.peersToPx; i++) {
    kept.set(state.peerKey(px[i]), px[i]);
  }
  return kept.size === 0 ? { kind: "NoPX" } : { kind: "PX", peers: [...kept.values()] };
}

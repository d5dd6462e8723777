/**
 * Full messages: received from peers (sequentially or in batches) and
 * published by the local application (Octez `Receive_message`, `apply_batch`,
 * `Publish_message`).
 *
 * @module
 */

import type { Key, Time, Validity } from "./modules.ts";
import type {
  BatchEntry,
  BatchOutput,
  PublishMessage,
  PublishOutput,
  ReceiveMessage,
  ReceiveMessageOutput,
} from "./io.ts";
import type { GossipsubState } from "./state.ts";

type Rejection = ReceiveMessageOutput<never, never, never, never>;
const NOT_SUBSCRIBED: Rejection = { kind: "NotSubscribed" };
const ALREADY_RECEIVED: Rejection = { kind: "AlreadyReceived" };
const OUTDATED: Rejection = { kind: "Outdated" };
const UNKNOWN_VALIDITY: Rejection = { kind: "UnknownValidity" };
const INVALID_MESSAGE: Rejection = { kind: "InvalidMessage" };

/** Maps a non-valid verdict to its output, charging P4 for `Invalid`. */
function reject<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  verdict: Exclude<Validity, "Valid">,
  sender: P,
  topic: T,
): Rejection {
  if (verdict === "Outdated") return OUTDATED;
  if (verdict === "Unknown") return UNKNOWN_VALIDITY;
  state.scores.get(state.peerKey(sender))?.invalidMessageDelivered(topic);
  return INVALID_MESSAGE;
}

/**
 * Peers to forward a message to: our mesh for the topic minus the sender, plus
 * the topic's direct peers.
 *
 * Deviation from Octez (spec §16.8): a direct sender is not sent its own
 * message back. Octez adds direct peers after removing the sender, which only
 * costs bandwidth (the echo is always a duplicate for the sender); nothing
 * depends on it.
 */
function peersToRoute<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  meshPeers: ReadonlyMap<Key, P>,
  senderKey: Key,
  topicKey: Key,
): P[] {
  const toRoute: P[] = [];
  for (const [key, peer] of meshPeers) if (key !== senderKey) toRoute.push(peer);
  const direct = state.directPeers(topicKey);
  if (direct !== undefined) {
    for (const [key, peer] of direct) {
      if (key !== senderKey && !meshPeers.has(key)) toRoute.push(peer);
    }
  }
  return toRoute;
}

/**
 * Handles a full message from a peer. The topic it came with is trusted (it is
 * not compared with the id's topic, quirk §16.8, reproduced: topic checks are
 * the application's validity callbacks' job). A duplicate credits every sender
 * except those recorded in the seen cache, which holds only validated senders,
 * so the same non-first peer earns the near-first credit again on each repeat
 * inside the window (quirk §16.7, reproduced: Octez HEAD behaviour).
 */
export function handleReceiveMessage<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  input: ReceiveMessage<P, T, I, M>,
  now: Time,
): ReceiveMessageOutput<P, T, I, M> {
  const { sender, topic, messageId, message } = input;
  const topicKey = state.topicKey(topic);
  const mesh = state.mesh.get(topicKey);
  if (mesh === undefined) return NOT_SUBSCRIBED;
  const senderKey = state.peerKey(sender);
  const seen = state.messageCache.getFirstSeenTimeAndSenders(messageId);
  if (seen !== undefined) {
    if (!seen.senders.has(senderKey)) {
      state.scores.get(senderKey)?.duplicateMessageDelivered(topic, seen.firstSeen, now);
    }
    return ALREADY_RECEIVED;
  }
  const idVerdict = state.messageIdModule.valid(messageId);
  if (idVerdict !== "Valid") return reject(state, idVerdict, sender, topic);
  if (state.messageHandling.kind === "InBatches") {
    return {
      kind: "ToIncludeInBatch",
      entry: { message: input, toRoute: peersToRoute(state, mesh.peers, senderKey, topicKey) },
    };
  }
  const verdict = state.messageModule.valid(message, messageId);
  if (verdict !== "Valid") return reject(state, verdict, sender, topic);
  state.messageCache.addMessage(sender, messageId, message, topic, now);
  state.scores.get(senderKey)?.firstMessageDelivered(topic);
  return { kind: "RouteMessage", toRoute: peersToRoute(state, mesh.peers, senderKey, topicKey) };
}

/**
 * Validates a batch accumulated by the worker and applies each verdict. As in
 * Octez, no "already seen" re-check is done here (quirk §16.14 is the worker's:
 * the same message in two batches is routed and credited twice).
 */
export function applyBatch<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  batch: readonly BatchEntry<P, T, I, M>[],
  now: Time,
): BatchOutput<P, T, I, M> {
  const messageModule = state.messageModule;
  const verdicts: readonly Validity[] = messageModule.validBatch
    ? messageModule.validBatch(batch.map(({ message: m, toRoute }) => ({
      sender: m.sender,
      topic: m.topic,
      messageId: m.messageId,
      message: m.message,
      toRoute,
    })))
    : batch.map(({ message: m }) => messageModule.valid(m.message, m.messageId));
  if (verdicts.length !== batch.length) {
    return {
      kind: "BatchResult",
      results: batch.map(({ message }) => ({ message, output: UNKNOWN_VALIDITY })),
    };
  }
  const results = batch.map(({ message: m, toRoute }, i) => {
    const verdict = verdicts[i];
    if (verdict !== "Valid") {
      return { message: m, output: reject(state, verdict, m.sender, m.topic) };
    }
    state.messageCache.addMessage(m.sender, m.messageId, m.message, m.topic, now);
    state.scores.get(state.peerKey(m.sender))?.firstMessageDelivered(m.topic);
    return { message: m, output: { kind: "RouteMessage" as const, toRoute } };
  });
  return { kind: "BatchResult", results };
}

/**
 * Publishes a message of the local application to our mesh, or to the fanout
 * when the topic is not joined, plus direct peers. No flood publishing.
 *
 * Quirk §16.11, reproduced: an existing fanout entry is used as is, even when
 * empty, and an empty one does not get its publish time refreshed (so it
 * expires); an empty selection creates no entry. The heartbeat refills fanouts.
 */
export function publishMessage<P, T, I, M>(
  state: GossipsubState<P, T, I, M>,
  input: PublishMessage<T, I, M>,
  now: Time,
): PublishOutput<P> {
  const { topic, messageId, message } = input;
  if (state.messageCache.seenMessage(messageId)) return { kind: "AlreadyPublished" };
  state.messageCache.addMessage(undefined, messageId, message, topic, now);
  const topicKey = state.topicKey(topic);
  let peers: ReadonlyMap<Key, P>;
  const mesh = state.mesh.get(topicKey);
  if (mesh !== undefined) peers = mesh.peers;
  else {
    const fanout = state.fanout.get(topicKey);
    if (fanout !== undefined) {
      if (fanout.peers.size > 0) fanout.lastPublishedTime = now;
      peers = fanout.peers;
    } else {
      const threshold = state.limits.publishThreshold;
      const chosen = state.select(
        topicKey,
        (c, score) => !c.direct && score >= threshold,
        state.limits.degreeOptimal,
      );
      const selected = new Map<Key, P>();
      for (const c of chosen) selected.set(c.key, c.peer);
      if (selected.size > 0) {
        state.fanout.set(topicKey, { topic, peers: selected, lastPublishedTime: now });
      }
      peers = selected;
    }
  }
  const toPublish = [...peers.values()];
  const direct = state.directPeers(topicKey);
  if (direct !== undefined) {
    for (const [key, peer] of direct) if (!peers.has(key)) toPublish.push(peer);
  }
  return { kind: "PublishMessage", toPublish };
}

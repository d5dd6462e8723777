// Octez `test/test_unit.ml` scenarios 1–31 (spec §14.1), same limits, same
// expected outcomes. Scenarios 32–37 (heartbeat with a negative peer and the
// score components) are in score_test.ts.

import assert from "node:assert/strict";
import { testLimits } from "../../lib/gossipsub/mod.ts";
import {
  addAndSubscribePeers,
  initState,
  makeAutomaton,
  manyPeers,
  MODES,
  range,
  routedPeers,
  sortNumbers,
} from "./fixture.ts";

const limits = testLimits<string>();
const many = manyPeers(limits);

Deno.test("gossipsub §14.1.1: a Graft for a topic we did not join is refused (Unsubscribed_topic)", () => {
  const { gs } = initState({ peers: [0], topics: [], toSubscribe: () => false });
  assert.deepEqual(gs.handleGraft({ peer: 0, topic: "unknown_topic" }), {
    kind: "UnsubscribedTopic",
  });
});

Deno.test("gossipsub §14.1.2: received subscriptions are recorded and unsubscribing leaves the mesh", () => {
  const topics = ["topic1", "topic2", "topic3", "topic4"];
  const { gs } = initState({ peers: [0, 1], topics, toSubscribe: () => false });
  for (const peer of [0, 1, 99]) {
    for (const topic of ["topic1", "topic2", "topic3"]) gs.handleSubscribe({ peer, topic });
    gs.handleUnsubscribe({ peer, topic: "topic4" });
  }
  assert.deepEqual(gs.view.subscribedTopics(0), ["topic1", "topic2", "topic3"]);
  assert.deepEqual(gs.view.subscribedTopics(1), ["topic1", "topic2", "topic3"]);
  assert.deepEqual(gs.view.subscribedTopics(99), []);
  gs.heartbeat();
  assert.deepEqual(gs.view.meshPeers("topic1"), [0, 1]);
  gs.handleUnsubscribe({ peer: 0, topic: "topic1" });
  assert.deepEqual(gs.view.subscribedTopics(0), ["topic2", "topic3"]);
  assert.deepEqual(gs.view.meshPeers("topic1"), [1]);
});

Deno.test("gossipsub §14.1.3: a subscription flood is capped at maxTopicsPerPeer", () => {
  const { gs } = makeAutomaton();
  gs.addPeer({ peer: 0, direct: false, outbound: false });
  for (let i = 0; i < 1024; i++) {
    assert.equal(gs.handleSubscribe({ peer: 0, topic: String(i) }).kind, "Subscribed");
  }
  assert.equal(
    gs.handleSubscribe({ peer: 0, topic: "overflow" }).kind,
    "SubscribeIgnoredTopicLimitExceeded",
  );
  assert.equal(gs.view.subscribedTopics(0).length, 1024);
  // Re-subscribing to a known topic is still accepted at the cap.
  assert.equal(gs.handleSubscribe({ peer: 0, topic: "7" }).kind, "Subscribed");
});

Deno.test("gossipsub §14.1.4: a Graft that would exceed the topic cap is refused (Peer_filtered)", () => {
  const { gs } = makeAutomaton();
  gs.join({ topic: "graft_topic" });
  gs.addPeer({ peer: 0, direct: false, outbound: false });
  for (let i = 0; i < 1024; i++) gs.handleSubscribe({ peer: 0, topic: String(i) });
  assert.equal(gs.handleGraft({ peer: 0, topic: "graft_topic" }).kind, "PeerFiltered");
  assert.equal(gs.view.inMesh("graft_topic", 0), false);
  assert.notEqual(gs.view.backoff("graft_topic", 0), undefined);
});

Deno.test("gossipsub §14.1.5: joining fills the mesh with D peers", () => {
  const { gs } = initState({ peers: range(many), topics: ["topic0"] });
  gs.leave({ topic: "topic0" });
  const out = gs.join({ topic: "topic0" });
  assert.equal(out.kind, "JoiningTopic");
  assert.equal(out.kind === "JoiningTopic" && out.toGraft.length, limits.degreeOptimal);
  assert.equal(gs.view.meshPeers("topic0").length, limits.degreeOptimal);
});

Deno.test("gossipsub §14.1.6: joining takes the fanout peers first and clears the fanout", () => {
  const peers = range(many);
  const initPeers = peers.slice(0, limits.degreeOptimal / 2);
  const { gs } = initState({ peers: initPeers, topics: ["topic0"], toJoin: () => false });
  gs.publishMessage({ topic: "topic0", messageId: 0, message: "message" });
  const fanout = gs.view.fanoutPeers("topic0");
  assert.equal(fanout.length, limits.degreeOptimal / 2);
  addAndSubscribePeers(gs, ["topic0"], peers.slice(limits.degreeOptimal / 2));
  const out = gs.join({ topic: "topic0" });
  assert.ok(out.kind === "JoiningTopic");
  assert.equal(out.toGraft.length, limits.degreeOptimal);
  const mesh = gs.view.meshPeers("topic0");
  assert.equal(mesh.length, limits.degreeOptimal);
  for (const peer of fanout) {
    assert.ok(mesh.includes(peer), `fanout peer ${peer} should be in the mesh`);
  }
  assert.deepEqual(gs.view.fanoutPeers("topic0"), []);
});

Deno.test("gossipsub §14.1.7: publishing to a topic we did not join sends to D peers (no flood publishing)", () => {
  const { gs } = initState({ peers: range(many), topics: ["test_publish"], toJoin: () => false });
  const out = gs.publishMessage({ topic: "test_publish", messageId: 0, message: "some_data" });
  assert.ok(out.kind === "PublishMessage");
  assert.equal(out.toPublish.length, limits.degreeOptimal);
  assert.equal(gs.view.cachedMessage(0), "some_data");
});

Deno.test("gossipsub §14.1.8: publishing after leaving a topic builds a fanout of D peers", () => {
  const { gs } = initState({ peers: range(many), topics: ["topic"], toJoin: () => false });
  assert.equal(gs.leave({ topic: "topic" }).kind, "NotJoined");
  const out = gs.publishMessage({ topic: "topic", messageId: 0, message: "some data" });
  assert.ok(out.kind === "PublishMessage");
  assert.equal(gs.view.fanoutPeers("topic").length, limits.degreeOptimal);
  assert.equal(out.toPublish.length, limits.degreeOptimal);
  assert.equal(gs.view.cachedMessage(0), "some data");
});

for (const mode of MODES) {
  Deno.test(`gossipsub §14.1.9: a received message is routed to the mesh and cached (${mode.name})`, () => {
    const { gs } = initState({
      peers: range(many),
      topics: ["test"],
      messageHandling: mode.handling,
    });
    const out = gs.handleReceiveMessage({
      sender: 99,
      topic: "test",
      messageId: 0,
      message: "some_data",
    });
    assert.equal(routedPeers(out).length, limits.degreeOptimal);
    if (out.kind === "ToIncludeInBatch") {
      assert.equal(
        gs.view.cachedMessage(0),
        undefined,
        "batched messages are cached only when applied",
      );
      gs.applyBatch([out.entry]);
    }
    assert.equal(gs.view.cachedMessage(0), "some_data");
  });

  Deno.test(`gossipsub §14.1.10: a duplicate from the first sender does not raise its score (${mode.name})`, () => {
    const scoreLimits = testLimits<string>({
      firstMessageDeliveriesDecay: 1,
      meshMessageDeliveriesDecay: 1,
      meshMessageDeliveriesActivation: 1000,
      meshMessageDeliveriesWindow: 2000,
      meshMessageDeliveriesThreshold: 3,
      timeInMeshCap: 0,
    });
    const { gs, env } = initState({
      limits: scoreLimits,
      peers: range(many),
      topics: ["test"],
      messageHandling: mode.handling,
    });
    const sender = gs.view.meshPeers("test")[0];
    assert.equal(gs.handleGraft({ peer: sender, topic: "test" }).kind, "PeerAlreadyInMesh");
    const out1 = gs.handleReceiveMessage({
      sender,
      topic: "test",
      messageId: 0,
      message: "some_data",
    });
    const out2 = gs.handleReceiveMessage({
      sender,
      topic: "test",
      messageId: 1,
      message: "some_data",
    });
    if (mode.handling.kind === "InBatches") {
      assert.ok(out1.kind === "ToIncludeInBatch" && out2.kind === "ToIncludeInBatch");
      gs.applyBatch([out1.entry, out2.entry]);
    } else {
      assert.ok(out1.kind === "RouteMessage" && out2.kind === "RouteMessage");
    }
    env.advance(1000 + 1000);
    gs.heartbeat();
    assert.ok(gs.view.inMesh("test", sender));
    const again = gs.handleReceiveMessage({
      sender,
      topic: "test",
      messageId: 0,
      message: "some_data",
    });
    assert.equal(again.kind, "AlreadyReceived");
    const p2 = 2 * 1;
    const deficit = 3 - 2;
    const p3 = deficit * deficit * -1;
    assert.equal(gs.view.peerScore(sender), p2 + p3);
    assert.equal(gs.view.peerScore(sender), 1);
  });

  Deno.test(`gossipsub §14.1.11: a message on a topic we did not join is Not_subscribed (${mode.name})`, () => {
    const { gs } = initState({
      peers: range(many),
      topics: ["topic"],
      toJoin: () => false,
      messageHandling: mode.handling,
    });
    gs.leave({ topic: "topic" });
    const out = gs.handleReceiveMessage({
      sender: 0,
      topic: "topic",
      messageId: 0,
      message: "some data",
    });
    assert.deepEqual(out, { kind: "NotSubscribed" });
  });
}

Deno.test("gossipsub §14.1.12: a Graft right after a Prune with backoff 0 is accepted", () => {
  const { gs } = initState({ peers: range(many), topics: ["topic"] });
  gs.handlePrune({ peer: 7, topic: "topic", px: [], backoff: 0 });
  assert.equal(gs.view.inMesh("topic", 7), false);
  assert.equal(gs.handleGraft({ peer: 7, topic: "topic" }).kind, "GraftingSuccessfully");
  assert.equal(gs.view.inMesh("topic", 7), true);
});

Deno.test("gossipsub §14.1.13: a Graft for a topic we did not join leaves the peer out of the mesh", () => {
  const { gs } = initState({ peers: range(many), topics: ["topic"] });
  const newPeer = many + 1;
  addAndSubscribePeers(gs, ["topic"], [newPeer]);
  assert.deepEqual(gs.handleGraft({ peer: newPeer, topic: "not joined topic" }), {
    kind: "UnsubscribedTopic",
  });
  assert.equal(gs.view.inMesh("topic", newPeer), false);
});

Deno.test("gossipsub §14.1.14: a Graft from an unsubscribed peer subscribes it", () => {
  const { gs } = initState({ peers: [0], topics: ["topic"], toSubscribe: () => false });
  assert.deepEqual(gs.view.subscribedTopics(0), []);
  gs.handleGraft({ peer: 0, topic: "topic" });
  assert.deepEqual(gs.view.subscribedTopics(0), ["topic"]);
});

Deno.test("gossipsub §14.1.15: a Prune removes the peer from the mesh", () => {
  const { gs } = initState({ peers: range(many), topics: ["topic"] });
  gs.handleGraft({ peer: 7, topic: "topic" });
  assert.ok(gs.view.inMesh("topic", 7));
  gs.handlePrune({ peer: 7, topic: "topic", px: [], backoff: limits.pruneBackoff });
  assert.equal(gs.view.inMesh("topic", 7), false);
});

Deno.test("gossipsub §14.1.16: the heartbeat refills a mesh below D_lo", () => {
  const { gs } = initState({ peers: range(limits.degreeOptimal + 2), topics: ["topic"] });
  assert.equal(gs.view.meshPeers("topic").length, limits.degreeOptimal);
  for (const peer of gs.view.meshPeers("topic").slice(0, 2)) {
    gs.handlePrune({ peer, topic: "topic", px: [], backoff: limits.pruneBackoff });
  }
  assert.equal(gs.view.meshPeers("topic").length, limits.degreeOptimal - 2);
  const { toGraft } = gs.heartbeat();
  assert.equal(toGraft.length, 2);
  assert.equal(gs.view.meshPeers("topic").length, limits.degreeOptimal);
  for (const { peer } of toGraft) assert.ok(gs.view.inMesh("topic", peer));
});

Deno.test("gossipsub §14.1.17: the heartbeat trims a mesh above D_hi to D", () => {
  const n = limits.degreeHigh + 10;
  const { gs } = initState({ peers: range(n), topics: ["topic"], outbound: () => true });
  for (const peer of range(n)) gs.handleGraft({ peer, topic: "topic" });
  assert.equal(gs.view.meshPeers("topic").length, n);
  const { toPrune } = gs.heartbeat();
  assert.equal(toPrune.length, n - limits.degreeOptimal);
  assert.equal(gs.view.meshPeers("topic").length, limits.degreeOptimal);
  for (const { peer } of toPrune) assert.equal(gs.view.inMesh("topic", peer), false);
});

Deno.test("gossipsub §14.1.18: the heartbeat does not regraft during a backoff (plus 2 s slack)", () => {
  const { gs, env } = initState({
    limits: { ...limits, backoffCleanupTicks: 1, heartbeatInterval: 1000 },
    peers: [0],
    topics: ["topic"],
  });
  gs.handlePrune({ peer: 0, topic: "topic", px: [], backoff: 30_000 });
  for (let i = 1; i <= 31; i++) {
    env.advance(1000);
    assert.equal(gs.heartbeat().toGraft.length, 0, `no graft after ${i} s`);
  }
  env.advance(1000);
  assert.equal(gs.heartbeat().toGraft.length, 1);
});

Deno.test("gossipsub §14.1.19: leaving a topic backs its mesh peers off for unsubscribeBackoff", () => {
  const backoffTicks = 5;
  const heartbeatInterval = Math.floor((5000 - 1) / (backoffTicks + 2));
  assert.equal(heartbeatInterval, 714);
  const { gs, env } = initState({
    limits: {
      ...limits,
      heartbeatInterval,
      backoffCleanupTicks: 1,
      unsubscribeBackoff: backoffTicks * heartbeatInterval,
    },
    peers: [0],
    topics: ["topic"],
  });
  gs.leave({ topic: "topic" });
  gs.join({ topic: "topic" });
  for (let i = 1; i <= backoffTicks + 1; i++) {
    env.advance(heartbeatInterval);
    assert.equal(gs.heartbeat().toGraft.length, 0, `no graft at tick ${i}`);
  }
  env.advance(heartbeatInterval);
  assert.equal(gs.heartbeat().toGraft.length, 1);
});

Deno.test("gossipsub §14.1.20: a full mesh accepts Grafts only from outbound peers", () => {
  const { gs } = initState({ peers: range(limits.degreeHigh), topics: ["topic"] });
  for (const peer of range(limits.degreeHigh)) gs.handleGraft({ peer, topic: "topic" });
  assert.equal(gs.view.meshPeers("topic").length, limits.degreeHigh);
  gs.addPeer({ peer: 99, direct: false, outbound: false });
  gs.addPeer({ peer: 98, direct: false, outbound: true });
  assert.equal(gs.handleGraft({ peer: 99, topic: "topic" }).kind, "MeshFull");
  assert.equal(gs.handleGraft({ peer: 98, topic: "topic" }).kind, "GraftingSuccessfully");
  assert.equal(gs.view.inMesh("topic", 99), false);
  assert.equal(gs.view.inMesh("topic", 98), true);
});

Deno.test("gossipsub §14.1.21: trimming the mesh keeps the outbound peers", () => {
  const inbound = range(limits.degreeHigh);
  const outbound = range(limits.degreeOut, limits.degreeHigh);
  const { gs } = initState({ peers: inbound, topics: ["topic"] });
  for (const peer of inbound) gs.handleGraft({ peer, topic: "topic" });
  addAndSubscribePeers(gs, ["topic"], outbound, { outbound: () => true });
  for (const peer of outbound) gs.handleGraft({ peer, topic: "topic" });
  assert.equal(gs.view.meshPeers("topic").length, limits.degreeHigh + limits.degreeOut);
  const { toPrune } = gs.heartbeat();
  assert.equal(toPrune.length, limits.degreeHigh + limits.degreeOut - limits.degreeOptimal);
  for (const peer of outbound) {
    assert.ok(gs.view.inMesh("topic", peer));
    assert.ok(!toPrune.some((p) => p.peer === peer), `outbound peer ${peer} must not be pruned`);
  }
});

Deno.test("gossipsub §14.1.22: the heartbeat grafts outbound peers when fewer than D_out", () => {
  const inbound = range(limits.degreeHigh);
  const outbound = range(limits.degreeOut, limits.degreeHigh);
  const { gs } = initState({ peers: inbound, topics: ["topic"] });
  for (const peer of inbound) gs.handleGraft({ peer, topic: "topic" });
  addAndSubscribePeers(gs, ["topic"], outbound, { outbound: () => true });
  assert.equal(gs.view.meshPeers("topic").length, limits.degreeHigh);
  const { toPrune, toGraft } = gs.heartbeat();
  assert.equal(gs.view.meshPeers("topic").length, limits.degreeHigh + limits.degreeOut);
  assert.equal(toPrune.length, 0);
  assert.deepEqual(sortNumbers(toGraft.map((g) => g.peer)), outbound);
});

Deno.test("gossipsub §14.1.23: an IWant for a cached message returns it", () => {
  const { gs } = initState({ peers: range(many), topics: ["topic"] });
  gs.publishMessage({ topic: "topic", messageId: 3, message: "some message" });
  const out = gs.handleIwant({ peer: 7, messageIds: [3] });
  assert.deepEqual(out, {
    kind: "OnIwantMessagesToRoute",
    routedMessageIds: [{ messageId: 3, result: { kind: "Message", message: "some message" } }],
  });
});

Deno.test("gossipsub §14.1.24: an IWant stops finding a message after historyLength heartbeats", () => {
  const { gs } = initState({
    limits: { ...limits, maxGossipRetransmission: 100 },
    peers: range(many),
    topics: ["topic"],
  });
  gs.publishMessage({ topic: "topic", messageId: 3, message: "some message" });
  for (let i = 1; i <= 2 * limits.historyLength; i++) {
    gs.heartbeat();
    const out = gs.handleIwant({ peer: 7, messageIds: [3] });
    assert.ok(out.kind === "OnIwantMessagesToRoute");
    assert.equal(
      out.routedMessageIds[0].result.kind,
      i < limits.historyLength ? "Message" : "NotFound",
      `heartbeat ${i}`,
    );
  }
});

Deno.test("gossipsub §14.1.25: an IWant for an unknown id is Not_found", () => {
  const { gs } = initState({ peers: range(many), topics: ["topic"] });
  const out = gs.handleIwant({ peer: 7, messageIds: [99] });
  assert.deepEqual(out, {
    kind: "OnIwantMessagesToRoute",
    routedMessageIds: [{ messageId: 99, result: { kind: "NotFound" } }],
  });
});

Deno.test("gossipsub §14.1.26: a peer gets the same message through IWant at most maxGossipRetransmission times", () => {
  const { gs } = initState({ peers: [], topics: ["topic"] });
  addAndSubscribePeers(gs, ["topic"], [99]);
  gs.publishMessage({ topic: "topic", messageId: 0, message: "some message" });
  for (let i = 1; i <= 2 * limits.maxGossipRetransmission + 10; i++) {
    const out = gs.handleIwant({ peer: 99, messageIds: [0] });
    assert.ok(out.kind === "OnIwantMessagesToRoute");
    const expected = i <= limits.maxGossipRetransmission ? "Message" : "TooManyRequests";
    assert.equal(out.routedMessageIds[0].result.kind, expected, `request ${i}`);
  }
});

Deno.test("gossipsub §14.1.27: an IHave for an unseen id on a joined topic requests it", () => {
  const { gs } = initState({ peers: range(many), topics: ["topic"] });
  assert.deepEqual(gs.handleIhave({ peer: 7, topic: "topic", messageIds: [99] }), {
    kind: "MessageRequestedMessageIds",
    messageIds: [99],
  });
});

Deno.test("gossipsub §14.1.28: an IHave for a seen id requests nothing", () => {
  const { gs } = initState({ peers: range(many), topics: ["topic"] });
  gs.publishMessage({ topic: "topic", messageId: 0, message: "some message" });
  assert.deepEqual(gs.handleIhave({ peer: 7, topic: "topic", messageIds: [0] }), {
    kind: "MessageRequestedMessageIds",
    messageIds: [],
  });
});

Deno.test("gossipsub §14.1.29: an IHave for a topic we did not join is Message_topic_not_tracked", () => {
  const { gs } = initState({ peers: range(many), topics: [] });
  assert.deepEqual(gs.handleIhave({ peer: 7, topic: "some random topic", messageIds: [0] }), {
    kind: "MessageTopicNotTracked",
  });
});

Deno.test("gossipsub §14.1.30: IHaves beyond maxRecvIhavePerHeartbeat are ignored until the next heartbeat", () => {
  const max = 10;
  const { gs } = initState({
    limits: { ...limits, maxRecvIhavePerHeartbeat: max },
    peers: range(many),
    topics: ["topic"],
  });
  addAndSubscribePeers(gs, ["topic"], [99]);
  const ids = range(2 * max + 1);
  ids.forEach((messageId, i) => {
    const out = gs.handleIhave({ peer: 99, topic: "topic", messageIds: [messageId] });
    const expected = i + 1 <= max ? "MessageRequestedMessageIds" : "TooManyRecvIhaveMessages";
    assert.equal(out.kind, expected, `IHave ${i + 1}`);
  });
  gs.heartbeat();
  for (const messageId of ids.slice(max, 2 * max)) {
    assert.equal(
      gs.handleIhave({ peer: 99, topic: "topic", messageIds: [messageId] }).kind,
      "MessageRequestedMessageIds",
    );
  }
});

Deno.test("gossipsub §14.1.31: at most maxSentIwantPerHeartbeat ids are requested from a peer per heartbeat", () => {
  const max = 10;
  const { gs } = initState({
    limits: { ...limits, maxSentIwantPerHeartbeat: max, maxRecvIhavePerHeartbeat: 999 },
    peers: range(many),
    topics: ["topic"],
  });
  addAndSubscribePeers(gs, ["topic"], [99]);
  const ids = range(2 * max);
  const requested = (out: ReturnType<typeof gs.handleIhave>) => {
    assert.ok(out.kind === "MessageRequestedMessageIds", `expected a request, got ${out.kind}`);
    return out.messageIds;
  };
  assert.deepEqual(
    sortNumbers(
      requested(gs.handleIhave({ peer: 99, topic: "topic", messageIds: ids.slice(0, 8) })),
    ),
    ids.slice(0, 8),
  );
  const second = requested(
    gs.handleIhave({ peer: 99, topic: "topic", messageIds: ids.slice(0, 12) }),
  );
  assert.equal(second.length, 2);
  for (const id of second) assert.ok(id < 12);
  assert.equal(
    gs.handleIhave({ peer: 99, topic: "topic", messageIds: ids }).kind,
    "TooManySentIwantMessages",
  );
  gs.heartbeat();
  const third = requested(gs.handleIhave({ peer: 99, topic: "topic", messageIds: ids }));
  assert.equal(third.length, 10);
  assert.equal(new Set(third).size, 10);
  for (const id of third) assert.ok(ids.includes(id));
});

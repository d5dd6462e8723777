// One test per quirk of spec §16 that concerns the automaton, pinning the
// decision taken (reproduce, or deviate as documented in the code). Quirks
// 13–15 and 17 belong to the worker and the codec.
//
// Every remaining deliberate difference from Octez, with its reference and the
// test that shows it (G = src/lib_gossipsub/gossipsub_automaton.ml,
// W = src/lib_gossipsub/gossipsub_worker.ml):
//
// Automaton
// - §16.5: the heartbeat scores `graft` once, not twice (G `Heartbeat.handle`:
//   `update_scores_score … Score.graft` in `maintain_mesh`, then `graft_scores`).
//   The clock is read once per input, so the second call would store the same
//   instant: no observable effect, hence no test.
// - §16.8: a direct sender is not sent its own message back (G
//   `Receive_message` route computation) — "quirk 8 (deviation)" below.
// - §16.16: heartbeatPingInterval 0 is refused at construction instead of
//   crashing later on `tick mod 0` (W heartbeat handler) — "quirk 16" below.
// - Random draws: Octez shuffles `Peer.Map.bindings` (ascending peers) with
//   OCaml's `Random` and takes `max` (G `select_connections_peers`,
//   `select_peers_to_prune`); we draw with xoshiro128**, over subscribers in
//   subscription order, with a partial Fisher–Yates. Same distribution, other
//   draws for a given seed. mesh_differential_test.ts compares the decisions
//   with one generator on both sides.
// - Joined topics are maintained in join order, not ascending topic order (G
//   `Topic.Map.fold maintain_topic_mesh`); only which draws go to which topic
//   changes (spec §17).
//
// Worker
// - §16.13: status becomes `Stopped` after shutdown (Octez stays `Running`) and
//   a second `start` throws a TypeError instead of failing an assertion (W
//   `start`, `shutdown`) — worker_test.ts "start twice is a TypeError",
//   "shutdown stops the loop …".
// - §16.14: the pending batch belongs to one worker, not to every worker built
//   from the module (W `batch_accumulator`'s `current_batch` ref): each
//   `EventApplier` owns its `BatchAccumulator`. Payloads of one id are kept in
//   arrival order where Octez orders them by `Message.compare` (W
//   `ReceiveMsgMap`), since our message module has no order —
//   worker_events_test.ts "in batch mode one message from two senders …".
// - §16.15: `setUnreachablePoint` doubles the delay, not the absolute tick (W
//   `set_unreachable_point`) — worker_events_test.ts "repeated dial failures
//   double the wait up to 300 heartbeats".
// - Bounded queues: Octez's queues are unbounded but for HEAD's
//   `bounded_p2p_input`; we also refuse `PublishMessage` past the input bound
//   and drop unread outputs past `maxOutputQueueLength` (W `app_input`,
//   `p2p_output_stream`) — worker_test.ts "a full input queue drops …", "an
//   unread output stream drops past its bound …".
// - Heartbeats: a tick that finds the previous heartbeat queued is not queued
//   but run right after it (W `heartbeat_events_producer` pushes one per
//   tick): no tick is lost, only their order relative to events queued in
//   between changes — worker_test.ts "a stalled loop queues one heartbeat, and
//   no tick is lost".
// - Unknown-validity retries look at most at the entries present when the
//   check starts, so an id Valid whose payload stays Unknown (re-buffered)
//   cannot loop (W `Check_unknown_messages` handling would, spec §11.6) —
//   worker_events_test.ts "a payload that stays Unknown …".

import assert from "node:assert/strict";
import { GossipsubAutomaton, testLimits } from "../../lib/gossipsub/mod.ts";
import { addAndSubscribePeers, initState, makeAutomaton, range, sortNumbers } from "./fixture.ts";

Deno.test("quirk 1 (kept): a rejected IHave still counts towards maxRecvIhavePerHeartbeat", () => {
  const { gs } = initState({ peers: [1], topics: ["joined"] });
  const out = gs.handleIhave({ peer: 1, topic: "not joined", messageIds: [5] });
  assert.equal(out.kind, "MessageTopicNotTracked");
  assert.equal(gs.view.ihaveCount(1), 1);
});

Deno.test("quirk 1 (kept): an invalid id in an IHave costs the sender a P4 point", () => {
  const { gs, env } = initState({ peers: [1], topics: ["t"] });
  env.validity = (_m, id) => (id === 13 ? "Invalid" : "Valid");
  assert.equal(
    gs.handleIhave({ peer: 1, topic: "t", messageIds: [12, 13, 14] }).kind,
    "InvalidMessageId",
  );
  assert.equal(gs.view.peerScore(1), -1);
  assert.equal(gs.view.iwantCount(1), 0, "nothing was requested");
});

Deno.test("quirk 2 (kept): a never-connected peer passes the score gates of IHave and IWant", () => {
  const { gs } = initState({ peers: [], topics: ["t"] });
  assert.deepEqual(gs.handleIhave({ peer: 33, topic: "t", messageIds: [11] }), {
    kind: "MessageRequestedMessageIds",
    messageIds: [11],
  });
  assert.equal(gs.handleIwant({ peer: 33, messageIds: [11] }).kind, "OnIwantMessagesToRoute");
});

Deno.test("quirk 3 (kept): an expired backoff still blocks heartbeat grafting until the cleanup tick", () => {
  const { gs, env } = initState({ peers: [0], topics: ["t"] });
  gs.handlePrune({ peer: 0, topic: "t", px: [], backoff: 0 });
  for (let tick = 1; tick < 15; tick++) {
    env.advance(1000);
    assert.equal(gs.heartbeat().toGraft.length, 0, `tick ${tick}: the entry still exists`);
  }
  env.advance(1000);
  assert.deepEqual(
    gs.heartbeat().toGraft,
    [{ peer: 0, topics: ["t"] }],
    "tick 15 cleans up, then grafts",
  );
});

Deno.test("quirk 4 (kept): after outbound grafts, opportunistic grafting measures only them and may re-graft mesh peers", () => {
  // Octez gossipsub_automaton.ml maintain_topic_mesh: when the outbound step
  // runs, its selection replaces the mesh as the list opportunistic grafting
  // computes the median over and excludes from.
  const { gs } = initState({
    limits: { ...testLimits<string>(), opportunisticGraftTicks: 1 },
    peers: range(6),
    topics: ["t"],
  });
  assert.equal(gs.view.meshPeers("t").length, 6);
  for (const p of range(6)) gs.setApplicationScore({ peer: p, score: 5 });
  addAndSubscribePeers(gs, ["t"], [100, 101], { outbound: () => true });
  const beat = gs.heartbeat();
  // Median over {100, 101} is 0 < threshold 1, so two mesh peers (score 50 > 0)
  // get a redundant Graft, besides the two outbound peers.
  const grafted = sortNumbers(beat.toGraft.map((g) => g.peer));
  assert.equal(grafted.length, 4);
  assert.deepEqual(grafted.slice(2), [100, 101]);
  for (const p of grafted.slice(0, 2)) assert.ok(p < 6, `${p} was already in the mesh`);
  assert.equal(gs.view.meshPeers("t").length, 8);
});

Deno.test("quirk 4 (kept): peers grafted below D_lo are left out of the opportunistic median", () => {
  // Mesh {0, 1} at score 10; four outsiders at 0 and two at 0.5. The D_lo step
  // grafts four of the six; Octez takes the median over {0, 1} only (10, above
  // the threshold), so nothing more is grafted, even when the four drawn are
  // the 0-score ones (a median over the six would be 0 and graft the 0.5 pair).
  let zerosDrawn = 0;
  for (let seed = 0; seed < 300; seed++) {
    const { gs } = initState({
      limits: { ...testLimits<string>(), opportunisticGraftTicks: 1 },
      peers: [0, 1],
      topics: ["t"],
      seed,
    });
    addAndSubscribePeers(gs, ["t"], range(6, 2));
    for (const p of [0, 1]) gs.setApplicationScore({ peer: p, score: 1 });
    for (const p of [6, 7]) gs.setApplicationScore({ peer: p, score: 0.05 });
    const grafted = sortNumbers(gs.heartbeat().toGraft.map((g) => g.peer));
    assert.equal(grafted.length, 4, `seed ${seed}: ${grafted}`);
    if (grafted.join() === "2,3,4,5") zerosDrawn++;
  }
  // C(6,4) = 15 draws, so about 20 of 300 seeds draw the four 0-score peers.
  assert.ok(zerosDrawn >= 5, `only ${zerosDrawn} seeds drew the 0-score peers`);
});

Deno.test("quirk 6 (kept): IHave gossip is drawn after the cache shift, covering historyGossipLength − 1 past heartbeats", () => {
  const { gs } = initState({ peers: range(10), topics: ["t"] });
  gs.publishMessage({ topic: "t", messageId: 0, message: "m" });
  const gossiped = () => gs.selectGossipMessages().some((g) => g.messageIds.includes(0));
  gs.heartbeat();
  assert.ok(gossiped(), "after heartbeat 1");
  gs.heartbeat();
  assert.ok(gossiped(), "after heartbeat 2");
  gs.heartbeat();
  assert.ok(!gossiped(), "history_gossip_length = 3 slots including the new empty one");
  gs.publishMessage({ topic: "t", messageId: 1, message: "m" });
  const gossip = gs.selectGossipMessages();
  assert.equal(gossip.length, 4, "the four peers outside the mesh");
  for (const g of gossip) assert.ok(!gs.view.inMesh("t", g.peer), "mesh peers get no IHave");
});

Deno.test("quirk 7 (kept): a non-first mesh sender earns the near-first credit on every repeat", () => {
  const { gs } = initState({ peers: [0, 1], topics: ["t"] });
  gs.handleReceiveMessage({ sender: 0, topic: "t", messageId: 5, message: "m" });
  const p3 = () =>
    gs.view.scoreDetails(1)!.topics.find((s) => s.topic === "t")!.meshMessageDeliveries;
  for (let i = 1; i <= 3; i++) {
    assert.equal(
      gs.handleReceiveMessage({ sender: 1, topic: "t", messageId: 5, message: "m" }).kind,
      "AlreadyReceived",
    );
    assert.equal(p3(), i);
  }
  assert.equal(
    gs.view.scoreDetails(0)!.topics[0].meshMessageDeliveries,
    1,
    "the first sender only counts once",
  );
  gs.handleReceiveMessage({ sender: 0, topic: "t", messageId: 5, message: "m" });
  assert.equal(gs.view.scoreDetails(0)!.topics[0].meshMessageDeliveries, 1);
});

Deno.test("quirk 8 (deviation): a direct sender does not get its own message back", () => {
  const { gs } = initState({ peers: [0, 1, 2], topics: ["t"], direct: (p) => p !== 0 });
  const out = gs.handleReceiveMessage({ sender: 1, topic: "t", messageId: 4, message: "m" });
  assert.ok(out.kind === "RouteMessage");
  assert.deepEqual(sortNumbers(out.toRoute), [0, 2]);
});

Deno.test("quirk 8 (kept): the message's topic is trusted, not compared with the id's topic", () => {
  const { gs } = initState({ peers: [0, 1], topics: ["t"] });
  // getTopic(3) = "3", yet the message arrives on "t".
  assert.equal(
    gs.handleReceiveMessage({ sender: 0, topic: "t", messageId: 3, message: "m" }).kind,
    "RouteMessage",
  );
});

Deno.test("quirk 10 (kept): a negative Prune backoff is stored as is and blocks regrafting until cleanup", () => {
  const { gs, env } = initState({ peers: [0], topics: ["t"] });
  env.advance(5000);
  gs.handlePrune({ peer: 0, topic: "t", px: [], backoff: -1000 });
  assert.equal(gs.view.backoff("t", 0), 4000);
  assert.equal(gs.heartbeat().toGraft.length, 0);
  assert.equal(
    gs.handleGraft({ peer: 0, topic: "t" }).kind,
    "GraftingSuccessfully",
    "expired: a remote Graft passes",
  );
});

Deno.test("quirk 11 (kept): an empty fanout entry persists, is not refilled by publish, and expires", () => {
  const { gs, env } = initState({ peers: [0], topics: ["t"], toJoin: () => false });
  gs.publishMessage({ topic: "t", messageId: 1, message: "a" });
  assert.deepEqual(gs.view.fanoutPeers("t"), [0]);
  gs.handleUnsubscribe({ peer: 0, topic: "t" });
  assert.deepEqual(gs.view.fanoutPeers("t"), []);
  assert.deepEqual(gs.view.fanoutTopics(), ["t"]);
  gs.handleSubscribe({ peer: 0, topic: "t" });
  env.advance(30_000);
  const out = gs.publishMessage({ topic: "t", messageId: 2, message: "b" });
  assert.deepEqual(out, { kind: "PublishMessage", toPublish: [] });
  assert.equal(gs.view.fanoutLastPublished("t"), 0, "not refreshed while empty");
  env.advance(30_001);
  gs.heartbeat();
  assert.deepEqual(gs.view.fanoutTopics(), [], "expired after fanoutTtl");
});

Deno.test("quirk 11 (kept): the heartbeat refills a live fanout entry", () => {
  const { gs } = initState({ peers: [0], topics: ["t"], toJoin: () => false });
  gs.publishMessage({ topic: "t", messageId: 1, message: "a" });
  addAndSubscribePeers(gs, ["t"], range(5, 1));
  gs.heartbeat();
  assert.equal(gs.view.fanoutPeers("t").length, 6);
});

Deno.test("quirk 12 (kept): removing a peer always answers RemovingPeer and keeps its backoffs", () => {
  const { gs } = initState({ peers: [0], topics: ["t"] });
  assert.deepEqual(gs.removePeer({ peer: 42 }), { kind: "RemovingPeer" });
  gs.handlePrune({ peer: 0, topic: "t", px: [], backoff: 60_000 });
  gs.handleIhave({ peer: 0, topic: "t", messageIds: [1] });
  gs.removePeer({ peer: 0 });
  assert.equal(gs.view.backoff("t", 0), 60_000);
  assert.equal(gs.view.ihaveCount(0), 1, "counters are cleared by the next heartbeat only");
  gs.heartbeat();
  assert.equal(gs.view.ihaveCount(0), 0);
});

Deno.test("quirk 16 (deviation): heartbeatPingInterval 0 is refused at construction", () => {
  assert.throws(
    () => makeAutomaton({ limits: { ...testLimits<string>(), heartbeatPingInterval: 0 } }),
    (e: unknown) => e instanceof RangeError && /heartbeatPingInterval/.test(e.message),
  );
  makeAutomaton({ limits: { ...testLimits<string>(), heartbeatPingInterval: undefined } });
});

Deno.test("quirk 18 (kept): P1 counts fractional quanta and caps their number", () => {
  const { gs, env } = initState({
    limits: testLimits({
      timeInMeshQuantum: 1000,
      timeInMeshCap: 3,
      meshMessageDeliveriesWeight: 0,
    }),
    peers: [0],
    topics: ["t"],
  });
  env.advance(1500);
  gs.heartbeat();
  assert.equal(gs.view.peerScore(0), 1.5);
  env.advance(10_000);
  gs.heartbeat();
  assert.equal(gs.view.peerScore(0), 3);
});

Deno.test("a Graft from a filtered peer is refused with a backoff (peer filter hook)", () => {
  const filtered = new GossipsubAutomaton<number, string, number, string>({
    limits: testLimits(),
    peer: { key: (n) => n, compare: (a, b) => a - b },
    topic: { key: (t) => t, compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0) },
    messageId: {
      key: (n) => n,
      compare: (a, b) => a - b,
      getTopic: (n) => String(n),
      valid: () => "Valid",
    },
    message: { valid: () => "Valid" },
    now: () => 0,
    rng: 1,
    peerFilter: (peer, action) =>
      !(peer === 9 && action.kind === "Graft") &&
      !(action.kind === "IHave" && action.messageId === 5) &&
      !(action.kind === "IWant" && peer === 8),
  });
  filtered.join({ topic: "t" });
  for (const p of [8, 9]) {
    filtered.addPeer({ peer: p, direct: false, outbound: false });
    filtered.handleSubscribe({ peer: p, topic: "t" });
  }
  assert.equal(filtered.handleGraft({ peer: 9, topic: "t" }).kind, "PeerFiltered");
  assert.equal(filtered.view.backoff("t", 9), testLimits().pruneBackoff);
  assert.deepEqual(filtered.handleIhave({ peer: 8, topic: "t", messageIds: [4, 5] }), {
    kind: "MessageRequestedMessageIds",
    messageIds: [4],
  });
  filtered.publishMessage({ topic: "t", messageId: 1, message: "m" });
  const iwant = filtered.handleIwant({ peer: 8, messageIds: [1] });
  assert.ok(iwant.kind === "OnIwantMessagesToRoute");
  assert.deepEqual(iwant.routedMessageIds[0].result, { kind: "Ignored" });
});

// Property tests over random event sequences (spec §14.4 invariants, Octez
// `test/test_pbt.ml`, plus our own), with fast-check and fixed seeds so every
// run explores the same sequences. After each event the state invariants of
// `view.invariantViolations()` must hold (§14.4 items 45 and 51); event-specific
// properties are checked on the outputs.

import assert from "node:assert/strict";
import fc from "fast-check";
import { type Limits, testLimits } from "../../lib/gossipsub/mod.ts";
import { type GS, makeAutomaton, range, type TestEnv } from "./fixture.ts";

const PEERS = 16;
const TOPICS = ["t0", "t1", "t2", "t3", "t4"];

type Event =
  | { kind: "addPeer"; peer: number; direct: boolean; outbound: boolean }
  | { kind: "removePeer"; peer: number }
  | { kind: "subscribe"; peer: number; topic: string }
  | { kind: "unsubscribe"; peer: number; topic: string }
  | { kind: "ihave"; peer: number; topic: string; ids: number[] }
  | { kind: "iwant"; peer: number; ids: number[] }
  | { kind: "graft"; peer: number; topic: string }
  | { kind: "graftAll"; topic: string }
  | { kind: "prune"; peer: number; topic: string; backoff: number; px: number[] }
  | { kind: "receive"; peer: number; topic: string; id: number }
  | { kind: "publish"; topic: string; id: number }
  | { kind: "join"; topic: string }
  | { kind: "leave"; topic: string }
  | { kind: "appScore"; peer: number; score: number }
  | { kind: "heartbeat"; advance: number }
  | { kind: "tick"; advance: number };

const peer = fc.integer({ min: 0, max: PEERS - 1 });
const topic = fc.constantFrom(...TOPICS);
const id = fc.integer({ min: 0, max: 59 });
const ids = fc.array(id, { maxLength: 6 });

const event: fc.Arbitrary<Event> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("addPeer" as const),
      peer,
      direct: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      outbound: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("removePeer" as const), peer }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("subscribe" as const), peer, topic }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("unsubscribe" as const), peer, topic }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("ihave" as const), peer, topic, ids }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("iwant" as const), peer, ids }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("graft" as const), peer, topic }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("graftAll" as const), topic }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("prune" as const),
      peer,
      topic,
      backoff: fc.constantFrom(-1000, 0, 500, 10_000, 60_000),
      px: fc.oneof(fc.constant<number[]>([]), fc.array(peer, { maxLength: 20 })),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("receive" as const), peer, topic, id }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("publish" as const), topic, id }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("join" as const), topic }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("leave" as const), topic }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("appScore" as const),
      peer,
      score: fc.constantFrom(-2, -0.5, 0, 0.5, 3),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("heartbeat" as const),
      advance: fc.constantFrom(0, 250, 1000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("tick" as const),
      advance: fc.integer({ min: 0, max: 3000 }),
    }),
  },
);

/** Deterministic validity: ids ending in 7 are invalid, in 8 outdated, in 9 unknown. */
function validityOf(messageId: number) {
  const last = messageId % 10;
  return last === 7
    ? "Invalid" as const
    : last === 8
    ? "Outdated" as const
    : last === 9
    ? "Unknown" as const
    : "Valid" as const;
}

/** Small limits so that meshes overflow and every heartbeat branch is reached. */
function propertyLimits(): Limits<string> {
  return {
    ...testLimits<string>(),
    degreeOptimal: 4,
    degreeLow: 3,
    degreeHigh: 6,
    degreeScore: 1,
    degreeOut: 2,
    degreeLazy: 2,
    maxRecvIhavePerHeartbeat: 3,
    maxSentIwantPerHeartbeat: 5,
    backoffCleanupTicks: 3,
    opportunisticGraftTicks: 4,
    historyLength: 4,
    historyGossipLength: 2,
    seenHistoryLength: 8,
    maxTopicsPerPeer: 4,
    fanoutTtl: 5000,
  };
}

interface Checker {
  gs: GS;
  env: TestEnv;
  limits: Limits<string>;
  /** Ids requested per peer since the last heartbeat, counted from outputs. */
  requested: Map<number, number>;
  honouredIhaves: Map<number, number>;
}

function newChecker(seed: number): Checker {
  const limits = propertyLimits();
  const { gs, env } = makeAutomaton({ limits, seed });
  env.validity = (_message, messageId) => validityOf(messageId);
  return { gs, env, limits, requested: new Map(), honouredIhaves: new Map() };
}

/** Applies one event, checks event-specific properties, returns the output. */
function step(c: Checker, e: Event): unknown {
  const { gs, env, limits } = c;
  const view = gs.view;
  switch (e.kind) {
    case "addPeer":
      return gs.addPeer({ peer: e.peer, direct: e.direct, outbound: e.outbound });
    case "removePeer":
      return gs.removePeer({ peer: e.peer });
    case "subscribe": {
      const out = gs.handleSubscribe({ peer: e.peer, topic: e.topic });
      assert.ok(view.subscribedTopics(e.peer).length <= limits.maxTopicsPerPeer!);
      return out;
    }
    case "unsubscribe":
      return gs.handleUnsubscribe({ peer: e.peer, topic: e.topic });
    case "ihave": {
      const joined = view.hasJoined(e.topic);
      const seenBefore = e.ids.filter((i) => view.seen(i));
      const out = gs.handleIhave({ peer: e.peer, topic: e.topic, messageIds: e.ids });
      if (out.kind === "MessageRequestedMessageIds" && out.messageIds.length > 0) {
        assert.ok(joined, "never request ids for a topic we did not join");
        for (const i of out.messageIds) {
          assert.ok(!seenBefore.includes(i), "never request a seen id");
          assert.ok(e.ids.includes(i), "only request advertised ids");
          assert.ok(validityOf(i) === "Valid" || validityOf(i) === "Unknown");
        }
        const total = (c.requested.get(e.peer) ?? 0) + out.messageIds.length;
        c.requested.set(e.peer, total);
        assert.ok(
          total <= limits.maxSentIwantPerHeartbeat,
          "at most maxSentIwant ids per peer per heartbeat",
        );
        assert.equal(view.iwantCount(e.peer), total);
        const honoured = (c.honouredIhaves.get(e.peer) ?? 0) + 1;
        c.honouredIhaves.set(e.peer, honoured);
        assert.ok(
          honoured <= limits.maxRecvIhavePerHeartbeat,
          "at most maxRecvIhave IHaves honoured",
        );
      }
      if (out.kind === "IhaveFromPeerWithLowScore") {
        assert.ok(view.peerScore(e.peer) < limits.gossipThreshold);
      }
      return out;
    }
    case "iwant": {
      const out = gs.handleIwant({ peer: e.peer, messageIds: e.ids });
      if (out.kind === "OnIwantMessagesToRoute") {
        assert.equal(out.routedMessageIds.length, new Set(e.ids).size);
        for (const { messageId, result } of out.routedMessageIds) {
          if (result.kind === "Message") assert.equal(result.message, `m${messageId}`);
        }
      }
      return out;
    }
    case "graftAll": {
      // Every peer grafts at once: overflows meshes (Mesh_full, trimming).
      return range(PEERS).map((p) => step(c, { kind: "graft", peer: p, topic: e.topic }));
    }
    case "graft": {
      const before = view.backoff(e.topic, e.peer);
      const out = gs.handleGraft({ peer: e.peer, topic: e.topic });
      const after = view.backoff(e.topic, e.peer);
      if (before !== undefined) {
        assert.ok(after !== undefined && after >= before, "a backoff is only ever extended");
      }
      switch (out.kind) {
        case "GraftingSuccessfully":
          assert.ok(view.inMesh(e.topic, e.peer));
          assert.ok(
            before === undefined || !(env.time < before),
            "never accept a Graft during a backoff",
          );
          assert.ok(view.subscribedTopics(e.peer).includes(e.topic));
          break;
        case "PeerAlreadyInMesh":
          assert.ok(view.inMesh(e.topic, e.peer));
          break;
        case "UnexpectedGraftingPeer":
          assert.ok(!view.isConnected(e.peer));
          break;
        default:
          // Every rejection the worker answers with a Prune leaves a backoff of
          // at least pruneBackoff and never adds the peer to the mesh (§14.4.50).
          assert.ok(!view.inMesh(e.topic, e.peer));
          assert.ok(after !== undefined && after >= env.time + limits.pruneBackoff);
      }
      return out;
    }
    case "prune": {
      const wasInMesh = view.inMesh(e.topic, e.peer);
      const out = gs.handlePrune({ peer: e.peer, topic: e.topic, px: e.px, backoff: e.backoff });
      assert.ok(!view.inMesh(e.topic, e.peer));
      if (out.kind === "PX") {
        assert.ok(out.peers.length <= limits.peersToPx && out.peers.length > 0);
        for (const p of out.peers) assert.ok(e.px.includes(p));
      }
      if (wasInMesh) assert.ok(view.backoff(e.topic, e.peer) !== undefined);
      return out;
    }
    case "receive": {
      const joined = view.hasJoined(e.topic);
      const out = gs.handleReceiveMessage({
        sender: e.peer,
        topic: e.topic,
        messageId: e.id,
        message: `m${e.id}`,
      });
      if (out.kind === "RouteMessage") {
        assert.ok(joined);
        assert.ok(!out.toRoute.includes(e.peer), "never route a message back to its sender");
        assert.equal(view.cachedMessage(e.id), `m${e.id}`);
      }
      return out;
    }
    case "publish": {
      const out = gs.publishMessage({ topic: e.topic, messageId: e.id, message: `m${e.id}` });
      if (out.kind === "PublishMessage") {
        assert.equal(new Set(out.toPublish).size, out.toPublish.length);
      }
      return out;
    }
    case "join": {
      const out = gs.join({ topic: e.topic });
      if (out.kind === "JoiningTopic") assert.ok(out.toGraft.length <= limits.degreeOptimal);
      return out;
    }
    case "leave": {
      const mesh = view.meshPeers(e.topic);
      const out = gs.leave({ topic: e.topic });
      if (out.kind === "LeavingTopic") {
        assert.deepEqual([...out.toPrune].sort((a, b) => a - b), mesh);
        for (const p of mesh) {
          assert.ok(view.backoff(e.topic, p)! >= env.time + limits.unsubscribeBackoff);
        }
      }
      return out;
    }
    case "appScore":
      return gs.setApplicationScore({ peer: e.peer, score: e.score });
    case "tick":
      env.advance(e.advance);
      return null;
    case "heartbeat": {
      env.advance(e.advance);
      const tick = view.heartbeatTicks + 1;
      const backoffsBefore = new Map(
        view.backoffEntries().map((b) => [`${b.topicKey}/${b.peerKey}`, b.expiry]),
      );
      const out = gs.heartbeat();
      c.requested.clear();
      c.honouredIhaves.clear();
      const pruned = new Set<string>();
      for (const { peer: p, topics } of out.toPrune) {
        assert.ok(topics.length > 0, "toPrune never maps a peer to no topic");
        for (const t of topics) {
          pruned.add(`${t}/${p}`);
          assert.ok(!view.inMesh(t, p));
          assert.ok(view.backoff(t, p)! >= env.time + limits.pruneBackoff);
        }
      }
      for (const { peer: p, topics } of out.toGraft) {
        assert.ok(topics.length > 0, "toGraft never maps a peer to no topic");
        for (const t of topics) {
          assert.ok(!pruned.has(`${t}/${p}`), "no peer is both grafted and pruned on a topic");
          assert.ok(view.inMesh(t, p));
          assert.ok(!view.isDirect(p));
          const expiry = backoffsBefore.get(`${t}/${p}`);
          const cleaned = tick % limits.backoffCleanupTicks === 0 &&
            expiry !== undefined && expiry <= env.time - 2 * limits.heartbeatInterval;
          assert.ok(
            expiry === undefined || cleaned,
            "the heartbeat never grafts a backed-off peer",
          );
        }
      }
      for (const t of view.joinedTopics()) {
        const mesh = view.meshPeers(t);
        assert.ok(
          mesh.length <= limits.degreeHigh + limits.degreeOut + limits.opportunisticGraftPeers,
          `mesh of ${t} too large after a heartbeat: ${mesh.length}`,
        );
        if (mesh.length < limits.degreeLow) {
          // Below D_lo only when no eligible subscriber is left.
          for (const p of view.topicSubscribers(t)) {
            if (mesh.includes(p)) continue;
            assert.ok(
              view.isDirect(p) || view.backoff(t, p) !== undefined || view.peerScore(p) < 0,
              `eligible peer ${p} left out of the small mesh of ${t}`,
            );
          }
        }
      }
      for (const t of view.fanoutTopics()) {
        assert.ok(view.fanoutPeers(t).length <= limits.degreeOptimal);
      }
      for (const g of gs.selectGossipMessages()) {
        assert.ok(g.messageIds.length <= limits.maxSentIwantPerHeartbeat);
        assert.ok(!view.inMesh(g.topic, g.peer) && !view.isDirect(g.peer));
      }
      return out;
    }
  }
}

function run(events: readonly Event[], seed: number): { outputs: string; checker: Checker } {
  const c = newChecker(seed);
  const outputs: unknown[] = [];
  for (const e of events) {
    outputs.push(step(c, e));
    const violations = c.gs.view.invariantViolations();
    assert.deepEqual(violations, [], `after ${JSON.stringify(e)}`);
  }
  return { outputs: JSON.stringify(outputs), checker: c };
}

Deno.test("property: random event sequences keep every invariant and output property", () => {
  fc.assert(
    fc.property(
      fc.array(event, { minLength: 20, maxLength: 250, size: "max" }),
      fc.integer(),
      (events, seed) => {
        run(events, seed);
      },
    ),
    { seed: 20260821, numRuns: 250 },
  );
});

Deno.test("property: the same seed and inputs give identical outputs and state", () => {
  fc.assert(
    fc.property(
      fc.array(event, { minLength: 20, maxLength: 150, size: "max" }),
      fc.integer(),
      (events, seed) => {
        const a = run(events, seed);
        const b = run(events, seed);
        assert.equal(a.outputs, b.outputs);
        assert.deepEqual(a.checker.gs.view.snapshot(), b.checker.gs.view.snapshot());
      },
    ),
    { seed: 7, numRuns: 60 },
  );
});

Deno.test("different seeds shuffle differently (the generator is really used)", () => {
  const pick = (seed: number) => {
    const { gs } = makeAutomaton({ seed });
    for (const p of range(40)) {
      gs.addPeer({ peer: p, direct: false, outbound: false });
      gs.handleSubscribe({ peer: p, topic: "t" });
    }
    const out = gs.join({ topic: "t" });
    assert.ok(out.kind === "JoiningTopic");
    return [...out.toGraft].sort((a, b) => a - b).join(",");
  };
  const draws = new Set(range(10).map(pick));
  assert.ok(draws.size > 5, `only ${draws.size} distinct meshes from 10 seeds`);
  assert.equal(pick(3), pick(3));
});

Deno.test("property: scores decay to their retained parts when nothing happens", () => {
  fc.assert(
    fc.property(fc.array(event, { minLength: 20, maxLength: 200, size: "max" }), (events) => {
      const { checker: c } = run(events, 1);
      for (let i = 0; i < 60; i++) step(c, { kind: "heartbeat", advance: 1000 });
      for (const p of range(PEERS)) {
        const d = c.gs.view.scoreDetails(p);
        if (d === undefined) continue;
        assert.equal(d.behaviourPenalty, 0);
        for (const t of d.topics) {
          assert.equal(t.firstMessageDeliveries, 0);
          assert.equal(t.meshMessageDeliveries, 0);
          assert.equal(t.invalidMessages, 0);
          // P3b is not input-driven: a mesh peer that delivers nothing keeps
          // earning a P3 deficit, which each heartbeat prune turns into P3b
          // again, so it is bounded rather than zero: at most the decayed
          // value of one full deficit per prune.
          const p = c.limits.scoreLimits.topics;
          assert.ok(p.kind === "Single");
          const max = p.parameters.meshMessageDeliveriesThreshold ** 2;
          assert.ok(t.meshFailurePenalty <= max, `P3b ${t.meshFailurePenalty} > ${max}`);
        }
      }
    }),
    { seed: 11, numRuns: 60 },
  );
});

Deno.test("property (§14.4.46): after disconnecting everyone and waiting, nothing is left behind", () => {
  fc.assert(
    fc.property(fc.array(event, { minLength: 20, maxLength: 250, size: "max" }), (events) => {
      const { checker: c } = run(events, 5);
      for (const t of TOPICS) c.gs.leave({ topic: t });
      for (const p of range(PEERS)) c.gs.removePeer({ peer: p });
      // Longest backoff used is 60 s; retention 10 s; fanout TTL 5 s; the
      // seen window 8 heartbeats; cleanup every 3 ticks.
      for (let i = 0; i < 70; i++) step(c, { kind: "heartbeat", advance: 1000 });
      const view = c.gs.view;
      assert.deepEqual([...view.peerKeyLocations().keys()], []);
      const m = view.metrics();
      assert.equal(m.connections, 0);
      assert.equal(m.scores, 0);
      assert.equal(m.backoffs, 0);
      assert.equal(m.meshSizes.size, 0);
      assert.equal(m.fanoutSizes.size, 0);
      assert.deepEqual(m.cache, {
        historyIds: 0,
        seenIds: 0,
        historyOccurrences: 0,
        seenOccurrences: 0,
      });
    }),
    { seed: 46, numRuns: 80 },
  );
});

// §14.4.47 (more than D_hi grafts are trimmed to exactly D) is Octez's
// Test_peers_below_degree_high, ported at full strength in octez_pbt_test.ts.

Deno.test("property (§14.4.49): opportunistic grafting brings in high-score peers from outside the mesh", () => {
  const limitsArb = fc.integer({ min: 2, max: 20 }).chain((degreeOptimal) =>
    fc.tuple(
      fc.integer({ min: 1, max: degreeOptimal }),
      fc.integer({ min: degreeOptimal, max: 2 * degreeOptimal }),
    )
      .chain(([degreeLow, degreeHigh]) =>
        fc.integer({ min: 0, max: Math.min(degreeLow, Math.floor(degreeOptimal / 2)) }).chain((
          degreeOut,
        ) =>
          fc.integer({ min: 0, max: degreeOptimal - degreeOut }).map((degreeScore) => ({
            ...testLimits<string>(),
            degreeOptimal,
            degreeLow,
            degreeHigh,
            degreeOut,
            degreeScore,
            opportunisticGraftTicks: 1,
          }))
        )
      )
  );
  const scenario = limitsArb.chain((limits) =>
    fc.integer({ min: limits.degreeHigh + 1, max: 2 * limits.degreeHigh }).chain((inMesh) =>
      fc.record({
        limits: fc.constant(limits),
        inMesh: fc.constant(inMesh),
        outMesh: fc.integer({
          min: limits.opportunisticGraftPeers,
          max: 2 * limits.opportunisticGraftPeers,
        }),
        low: fc.integer({ min: 1 + inMesh - Math.floor(limits.degreeOptimal / 2), max: inMesh }),
        outbound: fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
        seed: fc.integer(),
      })
    )
  );
  fc.assert(
    fc.property(scenario, ({ limits, inMesh, outMesh, low, outbound, seed }) => {
      const { gs } = makeAutomaton({ limits, seed });
      const topic = "dummy_topic";
      gs.join({ topic });
      for (const p of range(inMesh)) {
        gs.addPeer({ peer: p, direct: false, outbound: true });
        gs.handleSubscribe({ peer: p, topic });
        assert.equal(gs.handleGraft({ peer: p, topic }).kind, "GraftingSuccessfully");
      }
      for (const p of range(outMesh, inMesh)) {
        gs.addPeer({ peer: p, direct: false, outbound: outbound[p] });
        gs.handleSubscribe({ peer: p, topic });
      }
      const high = 1 + limits.opportunisticGraftThreshold / limits.scoreLimits.appSpecificWeight;
      for (const p of range(inMesh + outMesh - low, low)) {
        gs.setApplicationScore({ peer: p, score: high });
      }
      const before = gs.view.meshPeers(topic);
      const beat = gs.heartbeat();
      assert.equal(
        gs.view.meshPeers(topic).length,
        limits.degreeOptimal + limits.opportunisticGraftPeers,
      );
      assert.equal(beat.toGraft.length, limits.opportunisticGraftPeers);
      for (const { peer: p, topics } of beat.toGraft) {
        assert.deepEqual(topics, [topic]);
        assert.ok(!before.includes(p), "grafted peers come from outside the mesh");
        assert.ok(gs.view.inMesh(topic, p));
        assert.ok(gs.view.peerScore(p) > limits.opportunisticGraftThreshold);
      }
      assert.ok(beat.toPrune.length >= limits.degreeHigh + 1 - limits.degreeOptimal);
      for (const { peer: p } of beat.toPrune) {
        assert.ok(before.includes(p) && !gs.view.inMesh(topic, p));
        assert.ok(!beat.toGraft.some((g) => g.peer === p));
      }
    }),
    { seed: 49, numRuns: 300 },
  );
});

// Ports of three Octez property tests (`src/lib_gossipsub/test/test_pbt.ml`)
// at their strength: the same generators' reach (ranges, interleavings, run
// counts) and the same assertions, checked on every transition.
//
// - Test_peers_below_degree_high (962-1003 and its scenario): random limits,
//   outbound and inbound peers grafting until the mesh is over D_hi (inbound
//   ones are refused with Mesh_full), then one heartbeat trims it to exactly D.
// - Test_handle_ihave (1110-1190): a low-score peer never gets an IWant and its
//   counters do not move; otherwise both counters grow by exactly the IHave
//   and the ids requested; limits, seen ids and joined topics are honoured.
// - Test_handle_graft (1783-1900): a refused Graft leaves the peer out of the
//   mesh with backoff exactly max(now + prune_backoff, previous backoff), and
//   the output is that of the first applicable rejection in Octez's order
//   (not joined, direct, backed off, negative score, mesh full).
//
// Octez's `tick` is 1 s and `heartbeat @% tick` one heartbeat then one tick.
// Each test also checks that its generator reached the branches it is about,
// so that it cannot pass vacuously.

import assert from "node:assert/strict";
import fc from "fast-check";
import { type Limits, testLimits } from "../../lib/gossipsub/mod.ts";
import { type GS, makeAutomaton, range } from "./fixture.ts";

const JOINED = ["topicA", "topicB", "topicC", "topicD", "topicE"];
const ALL_TOPICS = [...JOINED, "topicF"];

type Step =
  | { kind: "heartbeatTick" }
  | { kind: "ihave"; peer: number; topic: string; ids: number[] }
  | { kind: "receive"; peer: number; topic: string; id: number; message: string }
  | { kind: "publish"; topic: string; id: number; message: string }
  | { kind: "graft"; peer: number; topic: string }
  | { kind: "graftBurst"; topic: string }
  | { kind: "prune"; peer: number; topic: string; backoff: number; px: number[] }
  | { kind: "appScore"; peer: number; score: number };

/**
 * Octez `interleave [repeat_at_most n₁ f₁; …]`: each fragment repeated up to
 * its bound, the repetitions merged in a random order.
 */
function interleave(...parts: fc.Arbitrary<Step[]>[]): fc.Arbitrary<Step[]> {
  return fc.tuple(...parts).chain((lists) => {
    const all = lists.flat();
    return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
  });
}

/** Octez `repeat_at_most n`: a count drawn uniformly in [0, n] (`int_bound`). */
function repeatAtMost(n: number, step: fc.Arbitrary<Step>): fc.Arbitrary<Step[]> {
  return fc.integer({ min: 0, max: n }).chain((k) =>
    fc.array(step, { minLength: k, maxLength: k })
  );
}

const heartbeatTick = fc.constant<Step>({ kind: "heartbeatTick" });

/** Joins topics A–E, then adds every peer and subscribes it to topics A–F. */
function setUp(
  gs: GS,
  peers: readonly number[],
  outbound: readonly boolean[],
  direct?: readonly boolean[],
) {
  for (const topic of JOINED) assert.equal(gs.join({ topic }).kind, "JoiningTopic");
  peers.forEach((peer, i) => {
    gs.addPeer({ peer, direct: direct?.[i] ?? false, outbound: outbound[i] });
  });
  for (const peer of peers) {
    for (const topic of ALL_TOPICS) gs.handleSubscribe({ peer, topic });
  }
}

Deno.test("Octez pbt peers below degree high: random limits, Mesh_full inbound grafts, trimmed to exactly D", () => {
  // limit_generator of Test_peers_below_degree_high.
  const limitsArb = fc.integer({ min: 1, max: 20 }).chain((degreeOptimal) =>
    fc.tuple(
      fc.integer({ min: 1, max: degreeOptimal }),
      fc.integer({ min: degreeOptimal, max: 2 * degreeOptimal }),
      fc.integer({ min: 1, max: 50 }),
    ).chain(([degreeLow, degreeHigh, historyLength]) =>
      fc.integer({ min: 0, max: Math.min(degreeLow, Math.floor(degreeOptimal / 2)) }).chain(
        (degreeOut) =>
          fc.tuple(
            fc.integer({ min: 0, max: degreeOptimal - degreeOut }),
            fc.integer({ min: 1, max: historyLength }),
          ).map(([degreeScore, historyGossipLength]): Limits<string> => ({
            ...testLimits<string>(),
            degreeOptimal,
            degreeLow,
            degreeHigh,
            degreeOut,
            degreeScore,
            historyLength,
            historyGossipLength,
          })),
      )
    )
  );
  const scenario = limitsArb.chain((limits) =>
    fc.integer({ min: limits.degreeHigh + 1, max: 2 * limits.degreeHigh }).chain((countOutbound) =>
      fc.record({
        limits: fc.constant(limits),
        countOutbound: fc.constant(countOutbound),
        peerCount: fc.integer({ min: countOutbound, max: 2 * countOutbound }),
        seed: fc.integer(),
      })
    )
  );
  let meshFull = 0;
  fc.assert(
    fc.property(scenario, ({ limits, countOutbound, peerCount, seed }) => {
      const { gs } = makeAutomaton({ limits, seed });
      const topic = "dummy_topic";
      gs.join({ topic });
      // add_distinct_peers_and_graft: [add_peer; graft] for each, the first
      // countOutbound outbound.
      for (const peer of range(peerCount)) {
        const outbound = peer < countOutbound;
        assert.equal(gs.addPeer({ peer, direct: false, outbound }).kind, "PeerAdded");
        const out = gs.handleGraft({ peer, topic });
        assert.ok(
          ["GraftingDirectPeer", "PeerAlreadyInMesh", "GraftingSuccessfully", "MeshFull"]
            .includes(out.kind),
          out.kind,
        );
        // Once the mesh holds D_hi peers only outbound peers get in.
        if (!outbound) assert.equal(out.kind, "MeshFull");
        if (out.kind === "MeshFull") meshFull++;
      }
      const before = gs.view.meshPeers(topic).length;
      assert.ok(before > limits.degreeHigh, `mesh ${before} ≤ D_hi ${limits.degreeHigh}`);
      const beat = gs.heartbeat();
      for (const { topics } of beat.toPrune) assert.ok(topics.length > 0, "empty prune record");
      assert.equal(gs.view.meshPeers(topic).length, limits.degreeOptimal);
    }),
    { seed: 962, numRuns: 1000 },
  );
  assert.ok(meshFull > 1000, `the Mesh_full path ran ${meshFull} times`);
});

Deno.test("Octez pbt handle IHave: low-score peers get nothing, counters move exactly", () => {
  const totalTicks = 100;
  const scenario = fc.record({
    maxSentIwantPerHeartbeat: fc.integer({ min: 1, max: 100 }),
    maxRecvIhavePerHeartbeat: fc.integer({ min: 1, max: 10 }),
    // P3 activation between total_ticks/3 and total_ticks/2 seconds, so that
    // the peers that never publish go negative during the run.
    activation: fc.integer({ min: Math.floor(totalTicks / 3), max: totalTicks / 2 }),
    publishing: fc.integer({ min: 1, max: 5 }),
    notPublishing: fc.integer({ min: 1, max: 5 }),
    seed: fc.integer(),
  }).chain((s) => {
    const peerCount = s.publishing + s.notPublishing;
    const allPeer = fc.integer({ min: 0, max: peerCount - 1 });
    const publishingPeer = fc.integer({ min: 0, max: s.publishing - 1 });
    const topic = fc.constantFrom(...ALL_TOPICS);
    const id = fc.integer({ min: 1, max: 100 });
    const message = fc.string();
    return fc.record({
      s: fc.constant(s),
      outbound: fc.array(fc.boolean(), { minLength: peerCount, maxLength: peerCount }),
      steps: interleave(
        repeatAtMost(totalTicks, heartbeatTick),
        repeatAtMost(
          100,
          fc.record({
            kind: fc.constant("ihave" as const),
            peer: allPeer,
            topic,
            ids: fc.array(id, { minLength: 1, maxLength: 5 }),
          }),
        ),
        repeatAtMost(
          50,
          fc.record({
            kind: fc.constant("receive" as const),
            peer: publishingPeer,
            topic,
            id,
            message,
          }),
        ),
        repeatAtMost(10, fc.record({ kind: fc.constant("publish" as const), topic, id, message })),
      ),
    });
  });
  const reached = { lowScore: 0, requested: 0, overRecvLimit: 0, notJoined: 0 };
  fc.assert(
    fc.property(scenario, ({ s, outbound, steps }) => {
      const limits: Limits<string> = {
        ...testLimits<string>({ meshMessageDeliveriesActivation: s.activation * 1000 }),
        maxSentIwantPerHeartbeat: s.maxSentIwantPerHeartbeat,
        maxRecvIhavePerHeartbeat: s.maxRecvIhavePerHeartbeat,
      };
      const { gs, env } = makeAutomaton({ limits, seed: s.seed });
      setUp(gs, range(s.publishing + s.notPublishing), outbound);
      const view = gs.view;
      for (const step of steps) {
        switch (step.kind) {
          case "heartbeatTick":
            gs.heartbeat();
            env.advance(1000);
            break;
          case "receive":
            gs.handleReceiveMessage({
              sender: step.peer,
              topic: step.topic,
              messageId: step.id,
              message: step.message,
            });
            break;
          case "publish":
            gs.publishMessage({ topic: step.topic, messageId: step.id, message: step.message });
            break;
          case "ihave": {
            const { peer, topic, ids } = step;
            const sent = view.iwantCount(peer);
            const recv = view.ihaveCount(peer);
            const score = view.peerScore(peer);
            const seenBefore = new Set(ids.filter((i) => view.seen(i)));
            const joined = view.hasJoined(topic);
            const out = gs.handleIhave({ peer, topic, messageIds: ids });
            const requested = out.kind === "MessageRequestedMessageIds" ? out.messageIds : [];
            const low = score < limits.gossipThreshold;
            // 1. No IWant to a peer below the gossip threshold.
            if (low) assert.equal(requested.length, 0, `score ${score}`);
            // 2. At most maxSentIwant ids per peer per heartbeat.
            assert.ok(sent + requested.length <= limits.maxSentIwantPerHeartbeat);
            // 3. No answer past maxRecvIhave IHaves per heartbeat.
            if (recv + 1 > limits.maxRecvIhavePerHeartbeat) assert.equal(requested.length, 0);
            // 4. Only unseen ids.
            for (const i of requested) assert.ok(!seenBefore.has(i), `requested seen id ${i}`);
            // 5. Only joined topics.
            if (!joined) assert.equal(requested.length, 0);
            // 6. Exact counter updates.
            if (low) {
              assert.equal(view.iwantCount(peer), sent, "no counter update below the threshold");
              assert.equal(view.ihaveCount(peer), recv, "no counter update below the threshold");
              reached.lowScore++;
            } else {
              assert.equal(view.iwantCount(peer), sent + requested.length);
              assert.equal(view.ihaveCount(peer), recv + 1);
              if (requested.length > 0) reached.requested++;
              if (recv + 1 > limits.maxRecvIhavePerHeartbeat) reached.overRecvLimit++;
              if (!joined) reached.notJoined++;
            }
            break;
          }
          default:
            throw new Error(`unexpected step ${step.kind}`);
        }
      }
    }),
    { seed: 1110, numRuns: 100 },
  );
  for (const [branch, count] of Object.entries(reached)) {
    assert.ok(count >= 20, `branch ${branch} reached ${count} times`);
  }
});

Deno.test("Octez pbt handle Graft: exact backoff after a rejection, first rejection in Octez's order", () => {
  // P3 off, or every peer would be negative after a few heartbeats (as Octez).
  const limits = testLimits<string>({ meshMessageDeliveriesWeight: 0 });
  const scenario = fc.integer({ min: 1, max: 50 }).chain((peerCount) => {
    const peer = fc.integer({ min: 0, max: peerCount - 1 });
    const topic = fc.constantFrom(...ALL_TOPICS);
    return fc.record({
      peerCount: fc.constant(peerCount),
      outbound: fc.array(fc.boolean(), { minLength: peerCount, maxLength: peerCount }),
      // Octez's generator has no direct peer; a few here reach that branch too.
      direct: fc.array(fc.integer({ min: 0, max: 9 }).map((n) => n === 0), {
        minLength: peerCount,
        maxLength: peerCount,
      }),
      seed: fc.integer(),
      steps: interleave(
        repeatAtMost(100, heartbeatTick),
        repeatAtMost(30, fc.record({ kind: fc.constant("graft" as const), peer, topic })),
        // Beyond Octez's generator, whose 30 scattered Grafts rarely fill a
        // mesh to D_hi: a few bursts where every peer grafts one topic, so the
        // Mesh_full rejection is reached.
        repeatAtMost(3, fc.record({ kind: fc.constant("graftBurst" as const), topic })),
        repeatAtMost(
          30,
          fc.record({
            kind: fc.constant("prune" as const),
            peer,
            topic,
            backoff: fc.integer({ min: 1, max: 100 }).map((s) => s * 1000),
            px: fc.integer({ min: 1, max: 10 }).chain((n) =>
              fc.array(peer, { minLength: n, maxLength: n })
            ),
          }),
        ),
        repeatAtMost(
          30,
          fc.record({
            kind: fc.constant("receive" as const),
            peer,
            topic,
            id: fc.integer({ min: 1, max: 50 }),
            message: fc.string(),
          }),
        ),
        repeatAtMost(
          5,
          fc.record({ kind: fc.constant("appScore" as const), peer, score: fc.constant(-10) }),
        ),
      ),
    });
  });
  const reached = new Map<string, number>();
  fc.assert(
    fc.property(scenario, ({ peerCount, outbound, direct, seed, steps }) => {
      const { gs, env } = makeAutomaton({ limits, seed });
      setUp(gs, range(peerCount), outbound, direct);
      const view = gs.view;
      for (const step of steps) {
        switch (step.kind) {
          case "heartbeatTick":
            gs.heartbeat();
            env.advance(1000);
            break;
          case "prune":
            gs.handlePrune({
              peer: step.peer,
              topic: step.topic,
              px: step.px,
              backoff: step.backoff,
            });
            break;
          case "receive":
            gs.handleReceiveMessage({
              sender: step.peer,
              topic: step.topic,
              messageId: step.id,
              message: step.message,
            });
            break;
          case "appScore":
            gs.setApplicationScore({ peer: step.peer, score: step.score });
            break;
          case "graftBurst":
            for (const peer of range(peerCount)) checkGraft(peer, step.topic);
            break;
          case "graft":
            checkGraft(step.peer, step.topic);
            break;
          default:
            throw new Error(`unexpected step ${step.kind}`);
        }
      }
      function checkGraft(peer: number, topic: string): void {
        if (view.inMesh(topic, peer)) {
          gs.handleGraft({ peer, topic });
          return;
        }
        const time = env.time;
        const before = view.backoff(topic, peer);
        const rejections: [boolean, string][] = [
          [!view.hasJoined(topic), "UnsubscribedTopic"],
          [view.isDirect(peer), "GraftingDirectPeer"],
          [before !== undefined && time < before, "PeerBackedOff"],
          [view.peerScore(peer) < 0, "GraftingPeerWithNegativeScore"],
          [
            view.meshPeers(topic).length >= limits.degreeHigh && !view.isOutbound(peer),
            "MeshFull",
          ],
        ];
        const out = gs.handleGraft({ peer, topic });
        const first = rejections.find(([applies]) => applies);
        reached.set(out.kind, (reached.get(out.kind) ?? 0) + 1);
        if (first === undefined) {
          assert.equal(out.kind, "GraftingSuccessfully");
          assert.ok(view.inMesh(topic, peer));
          return;
        }
        assert.equal(out.kind, first[1], "the first applicable rejection");
        assert.ok(!view.inMesh(topic, peer));
        const expected = Math.max(time + limits.pruneBackoff, before ?? -Infinity);
        assert.equal(view.backoff(topic, peer), expected, "backoff after a rejection");
      }
    }),
    { seed: 1783, numRuns: 100 },
  );
  for (
    const kind of [
      "GraftingSuccessfully",
      "UnsubscribedTopic",
      "GraftingDirectPeer",
      "PeerBackedOff",
      "GraftingPeerWithNegativeScore",
      "MeshFull",
    ]
  ) {
    assert.ok((reached.get(kind) ?? 0) >= 5, `${kind} reached ${reached.get(kind) ?? 0} times`);
  }
});

// Octez `test/test_unit.ml` scenarios 32–37 (spec §14.1): the heartbeat with a
// negative peer and the score components P1, P2, P4, P5, P7, with the same
// limits and exact expected values; then retention and decay of PeerScore.

import assert from "node:assert/strict";
import { PeerScore, ScoreParameters, testLimits } from "../../lib/gossipsub/mod.ts";
import { initState, makeAutomaton, MODES, receiveAndApply } from "./fixture.ts";

Deno.test("gossipsub §14.1.32: the heartbeat prunes a negative peer and grafts a newcomer", () => {
  const { gs } = makeAutomaton();
  assert.equal(gs.addPeer({ peer: 0, direct: false, outbound: false }).kind, "PeerAdded");
  assert.equal(gs.handleSubscribe({ peer: 0, topic: "topic" }).kind, "Subscribed");
  assert.deepEqual(gs.join({ topic: "topic" }), { kind: "JoiningTopic", toGraft: [0] });
  assert.equal(gs.view.meshPeers("topic").length, 1);
  assert.deepEqual(gs.setApplicationScore({ peer: 0, score: -1 }), { kind: "SetApplicationScore" });
  const first = gs.heartbeat();
  assert.deepEqual(first.toPrune, [{ peer: 0, topics: ["topic"] }]);
  assert.deepEqual(first.noPXPeers, [0]);
  assert.equal(gs.view.meshPeers("topic").length, 0);
  assert.equal(gs.addPeer({ peer: 1, direct: false, outbound: false }).kind, "PeerAdded");
  assert.equal(gs.handleSubscribe({ peer: 1, topic: "topic" }).kind, "Subscribed");
  const second = gs.heartbeat();
  assert.deepEqual(second.toGraft, [{ peer: 1, topics: ["topic"] }]);
  assert.equal(gs.view.meshPeers("topic").length, 1);
});

Deno.test("gossipsub §14.1.33: P1 grows with time in mesh, in quanta, up to the cap", () => {
  const quantum = 50, weight = 2, cap = 10;
  const { gs, env } = initState({
    limits: testLimits({
      timeInMeshWeight: weight,
      timeInMeshQuantum: quantum,
      timeInMeshCap: cap,
    }),
    peers: [0],
    topics: ["topic"],
  });
  env.advance(quantum * 2);
  gs.heartbeat();
  assert.equal(gs.view.peerScore(0), weight * 2);
  env.advance(quantum * 2);
  gs.heartbeat();
  assert.equal(gs.view.peerScore(0), weight * 4);
  env.advance(quantum * (cap + 10));
  gs.heartbeat();
  assert.equal(gs.view.peerScore(0), weight * cap);
});

for (const mode of MODES) {
  Deno.test(`gossipsub §14.1.34: P2 counts first deliveries, decays and caps (${mode.name})`, () => {
    const weight = 2, cap = 10, decay = 0.9;
    const { gs } = initState({
      limits: testLimits({
        timeInMeshWeight: 0,
        firstMessageDeliveriesWeight: weight,
        firstMessageDeliveriesCap: cap,
        firstMessageDeliveriesDecay: decay,
      }),
      peers: [0, 1],
      topics: ["topic"],
      messageHandling: mode.handling,
    });
    let next = 0;
    receiveAndApply(gs, 0, "topic", next, `message${next}`);
    receiveAndApply(gs, 1, "topic", next, `message${next}`);
    next++;
    assert.equal(gs.view.peerScore(0), weight);
    assert.equal(gs.view.peerScore(1), 0);
    for (let i = 0; i < 2; i++, next++) receiveAndApply(gs, 1, "topic", next, `message${next}`);
    assert.equal(gs.view.peerScore(1), 2 * weight);
    gs.heartbeat();
    assert.equal(gs.view.peerScore(0), decay * weight);
    assert.equal(gs.view.peerScore(1), 2 * decay * weight);
    for (let i = 0; i < cap; i++, next++) receiveAndApply(gs, 1, "topic", next, `message${next}`);
    assert.equal(gs.view.peerScore(1), cap * weight);
  });

  Deno.test(`gossipsub §14.1.35: P4 squares invalid deliveries and decays them (${mode.name})`, () => {
    const weight = -2, decay = 0.9;
    const { gs, env } = initState({
      limits: testLimits({
        timeInMeshWeight: 0,
        firstMessageDeliveriesWeight: 0,
        meshMessageDeliveriesWeight: 0,
        meshFailurePenaltyWeight: 0,
        invalidMessageDeliveriesWeight: weight,
        invalidMessageDeliveriesDecay: decay,
      }),
      peers: [0],
      topics: ["topic"],
      messageHandling: mode.handling,
    });
    env.validity = () => "Invalid";
    for (let id = 0; id < 3; id++) {
      const out = gs.handleReceiveMessage({
        sender: 0,
        topic: "topic",
        messageId: id,
        message: `m${id}`,
      });
      assert.equal(out.kind, "InvalidMessage");
    }
    assert.equal(gs.view.peerScore(0), weight * 9);
    gs.heartbeat();
    assert.equal(gs.view.peerScore(0), weight * (3 * decay) * (3 * decay));
  });
}

Deno.test("gossipsub §14.1.36: P5 is the application score times its weight", () => {
  const { gs } = initState({
    limits: testLimits({ appSpecificWeight: 2 }),
    peers: [0],
    topics: ["topic"],
  });
  gs.setApplicationScore({ peer: 0, score: 1.1 });
  assert.equal(gs.view.peerScore(0), 2 * 1.1);
});

Deno.test("gossipsub §14.1.37: P7 penalises Grafts during a backoff, twice within the flood threshold", () => {
  const weight = -2, decay = 0.9;
  const { gs, env } = initState({
    limits: {
      ...testLimits({ behaviourPenaltyWeight: weight, behaviourPenaltyDecay: decay }),
      pruneBackoff: 200,
      graftFloodThreshold: 100,
    },
    peers: [0, 1],
    topics: ["topic"],
    toSubscribe: () => false,
  });
  for (const peer of [0, 1]) {
    gs.setApplicationScore({ peer, score: -99 });
    assert.equal(gs.handleGraft({ peer, topic: "topic" }).kind, "GraftingPeerWithNegativeScore");
    gs.setApplicationScore({ peer, score: 0 });
  }
  env.advance(100 - 1);
  assert.equal(gs.handleGraft({ peer: 0, topic: "topic" }).kind, "PeerBackedOff");
  assert.equal(gs.view.peerScore(0), 2 * 2 * weight);
  env.advance(2);
  assert.equal(gs.handleGraft({ peer: 1, topic: "topic" }).kind, "PeerBackedOff");
  assert.equal(gs.view.peerScore(1), 1 * 1 * weight);
  gs.heartbeat();
  assert.equal(gs.view.peerScore(0), 2 * decay * (2 * decay) * weight);
  assert.equal(gs.view.peerScore(1), 1 * decay * (1 * decay) * weight);
});

Deno.test("PeerScore keeps a non-positive record after disconnection until retainDuration, then drops it", () => {
  const limits = testLimits<string>();
  const record = new PeerScore(new ScoreParameters(limits.scoreLimits, (t: string) => t));
  record.invalidMessageDelivered("t");
  assert.equal(record.value(), -1);
  assert.equal(record.removePeer(1000, limits.retainDuration), true);
  assert.equal(record.disconnectedExpires, 1000 + limits.retainDuration);
  assert.equal(
    record.refresh(1000 + limits.retainDuration - 1),
    true,
    "still retained just before expiry",
  );
  assert.equal(record.refresh(1000 + limits.retainDuration), false, "dropped at expiry");
});

Deno.test("PeerScore drops a positive record at once on disconnection", () => {
  const limits = testLimits<string>();
  const record = new PeerScore(new ScoreParameters(limits.scoreLimits, (t: string) => t));
  record.firstMessageDelivered("t");
  assert.ok(record.value() > 0);
  assert.equal(record.removePeer(0, limits.retainDuration), false);
});

Deno.test("a reconnecting peer gets back its retained penalties and application score", () => {
  const { gs, env } = initState({ peers: [0], topics: ["topic"] });
  gs.setApplicationScore({ peer: 0, score: -0.5 });
  gs.removePeer({ peer: 0 });
  assert.equal(gs.view.hasScore(0), true);
  env.advance(1000);
  gs.addPeer({ peer: 0, direct: false, outbound: false });
  assert.equal(gs.view.peerScore(0), -5);
  assert.equal(gs.view.scoreExpires(0), undefined);
});

Deno.test("PeerScore turns a P3 deficit into a P3b penalty when pruned, and decays it", () => {
  const limits = testLimits<string>({
    meshMessageDeliveriesActivation: 1000,
    meshFailurePenaltyDecay: 0.5,
  });
  const record = new PeerScore(new ScoreParameters(limits.scoreLimits, (t: string) => t));
  record.graft("t", 0);
  record.refresh(2000); // active: 20 missing deliveries → P3 = −400, P1 = 2
  assert.equal(record.value(), 2 - 400);
  record.prune("t");
  assert.equal(record.value(), -400, "deficit² × P3b weight −1");
  record.refresh(3000);
  assert.equal(record.value(), -200);
});

Deno.test("the topic score cap clamps only the topic part", () => {
  const base = testLimits<string>({ firstMessageDeliveriesWeight: 1 });
  const limits = { ...base.scoreLimits, topicScoreCap: 2 };
  const record = new PeerScore(new ScoreParameters(limits, (t: string) => t));
  for (let i = 0; i < 5; i++) record.firstMessageDelivered("t");
  record.setApplicationScore(1);
  assert.equal(record.value(), 2 + 10);
});

Deno.test("a topic family weighs each topic with its own parameters", () => {
  const base = testLimits<string>();
  const single = base.scoreLimits.topics;
  assert.ok(single.kind === "Single");
  const record = new PeerScore(
    new ScoreParameters({
      ...base.scoreLimits,
      topics: {
        kind: "Family",
        allTopics: ["a", "b"],
        parameters: (t) => ({
          ...single.parameters,
          firstMessageDeliveriesWeight: t === "a" ? 1 : 3,
        }),
        weights: (t) => (t === "a" ? 0.5 : 2),
      },
    }, (t: string) => t),
  );
  record.firstMessageDelivered("a");
  record.firstMessageDelivered("b");
  assert.equal(record.value(), 0.5 * 1 + 2 * 3);
});

// Construction-time checks of Octez `check_limits` / `check_score_limits`, and
// the parameter sets (unit-test defaults, DAL, DAL bootstrap).

import assert from "node:assert/strict";
import {
  checkLimits,
  dalBootstrapLimits,
  dalLimits,
  type Limits,
  testLimits,
} from "../../lib/gossipsub/mod.ts";
import { makeAutomaton } from "./fixture.ts";

const base = testLimits<string>();

function rejects(change: Partial<Limits<string>>, field: RegExp): void {
  assert.throws(
    () => checkLimits({ ...base, ...change }),
    (e: unknown) => e instanceof RangeError && field.test(e.message),
    JSON.stringify(change),
  );
}

Deno.test("checkLimits accepts the test, DAL and DAL-bootstrap limits", () => {
  checkLimits(base);
  checkLimits(dalLimits());
  checkLimits(dalBootstrapLimits());
});

Deno.test("checkLimits rejects degree combinations Octez asserts against", () => {
  rejects({ degreeLow: -1 }, /degreeLow/);
  rejects({ degreeLow: 7 }, /degreeLow/);
  rejects({ degreeHigh: 5 }, /degreeHigh/);
  rejects({ degreeScore: 5 }, /degreeScore \+ degreeOut/);
  rejects({ degreeOut: 4, degreeLow: 4, degreeScore: 0 }, /floor\(degreeOptimal \/ 2\)/);
  rejects({ degreeLow: 1 }, /degreeOut/);
  rejects({ degreeOut: 1.5 }, /degreeOut/);
});

Deno.test("checkLimits rejects bad tick counts and cache windows", () => {
  rejects({ backoffCleanupTicks: 0 }, /backoffCleanupTicks/);
  rejects({ scoreCleanupTicks: 0 }, /scoreCleanupTicks/);
  rejects({ historyGossipLength: 0 }, /historyGossipLength/);
  rejects({ historyGossipLength: 6 }, /historyGossipLength/);
  rejects({ seenHistoryLength: 0 }, /seenHistoryLength/);
  rejects({ maxTopicsPerPeer: 0 }, /maxTopicsPerPeer/);
  rejects({ opportunisticGraftTicks: 0 }, /opportunisticGraftTicks/);
  rejects({ heartbeatInterval: Number.NaN }, /heartbeatInterval/);
});

Deno.test("checkLimits rejects score parameters outside their ranges", () => {
  const score = base.scoreLimits;
  const topics = score.topics;
  assert.ok(topics.kind === "Single");
  const perTopic = (change: object) => ({
    scoreLimits: {
      ...score,
      topics: { kind: "Single" as const, parameters: { ...topics.parameters, ...change } },
    },
  });
  rejects(perTopic({ timeInMeshWeight: -1 }), /timeInMeshWeight/);
  rejects(perTopic({ timeInMeshQuantum: 0 }), /timeInMeshQuantum/);
  rejects(perTopic({ firstMessageDeliveriesDecay: 1.5 }), /firstMessageDeliveriesDecay/);
  rejects(perTopic({ meshMessageDeliveriesWeight: 1 }), /meshMessageDeliveriesWeight/);
  rejects(perTopic({ meshMessageDeliveriesActivation: 999 }), /meshMessageDeliveriesActivation/);
  rejects(perTopic({ meshMessageDeliveriesThreshold: 0 }), /meshMessageDeliveriesThreshold/);
  rejects(perTopic({ invalidMessageDeliveriesWeight: 0.5 }), /invalidMessageDeliveriesWeight/);
  rejects({ scoreLimits: { ...score, topicScoreCap: -1 } }, /topicScoreCap/);
  rejects({ scoreLimits: { ...score, behaviourPenaltyWeight: 1 } }, /behaviourPenaltyWeight/);
  rejects({ scoreLimits: { ...score, behaviourPenaltyDecay: -0.1 } }, /behaviourPenaltyDecay/);
  rejects({ scoreLimits: { ...score, decayZero: -1 } }, /decayZero/);
  rejects({
    scoreLimits: {
      ...score,
      topics: {
        kind: "Family",
        allTopics: ["a", "b"],
        parameters: (t) => ({ ...topics.parameters, timeInMeshCap: t === "b" ? -1 : 1 }),
        weights: () => 1,
      },
    },
  }, /topics\(b\)\.timeInMeshCap/);
});

Deno.test("the automaton refuses invalid limits at construction", () => {
  assert.throws(() => makeAutomaton({ limits: { ...base, degreeHigh: 1 } }), RangeError);
});

Deno.test("the DAL limits differ from the test limits only where Octez's DAL does", () => {
  const dal = dalLimits<string>();
  const topics = dal.scoreLimits.topics;
  assert.ok(topics.kind === "Single");
  assert.equal(topics.parameters.meshMessageDeliveriesWeight, 0);
  assert.equal(topics.parameters.meshFailurePenaltyWeight, 0);
  assert.equal(dal.maxTopicsPerPeer, 65536);
  assert.equal(dal.degreeOptimal, 6);
  assert.equal(dal.pruneBackoff, 60_000);
  const bootstrap = dalBootstrapLimits<string>();
  assert.equal(bootstrap.degreeOptimal, 0);
  assert.equal(bootstrap.maxSentIwantPerHeartbeat, 0);
  assert.equal(bootstrap.pruneBackoff, 10_000);
});

Deno.test("a DAL bootstrap node answers every inbound Graft with Mesh_full and requests no ids", () => {
  const { gs } = makeAutomaton({ limits: dalBootstrapLimits() });
  gs.join({ topic: "t" });
  gs.addPeer({ peer: 1, direct: false, outbound: false });
  assert.equal(gs.handleGraft({ peer: 1, topic: "t" }).kind, "MeshFull");
  assert.equal(
    gs.handleIhave({ peer: 1, topic: "t", messageIds: [1] }).kind,
    "TooManySentIwantMessages",
  );
});

// The hostile scenarios under the DAL limits: the scores honest nodes give adversaries stay below
// those they give honest peers while messages flow, and honest nodes keep their delivery.

import assert from "node:assert/strict";
import { scenario, type SimReport, simulate } from "../../lib/sim/mod.ts";

function meanDuringPublications(report: SimReport, who: "honest" | "adversary"): number {
  const start = report.config.warmupMs;
  const end = start + report.config.publications * report.config.publishIntervalMs;
  const values = report.scores
    .filter((s) => s.t > start && s.t <= end)
    .map((s) => s[who].mean)
    .filter((x): x is number => x !== null);
  assert.ok(values.length > 0, `no ${who} scores sampled`);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

for (const name of ["sybil", "eclipse", "spam", "graft-backoff", "ihave-flood"]) {
  Deno.test(`${name}: adversaries score below honest peers and honest nodes get every message`, () => {
    const report = simulate(scenario(name, { nodes: 60, seed: 11, publications: 50 }));
    const honest = meanDuringPublications(report, "honest");
    const adversary = meanDuringPublications(report, "adversary");
    assert.ok(adversary < honest, `adversaries ${adversary} ≥ honest ${honest}`);
    assert.equal(report.delivery.ratio, 1);
    if (name === "eclipse") assert.equal(report.target?.deliveryRatio, 1);
  });
}

Deno.test("spammers and graft-during-backoff adversaries end up with negative scores", () => {
  for (const name of ["spam", "graft-backoff"]) {
    const report = simulate(scenario(name, { nodes: 60, seed: 11, publications: 50 }));
    assert.ok(meanDuringPublications(report, "adversary") < 0, name);
  }
});

Deno.test("under the DAL limits only P2 separates Sybils; with P3 on they fall below zero", () => {
  const dal = simulate(scenario("sybil", { nodes: 60, seed: 11, publications: 50 })).separation!;
  // P3 and P3b have weight 0: Sybils lose only the first deliveries they never make.
  assert.equal(dal.adversaryComponents.p3 + dal.adversaryComponents.p3b, 0);
  assert.equal(dal.adversaryComponents.p2, 0);
  assert.ok(dal.honestComponents.p2 > 0);
  assert.ok(dal.adversaryMean > 0, `DAL: Sybils ${dal.adversaryMean}`);
  const p3 = simulate(scenario("sybil-p3", { nodes: 60, seed: 11, publications: 50 }));
  const s = p3.separation!;
  assert.ok(s.adversaryComponents.p3 + s.adversaryComponents.p3b < 0);
  assert.ok(s.adversaryMean < 0 && s.honestMean > 0, `P3: ${s.adversaryMean} vs ${s.honestMean}`);
  assert.ok(s.adversaryNegativeShare > s.honestNegativeShare);
  // Pruned for their deficit, Sybils lose mesh places.
  assert.ok(s.adversaryMeshShare.last < s.adversaryMeshShare.first);
  assert.equal(p3.delivery.ratio, 1);
});

Deno.test("honest runs have no separation section, and score components add up to the score", () => {
  const report = simulate({ nodes: 30, seed: 2, publications: 10 });
  assert.equal(report.separation, null);
  const s = report.scores.at(-1)!;
  const c = s.components.honest!;
  // No topic score cap is reached in 5 s, so the mean components sum to the mean score.
  const sum = c.p1 + c.p2 + c.p3 + c.p3b + c.p4 + c.p5 + c.p7;
  assert.ok(Math.abs(sum - s.honest.mean!) < 0.01, `${sum} vs ${s.honest.mean}`);
});

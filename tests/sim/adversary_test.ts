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

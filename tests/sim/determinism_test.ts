// The simulator is a pure function of its configuration: same seed, same report byte for byte
// (run time aside), with every random source switched on.

import assert from "node:assert/strict";
import {
  reportJson,
  scenario,
  type SimOptions,
  type SimReport,
  simulate,
} from "../../lib/sim/mod.ts";

function withoutRunTime(report: SimReport): string {
  return reportJson({ ...report, runTimeMs: 0 });
}

const options: SimOptions = {
  nodes: 40,
  publications: 20,
  latency: { kind: "lognormal", median: 40, sigma: 0.5 },
  lossRate: 0.01,
  uploadBandwidth: 200_000,
  warmupMs: 3000,
  tailMs: 3000,
};

Deno.test("two runs with the same seed write identical reports, churn and loss included", () => {
  const a = simulate(scenario("churn", { ...options, seed: 5 }));
  const b = simulate(scenario("churn", { ...options, seed: 5 }));
  assert.equal(withoutRunTime(a), withoutRunTime(b));
});

Deno.test("two runs with the same seed and adversaries write identical reports", () => {
  const a = simulate(scenario("spam", { ...options, seed: 9 }));
  const b = simulate(scenario("spam", { ...options, seed: 9 }));
  assert.equal(withoutRunTime(a), withoutRunTime(b));
});

Deno.test("another seed gives another run", () => {
  const a = simulate(scenario("churn", { ...options, seed: 5 }));
  const b = simulate(scenario("churn", { ...options, seed: 6 }));
  assert.notEqual(withoutRunTime(a), withoutRunTime(b));
});

Deno.test("score components, mesh shares and hop counts are deterministic too", () => {
  const run = () =>
    simulate(scenario("sybil-p3", { ...options, seed: 4, latencyPerMessage: true }));
  const a = run(), b = run();
  assert.equal(withoutRunTime(a), withoutRunTime(b));
  assert.ok(a.separation !== null && a.hops.mean !== null);
});

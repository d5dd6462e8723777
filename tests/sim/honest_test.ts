// The honest scenario: every honest node gets every publication, and latency is whole hops of the
// link latency.

import assert from "node:assert/strict";
import { dalLimits } from "../../lib/gossipsub/mod.ts";
import { scenario, simulate, withDegree } from "../../lib/sim/mod.ts";

Deno.test("in the honest scenario every node receives every publication", () => {
  const report = simulate(scenario("honest", { nodes: 60, seed: 3, publications: 30 }));
  assert.equal(report.delivery.expected, 30 * 59);
  assert.equal(report.delivery.delivered, report.delivery.expected);
  assert.equal(report.delivery.nodesWithFullDelivery, 60);
  assert.ok(report.perPublication.every((p) => p.ratio === 1));
});

Deno.test("with a constant link latency, every delivery takes a whole number of hops", () => {
  const report = simulate({
    nodes: 50,
    seed: 4,
    publications: 20,
    limits: withDegree(dalLimits<string>(), 8),
    latency: { kind: "constant", ms: 30 },
  });
  assert.equal(report.delivery.ratio, 1);
  for (const [ms] of report.latency.cdf) assert.equal(ms % 30, 0, `latency ${ms} ms`);
  assert.ok(report.latency.p50! >= 30 && report.latency.max! <= 30 * 6);
  // The mesh holds D_lo..D_hi peers once formed.
  const last = report.meshDegree.samples.at(-1)!;
  const degrees = last.degrees.flatMap((n, d) => (n > 0 ? [d] : []));
  assert.ok(Math.min(...degrees) >= 7 && Math.max(...degrees) <= 16, `degrees ${degrees}`);
});

Deno.test("a lossy network still delivers almost everything thanks to gossip", () => {
  const report = simulate({ nodes: 50, seed: 2, publications: 20, lossRate: 0.05 });
  assert.ok(report.messages.lost > 0);
  assert.ok(report.delivery.ratio > 0.98, `delivery ${report.delivery.ratio}`);
});

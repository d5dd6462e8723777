// What bench/sim_vs_network.ts relies on: hop counts, given publishers, per-message latency draws,
// the Kolmogorov–Smirnov distance and the log-normal fit.

import assert from "node:assert/strict";
import {
  fitLogNormal,
  ksDistance,
  normal,
  reportJson,
  Rng,
  simulate,
  Simulation,
} from "../../lib/sim/mod.ts";

Deno.test("with a constant link latency every delivery takes its hop count times the latency", () => {
  const sim = new Simulation({
    nodes: 40,
    seed: 5,
    publications: 15,
    latency: { kind: "constant", ms: 25 },
  });
  const report = sim.run();
  const m = sim.metrics;
  let checked = 0;
  for (let p = 0; p < m.publications; p++) {
    assert.equal(m.hops[p * m.total + m.publisher[p]], 0);
    for (let i = 0; i < m.honest; i++) {
      if (i === m.publisher[p]) continue;
      const hops = m.hops[p * m.total + i];
      assert.ok(hops >= 1 && hops < 20, `hops ${hops}`);
      assert.equal(m.delivery[p * m.honest + i] - m.pubTime[p], 25 * hops);
      checked++;
    }
  }
  assert.equal(checked, 15 * 39);
  const h = report.hops.histogram;
  assert.equal(h.reduce((a, b) => a + b, 0), checked);
  assert.equal(h[0], 0);
  assert.equal(report.hops.max, h.length - 1);
});

Deno.test("given publishers publish in turn", () => {
  const report = simulate({ nodes: 10, seed: 1, publications: 6, publishers: [3, 7] });
  assert.deepEqual(report.perPublication.map((p) => p.publisher), [3, 7, 3, 7, 3, 7]);
  assert.throws(() => simulate({ nodes: 10, publications: 1, publishers: [10] }), /publishers/);
});

Deno.test("per-message latency draws spread one link's deliveries and stay deterministic", () => {
  const options = {
    nodes: 30,
    seed: 8,
    publications: 20,
    latency: { kind: "lognormal", median: 20, sigma: 0.5 },
    latencyPerMessage: true,
  } as const;
  const a = simulate(options), b = simulate(options);
  assert.equal(reportJson({ ...a, runTimeMs: 0 }), reportJson({ ...b, runTimeMs: 0 }));
  const perLink = simulate({ ...options, latencyPerMessage: false });
  assert.notEqual(a.latency.p50, perLink.latency.p50);
  assert.equal(a.delivery.ratio, 1);
});

Deno.test("the KS distance is 0 for equal samples, 1 for disjoint ones, and counts ties once", () => {
  assert.equal(ksDistance([1, 2, 3], [3, 2, 1]), 0);
  assert.equal(ksDistance([1, 2], [3, 4]), 1);
  assert.equal(ksDistance([1, 1, 2, 2], [1, 2]), 0);
  assert.equal(ksDistance([1, 2, 3, 4], [1, 2]), 0.5);
  assert.ok(Number.isNaN(ksDistance([], [1])));
});

Deno.test("the log-normal fit recovers the median and sigma of a log-normal sample", () => {
  const rng = new Rng(3);
  const xs = Array.from({ length: 20_000 }, () => 40 * Math.exp(0.7 * normal(rng)));
  const fit = fitLogNormal(xs);
  assert.ok(Math.abs(fit.median - 40) < 1, `median ${fit.median}`);
  assert.ok(Math.abs(fit.sigma - 0.7) < 0.02, `sigma ${fit.sigma}`);
  assert.ok(Number.isNaN(fitLogNormal([5, -1]).median));
});

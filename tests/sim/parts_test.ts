// The simulator's parts: the agenda's order, the random regular topology, statistics, parsing.

import assert from "node:assert/strict";
import { Rng } from "../../lib/base/rng.ts";
import {
  EventQueue,
  isSimError,
  meanCi,
  parseLatency,
  parseTopology,
  percentile,
  randomRegular,
  seedRuns,
  simulate,
  sweep,
} from "../../lib/sim/mod.ts";

Deno.test("the event queue pops by time, then in insertion order", () => {
  const q = new EventQueue<string>();
  const rng = new Rng(1);
  const pushed: [number, string][] = [];
  for (let i = 0; i < 500; i++) {
    const t = rng.int(50);
    pushed.push([t, `e${i}`]);
    q.push(t, `e${i}`);
  }
  const expected = pushed.map(([t, e], i) => ({ t, e, i })).sort((a, b) => a.t - b.t || a.i - b.i);
  const popped: string[] = [];
  for (let e = q.pop(); e !== undefined; e = q.pop()) popped.push(e.event);
  assert.deepEqual(popped, expected.map((x) => x.e));
});

Deno.test("a random regular topology gives every node the same degree, without loops or repeats", () => {
  const t = randomRegular(200, 10, new Rng(3));
  const degree = new Array(200).fill(0);
  const seen = new Set<string>();
  for (const [a, b] of t.edges) {
    assert.notEqual(a, b);
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    assert.ok(!seen.has(key));
    seen.add(key);
    degree[a]++;
    degree[b]++;
  }
  assert.ok(degree.every((d) => d === 10), `degrees ${[...new Set(degree)]}`);
});

Deno.test("percentiles use the nearest rank and the CI uses Student's t", () => {
  const xs = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile(xs, 100), 100);
  const ci = meanCi([1, 2, 3]);
  assert.equal(ci.mean, 2);
  assert.ok(Math.abs(ci.ci95 - 4.303 / Math.sqrt(3)) < 1e-9);
});

Deno.test("bad latencies and topologies are typed errors", () => {
  assert.deepEqual(parseLatency("uniform:20:80"), { kind: "uniform", min: 20, max: 80 });
  for (const bad of ["uniform:80:20", "fast", "constant:-1", '{"kind":"warp"}', "{"]) {
    assert.throws(() => parseLatency(bad), (e) => isSimError(e), bad);
  }
  assert.deepEqual(parseTopology('{"nodes":3,"edges":[[0,1],[1,2]]}').edges, [[0, 1], [1, 2]]);
  for (const bad of ['{"nodes":3,"edges":[[0,0]]}', '{"nodes":3,"edges":[[0,5]]}', "[]", "x"]) {
    assert.throws(() => parseTopology(bad), (e) => isSimError(e, "invalid_input"), bad);
  }
  assert.throws(
    () => simulate({ nodes: 10, connections: 10 }),
    (e) => isSimError(e, "invalid_config"),
  );
});

Deno.test("a sweep on two workers gives the same reports as runs in this thread", async () => {
  const options = { nodes: 20, publications: 5, warmupMs: 2000, tailMs: 2000 };
  const result = await sweep(seedRuns("small", "honest", options, [1, 2, 3]), { workers: 2 });
  assert.equal(result.workers, 2);
  for (const run of result.runs) {
    const direct = simulate({ ...options, seed: run.options.seed });
    assert.deepEqual({ ...run.report, runTimeMs: 0 }, { ...direct, runTimeMs: 0 });
  }
  assert.equal(result.groups[0].deliveryRatio.n, 3);
});

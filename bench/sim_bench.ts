// Simulator benchmarks (results in BENCHMARKS.md, "Simulator"). Run with:
//
//   deno bench --allow-read --allow-env --v8-flags=--expose-gc bench/sim_bench.ts
//
// Groups:
// - sim/nodes: the honest scenario, D = 8 (D_lo 7, D_hi 16), 20 connections per node, 50 ms
//   links, 100 publications of 128 bytes every 100 ms after a 5 s warm-up and before a 5 s tail
//   (20 s simulated), at 100 … 3,000 nodes (10,000 with SIM_BENCH_LARGE=1); baseline 100 nodes,
//   so the ratios show the cost against nodes (messages fixed).
// - sim/messages: 1,000 nodes at 30, 100 and 300 publications; baseline 100.
// Memory per simulated node (heap after building a 1,000-node network, minus before, over 1,000)
// is printed once at load; it needs --expose-gc to be stable.

import { dalLimits } from "../lib/gossipsub/mod.ts";
import { simulate, Simulation, withDegree } from "../lib/sim/mod.ts";

const limits = withDegree(dalLimits<string>(), 8);

function run(nodes: number, publications: number): void {
  const report = simulate({ nodes, seed: 1, limits, publications });
  if (report.delivery.ratio !== 1) throw new Error(`delivery ${report.delivery.ratio}`);
}

const gc = (globalThis as { gc?: () => void }).gc;
{
  gc?.();
  const before = Deno.memoryUsage().heapUsed;
  const sim = new Simulation({ nodes: 1000, seed: 1, limits });
  gc?.();
  const after = Deno.memoryUsage().heapUsed;
  console.log(
    `memory per simulated node at build (1,000 nodes, 20 connections): ${
      ((after - before) / 1000 / 1024).toFixed(1)
    } KiB${gc === undefined ? " (no --expose-gc: rough)" : ""}`,
  );
  sim.run();
  gc?.();
  const ran = Deno.memoryUsage().heapUsed;
  console.log(
    `memory per simulated node after 100 publications: ${
      ((ran - before) / 1000 / 1024).toFixed(1)
    } KiB`,
  );
}

const sizes = [100, 300, 1000, 3000, ...(Deno.env.get("SIM_BENCH_LARGE") ? [10_000] : [])];
for (const nodes of sizes) {
  Deno.bench({
    name: `honest, ${nodes} nodes, D=8, 100 publications`,
    group: "sim/nodes",
    baseline: nodes === 100,
    n: nodes >= 3000 ? 1 : 3,
    warmup: nodes >= 3000 ? 0 : 1,
    fn: () => run(nodes, 100),
  });
}

for (const publications of [30, 100, 300]) {
  Deno.bench({
    name: `honest, 1000 nodes, D=8, ${publications} publications`,
    group: "sim/messages",
    baseline: publications === 100,
    n: 2,
    warmup: 0,
    fn: () => run(1000, publications),
  });
}

// Sweeps gossipsub's mesh degree D in the simulator: for each D, several seeds run in parallel on
// Web Workers (one per core), and the table gives mean ± 95% confidence interval of delivery,
// latency, duplicates and bytes sent per node. More D: lower latency, more duplicates and bytes.
//
//   deno run --allow-read examples/sim_sweep.ts [nodes] [seeds]
//
// (300 nodes × 4 degrees × 3 seeds take about half a minute on two cores.)

import { dalLimits } from "../lib/gossipsub/mod.ts";
import { type MeanCi, sweep, type SweepRun, withDegree } from "../lib/sim/mod.ts";

const nodes = Number(Deno.args[0] ?? 300);
const seeds = Number(Deno.args[1] ?? 3);
const degrees = [4, 6, 8, 10];

const runs: SweepRun[] = [];
for (const d of degrees) {
  for (let seed = 1; seed <= seeds; seed++) {
    runs.push({
      label: `D=${d}`,
      scenario: "honest",
      options: {
        nodes,
        seed,
        limits: withDegree(dalLimits<string>(), d),
        connections: 24,
        latency: { kind: "lognormal", median: 50, sigma: 0.5 },
        publications: 50,
      },
    });
  }
}

const result = await sweep(runs, {
  onRunDone: (done, total) => console.error(`${done}/${total} runs`),
});
const show = (x: MeanCi, digits = 1) => `${x.mean.toFixed(digits)} ± ${x.ci95.toFixed(digits)}`;
console.log(
  `${nodes} nodes, ${seeds} seeds per D, ${result.workers} workers, ${
    (result.wallMs / 1000).toFixed(1)
  } s`,
);
console.log("D     delivery          p50 ms         p99 ms         duplicates/node   kB sent/node");
for (const g of result.groups) {
  console.log(
    [
      g.label.padEnd(5),
      show(g.deliveryRatio, 4).padEnd(17),
      show(g.latencyP50).padEnd(14),
      show(g.latencyP99).padEnd(14),
      show(g.duplicatesMean).padEnd(17),
      `${(g.bytesSentMean.mean / 1000).toFixed(1)} ± ${(g.bytesSentMean.ci95 / 1000).toFixed(1)}`,
    ].join(" "),
  );
}

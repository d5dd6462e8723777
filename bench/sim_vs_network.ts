// Does the simulator agree with a network of real nodes? (results in BENCHMARKS.md, "Simulator").
// It compares distributions, not timings, so it is a `deno run` script, not a `deno bench` file:
//
//   deno run --allow-read --allow-write --allow-net=127.0.0.1 --allow-env --allow-ffi \
//     --allow-sys=loadavg \
//     bench/sim_vs_network.ts [--messages 200] [--interval 200] [--seed 7] [--out DIR]
//     [--link-delay MS]
//
// 1. Real: 20 tzp2p nodes on 127.0.0.1 in this process (bench/support/loopback_network.ts, the
//    set-up of bench/network_bench.ts), settled; their connections and meshes are read from each
//    node's snapshot(); with --link-delay MS every connection goes through a relay that delays
//    each direction by MS (bench/support/delay_proxy.ts; nodes in private mode dial only the
//    relays of their neighbours in a random 8-regular graph); then `--messages` publications `--interval` ms apart from random nodes,
//    and every delivery recorded with the peer it came from first. From that: each delivery's
//    latency from publication, its hop count (the first sender's plus one), and each hop's time
//    (the delivery time minus the first sender's own delivery or publication time).
// 2. Simulated: lib/sim on the same connection graph, the same limits and heartbeat, the same
//    publishers in the same order at the same interval, with four link models fitted to the real
//    per-hop times: `constant` (their median), `lognormal` (fitted to their logarithms, drawn once
//    per link), `lognormal per message` (the same, drawn for every message), and `serialised` (a constant floor, the real per-hop p5, plus a per-message upload
//    time such that a node forwarding to its mesh peers one after the other gives the real mean
//    per-hop time).
// 3. Compared: delivery ratio, p50 / p90 / p99 / max, mean hops, and the Kolmogorov–Smirnov
//    distance from the real latencies, raw and with each sample divided by its own median (the
//    shape of the CDF whatever its scale). Written to DIR: sim_vs_network.json,
//    sim_vs_network_cdf.svg (the CDFs in ms) and sim_vs_network_shape.svg (normalised).

import { defaultNodeLimits } from "../lib/node/mod.ts";
import {
  cdfComparisonSpec,
  fitLogNormal,
  ksDistance,
  type LatencyModel,
  percentile,
  renderSvg,
  round,
  Simulation,
  UNKNOWN_HOP,
  wireSize,
} from "../lib/sim/mod.ts";
import { LoopbackNetwork, type RealRun } from "./support/loopback_network.ts";

function option(name: string, fallback: string): string {
  const at = Deno.args.indexOf(`--${name}`);
  return at >= 0 && at + 1 < Deno.args.length ? Deno.args[at + 1] : fallback;
}
const MESSAGES = Number(option("messages", "200"));
const INTERVAL = Number(option("interval", "200"));
const SEED = Number(option("seed", "7"));
const OUT = option("out", "/tmp/sim_vs_network");
const DELAY = Number(option("link-delay", "0"));
const SETTINGS = {
  nodes: 20,
  heartbeatMs: 100,
  messageBytes: 64,
  topic: "bench",
  linkDelayMs: DELAY,
} as const;

/** Latencies, hops and hop times of one side. */
interface Side {
  readonly name: string;
  readonly expected: number;
  readonly latencies: number[];
  readonly hops: number[];
}

function summary(side: Side, real?: Side) {
  const sorted = [...side.latencies].sort((a, b) => a - b);
  const median = percentile(sorted, 50);
  const hops = side.hops.filter((h) => h >= 0);
  const row = {
    name: side.name,
    delivery: round(side.latencies.length / side.expected, 4),
    deliveries: side.latencies.length,
    p50: round(median),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1]),
    meanHops: round(hops.reduce((a, b) => a + b, 0) / hops.length),
    hopHistogram: histogram(hops),
    ks: null as number | null,
    ksShape: null as number | null,
  };
  if (real !== undefined) {
    row.ks = round(ksDistance(real.latencies, side.latencies));
    row.ksShape = round(ksDistance(normalised(real.latencies), normalised(side.latencies)));
  }
  return row;
}

function histogram(xs: number[]): number[] {
  const h: number[] = [];
  for (const x of xs) {
    while (h.length <= x) h.push(0);
    h[x]++;
  }
  return h;
}

function normalised(xs: number[]): number[] {
  const m = percentile([...xs].sort((a, b) => a - b), 50);
  return xs.map((x) => x / m);
}

/** The real side: latencies, hops and per-hop times from the recorded deliveries. */
function realSide(run: RealRun, nodes: number): Side & { hopTimes: number[]; hop1: number[] } {
  const latencies: number[] = [], hops: number[] = [], hopTimes: number[] = [], hop1: number[] = [];
  const byPub = new Map<number, Map<number, { at: number; from: number }>>();
  for (const d of run.deliveries) {
    let m = byPub.get(d.index);
    if (m === undefined) byPub.set(d.index, m = new Map());
    m.set(d.node, { at: d.at, from: d.from });
  }
  for (const [index, m] of byPub) {
    const publisher = run.publishers[index];
    const t0 = run.pubTime[index];
    const hopOf = (node: number, depth = 0): number => {
      if (node === publisher) return 0;
      const d = m.get(node);
      if (d === undefined || d.from < 0 || depth > nodes) return -1;
      const h = hopOf(d.from, depth + 1);
      return h < 0 ? -1 : h + 1;
    };
    for (const [node, d] of m) {
      latencies.push(d.at - t0);
      const h = hopOf(node);
      hops.push(h);
      const fromAt = d.from === publisher ? t0 : m.get(d.from)?.at;
      if (fromAt !== undefined) {
        hopTimes.push(d.at - fromAt);
        if (h === 1) hop1.push(d.at - fromAt);
      }
    }
  }
  return {
    name: DELAY > 0 ? `real (loopback + ${DELAY} ms links)` : "real (loopback)",
    expected: run.pubTime.length * (nodes - 1),
    latencies,
    hops,
    hopTimes,
    hop1,
  };
}

/** One simulation on the real topology and publishers with link model `latency`. */
function simSide(
  name: string,
  run: RealRun,
  latency: LatencyModel,
  uploadBandwidth: number | undefined,
  maxDegree: number,
  latencyPerMessage = false,
): Side & { meshDegrees: number[] } {
  const sim = new Simulation({
    nodes: SETTINGS.nodes,
    seed: SEED,
    limits: defaultNodeLimits<string>(SETTINGS.heartbeatMs),
    topics: [SETTINGS.topic],
    topology: { nodes: SETTINGS.nodes, edges: run.before.edges },
    connections: maxDegree,
    latency,
    latencyPerMessage,
    uploadBandwidth,
    // Real heartbeats are setInterval timers started at different instants: random phase, and
    // timer drift of a fraction of a millisecond.
    heartbeatJitterMs: 1,
    publications: run.pubTime.length,
    publishers: run.publishers,
    publishIntervalMs: INTERVAL,
    messageBytes: SETTINGS.messageBytes,
    warmupMs: 3000,
    tailMs: 3000,
  });
  const report = sim.run();
  const m = sim.metrics;
  const latencies: number[] = [], hops: number[] = [];
  for (let p = 0; p < m.publications; p++) {
    for (let i = 0; i < m.honest; i++) {
      if (i === m.publisher[p]) continue;
      const t = m.delivery[p * m.honest + i];
      if (Number.isNaN(t)) continue;
      latencies.push(t - m.pubTime[p]);
      const h = m.hops[p * m.total + i];
      hops.push(h === UNKNOWN_HOP ? -1 : h);
    }
  }
  const last = report.meshDegree.samples.at(-1)!;
  const meshDegrees = last.degrees.flatMap((n, d) => new Array(n).fill(d));
  return { name, expected: report.delivery.expected, latencies, hops, meshDegrees };
}

const q = (xs: number[], p: number) => round(percentile([...xs].sort((a, b) => a - b), p));

console.log(`starting ${SETTINGS.nodes} nodes on 127.0.0.1…`);
const net = await LoopbackNetwork.start(SETTINGS);
await new Promise((r) => setTimeout(r, 2000)); // let meshes settle past the first heartbeats
console.log(`publishing ${MESSAGES} messages ${INTERVAL} ms apart…`);
const run = await net.publish(MESSAGES, INTERVAL, 5000, SEED);
await net.close();

const real = realSide(run, SETTINGS.nodes);
const degrees = Array.from({ length: SETTINGS.nodes }, () => 0);
for (const [a, b] of run.before.edges) degrees[a]++, degrees[b]++;
const edgeKey = (e: [number, number]) => `${Math.min(...e)}-${Math.max(...e)}`;
const beforeKeys = new Set(run.before.edges.map(edgeKey));
const afterKeys = new Set(run.after.edges.map(edgeKey));
const changed = [...beforeKeys].filter((k) => !afterKeys.has(k)).length +
  [...afterKeys].filter((k) => !beforeKeys.has(k)).length;

// Fits of the link model to the real per-hop times.
const hopTimes = real.hopTimes.filter((x) => x > 0);
const medianHop = q(hopTimes, 50);
const logFit = fitLogNormal(hopTimes);
const floor = q(hopTimes, 5);
const meanHop = hopTimes.reduce((a, b) => a + b, 0) / hopTimes.length;
const realMesh = run.before.meshes.map((m) => m.length);
const meanMesh = realMesh.reduce((a, b) => a + b, 0) / realMesh.length;
// A node forwards to about (mesh degree − 1) peers one after the other; the k-th waits k sends, so
// the mean recipient waits (D − 1 + 1) / 2 sends' worth: mean hop = floor + send × D / 2.
const send = Math.max(1e-3, (meanHop - floor) * 2 / meanMesh);
const messageSize = wireSize({
  kind: "MessageWithHeader",
  topic: SETTINGS.topic,
  messageId: 0,
  message: new Uint8Array(SETTINGS.messageBytes),
});
const bandwidth = (messageSize * 1000) / send;
const maxDegree = Math.max(...degrees);

const sims = [
  simSide(
    `sim constant ${round(medianHop, 2)} ms`,
    run,
    { kind: "constant", ms: medianHop },
    undefined,
    maxDegree,
  ),
  simSide(
    `sim lognormal ${round(logFit.median, 2)} ms σ ${round(logFit.sigma, 2)}`,
    run,
    { kind: "lognormal", median: logFit.median, sigma: logFit.sigma },
    undefined,
    maxDegree,
  ),
  simSide(
    `sim lognormal per message`,
    run,
    { kind: "lognormal", median: logFit.median, sigma: logFit.sigma },
    undefined,
    maxDegree,
    true,
  ),
  simSide(
    `sim serialised ${round(floor, 2)} ms + ${round(send, 3)} ms/send`,
    run,
    { kind: "constant", ms: floor },
    bandwidth,
    maxDegree,
  ),
];

if (DELAY > 0) {
  sims.push(
    simSide(
      `sim constant ${DELAY} ms (the injected delay)`,
      run,
      {
        kind: "constant",
        ms: DELAY,
      },
      undefined,
      maxDegree,
    ),
  );
}
const rows = [summary(real), ...sims.map((s) => summary(s, real))];
const result = {
  date: new Date().toISOString(),
  settings: { ...SETTINGS, messages: MESSAGES, intervalMs: INTERVAL, seed: SEED },
  // The 1-, 5- and 15-minute load averages (needs --allow-sys=loadavg, else null).
  loadavg: (() => {
    try {
      return Deno.loadavg();
    } catch {
      return null;
    }
  })(),
  topology: {
    edges: run.before.edges.length,
    connectionsPerNode: { min: Math.min(...degrees), max: Math.max(...degrees) },
    connectionsChangedDuringRun: changed,
    realMeshDegrees: realMesh,
    simMeshDegrees: sims.map((s) => ({ name: s.name, degrees: s.meshDegrees })),
  },
  realPerHop: {
    samples: real.hopTimes.length,
    p5: floor,
    p50: medianHop,
    p90: q(hopTimes, 90),
    mean: round(meanHop),
    firstHopP50: q(real.hop1, 50),
    firstHopP90: q(real.hop1, 90),
    logNormal: { median: round(logFit.median), sigma: round(logFit.sigma) },
    serialised: { floorMs: floor, sendMs: round(send, 4), uploadBytesPerS: Math.round(bandwidth) },
  },
  rows,
};

await Deno.mkdir(OUT, { recursive: true });
await Deno.writeTextFile(`${OUT}/sim_vs_network.json`, JSON.stringify(result, null, 2) + "\n");
const series = [real, ...sims].map((s) => ({ name: s.name, values: s.latencies }));
await Deno.writeTextFile(
  `${OUT}/sim_vs_network_cdf.svg`,
  await renderSvg(
    cdfComparisonSpec(`Latency CDF — ${SETTINGS.nodes} real loopback nodes vs lib/sim`, series),
  ),
);
await Deno.writeTextFile(
  `${OUT}/sim_vs_network_shape.svg`,
  await renderSvg(cdfComparisonSpec(
    "CDF shape — latency / its own median",
    series.map((s) => ({ name: s.name, values: normalised(s.values) })),
    "latency / median",
  )),
);

console.log(
  `topology: ${result.topology.edges} connections (${result.topology.connectionsPerNode.min}–${result.topology.connectionsPerNode.max} per node), ${changed} changed during the run; real mesh degrees ${
    Math.min(...realMesh)
  }–${Math.max(...realMesh)}`,
);
console.log(
  `real per-hop: p5 ${floor} ms, p50 ${medianHop} ms, p90 ${result.realPerHop.p90} ms, mean ${result.realPerHop.mean} ms; first hop p50 ${result.realPerHop.firstHopP50} ms`,
);
console.log("| side | delivery | p50 ms | p90 ms | p99 ms | max ms | mean hops | KS | KS shape |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.delivery} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} | ${r.meanHops} | ${
      r.ks ?? "—"
    } | ${r.ksShape ?? "—"} |`,
  );
}
console.log(
  `written to ${OUT}/sim_vs_network.json, sim_vs_network_cdf.svg, sim_vs_network_shape.svg`,
);

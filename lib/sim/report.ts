/**
 * The JSON report of a run, computed from its measurements once it ends:
 * delivery ratio per honest node, latency percentiles and CDF from
 * publication to first delivery, per-publication delivery, duplicates and
 * bytes per node, mesh degrees and scores over time, and the run time (the
 * only field that changes between two runs of the same configuration).
 *
 * What "expected" means: publication `m` is expected at honest node `i` (not
 * its publisher) when `i` was online from `settleMs` before the publication
 * to `graceMs` after it (three heartbeats each): a node that has just
 * restarted needs a heartbeat or two to graft a mesh, and one that leaves
 * right after a publication may not have received it yet. Without churn,
 * every (publication, node) pair is expected.
 *
 * @module
 */

import type { AdversaryKind } from "./adversary.ts";
import type { ChurnConfig, SimConfig } from "./config.ts";
import type { LatencyModel } from "./latency.ts";
import type { Metrics, Sample, ScoreSummary } from "./metrics.ts";
import { ComponentAccumulator, COMPONENTS, type ScoreComponents } from "./score_components.ts";
import { percentile, round } from "./stats.ts";

/** Latency statistics, in ms. */
export interface LatencyStats {
  /** Number of deliveries measured. */
  readonly count: number;
  /** Mean. */
  readonly mean: number | null;
  /** Median. */
  readonly p50: number | null;
  /** 90th percentile. */
  readonly p90: number | null;
  /** 99th percentile. */
  readonly p99: number | null;
  /** Maximum. */
  readonly max: number | null;
}

/** The JSON report of one run (see the module documentation). */
export interface SimReport {
  /** Format version. */
  readonly version: 1;
  /** The parameters that shaped the run. */
  readonly config: {
    readonly nodes: number;
    readonly seed: number;
    readonly topics: readonly string[];
    readonly connections: number;
    readonly topology: "random-regular" | "given";
    readonly latency: LatencyModel;
    readonly latencyPerMessage: boolean;
    readonly lossRate: number;
    readonly uploadBandwidth: number | null;
    readonly heartbeatIntervalMs: number;
    readonly heartbeatJitterMs: number;
    readonly degree: { readonly low: number; readonly optimal: number; readonly high: number };
    readonly publications: number;
    readonly publishIntervalMs: number;
    readonly messageBytes: number;
    readonly warmupMs: number;
    readonly tailMs: number;
    readonly churn: ChurnConfig | null;
    readonly adversaries: {
      readonly kind: AdversaryKind;
      readonly count: number;
      readonly connections: number;
      readonly target: number | null;
    } | null;
  };
  /** Simulated time (ms). */
  readonly simulatedMs: number;
  /** Events processed. */
  readonly events: number;
  /** Messages put on links, and lost. */
  readonly messages: { readonly sent: number; readonly lost: number };
  /** Delivery of the publications to honest nodes. */
  readonly delivery: {
    /** Delivered / expected over all honest nodes. */
    readonly ratio: number;
    /** Expected (publication, node) pairs. */
    readonly expected: number;
    /** Of which delivered. */
    readonly delivered: number;
    /** Lowest per-node ratio. */
    readonly minNodeRatio: number;
    /** Honest nodes that received everything expected. */
    readonly nodesWithFullDelivery: number;
    /** Ratio per honest node (1 for a node expecting nothing). */
    readonly perNode: readonly number[];
    /** See the module documentation. */
    readonly settleMs: number;
    /** See the module documentation. */
    readonly graceMs: number;
  };
  /** Publication to first delivery, over every expected delivery. */
  readonly latency: LatencyStats & {
    /** The empirical CDF at up to 200 points: [latency ms, fraction ≤]. */
    readonly cdf: readonly (readonly [number, number])[];
  };
  /**
   * Hops from the publisher of every expected delivery (the first sender's
   * count plus one): mean, maximum, and `histogram[h]` deliveries at h hops.
   * With a constant link latency L and no bandwidth limit, a delivery at h
   * hops takes h × L exactly.
   */
  readonly hops: {
    readonly mean: number | null;
    readonly max: number | null;
    readonly histogram: readonly number[];
  };
  /** Each publication: when, by whom, and the fraction of expecting nodes that got it. */
  readonly perPublication: readonly {
    readonly index: number;
    readonly time: number;
    readonly publisher: number;
    readonly ratio: number;
  }[];
  /** Duplicate full messages received per honest node. */
  readonly duplicates: {
    readonly mean: number;
    readonly max: number;
    readonly perNode: readonly number[];
  };
  /** Bytes per node. */
  readonly bytes: {
    readonly honestSentMean: number;
    readonly honestReceivedMean: number;
    readonly adversarySentMean: number | null;
    readonly sentPerNode: readonly number[];
    readonly receivedPerNode: readonly number[];
  };
  /** Mesh degree (first topic) of online honest nodes: at each sample, `degrees[d]` nodes have d. */
  readonly meshDegree: {
    readonly samples: readonly { readonly t: number; readonly degrees: readonly number[] }[];
    /** Mean degree at the last sample. */
    readonly finalMean: number;
  };
  /**
   * Scores honest nodes give honest and adversarial peers over time, their
   * mean weighted components (P1–P7, see `score_components.ts`), and who holds
   * the entries of honest nodes' meshes.
   */
  readonly scores: readonly {
    readonly t: number;
    readonly honest: ScoreSummary;
    readonly adversary: ScoreSummary;
    readonly components: {
      readonly honest: ScoreComponents | null;
      readonly adversary: ScoreComponents | null;
    };
    readonly meshSlots: { readonly honest: number; readonly adversary: number };
  }[];
  /** Scores and meshes over the publication period (`null` without adversaries). */
  readonly separation: Separation | null;
  /** The eclipse target's own delivery and latency (eclipse runs only). */
  readonly target: {
    readonly node: number;
    readonly deliveryRatio: number;
    readonly latency: LatencyStats;
  } | null;
  /** Wall-clock time of the run (ms): the one field that differs between identical runs. */
  readonly runTimeMs: number;
}

function latencyStats(sorted: Float64Array): LatencyStats {
  const n = sorted.length;
  if (n === 0) return { count: 0, mean: null, p50: null, p90: null, p99: null, max: null };
  let sum = 0;
  for (const x of sorted) sum += x;
  return {
    count: n,
    mean: round(sum / n),
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[n - 1]),
  };
}

function roundScores(s: ScoreSummary): ScoreSummary {
  const r = (x: number | null) => (x === null ? null : round(x));
  return { mean: r(s.mean), min: r(s.min), max: r(s.max), count: s.count, negative: s.negative };
}

function roundComponents(c: ScoreComponents | null): ScoreComponents | null {
  if (c === null) return null;
  const out = {} as Record<keyof ScoreComponents, number>;
  for (const k of COMPONENTS) out[k] = round(c[k]);
  return out;
}

/**
 * How scores separate adversaries from honest peers over the publication
 * period (samples from the first publication to the last, inclusive).
 */
export interface Separation {
  /** Samples averaged. */
  readonly samples: number;
  /** Mean score honest nodes give honest peers. */
  readonly honestMean: number;
  /** Mean score honest nodes give adversaries. */
  readonly adversaryMean: number;
  /** Share of (honest node, honest peer) pairs with a negative score. */
  readonly honestNegativeShare: number;
  /** Share of (honest node, adversary) pairs with a negative score. */
  readonly adversaryNegativeShare: number;
  /** Adversaries' share of honest nodes' connections. */
  readonly adversaryConnectionShare: number;
  /** Adversaries' share of honest nodes' mesh entries: at the first and last sample, and mean. */
  readonly adversaryMeshShare: {
    readonly first: number;
    readonly last: number;
    readonly mean: number;
  };
  /** Mean weighted components of the scores given to honest peers. */
  readonly honestComponents: ScoreComponents;
  /** Mean weighted components of the scores given to adversaries. */
  readonly adversaryComponents: ScoreComponents;
}

/** What a report is built from: a finished `Simulation` (`simulator.ts`) or anything shaped so. */
export interface SimulationRun {
  /** The configuration it ran. */
  readonly config: SimConfig;
  /** What it measured. */
  readonly metrics: Metrics;
  /** Simulated time at its end, ms. */
  readonly endMs: number;
}

function separation(sim: SimulationRun): Separation | null {
  const c = sim.config;
  const m = sim.metrics;
  if (c.adversaries === undefined || c.adversaries.count === 0) return null;
  const start = c.warmupMs;
  const end = c.warmupMs + Math.max(0, c.publications - 1) * c.publishIntervalMs;
  const window = m.samples.filter((s) => s.t >= start && s.t <= end);
  if (window.length === 0) return null;
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
  const share = (pick: (s: Sample) => ScoreSummary) => {
    let negative = 0, count = 0;
    for (const s of window) {
      negative += pick(s).negative;
      count += pick(s).count;
    }
    return count === 0 ? 0 : round(negative / count, 4);
  };
  const parts = (pick: (s: Sample) => ScoreComponents | null) => {
    const acc = new ComponentAccumulator();
    for (const s of window) {
      const p = pick(s);
      if (p !== null) acc.add(p);
    }
    return roundComponents(acc.means() ?? { p1: 0, p2: 0, p3: 0, p3b: 0, p4: 0, p5: 0, p7: 0 })!;
  };
  const meshShare = (s: Sample) => {
    const total = s.meshSlots.honest + s.meshSlots.adversary;
    return total === 0 ? 0 : round(s.meshSlots.adversary / total, 4);
  };
  let advConnections = 0, allConnections = 0;
  for (const s of window) {
    advConnections += s.adversaryScores.count;
    allConnections += s.adversaryScores.count + s.honestScores.count;
  }
  return {
    samples: window.length,
    honestMean: round(mean(window.flatMap((s) => s.honestScores.mean ?? []))),
    adversaryMean: round(mean(window.flatMap((s) => s.adversaryScores.mean ?? []))),
    honestNegativeShare: share((s) => s.honestScores),
    adversaryNegativeShare: share((s) => s.adversaryScores),
    adversaryConnectionShare: allConnections === 0 ? 0 : round(advConnections / allConnections, 4),
    adversaryMeshShare: {
      first: meshShare(window[0]),
      last: meshShare(window[window.length - 1]),
      mean: round(mean(window.map(meshShare)), 4),
    },
    honestComponents: parts((s) => s.honestComponents),
    adversaryComponents: parts((s) => s.adversaryComponents),
  };
}

/** Builds the report of a finished run. */
export function buildReport(sim: SimulationRun, runTimeMs: number): SimReport {
  const c = sim.config;
  const m = sim.metrics;
  const honest = m.honest;
  const hb = c.limits.heartbeatInterval;
  const settleMs = 3 * hb, graceMs = 3 * hb;
  const adv = c.adversaries;
  const target = adv?.kind === "eclipse" ? (adv.target ?? 0) : -1;
  const expectedPerNode = new Float64Array(honest);
  const deliveredPerNode = new Float64Array(honest);
  const latencies: number[] = [];
  const targetLatencies: number[] = [];
  const perPublication: SimReport["perPublication"][number][] = [];
  const hopHistogram: number[] = [];
  let hopSum = 0, hopCount = 0;
  for (let p = 0; p < m.publications; p++) {
    const t0 = m.pubTime[p];
    if (Number.isNaN(t0)) continue;
    let expected = 0, delivered = 0;
    for (let i = 0; i < honest; i++) {
      if (i === m.publisher[p] || !m.onlineThroughout(i, t0 - settleMs, t0 + graceMs)) continue;
      expected++;
      expectedPerNode[i]++;
      const t = m.delivery[p * honest + i];
      if (Number.isNaN(t)) continue;
      delivered++;
      deliveredPerNode[i]++;
      latencies.push(t - t0);
      const h = m.hops[p * m.total + i];
      while (hopHistogram.length <= h) hopHistogram.push(0);
      hopHistogram[h]++;
      hopSum += h;
      hopCount++;
      if (i === target) targetLatencies.push(t - t0);
    }
    perPublication.push({
      index: p,
      time: t0,
      publisher: m.publisher[p],
      ratio: expected === 0 ? 1 : round(delivered / expected, 4),
    });
  }
  const perNode = Array.from(
    expectedPerNode,
    (e, i) => (e === 0 ? 1 : round(deliveredPerNode[i] / e, 4)),
  );
  const expected = expectedPerNode.reduce((a, b) => a + b, 0);
  const delivered = deliveredPerNode.reduce((a, b) => a + b, 0);
  const sorted = Float64Array.from(latencies).sort();
  const cdf: [number, number][] = [];
  const points = Math.min(200, sorted.length);
  for (let k = 1; k <= points; k++) {
    const idx = Math.ceil((k / points) * sorted.length) - 1;
    cdf.push([round(sorted[idx]), round((idx + 1) / sorted.length, 4)]);
  }
  const mean = (xs: ArrayLike<number>, from: number, to: number) => {
    let s = 0;
    for (let i = from; i < to; i++) s += xs[i];
    return to > from ? round(s / (to - from)) : 0;
  };
  const total = m.bytesSent.length;
  const dupes = Array.from(m.duplicates.subarray(0, honest));
  const lastSample = m.samples[m.samples.length - 1];
  let degreeSum = 0, degreeCount = 0;
  lastSample?.degrees.forEach((n, d) => {
    degreeSum += n * d;
    degreeCount += n;
  });
  return {
    version: 1,
    config: {
      nodes: c.nodes,
      seed: c.seed,
      topics: c.topics,
      connections: c.connections,
      topology: c.topology === undefined ? "random-regular" : "given",
      latency: c.latency,
      latencyPerMessage: c.latencyPerMessage === true,
      lossRate: c.lossRate,
      uploadBandwidth: c.uploadBandwidth ?? null,
      heartbeatIntervalMs: hb,
      heartbeatJitterMs: c.heartbeatJitterMs,
      degree: {
        low: c.limits.degreeLow,
        optimal: c.limits.degreeOptimal,
        high: c.limits.degreeHigh,
      },
      publications: c.publications,
      publishIntervalMs: c.publishIntervalMs,
      messageBytes: c.messageBytes,
      warmupMs: c.warmupMs,
      tailMs: c.tailMs,
      churn: c.churn ?? null,
      adversaries: adv === undefined ? null : {
        kind: adv.kind,
        count: adv.count,
        connections: adv.connections,
        target: adv.kind === "eclipse" ? (adv.target ?? 0) : null,
      },
    },
    simulatedMs: sim.endMs,
    events: m.events,
    messages: { sent: m.messagesSent, lost: m.messagesLost },
    delivery: {
      ratio: expected === 0 ? 1 : round(delivered / expected, 6),
      expected,
      delivered,
      minNodeRatio: perNode.reduce((a, b) => Math.min(a, b), 1),
      nodesWithFullDelivery: perNode.filter((r) => r === 1).length,
      perNode,
      settleMs,
      graceMs,
    },
    latency: { ...latencyStats(sorted), cdf },
    hops: {
      mean: hopCount === 0 ? null : round(hopSum / hopCount),
      max: hopCount === 0 ? null : hopHistogram.length - 1,
      histogram: hopHistogram,
    },
    perPublication,
    duplicates: {
      mean: mean(dupes, 0, honest),
      max: dupes.reduce((a, b) => Math.max(a, b), 0),
      perNode: dupes,
    },
    bytes: {
      honestSentMean: mean(m.bytesSent, 0, honest),
      honestReceivedMean: mean(m.bytesReceived, 0, honest),
      adversarySentMean: total > honest ? mean(m.bytesSent, honest, total) : null,
      sentPerNode: Array.from(m.bytesSent),
      receivedPerNode: Array.from(m.bytesReceived),
    },
    meshDegree: {
      samples: m.samples.map(({ t, degrees }) => ({ t: round(t), degrees })),
      finalMean: degreeCount === 0 ? 0 : round(degreeSum / degreeCount),
    },
    scores: m.samples.map((s) => ({
      t: round(s.t),
      honest: roundScores(s.honestScores),
      adversary: roundScores(s.adversaryScores),
      components: {
        honest: roundComponents(s.honestComponents),
        adversary: roundComponents(s.adversaryComponents),
      },
      meshSlots: s.meshSlots,
    })),
    separation: separation(sim),
    target: target < 0 ? null : {
      node: target,
      deliveryRatio: expectedPerNode[target] === 0
        ? 1
        : round(deliveredPerNode[target] / expectedPerNode[target], 4),
      latency: latencyStats(Float64Array.from(targetLatencies).sort()),
    },
    runTimeMs: round(runTimeMs, 1),
  };
}

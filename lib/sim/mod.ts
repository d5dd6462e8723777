/**
 * A deterministic discrete-event simulator of gossipsub networks: thousands
 * of unmodified {@linkcode GossipsubAutomaton}s (one per node, with the DAL,
 * the test or any limits) exchanging messages over simulated links — latency
 * models, loss, upload bandwidth, random regular or given topologies, churn,
 * heartbeat jitter — in simulated time, with honest and hostile scenarios from
 * the gossipsub v1.1 threat model. The same configuration and seed give the
 * same report byte for byte (run time aside).
 *
 * - {@linkcode simulate} / {@linkcode Simulation}: one run, returning a
 *   {@linkcode SimReport} (delivery, latency percentiles and CDF, duplicates,
 *   bytes, mesh degrees and scores over time).
 * - {@linkcode scenario}: the named scenarios (`honest`, `churn`, `sybil`,
 *   `eclipse`, `spam`, `ihave-flood`, `iwant-flood`, `graft-backoff`).
 * - {@linkcode renderPlots} / {@linkcode writeRun}: SVG plots with Vega-Lite.
 * - {@linkcode sweep}: many runs in parallel on Web Workers, aggregated as
 *   mean ± 95% confidence interval.
 *
 * The command line does the same: `deno task tzp2p simulate --nodes 1000
 * --scenario honest --seed 1 --out out/`.
 *
 * @example A 50-node network with Sybils: every honest node still gets every message.
 * ```ts
 * import { scenario, simulate, withDegree } from "./mod.ts";
 * import { dalLimits } from "../gossipsub/mod.ts";
 *
 * const report = simulate(
 *   scenario("sybil", {
 *     nodes: 50,
 *     seed: 7,
 *     limits: withDegree(dalLimits<string>(), 6),
 *     publications: 20,
 *     latency: { kind: "uniform", min: 20, max: 80 },
 *   }),
 * );
 * if (report.delivery.ratio !== 1) throw new Error("lost messages");
 * console.log(`p50 ${report.latency.p50} ms, p99 ${report.latency.p99} ms`);
 * ```
 *
 * @module
 */

export type {
  Limits,
  MessageWithHeader,
  PeerMessage,
  PerTopicScoreLimits,
  ScoreLimits,
  Span,
  TopicScoreLimits,
} from "../gossipsub/mod.ts";
export { Rng } from "../base/rng.ts";
export type { RngState } from "../base/rng.ts";
export { type ErrorGuard, isTzError, TzError } from "../base/error.ts";
export { ADVERSARY_KINDS, behaviourOf, isActive } from "./adversary.ts";
export type { AdversaryConfig, AdversaryKind } from "./adversary.ts";
export { checkConfig, withDefaults } from "./config.ts";
export type { ChurnConfig, SimConfig, SimOptions } from "./config.ts";
export { isSimError, SimError } from "./errors.ts";
export type { SimErrorDetails, SimErrorKind } from "./errors.ts";
export { EventQueue } from "./event_queue.ts";
export { assignRegions, checkLatency, drawLatency, normal, parseLatency } from "./latency.ts";
export type { LatencyModel } from "./latency.ts";
export { Metrics, ScoreAccumulator, UNKNOWN_HOP } from "./metrics.ts";
export type { Sample, ScoreSummary } from "./metrics.ts";
export { reportJson, writeRun } from "./output.ts";
export { cdfComparisonSpec, PLOT_NAMES, plotSpec, renderPlots, renderSvg } from "./plots.ts";
export type { CdfSeries, PlotName, PlotSpec } from "./plots.ts";
export { buildReport, type SimulationRun } from "./report.ts";
export type { LatencyStats, Separation, SimReport } from "./report.ts";
export { ComponentAccumulator, COMPONENTS, scoreComponents } from "./score_components.ts";
export type { ScoreComponents, ScoreCounters, TopicCounters } from "./score_components.ts";
export {
  isScenarioName,
  scenario,
  SCENARIOS,
  withDegree,
  withMeshDeliveryPenalty,
} from "./scenarios.ts";
export type { MeshDeliveryOptions, ScenarioName } from "./scenarios.ts";
export { HONEST, payloadValidity } from "./sim_node.ts";
export type { NodeBehaviour } from "./sim_node.ts";
export { deriveSeed, simulate, Simulation } from "./simulator.ts";
export type { RunOptions, SimProgress } from "./simulator.ts";
export { fitLogNormal, ksDistance, meanCi, percentile, round } from "./stats.ts";
export type { LogNormalFit, MeanCi } from "./stats.ts";
export { aggregate, seedRuns, sweep } from "./sweep.ts";
export type { SweepGroup, SweepOptions, SweepResult, SweepRun } from "./sweep.ts";
export { parseTopology, randomRegular } from "./topology.ts";
export type { Topology } from "./topology.ts";
export { wireSize } from "./wire_size.ts";
export type { SimMessage } from "./wire_size.ts";

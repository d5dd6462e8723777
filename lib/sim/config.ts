/**
 * What a simulation run is made of ({@linkcode SimConfig}), its defaults and
 * its checks. Times are milliseconds of simulated time.
 *
 * @module
 */

import { checkLimits, dalLimits, type Limits } from "../gossipsub/mod.ts";
import { ADVERSARY_KINDS, type AdversaryConfig } from "./adversary.ts";
import { SimError } from "./errors.ts";
import { checkLatency, type LatencyModel } from "./latency.ts";
import type { Topology } from "./topology.ts";

/**
 * Nodes leaving and joining on a schedule: every `intervalMs`, `count`
 * random online honest nodes (never the next publisher) go offline — their
 * connections close — and each comes back `downtimeMs` later with an empty
 * automaton (a restart), dialling `connections` random online nodes.
 */
export interface ChurnConfig {
  /** Period of the departures (ms). */
  readonly intervalMs: number;
  /** Nodes leaving at each period. */
  readonly count: number;
  /** How long a node stays away (ms). */
  readonly downtimeMs: number;
}

/** A full simulation configuration; see {@linkcode withDefaults} for what may be left out. */
export interface SimConfig {
  /** Honest nodes (adversaries come on top). */
  readonly nodes: number;
  /** Seed of every random choice of the run. */
  readonly seed: number;
  /** Limits of every automaton (honest and adversarial). */
  readonly limits: Limits<string>;
  /** Topics every node joins; publications go round-robin over them. */
  readonly topics: readonly string[];
  /** Connections per honest node of the random regular topology. */
  readonly connections: number;
  /** A given topology over the honest nodes instead of a random one. */
  readonly topology?: Topology;
  /** Link latency model. */
  readonly latency: LatencyModel;
  /**
   * Draw the delay of every message from the latency model instead of once per
   * link (default false: a link keeps its delay). Links stay FIFO, so a long
   * draw holds back the messages behind it on the same link, as TCP's
   * in-order delivery does.
   */
  readonly latencyPerMessage?: boolean;
  /** Probability that a message is lost on a link, in [0, 1). */
  readonly lossRate: number;
  /** Upload bandwidth of every node in bytes per second (`undefined`: unlimited). */
  readonly uploadBandwidth?: number;
  /** Heartbeat periods vary uniformly within ± this (ms). */
  readonly heartbeatJitterMs: number;
  /** Number of publications by honest nodes. */
  readonly publications: number;
  /**
   * Publisher of each publication (honest node indices, used in turn; a
   * publisher that is offline is replaced by a random online node). Default:
   * a random online honest node each time (never the eclipse target). Used to
   * replay the publications of a real network.
   */
  readonly publishers?: readonly number[];
  /** Time between two publications (ms). */
  readonly publishIntervalMs: number;
  /** Payload size of a publication (bytes, ≥ 1: the first is the validity flag). */
  readonly messageBytes: number;
  /** Time before the first publication, for meshes to form (ms). */
  readonly warmupMs: number;
  /** Time after the last publication before the run ends (ms). */
  readonly tailMs: number;
  /** Period of the mesh-degree and score samples (ms). */
  readonly sampleIntervalMs: number;
  /** Size of a message id on the wire, for the byte counts (bytes). */
  readonly idBytes: number;
  /** Churn, if any. */
  readonly churn?: ChurnConfig;
  /** Adversaries, if any. */
  readonly adversaries?: AdversaryConfig;
}

/** Fields of {@linkcode SimConfig} that have defaults. */
export type SimOptions = Partial<SimConfig> & Pick<SimConfig, "nodes">;

/**
 * Completes a configuration: seed 1, the DAL limits, one topic `"sim"`, 20
 * connections (or fewer on tiny networks), 50 ms constant latency, no loss,
 * unlimited bandwidth, ±50 ms heartbeat jitter, 100 publications of 128 bytes
 * every 100 ms after a 5 s warm-up, 5 s of tail, samples every second.
 */
export function withDefaults(options: SimOptions): SimConfig {
  return {
    seed: 1,
    limits: dalLimits<string>(),
    topics: ["sim"],
    connections: Math.min(20, options.nodes - 1),
    latency: { kind: "constant", ms: 50 },
    lossRate: 0,
    heartbeatJitterMs: 50,
    publications: 100,
    publishIntervalMs: 100,
    messageBytes: 128,
    warmupMs: 5000,
    tailMs: 5000,
    sampleIntervalMs: 1000,
    idBytes: 8,
    ...options,
  };
}

function bad(field: string, why: string): never {
  throw new SimError("invalid_config", `${field}: ${why}`, { field });
}

/** Checks a configuration; throws {@linkcode SimError} `invalid_config` naming the field. */
export function checkConfig(c: SimConfig): void {
  const int = (field: string, x: number, min: number) => {
    if (!Number.isInteger(x) || x < min) bad(field, `must be an integer ≥ ${min}, got ${x}`);
  };
  const ms = (field: string, x: number) => {
    if (!Number.isFinite(x) || x < 0) bad(field, `must be a duration ≥ 0, got ${x}`);
  };
  int("nodes", c.nodes, 2);
  if (!Number.isFinite(c.seed)) bad("seed", `must be a number, got ${c.seed}`);
  try {
    checkLimits(c.limits);
  } catch (e) {
    bad("limits", (e as Error).message);
  }
  if (c.topics.length === 0 || c.topics.length > 1000) bad("topics", "need 1 to 1000 topics");
  if (c.topology === undefined) {
    int("connections", c.connections, 1);
    if (c.connections >= c.nodes) bad("connections", `must be below nodes (${c.nodes})`);
  } else if (c.topology.nodes !== c.nodes) {
    bad("topology", `has ${c.topology.nodes} nodes, the run ${c.nodes}`);
  }
  checkLatency(c.latency);
  if (!(c.lossRate >= 0 && c.lossRate < 1)) bad("lossRate", `must be in [0, 1), got ${c.lossRate}`);
  if (c.uploadBandwidth !== undefined && !(c.uploadBandwidth > 0)) {
    bad("uploadBandwidth", `must be > 0 bytes/s, got ${c.uploadBandwidth}`);
  }
  ms("heartbeatJitterMs", c.heartbeatJitterMs);
  if (c.heartbeatJitterMs >= c.limits.heartbeatInterval) {
    bad("heartbeatJitterMs", "must be below the heartbeat interval");
  }
  int("publications", c.publications, 0);
  if (c.publishers !== undefined) {
    if (c.publishers.length === 0) bad("publishers", "must not be empty when given");
    for (const p of c.publishers) {
      if (!(Number.isInteger(p) && p >= 0 && p < c.nodes)) {
        bad("publishers", `must be honest node indices below ${c.nodes}, got ${p}`);
      }
    }
  }
  ms("publishIntervalMs", c.publishIntervalMs);
  int("messageBytes", c.messageBytes, 1);
  ms("warmupMs", c.warmupMs);
  ms("tailMs", c.tailMs);
  if (!(c.sampleIntervalMs > 0)) bad("sampleIntervalMs", "must be > 0");
  int("idBytes", c.idBytes, 1);
  if (c.churn !== undefined) {
    if (!(c.churn.intervalMs > 0)) bad("churn.intervalMs", "must be > 0");
    int("churn.count", c.churn.count, 0);
    ms("churn.downtimeMs", c.churn.downtimeMs);
  }
  const a = c.adversaries;
  if (a !== undefined) {
    if (!ADVERSARY_KINDS.includes(a.kind)) bad("adversaries.kind", `unknown kind ${a.kind}`);
    int("adversaries.count", a.count, 0);
    int("adversaries.connections", a.connections, 1);
    if (a.connections > c.nodes) bad("adversaries.connections", `must be ≤ nodes (${c.nodes})`);
    if (
      a.target !== undefined && !(Number.isInteger(a.target) && a.target >= 0 && a.target < c.nodes)
    ) {
      bad("adversaries.target", "must be an honest node index");
    }
    if (a.tickMs !== undefined && !(a.tickMs > 0)) bad("adversaries.tickMs", "must be > 0");
    if (a.floodIds !== undefined) int("adversaries.floodIds", a.floodIds, 1);
  }
}

/**
 * Named scenarios: a function from the size of the network (and any other
 * options the caller fixes) to a full set of options. Adversaries are added
 * on top of the honest nodes, with the same number of connections each.
 *
 * | name            | what                                                            |
 * |-----------------|-----------------------------------------------------------------|
 * | `honest`        | every node honest                                               |
 * | `churn`         | 1% of the nodes (at least 1) restart every second, 5 s away     |
 * | `sybil`         | 20% more nodes that join meshes and never forward               |
 * | `eclipse`       | 2 × D_hi Sybils all connected to node 0                         |
 * | `spam`          | 5% more nodes sending invalid messages                          |
 * | `ihave-flood`   | 5% more nodes flooding IHaves and never answering IWants        |
 * | `iwant-flood`   | 5% more nodes flooding IWants for recent messages               |
 * | `graft-backoff` | 10% more nodes grafting every peer every tick, backoff or not   |
 * | `sybil-p3`      | `sybil` with the mesh-delivery penalties P3 and P3b switched on, |
 * |                 | publications from 3 s (before P3 activates on the first meshes) |
 *
 * Under the DAL limits P3 and P3b have weight 0 (Octez
 * `src/lib_dal_node/gossipsub/gs_default_parameters.ml` lines 50–52 and 64–66:
 * "deactivated because we cannot predict a delivery weight"): a Sybil that
 * never forwards then differs from an honest peer only by the P2 (first
 * deliveries) it does not earn, so the two score close, and a DAL node relies
 * on mesh redundancy (D peers, D_out outbound, opportunistic grafting) and
 * gossip to deliver, and on P4 and P7 against the louder attacks. `sybil-p3`
 * runs the same adversaries with gossipsub v1.1's mesh-delivery scoring (see
 * {@linkcode withMeshDeliveryPenalty}) to show the separation it buys.
 * @module
 */

import type { Limits, PerTopicScoreLimits } from "../gossipsub/mod.ts";
import type { AdversaryKind } from "./adversary.ts";
import { type SimOptions, withDefaults } from "./config.ts";
import { SimError } from "./errors.ts";

/** The scenario names. */
export type ScenarioName = "honest" | "churn" | AdversaryKind | "sybil-p3";

/** Every scenario name. */
export const SCENARIOS: readonly ScenarioName[] = [
  "honest",
  "churn",
  "sybil",
  "eclipse",
  "spam",
  "ihave-flood",
  "iwant-flood",
  "graft-backoff",
  "sybil-p3",
];

/** Whether `name` is a scenario name. */
export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}

/**
 * The options of scenario `name` over `options` (which keep precedence for
 * everything but the scenario's churn or adversaries).
 *
 * @throws {SimError} `unknown_scenario` for an unknown name.
 */
export function scenario(name: string, options: SimOptions): SimOptions {
  if (!isScenarioName(name)) {
    throw new SimError(
      "unknown_scenario",
      `unknown scenario ${JSON.stringify(name)} (${SCENARIOS.join(", ")})`,
    );
  }
  const c = withDefaults(options);
  const n = c.nodes;
  const share = (fraction: number) => Math.max(1, Math.round(n * fraction));
  const adversaries = (kind: AdversaryKind, count: number): SimOptions => ({
    ...options,
    adversaries: { kind, count, connections: Math.min(c.connections, n) },
  });
  switch (name) {
    case "honest":
      return options;
    case "churn":
      return { ...options, churn: { intervalMs: 1000, count: share(0.01), downtimeMs: 5000 } };
    case "sybil":
      return adversaries("sybil", share(0.2));
    case "sybil-p3":
      // Publications start at 3 s (unless set): P3 activates 5 s after a graft, and a mesh peer
      // whose counter is still 0 then (no traffic yet) is penalised, honest or not.
      return {
        ...adversaries("sybil", share(0.2)),
        limits: withMeshDeliveryPenalty(c.limits),
        warmupMs: options.warmupMs ?? 3000,
      };
    case "eclipse":
      return {
        ...options,
        adversaries: { kind: "eclipse", count: 2 * c.limits.degreeHigh, connections: 1, target: 0 },
      };
    case "spam":
    case "ihave-flood":
    case "iwant-flood":
      return adversaries(name, share(0.05));
    case "graft-backoff":
      return adversaries(name, share(0.1));
  }
}

/**
 * `limits` with mesh degree `d`: D = d, D_lo = ⌈5d/6⌉, D_hi = 2d,
 * D_out = min(2, ⌊d/2⌋), D_score = min(4, d − D_out), D_lazy = d — the ratios of
 * Octez's defaults (6, 5, 12, 2, 4, 6).
 */
export function withDegree<T>(limits: Limits<T>, d: number): Limits<T> {
  if (!Number.isInteger(d) || d < 1) {
    throw new SimError("invalid_config", `mesh degree must be an integer ≥ 1, got ${d}`, {
      field: "degree",
    });
  }
  const degreeOut = Math.min(2, Math.floor(d / 2));
  return {
    ...limits,
    degreeOptimal: d,
    degreeLow: Math.max(degreeOut, Math.ceil((5 * d) / 6)),
    degreeHigh: 2 * d,
    degreeOut,
    degreeScore: Math.min(4, d - degreeOut),
    degreeLazy: d,
  };
}

/** The traffic-dependent P3 parameters of {@linkcode withMeshDeliveryPenalty}. */
export interface MeshDeliveryOptions {
  /** Deliveries a mesh peer must keep counted (decayed) to escape P3 (default 4). */
  readonly threshold?: number;
  /** A duplicate this soon after the first delivery still counts for its sender (ms, default 200). */
  readonly windowMs?: number;
}

/**
 * `limits` with gossipsub v1.1's mesh-delivery penalties on: P3 weight −1 and
 * P3b weight −1, Octez's unit-test values (`src/lib_gossipsub/test/
 * default_limits.ml` lines 35–40, our `testLimits`), with their activation (5 s), cap
 * (100) and decay (0.5) kept from `limits`. The threshold and the window are
 * the two values the v1.1 specification says must be fitted to a topic's
 * traffic, and Octez's test values (20 deliveries, 10 ms) do not fit the
 * default scenario: at 10 publications per second with decay 0.5 per
 * heartbeat a peer that forwards everything counts 10–20 between refreshes,
 * and with 50 ms links almost all of a mesh peer's copies come more than
 * 10 ms after the first, so honest peers would be penalised too (measured:
 * mean honest score −14 vs Sybils −20). The defaults here, 4 deliveries and
 * 200 ms (four link latencies), leave honest mesh peers unpenalised on that
 * traffic while a peer that forwards nothing pays 4² = 16 per topic.
 */
export function withMeshDeliveryPenalty<T>(
  limits: Limits<T>,
  options: MeshDeliveryOptions = {},
): Limits<T> {
  const on = (p: PerTopicScoreLimits): PerTopicScoreLimits => ({
    ...p,
    meshMessageDeliveriesWeight: -1,
    meshFailurePenaltyWeight: -1,
    meshMessageDeliveriesThreshold: options.threshold ?? 4,
    meshMessageDeliveriesWindow: options.windowMs ?? 200,
  });
  const topics = limits.scoreLimits.topics;
  return {
    ...limits,
    scoreLimits: {
      ...limits.scoreLimits,
      topics: topics.kind === "Single"
        ? { kind: "Single", parameters: on(topics.parameters) }
        : { ...topics, parameters: (topic: T) => on(topics.parameters(topic)) },
    },
  };
}

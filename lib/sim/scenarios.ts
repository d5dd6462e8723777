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
 *
 * @module
 */

import type { Limits } from "../gossipsub/mod.ts";
import type { AdversaryKind } from "./adversary.ts";
import { type SimOptions, withDefaults } from "./config.ts";
import { SimError } from "./errors.ts";

/** The scenario names. */
export type ScenarioName = "honest" | "churn" | AdversaryKind;

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

/**
 * Link latency models. A link's one-way propagation delay is drawn once, when
 * the connection is made, from the model and the simulation's seeded
 * generator, and stays the same for the link's life (a path does not change
 * length between two packets); both directions share it.
 *
 * - `constant`: every link `ms`.
 * - `uniform`: uniform in [`min`, `max`].
 * - `lognormal`: `median × e^(sigma × N(0,1))` — the heavy right tail measured
 *   on Internet paths; median 50 ms and sigma 0.5 put 95% of links in 19–133 ms.
 * - `regions`: each node sits in a region (given, or drawn with the weights)
 *   and a link's delay is the matrix entry of its two regions, e.g. the one-way
 *   delays between continents.
 *
 * Text form (command line): `constant:50`, `uniform:20:80`, `lognormal:50:0.5`.
 *
 * @module
 */

import type { Rng } from "../base/rng.ts";
import { SimError } from "./errors.ts";

/** A latency model (see the module documentation). */
export type LatencyModel =
  | { readonly kind: "constant"; readonly ms: number }
  | { readonly kind: "uniform"; readonly min: number; readonly max: number }
  | { readonly kind: "lognormal"; readonly median: number; readonly sigma: number }
  | {
    readonly kind: "regions";
    /** One-way delay between regions i and j, in ms (square, symmetric use: [min][max] index). */
    readonly matrix: readonly (readonly number[])[];
    /** Relative share of nodes per region when nodes have no region (default: equal). */
    readonly weights?: readonly number[];
  };

/** A standard normal deviate from two uniforms (Box–Muller, cosine branch). */
export function normal(rng: Rng): number {
  const u = 1 - rng.float(); // (0, 1]: log(0) is avoided
  const v = rng.float();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Draws the one-way delay of a link between two nodes of regions `ra` and `rb`
 * (regions matter only to the `regions` model).
 */
export function drawLatency(model: LatencyModel, rng: Rng, ra = 0, rb = 0): number {
  switch (model.kind) {
    case "constant":
      return model.ms;
    case "uniform":
      return model.min + (model.max - model.min) * rng.float();
    case "lognormal":
      return model.median * Math.exp(model.sigma * normal(rng));
    case "regions":
      return model.matrix[ra][rb];
  }
}

/** Draws the region of each of `nodes` nodes with the model's weights (all 0 for other models). */
export function assignRegions(model: LatencyModel, nodes: number, rng: Rng): Uint8Array {
  const regions = new Uint8Array(nodes);
  if (model.kind !== "regions") return regions;
  const k = model.matrix.length;
  const weights = model.weights ?? new Array(k).fill(1);
  const total = weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < nodes; i++) {
    let x = rng.float() * total;
    let r = 0;
    while (r < k - 1 && x >= weights[r]) x -= weights[r++];
    regions[i] = r;
  }
  return regions;
}

/** Checks a model's numbers; throws {@linkcode SimError} `invalid_config`. */
export function checkLatency(model: LatencyModel): void {
  const bad = (why: string): never => {
    throw new SimError("invalid_config", `latency ${model.kind}: ${why}`, { field: "latency" });
  };
  const ok = (x: number) => Number.isFinite(x) && x >= 0;
  switch (model.kind) {
    case "constant":
      if (!ok(model.ms)) bad(`ms must be ≥ 0, got ${model.ms}`);
      return;
    case "uniform":
      if (!ok(model.min) || !ok(model.max) || model.max < model.min) {
        bad(`need 0 ≤ min ≤ max, got ${model.min}, ${model.max}`);
      }
      return;
    case "lognormal":
      if (!ok(model.median) || !ok(model.sigma)) bad("median and sigma must be ≥ 0");
      return;
    case "regions": {
      const k = model.matrix.length;
      if (k === 0 || k > 255) bad("the matrix needs 1 to 255 regions");
      for (const row of model.matrix) {
        if (row.length !== k || !row.every(ok)) bad("the matrix must be square, entries ≥ 0");
      }
      if (model.weights !== undefined) {
        if (model.weights.length !== k || !model.weights.every(ok)) {
          bad("one weight ≥ 0 per region");
        }
      }
      return;
    }
    default:
      bad("unknown kind (constant, uniform, lognormal or regions)");
  }
}

/**
 * Parses the text form (`constant:50`, `uniform:20:80`, `lognormal:50:0.5`);
 * a region matrix comes from a JSON object `{"kind":"regions","matrix":[[…]]}`.
 */
export function parseLatency(text: string): LatencyModel {
  const trimmed = text.trim();
  let model: LatencyModel;
  if (trimmed.startsWith("{")) {
    try {
      model = JSON.parse(trimmed) as LatencyModel;
    } catch (e) {
      throw new SimError("invalid_input", `latency: not JSON (${(e as Error).message})`);
    }
  } else {
    const [kind, ...rest] = trimmed.split(":");
    const n = rest.map(Number);
    if (kind === "constant" && n.length === 1) model = { kind, ms: n[0] };
    else if (kind === "uniform" && n.length === 2) model = { kind, min: n[0], max: n[1] };
    else if (kind === "lognormal" && n.length === 2) {
      model = { kind, median: n[0], sigma: n[1] };
    } else {
      throw new SimError(
        "invalid_config",
        `latency must be constant:MS, uniform:MIN:MAX, lognormal:MEDIAN:SIGMA or a JSON region matrix, got ${
          JSON.stringify(text)
        }`,
        { field: "latency" },
      );
    }
  }
  if (typeof model !== "object" || model === null || !("kind" in model)) {
    throw new SimError("invalid_input", "latency: expected an object with a kind");
  }
  checkLatency(model);
  return model;
}

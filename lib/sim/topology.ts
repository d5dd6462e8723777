/**
 * The initial connection graph: a random regular graph (every node has the
 * same number of connections, chosen uniformly among such graphs as nearly as
 * the pairing method gets), or a graph read from JSON.
 *
 * JSON form: `{"nodes": 20, "edges": [[0, 1], [1, 2], …]}` — undirected edges
 * between node indices; the first index of an edge is the one that dialled
 * (its connection is outbound, which counts for gossipsub's D_out). Optional
 * `"regions": [0, 2, 1, …]`, one region per node for the `regions` latency model.
 *
 * @module
 */

import type { Rng } from "../base/rng.ts";
import { SimError } from "./errors.ts";

/** An undirected graph over nodes `0 … nodes − 1`; each edge is [dialler, listener]. */
export interface Topology {
  /** Number of nodes. */
  readonly nodes: number;
  /** Edges, without self-loops or duplicates. */
  readonly edges: readonly (readonly [number, number])[];
  /** Optional region of each node. */
  readonly regions?: readonly number[];
}

/**
 * A random `degree`-regular graph on `nodes` nodes by stub pairing (Steger and
 * Wormald): draw two free stubs at random, keep the pair unless it is a loop or
 * a repeated edge. When only unusable stubs are left the attempt restarts (at
 * most 20 times); after that the few leftover stubs are dropped, so a handful
 * of nodes may have one or two connections fewer. With `nodes × degree` odd,
 * one node necessarily has one fewer. The dialler of each edge is a coin toss.
 */
export function randomRegular(nodes: number, degree: number, rng: Rng): Topology {
  if (!Number.isInteger(nodes) || nodes < 2) {
    throw new SimError("invalid_config", `nodes must be an integer ≥ 2, got ${nodes}`, {
      field: "nodes",
    });
  }
  if (!Number.isInteger(degree) || degree < 1 || degree >= nodes) {
    throw new SimError(
      "invalid_config",
      `connections per node must be an integer in [1, ${nodes - 1}], got ${degree}`,
      { field: "connections" },
    );
  }
  let best: [number, number][] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    const { edges, complete } = pairStubs(nodes, degree, rng);
    if (edges.length > best.length) best = edges;
    if (complete) break;
  }
  return {
    nodes,
    edges: best.map(([a, b]) => (rng.int(2) === 0 ? [a, b] : [b, a]) as [number, number]),
  };
}

function pairStubs(
  nodes: number,
  degree: number,
  rng: Rng,
): { edges: [number, number][]; complete: boolean } {
  const stubs: number[] = [];
  for (let i = 0; i < nodes; i++) for (let d = 0; d < degree; d++) stubs.push(i);
  const seen = new Set<number>();
  const edges: [number, number][] = [];
  let failures = 0;
  while (stubs.length >= 2) {
    const i = rng.int(stubs.length);
    let j = rng.int(stubs.length - 1);
    if (j >= i) j++;
    const a = stubs[i], b = stubs[j];
    const key = a < b ? a * nodes + b : b * nodes + a;
    if (a === b || seen.has(key)) {
      // Near the end only bad pairs may remain: give up after many misses in a row.
      if (++failures > 50 + 10 * stubs.length) return { edges, complete: false };
      continue;
    }
    failures = 0;
    seen.add(key);
    edges.push([a, b]);
    // Remove the higher index first so that the lower one stays valid.
    for (const k of i > j ? [i, j] : [j, i]) {
      stubs[k] = stubs[stubs.length - 1];
      stubs.pop();
    }
  }
  return { edges, complete: true };
}

/**
 * Parses and checks a topology in the JSON form; throws {@linkcode SimError}
 * `invalid_input` naming the first problem.
 */
export function parseTopology(text: string): Topology {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SimError("invalid_input", `topology: not JSON (${(e as Error).message})`);
  }
  const bad = (why: string): never => {
    throw new SimError("invalid_input", `topology: ${why}`, { field: "topology" });
  };
  if (typeof value !== "object" || value === null) return bad("expected an object");
  const { nodes, edges, regions } = value as Record<string, unknown>;
  if (typeof nodes !== "number" || !Number.isInteger(nodes) || nodes < 1) {
    return bad("nodes must be a positive integer");
  }
  if (!Array.isArray(edges)) return bad("edges must be an array");
  const seen = new Set<number>();
  const out: [number, number][] = [];
  for (const [k, e] of edges.entries()) {
    const okIndex = (x: unknown) =>
      Number.isInteger(x) && (x as number) >= 0 && (x as number) < nodes;
    if (!Array.isArray(e) || e.length !== 2 || !okIndex(e[0]) || !okIndex(e[1])) {
      bad(`edge ${k} must be [a, b] with indices below ${nodes}`);
    }
    const [a, b] = e as [number, number];
    const key = a < b ? a * nodes + b : b * nodes + a;
    if (a === b) bad(`edge ${k} is a loop`);
    if (seen.has(key)) bad(`edge ${k} repeats ${a}–${b}`);
    seen.add(key);
    out.push([a, b]);
  }
  if (regions !== undefined) {
    if (
      !Array.isArray(regions) || regions.length !== nodes ||
      !regions.every((r) => Number.isInteger(r) && r >= 0 && r < 256)
    ) bad("regions must hold one integer in [0, 255] per node");
  }
  return { nodes, edges: out, regions: regions as number[] | undefined };
}

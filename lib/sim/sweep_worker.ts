/**
 * The Web Worker of a sweep: receives `{ id, scenario, options }`, runs that
 * simulation, and posts back `{ id, report }` (or `{ id, error }`). Options
 * cross the worker boundary by structured clone, so limits must be plain data
 * (the `Single` topic-score kind, as in the DAL and test limits).
 *
 * @module
 */

import type { SimOptions } from "./config.ts";
import { scenario } from "./scenarios.ts";
import { simulate } from "./simulator.ts";

/** A request to the worker. */
export interface SweepRequest {
  /** Index of the run in the sweep. */
  readonly id: number;
  /** The scenario name. */
  readonly scenario: string;
  /** The options. */
  readonly options: SimOptions;
}

// The worker's global scope, typed here rather than through a `deno.worker` lib directive (which
// JSR refuses in a published module).
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<SweepRequest>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = (e) => {
  const { id, options } = e.data;
  try {
    const report = simulate(scenario(e.data.scenario, options));
    scope.postMessage({ id, report });
  } catch (error) {
    scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
};

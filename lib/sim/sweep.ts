/**
 * Parameter sweeps: many runs (several seeds, several parameter values) in
 * parallel on Web Workers, one run per worker at a time, as many workers as
 * cores by default; then, per label, the mean and 95% confidence interval of
 * the main figures over the runs (Student's t: the seeds are few).
 *
 * Each run is as deterministic as a single run: the sweep's results do not
 * depend on the number of workers or on which worker ran what.
 *
 * @module
 */

import type { SimOptions } from "./config.ts";
import { SimError } from "./errors.ts";
import type { SimReport } from "./report.ts";
import { type MeanCi, meanCi } from "./stats.ts";
import type { SweepRequest } from "./sweep_worker.ts";

/** One run of a sweep. */
export interface SweepRun {
  /** Runs with the same label are aggregated together (e.g. `"D=8"`). */
  readonly label: string;
  /** Scenario name. */
  readonly scenario: string;
  /** Options (plain data: they are cloned into a worker). */
  readonly options: SimOptions;
}

/** Options of {@linkcode sweep}. */
export interface SweepOptions {
  /** Number of workers (default: `navigator.hardwareConcurrency`, at most the number of runs). */
  readonly workers?: number;
  /** Called after each run. */
  readonly onRunDone?: (done: number, total: number) => void;
}

/** The aggregate of the runs of one label. */
export interface SweepGroup {
  /** The label. */
  readonly label: string;
  /** Delivery ratio over honest nodes. */
  readonly deliveryRatio: MeanCi;
  /** Median latency (ms). */
  readonly latencyP50: MeanCi;
  /** 99th-percentile latency (ms). */
  readonly latencyP99: MeanCi;
  /** Mean duplicates per honest node. */
  readonly duplicatesMean: MeanCi;
  /** Mean bytes sent per honest node. */
  readonly bytesSentMean: MeanCi;
  /** Mean mesh degree at the end. */
  readonly meshDegree: MeanCi;
  /** Wall time of one run (ms). */
  readonly runTimeMs: MeanCi;
}

/** The result of a sweep: every report, in the order of the runs, and the aggregates. */
export interface SweepResult {
  /** The runs with their reports. */
  readonly runs: readonly (SweepRun & { readonly report: SimReport })[];
  /** One aggregate per label, in order of first appearance. */
  readonly groups: readonly SweepGroup[];
  /** Workers used. */
  readonly workers: number;
  /** Wall time of the whole sweep (ms). */
  readonly wallMs: number;
}

/** The runs of `scenario` with `options` for each seed, labelled `label`. */
export function seedRuns(
  label: string,
  scenario: string,
  options: SimOptions,
  seeds: readonly number[],
): SweepRun[] {
  return seeds.map((seed) => ({ label, scenario, options: { ...options, seed } }));
}

/** Aggregates reports by label (mean ± 95% CI). */
export function aggregate(runs: readonly (SweepRun & { report: SimReport })[]): SweepGroup[] {
  const labels = [...new Set(runs.map((r) => r.label))];
  return labels.map((label) => {
    const reports = runs.filter((r) => r.label === label).map((r) => r.report);
    const ci = (f: (r: SimReport) => number | null) =>
      meanCi(reports.map(f).filter((x): x is number => x !== null));
    return {
      label,
      deliveryRatio: ci((r) => r.delivery.ratio),
      latencyP50: ci((r) => r.latency.p50),
      latencyP99: ci((r) => r.latency.p99),
      duplicatesMean: ci((r) => r.duplicates.mean),
      bytesSentMean: ci((r) => r.bytes.honestSentMean),
      meshDegree: ci((r) => r.meshDegree.finalMean),
      runTimeMs: ci((r) => r.runTimeMs),
    };
  });
}

/**
 * Runs `runs` on Web Workers and aggregates them.
 *
 * @throws {SimError} `invalid_config` when a run fails (its message names the run).
 */
export async function sweep(
  runs: readonly SweepRun[],
  options: SweepOptions = {},
): Promise<SweepResult> {
  const started = performance.now();
  const count = Math.max(
    1,
    Math.min(options.workers ?? navigator.hardwareConcurrency ?? 1, runs.length),
  );
  const reports: (SimReport | undefined)[] = new Array(runs.length);
  let next = 0, done = 0;
  let failure: SimError | undefined;
  const workers = Array.from(
    { length: runs.length === 0 ? 0 : count },
    () => new Worker(new URL("./sweep_worker.ts", import.meta.url), { type: "module" }),
  );
  try {
    await Promise.all(workers.map((worker) =>
      new Promise<void>((resolve) => {
        const feed = () => {
          if (failure !== undefined || next >= runs.length) return resolve();
          const id = next++;
          const request: SweepRequest = {
            id,
            scenario: runs[id].scenario,
            options: runs[id].options,
          };
          worker.postMessage(request);
        };
        worker.onmessage = (
          e: MessageEvent<{ id: number; report?: SimReport; error?: string }>,
        ) => {
          const { id, report, error } = e.data;
          if (report === undefined) {
            failure ??= new SimError(
              "invalid_config",
              `sweep run ${id} (${runs[id].label}): ${error}`,
            );
          } else {
            reports[id] = report;
            options.onRunDone?.(++done, runs.length);
          }
          feed();
        };
        worker.onerror = (e) => {
          e.preventDefault();
          failure ??= new SimError("invalid_config", `sweep worker failed: ${e.message}`);
          resolve();
        };
        feed();
      })
    ));
  } finally {
    for (const worker of workers) worker.terminate();
  }
  if (failure !== undefined) throw failure;
  const withReports = runs.map((run, i) => ({ ...run, report: reports[i]! }));
  return {
    runs: withReports,
    groups: aggregate(withReports),
    workers: workers.length,
    wallMs: performance.now() - started,
  };
}

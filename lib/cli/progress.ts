/**
 * Progress of the proof-of-work search of `identity generate`: one line redrawn in place on a
 * terminal, plain lines otherwise (logs, CI).
 *
 * ```ts
 * import { formatProgress } from "./progress.ts";
 *
 * const line = formatProgress({
 *   attempts: 2_000_000,
 *   elapsedMs: 2_000,
 *   hashesPerSecond: 1_000_000,
 *   expectedAttempts: 2 ** 26,
 *   expectedMsLeft: 67_109,
 *   workers: 2,
 * });
 * console.log(line); // "[----------------------------]   2% 2.00 M of ~67.1 M attempts, 1.00 M/s, ETA ~1m05s, 2 workers"
 * ```
 *
 * @module
 */

import type { PowProgress } from "../crypto/mod.ts";

const BAR_WIDTH = 28;

/** `1234567` → `"1.23 M"`; beyond 10^15, `"1.27e+30"`. */
export function formatCount(n: number): string {
  if (n >= 1e15) return n.toExponential(2);
  const units: [number, string][] = [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]];
  for (const [size, unit] of units) {
    if (n >= size) return `${(n / size).toPrecision(3)} ${unit}`;
  }
  return `${Math.round(n)}`;
}

/** Milliseconds as `"45s"`, `"3m05s"` or `"2h07m"`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m % 60).padStart(2, "0")}m`;
}

/**
 * One progress line: a bar of attempts against the mean number a search needs, the attempts, the
 * rate and an ETA.
 *
 * The search is memoryless (each stamp succeeds with the same probability), so the bar and the ETA
 * describe an average search: the ETA is the time to reach the mean number of attempts at the
 * current rate, and once past it the line says so instead of counting down below zero.
 *
 * @param progress A report of the search.
 * @returns The line, without a newline.
 */
export function formatProgress(progress: PowProgress): string {
  const { attempts, expectedAttempts, hashesPerSecond, workers } = progress;
  const fraction = expectedAttempts > 0 ? attempts / expectedAttempts : 1;
  const filled = Math.min(BAR_WIDTH, Math.floor(fraction * BAR_WIDTH));
  const bar = `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`;
  const percent = `${Math.min(999, Math.floor(fraction * 100))}%`.padStart(4);
  const left = expectedAttempts - attempts;
  const eta = hashesPerSecond <= 0
    ? "ETA unknown"
    : left > 0
    ? `ETA ~${formatDuration((left / hashesPerSecond) * 1000)}`
    : "past the mean, still searching";
  return `${bar} ${percent} ${formatCount(attempts)} of ~${formatCount(expectedAttempts)} ` +
    `attempts, ${formatCount(hashesPerSecond)}/s, ${eta}, ${workers} worker${
      workers === 1 ? "" : "s"
    }`;
}

/** Shows progress reports on a terminal (redrawing one line) or as plain lines. */
export class ProgressReporter {
  readonly #write: (text: string) => void;
  readonly #terminal: boolean;
  readonly #columns: number;
  #drawn = false;

  /**
   * Builds a reporter writing through `write`.
   *
   * @param write Writes text as is (no newline added).
   * @param terminal Whether the output is a terminal: redraw one line with `\r`.
   * @param columns Terminal width: a redrawn line is cut to fit, since a wrapped line cannot be
   * redrawn with `\r`.
   */
  constructor(write: (text: string) => void, terminal: boolean, columns = Infinity) {
    this.#write = write;
    this.#terminal = terminal;
    this.#columns = columns;
  }

  /** Shows one report. */
  update(progress: PowProgress): void {
    let line = formatProgress(progress);
    if (this.#terminal && line.length >= this.#columns) line = line.slice(0, this.#columns - 1);
    // \r back to the start of the line, \x1b[K erases what a longer previous line left.
    this.#write(this.#terminal ? `\r${line}\x1b[K` : `${line}\n`);
    this.#drawn = true;
  }

  /** Ends the progress display (moves off the redrawn line). */
  done(): void {
    if (this.#terminal && this.#drawn) this.#write("\n");
    this.#drawn = false;
  }
}

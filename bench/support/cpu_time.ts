/**
 * CPU time per operation beside `deno bench`'s wall-clock time. On the shared 2-core machine,
 * under a load average of 7-8, a loopback round trip mostly waits for the scheduler, and the
 * wall-clock averages of the same row moved by 2-4x between runs; the CPU time this process
 * spends (user + system, all of its threads, from `getrusage` through `process.cpuUsage`) is what
 * each path costs and moves far less. Each bench records its iterations here and prints the table
 * from its last bench.
 *
 * @module
 */

import process from "node:process";

/** CPU time per operation, by row. */
export class CpuMeter {
  readonly #rows = new Map<string, { micros: number; ops: number; calls: number }>();
  readonly #skip: number;

  /**
   * @param skip Calls of {@link CpuMeter.measure} not counted at the start of each row: the
   * bench's warm-up iterations.
   */
  constructor(skip = 0) {
    this.#skip = skip;
  }

  /**
   * Runs `work` and charges its CPU time to `row`.
   *
   * @param row The row name.
   * @param ops How many operations `work` does.
   * @param work The operations.
   */
  async measure(row: string, ops: number, work: () => Promise<void> | void): Promise<void> {
    const start = process.cpuUsage();
    await work();
    const { user, system } = process.cpuUsage(start);
    const entry = this.#rows.get(row) ?? { micros: 0, ops: 0, calls: 0 };
    this.#rows.set(row, entry);
    if (entry.calls++ < this.#skip) return;
    entry.micros += user + system;
    entry.ops += ops;
  }

  /** CPU microseconds per operation of `row`, or `undefined` when it never ran. */
  perOp(row: string): number | undefined {
    const entry = this.#rows.get(row);
    return entry === undefined || entry.ops === 0 ? undefined : entry.micros / entry.ops;
  }

  /**
   * A Markdown table: CPU per operation of each row and its ratio to `baseline` (baseline's CPU ÷
   * the row's: above 1 is cheaper than the baseline).
   *
   * @param unit What one operation is, for the header.
   * @param baseline The row the others are compared with.
   */
  table(unit: string, baseline: string): string {
    const base = this.perOp(baseline);
    const lines = [
      `| row | CPU µs per ${unit} | ${baseline} ÷ row |`,
      "|---|---:|---:|",
    ];
    for (const [row, { micros, ops }] of this.#rows) {
      if (ops === 0) continue;
      const per = micros / ops;
      const ratio = base === undefined ? "" : (base / per).toFixed(2);
      lines.push(`| ${row} | ${per.toFixed(1)} | ${ratio} |`);
    }
    return lines.join("\n");
  }
}

/**
 * Writes a run's outputs to a directory: `report.json` (two-space indented,
 * newline-terminated) and one SVG per plot (`latency_cdf.svg`,
 * `delivery_over_time.svg`, `mesh_degree.svg`, `scores.svg`). Needs
 * `--allow-write` on the directory.
 *
 * @module
 */

import { PLOT_NAMES, renderPlots } from "./plots.ts";
import type { SimReport } from "./report.ts";

/** The report as the text of `report.json`. */
export function reportJson(report: SimReport): string {
  return JSON.stringify(report, null, 2) + "\n";
}

/**
 * Writes `report.json` and the SVG plots of `report` into `dir` (created if
 * needed); returns the paths written.
 *
 * @param prefix Prepended to every file name (e.g. `"seed3_"`).
 */
export async function writeRun(dir: string, report: SimReport, prefix = ""): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const written: string[] = [];
  const path = `${dir}/${prefix}report.json`;
  await Deno.writeTextFile(path, reportJson(report));
  written.push(path);
  const plots = await renderPlots(report);
  for (const name of PLOT_NAMES) {
    const svgPath = `${dir}/${prefix}${name}.svg`;
    await Deno.writeTextFile(svgPath, plots[name]);
    written.push(svgPath);
  }
  return written;
}

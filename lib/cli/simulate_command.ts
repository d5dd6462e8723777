/**
 * `tzp2p simulate`: runs the gossipsub network simulator (`lib/sim/`) and writes its JSON report
 * and SVG plots to a directory; with several `--seeds`, runs them in parallel on Web Workers and
 * also writes `sweep.json` (mean ± 95% confidence interval over the seeds).
 *
 * ```sh
 * deno task tzp2p simulate --nodes 1000 --scenario honest --seed 1 --out out/
 * deno task tzp2p simulate --nodes 500 --scenario sybil --seeds 1,2,3,4 --out out/ --limits simple
 * ```
 *
 * @module
 */

import { dalLimits, type Limits, testLimits } from "../gossipsub/mod.ts";
import {
  isScenarioName,
  isSimError,
  parseLatency,
  parseTopology,
  scenario,
  SCENARIOS,
  type SimOptions,
  type SimProgress,
  type SimReport,
  Simulation,
  sweep,
  withDegree,
  writeRun,
} from "../sim/mod.ts";
import { numberOption, parseArgs } from "./args.ts";
import { CliError } from "./errors.ts";
import type { CliIo } from "./io.ts";

/** Usage text of the simulate command. */
export const SIMULATE_USAGE: string = `\
tzp2p simulate --nodes N --scenario NAME --out DIR [--seed S | --seeds S1,S2,...]
               [--limits dal|simple|FILE] [--latency constant:MS|uniform:MIN:MAX|lognormal:MEDIAN:SIGMA]
               [--degree D] [--connections K] [--topology FILE] [--publications P]
               [--publish-interval-ms MS] [--loss RATE] [--bandwidth BYTES_PER_S] [--workers N]
    Simulates a gossipsub network of N honest nodes in simulated time (deterministic: the same
    seed gives the same report) and writes DIR/report.json and the plots latency_cdf.svg,
    delivery_over_time.svg, mesh_degree.svg and scores.svg. Scenarios: ${SCENARIOS.join(", ")}.
    --limits: dal (default, the DAL node's), simple (Octez's unit-test limits) or a JSON file of
    limits merged over the DAL ones. With several --seeds the runs go in parallel on Web Workers;
    DIR gets seed<S>_report.json and plots per seed, and sweep.json with mean ± 95% CI.
`;

async function readText(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new CliError("io", `cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

async function limitsOption(value: string | undefined): Promise<Limits<string>> {
  if (value === undefined || value === "dal") return dalLimits<string>();
  if (value === "simple") return testLimits<string>();
  const text = await readText(value, "limits file");
  try {
    const parsed = JSON.parse(text) as Partial<Limits<string>>;
    if (typeof parsed !== "object" || parsed === null) throw new Error("not an object");
    return { ...dalLimits<string>(), ...parsed };
  } catch (e) {
    throw new CliError("invalid_input", `limits file ${value}: ${(e as Error).message}`);
  }
}

/** The options of a `simulate` command line, before the scenario is applied. */
export async function simulateOptions(
  args: readonly string[],
): Promise<
  { scenario: string; seeds: number[]; out: string; options: SimOptions; workers?: number }
> {
  const parsed = parseArgs(args, {
    options: [
      "nodes",
      "scenario",
      "seed",
      "seeds",
      "out",
      "limits",
      "latency",
      "degree",
      "connections",
      "topology",
      "publications",
      "publish-interval-ms",
      "loss",
      "bandwidth",
      "workers",
    ],
  });
  const o = parsed.options;
  if (parsed.positional.length > 0) {
    throw new CliError("usage", `unexpected argument ${JSON.stringify(parsed.positional[0])}`);
  }
  const posInt = (n: number) => Number.isInteger(n) && n >= 1;
  const nodes = numberOption(o.get("nodes"), "nodes", NaN, posInt, "a positive integer");
  if (Number.isNaN(nodes)) throw new CliError("usage", "simulate needs --nodes N");
  const name = o.get("scenario") ?? "honest";
  if (!isScenarioName(name)) {
    throw new CliError("usage", `--scenario must be one of ${SCENARIOS.join(", ")}, got ${name}`);
  }
  const out = o.get("out");
  if (out === undefined) throw new CliError("usage", "simulate needs --out DIR");
  const int = (n: number) => Number.isInteger(n) && n >= 0;
  const seeds = o.has("seeds")
    ? o.get("seeds")!.split(",").map((s) => numberOption(s, "seeds", 0, int, "integers ≥ 0"))
    : [numberOption(o.get("seed"), "seed", 1, int, "an integer ≥ 0")];
  let limits = await limitsOption(o.get("limits"));
  if (o.has("degree")) {
    limits = withDegree(limits, numberOption(o.get("degree"), "degree", 8, posInt, "≥ 1"));
  }
  const options: SimOptions = { nodes, limits };
  const set = (key: keyof SimOptions, value: unknown) => {
    (options as Record<string, unknown>)[key] = value;
  };
  if (o.has("latency")) set("latency", parseLatency(o.get("latency")!));
  if (o.has("connections")) {
    set("connections", numberOption(o.get("connections"), "connections", 0, posInt, "≥ 1"));
  }
  if (o.has("topology")) {
    set("topology", parseTopology(await readText(o.get("topology")!, "topology file")));
  }
  if (o.has("publications")) {
    set("publications", numberOption(o.get("publications"), "publications", 0, int, "≥ 0"));
  }
  if (o.has("publish-interval-ms")) {
    const v = o.get("publish-interval-ms");
    set("publishIntervalMs", numberOption(v, "publish-interval-ms", 0, (n) => n >= 0, "≥ 0"));
  }
  if (o.has("loss")) {
    set("lossRate", numberOption(o.get("loss"), "loss", 0, (n) => n >= 0 && n < 1, "in [0, 1)"));
  }
  if (o.has("bandwidth")) {
    set("uploadBandwidth", numberOption(o.get("bandwidth"), "bandwidth", 0, (n) => n > 0, "> 0"));
  }
  const workers = o.has("workers")
    ? numberOption(o.get("workers"), "workers", 1, posInt, "≥ 1")
    : undefined;
  return { scenario: name, seeds, out, options, workers };
}

function progressLine(p: SimProgress, width: number): string {
  const fraction = p.endMs > 0 ? Math.min(1, p.simTimeMs / p.endMs) : 1;
  const bar = "#".repeat(Math.round(fraction * width)).padEnd(width, "-");
  return `[${bar}] ${String(Math.round(fraction * 100)).padStart(3)}% simulated ${
    (p.simTimeMs / 1000).toFixed(1)
  } s of ${(p.endMs / 1000).toFixed(1)} s, ${p.events} events`;
}

function pct(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

function summary(r: SimReport): string {
  const d = r.delivery, l = r.latency;
  const target = r.target === null
    ? ""
    : `; eclipse target: delivery ${r.target.deliveryRatio}, p50 ${r.target.latency.p50} ms`;
  // Over the publication period, not the last sample: one sample can invert the order (a Sybil
  // never in a mesh scores 0, an honest peer just pruned scores below its mean).
  const s = r.separation;
  const adv = s === null
    ? ""
    : `; over the publications: mean score honest peers ${s.honestMean}, adversaries ${s.adversaryMean}` +
      ` (${pct(s.adversaryNegativeShare)} of adversary pairs below 0), adversaries' mesh share ` +
      `${pct(s.adversaryMeshShare.first)} → ${pct(s.adversaryMeshShare.last)}`;
  return `delivery ${d.ratio} (${d.nodesWithFullDelivery}/${d.perNode.length} nodes full), ` +
    `latency p50 ${l.p50} p90 ${l.p90} p99 ${l.p99} max ${l.max} ms, ` +
    `duplicates/node ${r.duplicates.mean}${adv}${target}, ${r.events} events in ${r.runTimeMs} ms`;
}

/**
 * Runs `tzp2p simulate`.
 *
 * @throws {CliError} `usage` on bad arguments, `io` when the output cannot be written.
 */
export async function simulateCommand(args: readonly string[], io: CliIo): Promise<void> {
  const { scenario: name, seeds, out, options, workers } = await simulateOptions(args);
  try {
    if (seeds.length === 1) {
      const sim = new Simulation(scenario(name, { ...options, seed: seeds[0] }));
      let last = 0;
      const width = Math.max(10, Math.min(30, (io.errColumns ?? 80) - 60));
      const report = sim.run({
        onProgress: io.errIsTerminal
          ? (p) => {
            const now = performance.now();
            if (now - last < 100 && p.simTimeMs < p.endMs) return;
            last = now;
            io.err(`\r${progressLine(p, width)}`);
          }
          : undefined,
      });
      if (io.errIsTerminal) io.err("\n");
      const written = await writeRun(out, report);
      await io.out(`${summary(report)}\nwrote ${written.join(" ")}\n`);
      return;
    }
    const runs = seeds.map((seed) => ({
      label: name,
      scenario: name,
      options: { ...options, seed },
    }));
    const result = await sweep(runs, {
      workers,
      onRunDone: io.errIsTerminal ? (done, total) => io.err(`\r${done}/${total} runs`) : undefined,
    });
    if (io.errIsTerminal) io.err("\n");
    for (const run of result.runs) {
      await writeRun(out, run.report, `seed${run.options.seed}_`);
      await io.out(`seed ${run.options.seed}: ${summary(run.report)}\n`);
    }
    const sweepJson = {
      scenario: name,
      seeds,
      workers: result.workers,
      wallMs: Math.round(result.wallMs),
      groups: result.groups,
    };
    await Deno.writeTextFile(`${out}/sweep.json`, JSON.stringify(sweepJson, null, 2) + "\n");
    const g = result.groups[0];
    await io.out(
      `${seeds.length} runs on ${result.workers} workers in ${Math.round(result.wallMs)} ms: ` +
        `delivery ${g.deliveryRatio.mean} ± ${g.deliveryRatio.ci95}, p50 ${
          g.latencyP50.mean.toFixed(1)
        } ± ${g.latencyP50.ci95.toFixed(1)} ms; wrote ${out}/sweep.json\n`,
    );
  } catch (e) {
    if (isSimError(e)) throw new CliError("usage", e.message);
    if (e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotFound) {
      throw new CliError("io", `cannot write ${out}: ${e.message}`);
    }
    throw e;
  }
}

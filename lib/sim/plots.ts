/**
 * The plots of a report, as SVG text, drawn with Vega-Lite (the grammar:
 * data, marks, encodings) compiled to Vega and rendered by Vega's headless
 * SVG renderer — no DOM, no canvas: Vega measures text with its own width
 * estimate, so the same report always gives the same SVG bytes.
 *
 * - `latency_cdf`: the empirical CDF of publication-to-delivery latency.
 * - `delivery_over_time`: the fraction of expecting honest nodes that got each
 *   publication, against its publication time.
 * - `mesh_degree`: the distribution of honest nodes' mesh degree at the last
 *   sample, and over all samples after the warm-up.
 * - `scores`: the mean (and range) of the scores honest nodes give honest and
 *   adversarial peers, over time; with adversaries, also the adversaries'
 *   share of honest meshes beside their share of connections, and the mean
 *   weighted components (P1–P7) of both kinds of scores during the publications.
 *
 * @module
 */

import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { SimReport } from "./report.ts";
import { COMPONENTS } from "./score_components.ts";
import { round } from "./stats.ts";

/** The names of the plots, also their file names without `.svg`. */
export type PlotName = "latency_cdf" | "delivery_over_time" | "mesh_degree" | "scores";

/** Every plot name. */
export const PLOT_NAMES: readonly PlotName[] = [
  "latency_cdf",
  "delivery_over_time",
  "mesh_degree",
  "scores",
];

const WIDTH = 480, HEIGHT = 280;

function title(report: SimReport, what: string): string {
  const c = report.config;
  const adv = c.adversaries === null ? "" : `, ${c.adversaries.count} ${c.adversaries.kind}`;
  const churn = c.churn === null ? "" : ", churn";
  return `${what} — ${c.nodes} nodes, D=${c.degree.optimal}${adv}${churn}, seed ${c.seed}`;
}

/** A Vega-Lite specification, as plain JSON (see https://vega.github.io/vega-lite/). */
export type PlotSpec = { readonly [key: string]: unknown };

/** The Vega-Lite specification of one plot of `report`. */
export function plotSpec(report: SimReport, name: PlotName): PlotSpec {
  return vegaLiteSpec(report, name) as unknown as PlotSpec;
}

function vegaLiteSpec(report: SimReport, name: PlotName): TopLevelSpec {
  const base = { width: WIDTH, height: HEIGHT, background: "white" } as const;
  switch (name) {
    case "latency_cdf":
      return {
        ...base,
        title: title(report, "Latency CDF"),
        data: { values: [[0, 0], ...report.latency.cdf].map(([ms, f]) => ({ ms, f })) },
        mark: { type: "line", interpolate: "step-after" },
        encoding: {
          x: { field: "ms", type: "quantitative", title: "publication → delivery (ms)" },
          y: {
            field: "f",
            type: "quantitative",
            title: "fraction of deliveries",
            scale: { domain: [0, 1] },
          },
        },
      };
    case "delivery_over_time":
      return {
        ...base,
        title: title(report, "Delivery per publication"),
        data: {
          values: report.perPublication.map((p) => ({ t: p.time / 1000, ratio: p.ratio })),
        },
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "t", type: "quantitative", title: "publication time (s)" },
          y: {
            field: "ratio",
            type: "quantitative",
            title: "fraction of honest nodes reached",
            scale: { domain: [0, 1] },
          },
        },
      };
    case "mesh_degree": {
      const samples = report.meshDegree.samples;
      const last = samples[samples.length - 1];
      const after = samples.filter((s) => s.t >= report.config.warmupMs);
      const pooled: number[] = [];
      for (const s of after) s.degrees.forEach((n, d) => (pooled[d] = (pooled[d] ?? 0) + n));
      const total = (xs: readonly number[]) => xs.reduce((a, b) => a + (b ?? 0), 0) || 1;
      const rows: { degree: number; fraction: number; when: string }[] = [];
      const lastTotal = total(last?.degrees ?? []);
      last?.degrees.forEach((n, d) => {
        if (n > 0) rows.push({ degree: d, fraction: n / lastTotal, when: "last sample" });
      });
      const pooledTotal = total(pooled);
      pooled.forEach((n, d) => {
        if (n > 0) rows.push({ degree: d, fraction: n / pooledTotal, when: "all after warm-up" });
      });
      return {
        ...base,
        title: title(report, "Mesh degree"),
        data: { values: rows },
        mark: "bar",
        encoding: {
          x: { field: "degree", type: "ordinal", title: "mesh degree" },
          xOffset: { field: "when" },
          y: { field: "fraction", type: "quantitative", title: "fraction of honest nodes" },
          color: { field: "when", type: "nominal", title: null },
        },
      };
    }
    case "scores": {
      const rows: { t: number; peers: string; mean: number; min: number; max: number }[] = [];
      const shares: { t: number; what: string; share: number }[] = [];
      for (const s of report.scores) {
        for (
          const [peers, v] of [["honest peers", s.honest], ["adversaries", s.adversary]] as const
        ) {
          if (v.mean === null) continue;
          rows.push({ t: s.t / 1000, peers, mean: v.mean, min: v.min!, max: v.max! });
        }
        const slots = s.meshSlots.honest + s.meshSlots.adversary;
        const links = s.honest.count + s.adversary.count;
        if (report.separation !== null && slots > 0 && links > 0) {
          const t = s.t / 1000;
          shares.push({ t, what: "of mesh entries", share: s.meshSlots.adversary / slots });
          shares.push({ t, what: "of connections", share: s.adversary.count / links });
        }
      }
      const x = { field: "t", type: "quantitative", title: "time (s)" } as const;
      const color = { field: "peers", type: "nominal", title: "score given to" } as const;
      const overTime: TopLevelSpec = {
        width: WIDTH,
        height: HEIGHT,
        title: "Mean (and range of) scores over time",
        data: { values: rows },
        layer: [
          {
            mark: { type: "area", opacity: 0.2 },
            encoding: {
              x,
              y: { field: "min", type: "quantitative", title: "score" },
              y2: { field: "max" },
              color,
            },
          },
          {
            mark: "line",
            encoding: { x, y: { field: "mean", type: "quantitative" }, color },
          },
        ],
      };
      const sep = report.separation;
      if (sep === null) {
        return {
          ...overTime,
          background: "white",
          title: title(report, "Scores honest nodes give"),
        };
      }
      const parts: { component: string; peers: string; value: number }[] = [];
      for (const k of COMPONENTS) {
        parts.push({
          component: k.replace("p", "P"),
          peers: "honest peers",
          value: sep.honestComponents[k],
        });
        parts.push({
          component: k.replace("p", "P"),
          peers: "adversaries",
          value: sep.adversaryComponents[k],
        });
      }
      return {
        background: "white",
        title: title(report, "Scores honest nodes give"),
        vconcat: [
          overTime,
          {
            width: WIDTH,
            height: HEIGHT / 2,
            title: "Adversaries' share of honest nodes' meshes and connections",
            data: { values: shares },
            mark: "line",
            encoding: {
              x,
              y: {
                field: "share",
                type: "quantitative",
                title: "share",
                scale: { domain: [0, 1] },
              },
              strokeDash: { field: "what", type: "nominal", title: null },
            },
          },
          {
            width: WIDTH,
            height: HEIGHT / 2,
            title: "Mean weighted score components during the publications",
            data: { values: parts },
            mark: "bar",
            encoding: {
              x: { field: "component", type: "ordinal", title: null, sort: null },
              xOffset: { field: "peers", sort: ["honest peers", "adversaries"] },
              y: { field: "value", type: "quantitative", title: "contribution to the score" },
              color,
            },
          },
        ],
      };
    }
  }
}

/** One named sample of latencies, for {@linkcode cdfComparisonSpec}. */
export interface CdfSeries {
  /** Legend label. */
  readonly name: string;
  /** The values (ms), in any order. */
  readonly values: readonly number[];
}

/**
 * A Vega-Lite specification drawing the empirical CDFs of several samples in
 * one plot (e.g. a real network's latencies beside a simulation's), each
 * reduced to at most `points` steps.
 */
export function cdfComparisonSpec(
  title: string,
  series: readonly CdfSeries[],
  xTitle = "publication → delivery (ms)",
  points = 200,
): PlotSpec {
  const rows: { ms: number; f: number; series: string }[] = [];
  for (const { name, values } of series) {
    const sorted = [...values].sort((a, b) => a - b);
    rows.push({ ms: sorted[0] ?? 0, f: 0, series: name });
    const k = Math.min(points, sorted.length);
    for (let s = 1; s <= k; s++) {
      const idx = Math.ceil((s / k) * sorted.length) - 1;
      rows.push({ ms: round(sorted[idx]), f: round((idx + 1) / sorted.length, 4), series: name });
    }
  }
  const spec: TopLevelSpec = {
    width: WIDTH,
    height: HEIGHT,
    background: "white",
    title,
    data: { values: rows },
    mark: { type: "line", interpolate: "step-after" },
    encoding: {
      x: { field: "ms", type: "quantitative", title: xTitle },
      y: {
        field: "f",
        type: "quantitative",
        title: "fraction of deliveries",
        scale: { domain: [0, 1] },
      },
      color: {
        field: "series",
        type: "nominal",
        title: null,
        sort: series.map((s) => s.name),
        legend: { orient: "bottom", direction: "vertical", labelLimit: 600 },
      },
    },
  };
  return spec as unknown as PlotSpec;
}

/** Renders a Vega-Lite specification to SVG text, headless. */
export async function renderSvg(spec: PlotSpec): Promise<string> {
  const compiled = compile(spec as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Every plot of `report`, by name. */
export async function renderPlots(report: SimReport): Promise<Record<PlotName, string>> {
  const out = {} as Record<PlotName, string>;
  for (const name of PLOT_NAMES) out[name] = await renderSvg(plotSpec(report, name));
  return out;
}

/**
 * A small dependency-free metrics registry: counters, gauges and histograms with labels, rendered
 * in the Prometheus text exposition format (version 0.0.4), and readable from code.
 *
 * @example A counter with a label.
 * ```ts
 * import { MetricsRegistry } from "./metrics_registry.ts";
 *
 * const registry = new MetricsRegistry();
 * const sent = registry.counter({ name: "app_sent_total", help: "Messages sent.", labelNames: ["topic"] });
 * sent.inc({ topic: "news" });
 * console.log(registry.value("app_sent_total", { topic: "news" })); // 1
 * ```
 *
 * @module
 */

/** Label values of one series, by label name. */
export type Labels = Readonly<Record<string, string>>;

/** The kinds of metric the registry renders. */
export type MetricType = "counter" | "gauge" | "histogram";

/** How a metric is declared. */
export interface MetricOptions {
  /** The name (`[a-zA-Z_:][a-zA-Z0-9_:]*`); counters should end in `_total`. */
  readonly name: string;
  /** One line saying what it measures (the `# HELP` line). */
  readonly help: string;
  /** The names of its labels (`[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`); default none. */
  readonly labelNames?: readonly string[];
}

/** How a histogram is declared. */
export interface HistogramOptions extends MetricOptions {
  /** Upper bounds of the buckets, increasing; `+Inf` is always added. */
  readonly buckets: readonly number[];
}

/** The counts of one histogram series. */
export interface HistogramValue {
  /** The bucket bounds (without `+Inf`). */
  readonly buckets: readonly number[];
  /** Observations ≤ each bound (cumulative, as rendered), then the `+Inf` bucket. */
  readonly counts: readonly number[];
  /** Sum of the observations. */
  readonly sum: number;
  /** Number of observations. */
  readonly count: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** What counters, gauges and histograms share: a name, a help line, labels, and series. */
export abstract class Metric<V> {
  /** The name. */
  readonly name: string;
  /** The help line. */
  readonly help: string;
  /** The label names, in rendering order. */
  readonly labelNames: readonly string[];
  /** The kind. */
  abstract readonly type: MetricType;
  readonly #series = new Map<string, { labels: readonly string[]; value: V }>();

  /**
   * Checks and records the name and label names.
   *
   * @param options Name, help and label names.
   * @throws {TypeError} On a name or label name the format does not allow.
   */
  constructor(options: MetricOptions) {
    if (!METRIC_NAME.test(options.name)) {
      throw new TypeError(`metric name ${JSON.stringify(options.name)} is not a Prometheus name`);
    }
    const labelNames = options.labelNames ?? [];
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith("__") || label === "le") {
        throw new TypeError(`${options.name}: label name ${JSON.stringify(label)} is not allowed`);
      }
    }
    if (new Set(labelNames).size !== labelNames.length) {
      throw new TypeError(`${options.name}: duplicate label names`);
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = labelNames;
  }

  /**
   * The series of these labels, created if new.
   *
   * @param labels Every label name, no other.
   * @param create Its initial value.
   * @returns The series.
   * @throws {RangeError} On missing or extra labels.
   */
  protected series(labels: Labels | undefined, create: () => V): { value: V } {
    const values = this.labelNames.map((name) => {
      const value = labels?.[name];
      if (value === undefined) throw new RangeError(`${this.name}: label ${name} is missing`);
      return value;
    });
    const given = labels === undefined ? 0 : Object.keys(labels).length;
    if (given !== this.labelNames.length) {
      throw new RangeError(
        `${this.name}: expected labels {${this.labelNames.join(", ")}}, got {${
          Object.keys(labels ?? {}).join(", ")
        }}`,
      );
    }
    const key = JSON.stringify(values);
    let entry = this.#series.get(key);
    if (entry === undefined) {
      entry = { labels: values, value: create() };
      this.#series.set(key, entry);
    }
    return entry;
  }

  /**
   * The series of these labels, if it exists.
   *
   * @param labels The labels.
   * @returns Its value.
   */
  protected find(labels: Labels | undefined): V | undefined {
    const values = this.labelNames.map((name) => labels?.[name] ?? "");
    return this.#series.get(JSON.stringify(values))?.value;
  }

  /** Forgets every series (a collector that sets all of them again calls it first). */
  reset(): void {
    this.#series.clear();
  }

  /** Every series: its labels and value, in creation order. */
  entries(): { labels: Labels; value: V }[] {
    return [...this.#series.values()].map(({ labels, value }) => ({
      labels: Object.fromEntries(this.labelNames.map((name, i) => [name, labels[i]])),
      value,
    }));
  }

  /**
   * The metric's series in the text format.
   *
   * @returns One line per sample, without newlines.
   */
  abstract renderSeries(): string[];

  /**
   * The series with their label values in label-name order.
   *
   * @returns The rows.
   */
  protected rows(): { labels: readonly string[]; value: V }[] {
    return [...this.#series.values()];
  }
}

/** A value that only goes up (events, bytes), per label set. */
export class Counter extends Metric<{ total: number }> {
  /** `"counter"`. */
  readonly type: MetricType = "counter";

  /**
   * Adds to a series.
   *
   * @param labels The series (omit when the counter has no labels).
   * @param amount How much (≥ 0; default 1).
   */
  inc(labels?: Labels, amount = 1): void {
    if (!(amount >= 0)) throw new RangeError(`${this.name}: a counter only increases`);
    this.series(labels, () => ({ total: 0 })).value.total += amount;
  }

  /**
   * Sets a series to a total kept elsewhere (a node's own counters, read at scrape time).
   *
   * @param value The total.
   * @param labels The series.
   */
  set(value: number, labels?: Labels): void {
    this.series(labels, () => ({ total: 0 })).value.total = value;
  }

  /**
   * The value of a series.
   *
   * @param labels The series.
   * @returns Its value (0 when never touched).
   */
  get(labels?: Labels): number {
    return this.find(labels)?.total ?? 0;
  }

  /**
   * The metric's series in the text format.
   *
   * @returns One line per sample, without newlines.
   */
  renderSeries(): string[] {
    return this.rows().map((row) =>
      `${this.name}${labelText(this.labelNames, row.labels)} ${number(row.value.total)}`
    );
  }
}

/** A value that goes up and down (connections, queue lengths), per label set. */
export class Gauge extends Metric<{ value: number }> {
  /** `"gauge"`. */
  readonly type: MetricType = "gauge";

  /**
   * Sets a series.
   *
   * @param value The value.
   * @param labels The series (omit when the gauge has no labels).
   */
  set(value: number, labels?: Labels): void {
    this.series(labels, () => ({ value: 0 })).value.value = value;
  }

  /**
   * Adds to a series (a negative amount subtracts).
   *
   * @param labels The series.
   * @param amount How much (default 1).
   */
  inc(labels?: Labels, amount = 1): void {
    this.series(labels, () => ({ value: 0 })).value.value += amount;
  }

  /**
   * The value of a series.
   *
   * @param labels The series.
   * @returns Its value (0 when never set).
   */
  get(labels?: Labels): number {
    return this.find(labels)?.value ?? 0;
  }

  /**
   * The metric's series in the text format.
   *
   * @returns One line per sample, without newlines.
   */
  renderSeries(): string[] {
    return this.rows().map((row) =>
      `${this.name}${labelText(this.labelNames, row.labels)} ${number(row.value.value)}`
    );
  }
}

/** Observations counted in buckets (durations, sizes), per label set. */
export class Histogram extends Metric<{ counts: number[]; sum: number; count: number }> {
  /** `"histogram"`. */
  readonly type: MetricType = "histogram";
  /** The bucket bounds, increasing, without `+Inf`. */
  readonly buckets: readonly number[];

  /**
   * Checks the buckets; use {@link MetricsRegistry.histogram}.
   *
   * @param options Name, help, label names and buckets.
   * @throws {TypeError | RangeError} On a bad name, or buckets not finite and increasing.
   */
  constructor(options: HistogramOptions) {
    super(options);
    const buckets = options.buckets.filter((b) => b !== Infinity);
    for (let i = 0; i < buckets.length; i++) {
      if (!Number.isFinite(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1])) {
        throw new RangeError(`${options.name}: buckets must be finite and increasing`);
      }
    }
    this.buckets = buckets;
  }

  /**
   * Counts one observation.
   *
   * @param value The observed value.
   * @param labels The series (omit when the histogram has no labels).
   */
  observe(value: number, labels?: Labels): void {
    const series = this.series(labels, () => ({
      counts: new Array<number>(this.buckets.length + 1).fill(0),
      sum: 0,
      count: 0,
    })).value;
    // Non-cumulative here (one increment per observation); rendering accumulates.
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]) i++;
    series.counts[i]++;
    series.sum += value;
    series.count++;
  }

  /**
   * The counts of a series.
   *
   * @param labels The series.
   * @returns Cumulative bucket counts, sum and count (all 0 when never observed).
   */
  get(labels?: Labels): HistogramValue {
    const series = this.find(labels);
    const counts = series === undefined
      ? new Array<number>(this.buckets.length + 1).fill(0)
      : cumulative(series.counts);
    return { buckets: this.buckets, counts, sum: series?.sum ?? 0, count: series?.count ?? 0 };
  }

  /**
   * The metric's series in the text format.
   *
   * @returns One line per sample, without newlines.
   */
  renderSeries(): string[] {
    const lines: string[] = [];
    for (const row of this.rows()) {
      const counts = cumulative(row.value.counts);
      const bounds = [...this.buckets.map(number), "+Inf"];
      bounds.forEach((le, i) => {
        const labels = labelText([...this.labelNames, "le"], [...row.labels, le]);
        lines.push(`${this.name}_bucket${labels} ${counts[i]}`);
      });
      const labels = labelText(this.labelNames, row.labels);
      lines.push(`${this.name}_sum${labels} ${number(row.value.sum)}`);
      lines.push(`${this.name}_count${labels} ${row.value.count}`);
    }
    return lines;
  }
}

function cumulative(counts: readonly number[]): number[] {
  let total = 0;
  return counts.map((c) => total += c);
}

// Text format 0.0.4: label values escape `\`, `"` and newline; HELP escapes `\` and newline.
function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function labelText(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return "";
  return `{${names.map((name, i) => `${name}="${escapeLabel(values[i])}"`).join(",")}}`;
}

// The format's spellings of the special values; JavaScript's for the rest (`1e-7` parses too).
function number(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (Number.isNaN(value)) return "NaN";
  return String(value);
}

/** Metrics by name, rendered together; collectors refresh values read at scrape time. */
export class MetricsRegistry {
  readonly #metrics = new Map<string, Counter | Gauge | Histogram>();
  readonly #collectors: (() => void)[] = [];

  #add<M extends Counter | Gauge | Histogram>(metric: M): M {
    if (this.#metrics.has(metric.name)) {
      throw new TypeError(`metric ${metric.name} is already registered`);
    }
    this.#metrics.set(metric.name, metric);
    return metric;
  }

  /**
   * Declares a counter.
   *
   * @param options Name, help and label names.
   * @returns The counter.
   * @throws {TypeError} On a bad or taken name.
   */
  counter(options: MetricOptions): Counter {
    return this.#add(new Counter(options));
  }

  /**
   * Declares a gauge.
   *
   * @param options Name, help and label names.
   * @returns The gauge.
   * @throws {TypeError} On a bad or taken name.
   */
  gauge(options: MetricOptions): Gauge {
    return this.#add(new Gauge(options));
  }

  /**
   * Declares a histogram.
   *
   * @param options Name, help, label names and buckets.
   * @returns The histogram.
   * @throws {TypeError | RangeError} On a bad or taken name, or buckets not increasing.
   */
  histogram(options: HistogramOptions): Histogram {
    return this.#add(new Histogram(options));
  }

  /**
   * Adds a function run before each {@link render} or {@link collect}, to set values read from
   * elsewhere (a node's snapshot). One that throws is skipped for that scrape.
   *
   * @param collector The function.
   */
  onCollect(collector: () => void): void {
    this.#collectors.push(collector);
  }

  /** Runs the collectors. */
  collect(): void {
    for (const collector of this.#collectors) {
      try {
        collector();
      } catch {
        // A failing collector leaves its metrics as they were; the others still render.
      }
    }
  }

  /**
   * A metric by name.
   *
   * @param name The name.
   * @returns The metric, or `undefined`.
   */
  get(name: string): Counter | Gauge | Histogram | undefined {
    return this.#metrics.get(name);
  }

  /**
   * The current value of a counter or gauge series, after running the collectors.
   *
   * @param name The metric's name.
   * @param labels The series.
   * @returns The value; `undefined` when there is no such counter or gauge.
   */
  value(name: string, labels?: Labels): number | undefined {
    const metric = this.#metrics.get(name);
    if (metric === undefined || metric.type === "histogram") return undefined;
    this.collect();
    return (metric as Counter | Gauge).get(labels);
  }

  /**
   * Every metric in the Prometheus text format 0.0.4 (`Content-Type:
   * text/plain; version=0.0.4`), after running the collectors: per metric a `# HELP` and a
   * `# TYPE` line, then its series.
   *
   * @returns The text, ending in a newline.
   */
  render(): string {
    this.collect();
    const lines: string[] = [];
    for (const metric of this.#metrics.values()) {
      lines.push(`# HELP ${metric.name} ${escapeHelp(metric.help)}`);
      lines.push(`# TYPE ${metric.name} ${metric.type}`);
      lines.push(...metric.renderSeries());
    }
    return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
  }
}

/** The content type of {@link MetricsRegistry.render}'s text. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

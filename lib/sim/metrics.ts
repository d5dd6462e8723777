/**
 * What a run records while it goes: the publication times, the first
 * delivery of every publication at every honest node, duplicates and bytes
 * per node, the online intervals of churned nodes, and periodic samples of
 * the mesh degrees and of the scores honest nodes give their peers. The
 * report (`report.ts`) is computed from these once the run ends.
 *
 * @module
 */

import type { ScoreComponents } from "./score_components.ts";

/** One periodic sample. */
export interface Sample {
  /** Simulated time (ms). */
  readonly t: number;
  /** Mesh degree (first topic) of each online honest node: `degrees[d]` nodes have degree d. */
  readonly degrees: number[];
  /** Scores honest nodes give their honest peers: mean, min, max, count. */
  readonly honestScores: ScoreSummary;
  /** Scores honest nodes give adversarial peers: mean, min, max, count. */
  readonly adversaryScores: ScoreSummary;
  /** Mean weighted score components honest nodes give honest peers (`null`: none). */
  readonly honestComponents: ScoreComponents | null;
  /** Mean weighted score components honest nodes give adversaries (`null`: none). */
  readonly adversaryComponents: ScoreComponents | null;
  /** Entries of honest nodes' meshes (first topic) that are honest peers, and adversaries. */
  readonly meshSlots: { readonly honest: number; readonly adversary: number };
}

/** A summary of a set of scores (`count` 0: the other fields are `null`). */
export interface ScoreSummary {
  /** Mean score. */
  readonly mean: number | null;
  /** Lowest score. */
  readonly min: number | null;
  /** Highest score. */
  readonly max: number | null;
  /** Number of (observer, peer) pairs. */
  readonly count: number;
  /** Of which with a negative score (below the DAL's gossip and publish thresholds, 0). */
  readonly negative: number;
}

/** Accumulates scores into a {@linkcode ScoreSummary}. */
export class ScoreAccumulator {
  #sum = 0;
  #min = Infinity;
  #max = -Infinity;
  #count = 0;
  #negative = 0;

  /** Adds one score. */
  add(score: number): void {
    this.#sum += score;
    if (score < 0) this.#negative++;
    if (score < this.#min) this.#min = score;
    if (score > this.#max) this.#max = score;
    this.#count++;
  }

  /** The summary so far. */
  summary(): ScoreSummary {
    if (this.#count === 0) return { mean: null, min: null, max: null, count: 0, negative: 0 };
    return {
      mean: this.#sum / this.#count,
      min: this.#min,
      max: this.#max,
      count: this.#count,
      negative: this.#negative,
    };
  }
}

/**
 * Hop count of a node that did not receive a publication. A first delivery
 * from a sender whose own count is unknown (or saturated) counts
 * `UNKNOWN_HOP − 1`: it cannot happen for honest relays, which deliver before
 * they forward.
 */
export const UNKNOWN_HOP = 255;

/** The raw measurements of one run. */
export class Metrics {
  /** Honest nodes. */
  readonly honest: number;
  /** All nodes, honest and adversarial. */
  readonly total: number;
  /** Publications. */
  readonly publications: number;
  /** Publication time of each publication (NaN: not published). */
  readonly pubTime: Float64Array;
  /** Publisher of each publication (−1: none). */
  readonly publisher: Int32Array;
  /** First delivery time, index `publication × honest + node` (NaN: not delivered). */
  readonly delivery: Float64Array;
  /**
   * Hops from the publisher of each first delivery, index `publication ×
   * total + node` over every node (adversaries relay too): the sender's hop
   * count plus one, the publisher 0, {@linkcode UNKNOWN_HOP} when not delivered.
   */
  readonly hops: Uint8Array;
  /** Duplicates received per node (honest and adversarial). */
  readonly duplicates: Float64Array;
  /** Bytes sent per node. */
  readonly bytesSent: Float64Array;
  /** Bytes received per node. */
  readonly bytesReceived: Float64Array;
  /** Online intervals of each honest node, flat [start, end, start, end, …] (end Infinity: still on). */
  readonly online: number[][];
  /** Periodic samples. */
  readonly samples: Sample[] = [];
  /** Messages put on links. */
  messagesSent = 0;
  /** Messages lost on links. */
  messagesLost = 0;
  /** Events processed. */
  events = 0;

  /** Empty measurements for `total` nodes of which the first `honest` are honest. */
  constructor(total: number, honest: number, publications: number) {
    this.honest = honest;
    this.publications = publications;
    this.pubTime = new Float64Array(publications).fill(NaN);
    this.publisher = new Int32Array(publications).fill(-1);
    this.delivery = new Float64Array(publications * honest).fill(NaN);
    this.total = total;
    this.hops = new Uint8Array(publications * total).fill(UNKNOWN_HOP);
    this.duplicates = new Float64Array(total);
    this.bytesSent = new Float64Array(total);
    this.bytesReceived = new Float64Array(total);
    this.online = Array.from({ length: honest }, () => [0, Infinity]);
  }

  /** Records the first delivery of publication `index` at honest node `node`. */
  deliver(index: number, node: number, time: number): void {
    const k = index * this.honest + node;
    if (Number.isNaN(this.delivery[k])) this.delivery[k] = time;
  }

  /** Node `node` published publication `index`: it is hop 0. */
  published(index: number, node: number): void {
    this.hops[index * this.total + node] = 0;
  }

  /** Node `node` first accepted publication `index` from `sender`: one hop more than it. */
  hop(index: number, node: number, sender: number): void {
    const k = index * this.total;
    if (this.hops[k + node] !== UNKNOWN_HOP) return;
    const from = this.hops[k + sender];
    this.hops[k + node] = from >= UNKNOWN_HOP - 1 ? UNKNOWN_HOP - 1 : from + 1;
  }

  /** Honest node `node` went offline at `time`. */
  left(node: number, time: number): void {
    const intervals = this.online[node];
    intervals[intervals.length - 1] = time;
  }

  /** Honest node `node` came back at `time`. */
  joined(node: number, time: number): void {
    this.online[node].push(time, Infinity);
  }

  /** Whether `node` was online throughout [from, to]. */
  onlineThroughout(node: number, from: number, to: number): boolean {
    const intervals = this.online[node];
    for (let k = 0; k < intervals.length; k += 2) {
      if (intervals[k] <= from && intervals[k + 1] >= to) return true;
    }
    return false;
  }
}

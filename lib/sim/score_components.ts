/**
 * A peer's score split into its weighted components, as the automaton sums
 * them (`lib/gossipsub/automaton/score.ts`, Octez `peers_score.ml`): P1 time
 * in mesh, P2 first deliveries, P3 mesh delivery deficit, P3b mesh failure
 * penalty, P4 invalid messages (summed over topics, each times its topic
 * weight), P5 application score and P7 behaviour penalty. The topic score cap
 * applies to the sum of P1–P4 only, so the components of a peer past the cap
 * add up to more than its score; the reports show the score itself beside
 * them. There is no P6 (IP colocation), as in Octez.
 *
 * The reports use them to show *why* adversaries score as they do: under the
 * DAL limits P3 and P3b have weight 0 (Octez
 * `src/lib_dal_node/gossipsub/gs_default_parameters.ml` lines 50–52 and 64–66:
 * `mesh_message_deliveries_weight = 0.` and `mesh_failure_penalty_weight =
 * 0.`, "deactivated because we cannot predict a delivery weight"; used as
 * such by `worker_parameters.ml` lines 39 and 45), so a Sybil
 * that never forwards differs from an honest peer only by the P2 it does not
 * earn.
 *
 * @module
 */

import type { Limits } from "../gossipsub/mod.ts";

/** Weighted score components of one peer (or their means over peers). */
export interface ScoreComponents {
  /** Time in mesh. */
  readonly p1: number;
  /** First message deliveries. */
  readonly p2: number;
  /** Mesh message delivery deficit. */
  readonly p3: number;
  /** Mesh failure penalty. */
  readonly p3b: number;
  /** Invalid messages. */
  readonly p4: number;
  /** Application-specific score. */
  readonly p5: number;
  /** Behaviour penalty. */
  readonly p7: number;
}

/** The component names, in report order. */
export const COMPONENTS: readonly (keyof ScoreComponents)[] = [
  "p1",
  "p2",
  "p3",
  "p3b",
  "p4",
  "p5",
  "p7",
];

/** The per-topic counters the components need (a part of the automaton's `TopicScoreStatus`). */
export interface TopicCounters<T> {
  /** The topic. */
  readonly topic: T;
  /** In our mesh for the topic. */
  readonly inMesh: boolean;
  /** Time in the mesh as of the last refresh (ms). */
  readonly during: number;
  /** P2 counter. */
  readonly firstMessageDeliveries: number;
  /** Whether P3 is being evaluated. */
  readonly meshMessageDeliveriesActive: boolean;
  /** P3 counter. */
  readonly meshMessageDeliveries: number;
  /** P3b counter. */
  readonly meshFailurePenalty: number;
  /** P4 counter. */
  readonly invalidMessages: number;
}

/** The score counters the automaton's view gives for a peer (`scoreDetails`). */
export interface ScoreCounters<T> {
  /** P7 counter. */
  readonly behaviourPenalty: number;
  /** P5 raw value. */
  readonly applicationScore: number;
  /** Per-topic counters. */
  readonly topics: readonly TopicCounters<T>[];
}

/** The weighted components of a peer with counters `c` under `limits`. */
export function scoreComponents<T>(c: ScoreCounters<T>, limits: Limits<T>): ScoreComponents {
  const s = limits.scoreLimits;
  let p1 = 0, p2 = 0, p3 = 0, p3b = 0, p4 = 0;
  for (const t of c.topics) {
    const p = s.topics.kind === "Single" ? s.topics.parameters : s.topics.parameters(t.topic);
    const w = s.topics.kind === "Single" ? 1 : s.topics.weights(t.topic);
    if (t.inMesh) {
      p1 += w * p.timeInMeshWeight * Math.min(t.during / p.timeInMeshQuantum, p.timeInMeshCap);
    }
    p2 += w * p.firstMessageDeliveriesWeight * t.firstMessageDeliveries;
    if (
      t.meshMessageDeliveriesActive && t.meshMessageDeliveries < p.meshMessageDeliveriesThreshold
    ) {
      const deficit = p.meshMessageDeliveriesThreshold - t.meshMessageDeliveries;
      p3 += w * deficit * deficit * p.meshMessageDeliveriesWeight;
    }
    p3b += w * t.meshFailurePenalty * p.meshFailurePenaltyWeight;
    p4 += w * t.invalidMessages * t.invalidMessages * p.invalidMessageDeliveriesWeight;
  }
  const excess = c.behaviourPenalty - s.behaviourPenaltyThreshold;
  const p7 = excess > 0 ? excess * excess * s.behaviourPenaltyWeight : 0;
  return { p1, p2, p3, p3b, p4, p5: c.applicationScore * s.appSpecificWeight, p7 };
}

/** Sums components to give their means. */
export class ComponentAccumulator {
  readonly #sum = { p1: 0, p2: 0, p3: 0, p3b: 0, p4: 0, p5: 0, p7: 0 };
  #count = 0;

  /** Adds one peer's components. */
  add(c: ScoreComponents): void {
    for (const k of COMPONENTS) this.#sum[k] += c[k];
    this.#count++;
  }

  /** The means (`null` when nothing was added). */
  means(): ScoreComponents | null {
    if (this.#count === 0) return null;
    const n = this.#count;
    const s = this.#sum;
    return {
      p1: s.p1 / n,
      p2: s.p2 / n,
      p3: s.p3 / n,
      p3b: s.p3b / n,
      p4: s.p4 / n,
      p5: s.p5 / n,
      p7: s.p7 / n,
    };
  }
}

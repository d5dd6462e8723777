/**
 * Peer scoring of the gossipsub automaton (Octez `peers_score.ml`): P1 time in
 * mesh, P2 first deliveries, P3/P3b mesh delivery deficit and failure penalty,
 * P4 invalid messages, P5 application score, P7 behaviour penalty. There is no
 * P6 (IP colocation), as in Octez.
 *
 * Records are mutable; the numeric score is cached and recomputed only after an
 * update, like Octez's lazily forced value. P1 and the P3 activation flag only
 * move on {@linkcode PeerScore.refresh}, so they are stale between refreshes.
 *
 * @module
 */

import type { Key, Span, Time } from "./modules.ts";
import type { PerTopicScoreLimits, ScoreLimits } from "./limits.ts";

/** Score counters of one peer on one topic (Octez `topic_status`). */
export interface TopicScoreStatus<T> {
  /** The topic. */
  readonly topic: T;
  /** Whether the peer is in our mesh for the topic (`Active`). */
  inMesh: boolean;
  /** When the peer was last grafted (meaningful while `inMesh`). */
  since: Time;
  /** Time spent in the mesh since `since`, as of the last refresh. */
  during: Span;
  /** P2 counter. */
  firstMessageDeliveries: number;
  /** Whether P3 is being evaluated (set by refresh once `during ≥ activation`). */
  meshMessageDeliveriesActive: boolean;
  /** P3 counter. */
  meshMessageDeliveries: number;
  /** P3b counter. */
  meshFailurePenalty: number;
  /** P4 counter. */
  invalidMessages: number;
}

/** Parameters shared by every score record of one automaton. */
export class ScoreParameters<T> {
  /** The score limits. */
  readonly limits: ScoreLimits<T>;
  /** Key function of the topic module. */
  readonly topicKey: (topic: T) => Key;

  /** Wraps score limits and the topic key function. */
  constructor(limits: ScoreLimits<T>, topicKey: (topic: T) => Key) {
    this.limits = limits;
    this.topicKey = topicKey;
  }

  /** Per-topic parameters of `topic`. */
  topicParameters(topic: T): PerTopicScoreLimits {
    const topics = this.limits.topics;
    return topics.kind === "Single" ? topics.parameters : topics.parameters(topic);
  }

  /** Weight of `topic` (1 for the single form). */
  topicWeight(topic: T): number {
    const topics = this.limits.topics;
    return topics.kind === "Single" ? 1 : topics.weights(topic);
  }
}

function decay(value: number, rate: number, decayZero: number): number {
  const decayed = value * rate;
  return decayed < decayZero ? 0 : decayed;
}

/** P3 deficit squared: (threshold − deliveries)² while active and below threshold, else 0. */
function deliveryPenalty(p: PerTopicScoreLimits, s: TopicScoreStatus<unknown>): number {
  if (s.meshMessageDeliveriesActive && s.meshMessageDeliveries < p.meshMessageDeliveriesThreshold) {
    const deficit = p.meshMessageDeliveriesThreshold - s.meshMessageDeliveries;
    return deficit * deficit;
  }
  return 0;
}

/** The score record of one peer (Octez `Peers_score.t`). */
export class PeerScore<T> {
  /** P7 counter. */
  behaviourPenalty = 0;
  /** P5 raw value (never decayed). */
  applicationScore = 0;
  /** Per-topic counters, created on first use. */
  readonly topics: Map<Key, TopicScoreStatus<T>> = new Map();
  /** `undefined` while connected; the instant after which a retained record is dropped otherwise. */
  disconnectedExpires: Time | undefined = undefined;
  readonly #parameters: ScoreParameters<T>;
  #cached: number | undefined = 0;

  /** A fresh record of a newly connected peer (all counters zero). */
  constructor(parameters: ScoreParameters<T>) {
    this.#parameters = parameters;
  }

  /** The current numeric score. */
  value(): number {
    if (this.#cached === undefined) this.#cached = this.#compute();
    return this.#cached;
  }

  #compute(): number {
    const params = this.#parameters;
    const limits = params.limits;
    // Same evaluation order as Octez so that test expectations hold bit for bit.
    let topicsTotal = 0;
    for (const s of this.topics.values()) {
      const p = params.topicParameters(s.topic);
      const w = params.topicWeight(s.topic);
      const p1 = s.inMesh
        ? p.timeInMeshWeight * Math.min(s.during / p.timeInMeshQuantum, p.timeInMeshCap)
        : 0;
      const p2 = p.firstMessageDeliveriesWeight * s.firstMessageDeliveries;
      const p3 = deliveryPenalty(p, s) * p.meshMessageDeliveriesWeight;
      const p3b = s.meshFailurePenalty * p.meshFailurePenaltyWeight;
      const p4 = s.invalidMessages * s.invalidMessages * p.invalidMessageDeliveriesWeight;
      topicsTotal += w * (p1 + p2 + p3 + p3b + p4);
    }
    if (limits.topicScoreCap !== undefined) {
      topicsTotal = Math.min(limits.topicScoreCap, topicsTotal);
    }
    const p5 = this.applicationScore * limits.appSpecificWeight;
    let p7 = 0;
    if (this.behaviourPenalty > limits.behaviourPenaltyThreshold) {
      const excess = this.behaviourPenalty - limits.behaviourPenaltyThreshold;
      p7 = excess * excess * limits.behaviourPenaltyWeight;
    }
    return topicsTotal + p5 + p7;
  }

  #status(topic: T): TopicScoreStatus<T> {
    const key = this.#parameters.topicKey(topic);
    let s = this.topics.get(key);
    if (s === undefined) {
      s = {
        topic,
        inMesh: false,
        since: 0,
        during: 0,
        firstMessageDeliveries: 0,
        meshMessageDeliveriesActive: false,
        meshMessageDeliveries: 0,
        meshFailurePenalty: 0,
        invalidMessages: 0,
      };
      this.topics.set(key, s);
    }
    return s;
  }

  /** Adds `count` to the behaviour penalty (P7). */
  penalty(count: number): void {
    this.behaviourPenalty += count;
    this.#cached = undefined;
  }

  /** Marks a retained record as connected again (all counters are kept). */
  setConnected(): void {
    this.disconnectedExpires = undefined;
  }

  /** The peer joined our mesh for `topic`: P1 restarts from zero. */
  graft(topic: T, now: Time): void {
    const s = this.#status(topic);
    s.inMesh = true;
    s.since = now;
    s.during = 0;
    this.#cached = undefined;
  }

  /** The peer left our mesh for `topic`: the P3 deficit becomes a P3b penalty. */
  prune(topic: T): void {
    const s = this.topics.get(this.#parameters.topicKey(topic));
    if (s === undefined) return;
    s.meshFailurePenalty += deliveryPenalty(this.#parameters.topicParameters(topic), s);
    s.inMesh = false;
    s.meshMessageDeliveriesActive = false;
    this.#cached = undefined;
  }

  /** The peer was the first to deliver a valid message on `topic` (P2, and P3 if in mesh). */
  firstMessageDelivered(topic: T): void {
    const s = this.#status(topic);
    const p = this.#parameters.topicParameters(topic);
    s.firstMessageDeliveries = Math.min(p.firstMessageDeliveriesCap, s.firstMessageDeliveries + 1);
    if (s.inMesh) {
      s.meshMessageDeliveries = Math.min(p.meshMessageDeliveriesCap, s.meshMessageDeliveries + 1);
    }
    this.#cached = undefined;
  }

  /**
   * The peer delivered a message first seen at `firstSeen`: it counts for P3 if
   * it arrived within the delivery window and the peer is in the mesh.
   */
  duplicateMessageDelivered(topic: T, firstSeen: Time, now: Time): void {
    const s = this.#status(topic);
    const p = this.#parameters.topicParameters(topic);
    if (now <= firstSeen + p.meshMessageDeliveriesWindow && s.inMesh) {
      s.meshMessageDeliveries = Math.min(p.meshMessageDeliveriesCap, s.meshMessageDeliveries + 1);
    }
    this.#cached = undefined;
  }

  /** The peer delivered an invalid message or id on `topic` (P4, uncapped). */
  invalidMessageDelivered(topic: T): void {
    this.#status(topic).invalidMessages += 1;
    this.#cached = undefined;
  }

  /** Sets the raw application score (P5). */
  setApplicationScore(score: number): void {
    this.applicationScore = score;
    this.#cached = undefined;
  }

  /**
   * The peer disconnected. Returns false when the record should be dropped
   * (positive score, so a reconnecting peer starts afresh); otherwise keeps it
   * as disconnected until `now + retainDuration`.
   */
  removePeer(now: Time, retainDuration: Span): boolean {
    if (this.value() > 0) return false;
    const params = this.#parameters;
    for (const s of this.topics.values()) {
      if (s.inMesh) s.meshFailurePenalty += deliveryPenalty(params.topicParameters(s.topic), s);
      s.inMesh = false;
      s.firstMessageDeliveries = 0;
      s.meshMessageDeliveriesActive = false;
    }
    this.disconnectedExpires = now + retainDuration;
    this.#cached = undefined;
    return true;
  }

  /**
   * Heartbeat refresh: updates time in mesh and the P3 activation flag, then
   * decays every counter. Returns false when a disconnected record has expired
   * and must be dropped.
   */
  refresh(now: Time): boolean {
    if (this.disconnectedExpires !== undefined && !(this.disconnectedExpires > now)) return false;
    const params = this.#parameters;
    const decayZero = params.limits.decayZero;
    for (const s of this.topics.values()) {
      const p = params.topicParameters(s.topic);
      if (s.inMesh) s.during = now - s.since;
      s.meshMessageDeliveriesActive =
        p.meshMessageDeliveriesActivation <= (s.inMesh ? s.during : 0);
      s.firstMessageDeliveries = decay(
        s.firstMessageDeliveries,
        p.firstMessageDeliveriesDecay,
        decayZero,
      );
      s.meshMessageDeliveries = decay(
        s.meshMessageDeliveries,
        p.meshMessageDeliveriesDecay,
        decayZero,
      );
      s.meshFailurePenalty = decay(s.meshFailurePenalty, p.meshFailurePenaltyDecay, decayZero);
      s.invalidMessages = decay(s.invalidMessages, p.invalidMessageDeliveriesDecay, decayZero);
    }
    this.behaviourPenalty = decay(
      this.behaviourPenalty,
      params.limits.behaviourPenaltyDecay,
      decayZero,
    );
    this.#cached = undefined;
    return true;
  }

  /** Whether the peer is recorded as in our mesh for the topic with key `topicKey`. */
  isActive(topicKey: Key): boolean {
    return this.topics.get(topicKey)?.inMesh ?? false;
  }
}

/**
 * Limits and score parameters of the gossipsub automaton (Octez `limits` and
 * `score_limits` in `gossipsub_intf.ml`), the construction-time checks, and the
 * two parameter sets Octez uses: the unit-test defaults
 * (`test/default_limits.ml`) and the DAL production values
 * (`lib_dal_node/gossipsub/gs_default_parameters.ml`, with the bootstrap-profile
 * override of `daemon.ml`). Every duration is in milliseconds.
 *
 * @module
 */

import type { Span } from "./modules.ts";

/** Per-topic score parameters (P1–P4). */
export interface PerTopicScoreLimits {
  /** P1 weight (≥ 0). */
  readonly timeInMeshWeight: number;
  /** P1 cap on the number of quanta spent in the mesh (not a duration; ≥ 0). */
  readonly timeInMeshCap: number;
  /** P1 unit of time in the mesh, in ms (> 0). */
  readonly timeInMeshQuantum: Span;
  /** P2 weight (≥ 0). */
  readonly firstMessageDeliveriesWeight: number;
  /** P2 counter cap, applied when incrementing (integer ≥ 0). */
  readonly firstMessageDeliveriesCap: number;
  /** P2 decay per refresh, in [0, 1]. */
  readonly firstMessageDeliveriesDecay: number;
  /** P3 weight (≤ 0). */
  readonly meshMessageDeliveriesWeight: number;
  /** A duplicate received within this many ms of the first delivery counts as near-first. */
  readonly meshMessageDeliveriesWindow: Span;
  /** Time in the mesh before P3 applies, in ms (≥ 1000). */
  readonly meshMessageDeliveriesActivation: Span;
  /** P3 counter cap, applied when incrementing (integer ≥ 0). */
  readonly meshMessageDeliveriesCap: number;
  /** P3 deficit reference (integer > 0). */
  readonly meshMessageDeliveriesThreshold: number;
  /** P3 decay per refresh, in [0, 1]. */
  readonly meshMessageDeliveriesDecay: number;
  /** P3b weight (≤ 0). */
  readonly meshFailurePenaltyWeight: number;
  /** P3b decay per refresh, in [0, 1]. */
  readonly meshFailurePenaltyDecay: number;
  /** P4 weight (≤ 0). */
  readonly invalidMessageDeliveriesWeight: number;
  /** P4 decay per refresh, in [0, 1]. */
  readonly invalidMessageDeliveriesDecay: number;
}

/**
 * Per-topic parameters: the same for every topic (weight 1), or a family where
 * parameters and weight depend on the topic (`Topic_score_limits_family`).
 */
export type TopicScoreLimits<T> =
  | { readonly kind: "Single"; readonly parameters: PerTopicScoreLimits }
  | {
    readonly kind: "Family";
    /** Topics whose parameters are validated at construction. */
    readonly allTopics: readonly T[];
    /** Parameters of a topic. */
    parameters(topic: T): PerTopicScoreLimits;
    /** Weight of a topic's contribution. */
    weights(topic: T): number;
  };

/** Global score parameters (topics part, P5, P7, decay floor). */
export interface ScoreLimits<T> {
  /** Per-topic parameters. */
  readonly topics: TopicScoreLimits<T>;
  /** Cap on the summed topic contribution; `undefined` = no cap (≥ 0 when set). */
  readonly topicScoreCap?: number;
  /** P7 weight (≤ 0). */
  readonly behaviourPenaltyWeight: number;
  /** P7 counter value tolerated before any penalty (≥ 0). */
  readonly behaviourPenaltyThreshold: number;
  /** P7 decay per refresh, in [0, 1]. */
  readonly behaviourPenaltyDecay: number;
  /** P5 weight. */
  readonly appSpecificWeight: number;
  /** Decayed values below this become 0 (≥ 0). */
  readonly decayZero: number;
}

/** All limits of the automaton. Names follow Octez in camelCase; spans are ms. */
export interface Limits<T> {
  /** Max IHave messages accepted from one peer between two heartbeats. */
  readonly maxRecvIhavePerHeartbeat: number;
  /** Max ids we request from one peer between heartbeats; also max ids per emitted IHave. */
  readonly maxSentIwantPerHeartbeat: number;
  /** How many times one peer may obtain the same cached message through IWant. */
  readonly maxGossipRetransmission: number;
  /** D: target mesh size, fanout size and initial mesh size on join. */
  readonly degreeOptimal: number;
  /** Minimum score to be chosen as a fanout peer. */
  readonly publishThreshold: number;
  /** Minimum score to exchange IHave/IWant gossip with a peer. */
  readonly gossipThreshold: number;
  /** Whether our Prunes carry peer exchange. */
  readonly doPx: boolean;
  /** Max PX peers in a Prune we send, and max kept from one we receive. */
  readonly peersToPx: number;
  /** Minimum sender score to use the PX list of a received Prune. */
  readonly acceptPxThreshold: number;
  /** Backoff put on mesh peers when we leave a topic (ms). */
  readonly unsubscribeBackoff: Span;
  /** A Graft this soon after the reconstructed prune time costs a second penalty (ms). */
  readonly graftFloodThreshold: Span;
  /** Backoff for peers we prune (ms). */
  readonly pruneBackoff: Span;
  /** How long a non-positive score of a disconnected peer is kept (ms). */
  readonly retainDuration: Span;
  /** A fanout topic not published to for this long is dropped (ms). */
  readonly fanoutTtl: Span;
  /** Heartbeat period (ms); also the backoff-cleanup slack (twice this). */
  readonly heartbeatInterval: Span;
  /**
   * Ticks between two worker Pings (Octez v21.4+). `undefined` = no Ping (the
   * v18 shape of the seed). Unlike Octez, 0 is rejected at construction instead
   * of crashing the worker later with a modulo by zero (spec §16 quirk 16).
   */
  readonly heartbeatPingInterval?: number;
  /** Expired backoffs are removed only on ticks multiple of this (> 0). */
  readonly backoffCleanupTicks: number;
  /** Scores are refreshed and decayed only on ticks multiple of this (> 0). */
  readonly scoreCleanupTicks: number;
  /** D_lo: the heartbeat grafts when the mesh is smaller. */
  readonly degreeLow: number;
  /** D_hi: the heartbeat prunes to D when the mesh is larger; inbound grafts refused at D_hi. */
  readonly degreeHigh: number;
  /** D_score: top-score peers always kept when pruning an over-full mesh. */
  readonly degreeScore: number;
  /** D_out: outbound peers to keep or obtain in every mesh. */
  readonly degreeOut: number;
  /** D_lazy: minimum number of peers receiving IHave gossip per topic. */
  readonly degreeLazy: number;
  /** Gossip target = max(D_lazy, floor(gossipFactor × eligible peers)). */
  readonly gossipFactor: number;
  /** Message-cache history window, in heartbeats. */
  readonly historyLength: number;
  /** Number of most recent cache slots advertised in IHave (0 < this ≤ historyLength). */
  readonly historyGossipLength: number;
  /** Opportunistic grafting runs on ticks multiple of this. */
  readonly opportunisticGraftTicks: number;
  /** Max peers grafted opportunistically per topic. */
  readonly opportunisticGraftPeers: number;
  /** Opportunistic grafting triggers when the mesh median score is below this. */
  readonly opportunisticGraftThreshold: number;
  /** Seen-cache window in heartbeats (> 0). */
  readonly seenHistoryLength: number;
  /**
   * Max distinct topics a remote peer may be recorded as subscribed to (Octez
   * HEAD). `undefined` = no cap (the seed's behaviour).
   */
  readonly maxTopicsPerPeer?: number;
  /** Score parameters. */
  readonly scoreLimits: ScoreLimits<T>;
}

function fail(name: string, rule: string, value: unknown): never {
  throw new RangeError(`gossipsub limits: ${name} must be ${rule}, got ${value}`);
}

function int(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) fail(name, `an integer ≥ ${min}`, value);
}

function finite(name: string, value: number): void {
  if (typeof value !== "number" || Number.isNaN(value)) fail(name, "a number", value);
}

function unit(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) fail(name, "in [0, 1]", value);
}

function nonNegative(name: string, value: number): void {
  if (!(value >= 0)) fail(name, "≥ 0", value);
}

function nonPositive(name: string, value: number): void {
  if (!(value <= 0)) fail(name, "≤ 0", value);
}

function checkPerTopic(p: PerTopicScoreLimits, where: string): void {
  nonNegative(`${where}.timeInMeshWeight`, p.timeInMeshWeight);
  nonNegative(`${where}.timeInMeshCap`, p.timeInMeshCap);
  if (!(p.timeInMeshQuantum > 0)) fail(`${where}.timeInMeshQuantum`, "> 0", p.timeInMeshQuantum);
  nonNegative(`${where}.firstMessageDeliveriesWeight`, p.firstMessageDeliveriesWeight);
  int(`${where}.firstMessageDeliveriesCap`, p.firstMessageDeliveriesCap, 0);
  unit(`${where}.firstMessageDeliveriesDecay`, p.firstMessageDeliveriesDecay);
  nonPositive(`${where}.meshMessageDeliveriesWeight`, p.meshMessageDeliveriesWeight);
  finite(`${where}.meshMessageDeliveriesWindow`, p.meshMessageDeliveriesWindow);
  if (!(p.meshMessageDeliveriesActivation >= 1000)) {
    fail(
      `${where}.meshMessageDeliveriesActivation`,
      "≥ 1000 ms",
      p.meshMessageDeliveriesActivation,
    );
  }
  int(`${where}.meshMessageDeliveriesCap`, p.meshMessageDeliveriesCap, 0);
  int(`${where}.meshMessageDeliveriesThreshold`, p.meshMessageDeliveriesThreshold, 1);
  unit(`${where}.meshMessageDeliveriesDecay`, p.meshMessageDeliveriesDecay);
  nonPositive(`${where}.meshFailurePenaltyWeight`, p.meshFailurePenaltyWeight);
  unit(`${where}.meshFailurePenaltyDecay`, p.meshFailurePenaltyDecay);
  nonPositive(`${where}.invalidMessageDeliveriesWeight`, p.invalidMessageDeliveriesWeight);
  unit(`${where}.invalidMessageDeliveriesDecay`, p.invalidMessageDeliveriesDecay);
}

/** Validates score parameters as Octez `check_score_limits` does; throws RangeError. */
export function checkScoreLimits<T>(s: ScoreLimits<T>): void {
  if (s.topics.kind === "Single") {
    checkPerTopic(s.topics.parameters, "scoreLimits.topics");
  } else {
    for (const topic of s.topics.allTopics) {
      checkPerTopic(s.topics.parameters(topic), `scoreLimits.topics(${String(topic)})`);
    }
  }
  if (s.topicScoreCap !== undefined) nonNegative("scoreLimits.topicScoreCap", s.topicScoreCap);
  nonPositive("scoreLimits.behaviourPenaltyWeight", s.behaviourPenaltyWeight);
  nonNegative("scoreLimits.behaviourPenaltyThreshold", s.behaviourPenaltyThreshold);
  unit("scoreLimits.behaviourPenaltyDecay", s.behaviourPenaltyDecay);
  finite("scoreLimits.appSpecificWeight", s.appSpecificWeight);
  nonNegative("scoreLimits.decayZero", s.decayZero);
}

/**
 * Validates limits with the assertions of Octez `check_limits` (plus the
 * message cache's `seen_history_length > 0` and integer checks); throws a
 * RangeError naming the offending field.
 */
export function checkLimits<T>(l: Limits<T>): void {
  int("degreeLow", l.degreeLow, 0);
  int("degreeOut", l.degreeOut, 0);
  int("degreeScore", l.degreeScore, 0);
  int("degreeOptimal", l.degreeOptimal, 0);
  int("degreeHigh", l.degreeHigh, 0);
  int("degreeLazy", l.degreeLazy, 0);
  if (l.degreeLow > l.degreeOptimal) {
    fail("degreeLow", `≤ degreeOptimal (${l.degreeOptimal})`, l.degreeLow);
  }
  if (l.degreeHigh < l.degreeOptimal) {
    fail("degreeHigh", `≥ degreeOptimal (${l.degreeOptimal})`, l.degreeHigh);
  }
  int("backoffCleanupTicks", l.backoffCleanupTicks, 1);
  int("scoreCleanupTicks", l.scoreCleanupTicks, 1);
  if (l.degreeScore + l.degreeOut > l.degreeOptimal) {
    fail(
      "degreeScore + degreeOut",
      `≤ degreeOptimal (${l.degreeOptimal})`,
      l.degreeScore + l.degreeOut,
    );
  }
  if (l.degreeOut > l.degreeLow) fail("degreeOut", `≤ degreeLow (${l.degreeLow})`, l.degreeOut);
  if (l.degreeOut > Math.floor(l.degreeOptimal / 2)) {
    fail(
      "degreeOut",
      `≤ floor(degreeOptimal / 2) (${Math.floor(l.degreeOptimal / 2)})`,
      l.degreeOut,
    );
  }
  int("historyGossipLength", l.historyGossipLength, 1);
  int("historyLength", l.historyLength, 1);
  if (l.historyGossipLength > l.historyLength) {
    fail("historyGossipLength", `≤ historyLength (${l.historyLength})`, l.historyGossipLength);
  }
  int("seenHistoryLength", l.seenHistoryLength, 1);
  if (l.maxTopicsPerPeer !== undefined) int("maxTopicsPerPeer", l.maxTopicsPerPeer, 1);
  if (l.heartbeatPingInterval !== undefined) {
    int("heartbeatPingInterval", l.heartbeatPingInterval, 1);
  }
  int("maxRecvIhavePerHeartbeat", l.maxRecvIhavePerHeartbeat, 0);
  int("maxSentIwantPerHeartbeat", l.maxSentIwantPerHeartbeat, 0);
  int("maxGossipRetransmission", l.maxGossipRetransmission, 0);
  int("peersToPx", l.peersToPx, 0);
  int("opportunisticGraftTicks", l.opportunisticGraftTicks, 1);
  int("opportunisticGraftPeers", l.opportunisticGraftPeers, 0);
  for (
    const name of [
      "unsubscribeBackoff",
      "graftFloodThreshold",
      "pruneBackoff",
      "retainDuration",
      "fanoutTtl",
      "heartbeatInterval",
      "gossipFactor",
      "publishThreshold",
      "gossipThreshold",
      "acceptPxThreshold",
      "opportunisticGraftThreshold",
    ] as const
  ) finite(name, l[name]);
  checkScoreLimits(l.scoreLimits);
}

/** Overridable score knobs of Octez `Default_limits.default_limits` (the unit tests' defaults). */
export type TestLimitsOverrides =
  & Partial<PerTopicScoreLimits>
  & Partial<
    Pick<
      ScoreLimits<unknown>,
      "appSpecificWeight" | "behaviourPenaltyWeight" | "behaviourPenaltyDecay"
    >
  >;

/**
 * The limits of Octez's unit tests (`test/default_limits.ml`), with the same
 * optional score overrides. `maxTopicsPerPeer` is 1024 and
 * `heartbeatPingInterval` 45, as at Octez HEAD.
 */
export function testLimits<T = never>(overrides: TestLimitsOverrides = {}): Limits<T> {
  const {
    appSpecificWeight = 10,
    behaviourPenaltyWeight = -10,
    behaviourPenaltyDecay = 0.2,
    ...topicOverrides
  } = overrides;
  const parameters: PerTopicScoreLimits = {
    timeInMeshWeight: 1,
    timeInMeshCap: 3600,
    timeInMeshQuantum: 1000,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesCap: 2000,
    firstMessageDeliveriesDecay: 0.5,
    meshMessageDeliveriesWeight: -1,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 5000,
    meshMessageDeliveriesCap: 100,
    meshMessageDeliveriesThreshold: 20,
    meshMessageDeliveriesDecay: 0.5,
    meshFailurePenaltyWeight: -1,
    meshFailurePenaltyDecay: 0.5,
    invalidMessageDeliveriesWeight: -1,
    invalidMessageDeliveriesDecay: 0.3,
    ...topicOverrides,
  };
  return {
    ...commonLimits(),
    maxTopicsPerPeer: 1024,
    scoreLimits: {
      topics: { kind: "Single", parameters },
      topicScoreCap: 3600,
      behaviourPenaltyWeight,
      behaviourPenaltyThreshold: 0,
      behaviourPenaltyDecay,
      appSpecificWeight,
      decayZero: 0.1,
    },
  };
}

function commonLimits(): Omit<Limits<never>, "scoreLimits" | "maxTopicsPerPeer"> {
  return {
    maxRecvIhavePerHeartbeat: 10,
    maxSentIwantPerHeartbeat: 5000,
    maxGossipRetransmission: 3,
    degreeOptimal: 6,
    publishThreshold: 0,
    gossipThreshold: 0,
    doPx: true,
    peersToPx: 16,
    acceptPxThreshold: 0,
    unsubscribeBackoff: 10_000,
    graftFloodThreshold: 10_000,
    pruneBackoff: 60_000,
    retainDuration: 10_000,
    fanoutTtl: 60_000,
    heartbeatInterval: 1000,
    heartbeatPingInterval: 45,
    backoffCleanupTicks: 15,
    scoreCleanupTicks: 1,
    degreeLow: 5,
    degreeHigh: 12,
    degreeScore: 4,
    degreeOut: 2,
    degreeLazy: 6,
    gossipFactor: 0.25,
    historyLength: 5,
    historyGossipLength: 3,
    opportunisticGraftTicks: 60,
    opportunisticGraftPeers: 2,
    opportunisticGraftThreshold: 1,
    seenHistoryLength: 120,
  };
}

/**
 * The DAL node's production limits (`gs_default_parameters.ml` as assembled in
 * `worker_parameters.ml`): the test values except P3 and P3b disabled (weight 0)
 * and `maxTopicsPerPeer` 65536.
 */
export function dalLimits<T = never>(): Limits<T> {
  const base = testLimits<T>({ meshMessageDeliveriesWeight: 0, meshFailurePenaltyWeight: 0 });
  return { ...base, maxTopicsPerPeer: 65536 };
}

/**
 * The DAL bootstrap-profile override (`daemon.ml`): every degree 0 (each
 * inbound Graft is answered with a Prune carrying PX), no IWant requests, and a
 * 10 s prune backoff.
 */
export function dalBootstrapLimits<T = never>(): Limits<T> {
  return {
    ...dalLimits<T>(),
    maxSentIwantPerHeartbeat: 0,
    degreeLow: 0,
    degreeHigh: 0,
    degreeOut: 0,
    degreeOptimal: 0,
    degreeScore: 0,
    pruneBackoff: 10_000,
  };
}

/**
 * The Octez gossipsub automaton in TypeScript: gossipsub v1.1 with Octez's
 * choices (peer scoring P1–P5 and P7, backoffs, peer exchange, message cache,
 * four-valued validity, batch validation), as a pure deterministic state
 * machine. It does no I/O: a worker feeds it inputs (connections, control
 * messages, full messages, application requests, heartbeats) and turns its
 * outputs into network messages. Time is an injected millisecond clock and
 * every random choice comes from a seeded generator.
 *
 * Two halves, one entry point:
 * - the automaton (`automaton/`, {@linkcode GossipsubAutomaton}): pure and
 *   synchronous, no timers, sockets or promises;
 * - the worker (`worker/`, {@linkcode makeWorker}, Octez `gossipsub_worker.ml`):
 *   an event loop on the caller's thread (not a Web Worker) that owns one
 *   automaton, a bounded input queue, the heartbeat timer and two bounded
 *   output streams, one for the P2P layer and one for the application.
 *
 * @example Join a topic, let a peer subscribe, and see the heartbeat graft it.
 * ```ts
 * import { GossipsubAutomaton, testLimits } from "./mod.ts";
 *
 * let clock = 0;
 * const numbers = { key: (n: number) => n, compare: (a: number, b: number) => a - b };
 * const gs = new GossipsubAutomaton<number, string, number, string>({
 *   limits: testLimits(),
 *   peer: numbers,
 *   topic: { key: (t: string) => t, compare: (a: string, b: string) => a < b ? -1 : a > b ? 1 : 0 },
 *   messageId: { ...numbers, getTopic: (id: number) => String(id % 10), valid: () => "Valid" },
 *   message: { valid: () => "Valid" },
 *   now: () => clock,
 *   rng: 42,
 * });
 *
 * gs.join({ topic: "blocks" });
 * gs.addPeer({ peer: 7, direct: false, outbound: true });
 * gs.handleSubscribe({ peer: 7, topic: "blocks" });
 * clock += 1000;
 * const beat = gs.heartbeat();
 * if (beat.toGraft[0]?.peer !== 7) throw new Error("expected a graft of peer 7");
 * if (!gs.view.inMesh("blocks", 7)) throw new Error("peer 7 should be in the mesh");
 *
 * const published = gs.publishMessage({ topic: "blocks", messageId: 1, message: "hello" });
 * if (published.kind !== "PublishMessage" || published.toPublish[0] !== 7) throw new Error();
 * ```
 *
 * @example Two workers wired together in memory: one publishes, the other delivers.
 * ```ts
 * import { makeWorker, type P2pOutput, testLimits } from "./mod.ts";
 *
 * const numbers = { key: (n: number) => n, compare: (a: number, b: number) => a - b };
 * const strings = {
 *   key: (s: string) => s,
 *   compare: (a: string, b: string) => a < b ? -1 : a > b ? 1 : 0,
 * };
 * const make = () =>
 *   makeWorker<number, string, number, string>({
 *     limits: { ...testLimits<string>(), heartbeatInterval: 20 },
 *     peer: numbers,
 *     topic: strings,
 *     messageId: { ...numbers, getTopic: () => "news", valid: () => "Valid" },
 *     message: { valid: () => "Valid" },
 *     rng: 7,
 *   });
 * const [a, b] = [make(), make()];
 * // Worker a is peer 1 for worker b and b is peer 2 for a: forward a's orders to b and back.
 * const pipe = async (
 *   from: ReadableStream<P2pOutput<number, string, number, string>>,
 *   to: typeof a,
 *   me: number,
 * ) => {
 *   for await (const out of from) {
 *     if (out.kind === "OutMessage") to.p2pInput({ kind: "InMessage", fromPeer: me, p2pMessage: out.p2pMessage });
 *   }
 * };
 * const pipes = [pipe(a.p2pOutputStream, b, 1), pipe(b.p2pOutputStream, a, 2)];
 * a.start(["news"]);
 * b.start(["news"]);
 * a.p2pInput({ kind: "NewConnection", peer: 2, direct: false, outbound: true });
 * b.p2pInput({ kind: "NewConnection", peer: 1, direct: false, outbound: false });
 * while (!a.view.inMesh("news", 2)) await new Promise((r) => setTimeout(r, 10));
 * a.appInput({ kind: "PublishMessage", topic: "news", messageId: 1, message: "hello" });
 * const delivered = await b.appOutputStream.getReader().read();
 * if (delivered.value?.message !== "hello") throw new Error("not delivered");
 * await Promise.all([a.shutdown(), b.shutdown()]);
 * await Promise.all(pipes);
 * ```
 *
 * @module
 */

export { GossipsubAutomaton } from "./automaton/gossipsub_automaton.ts";
export type { GossipsubConfig, MessageHandling } from "./automaton/state.ts";
export type { GossipMessage } from "./automaton/gossip.ts";
export { GossipsubView } from "./automaton/introspection.ts";
export type { GossipsubMetrics } from "./automaton/introspection.ts";
export {
  checkLimits,
  checkScoreLimits,
  dalBootstrapLimits,
  dalLimits,
  testLimits,
} from "./automaton/limits.ts";
export type {
  Limits,
  PerTopicScoreLimits,
  ScoreLimits,
  TestLimitsOverrides,
  TopicScoreLimits,
} from "./automaton/limits.ts";
export { MessageCache } from "./automaton/message_cache.ts";
export type { CachedMessage, MessageCacheSizes, SeenEntry } from "./automaton/message_cache.ts";
export { acceptAllPeers } from "./automaton/peer_filter.ts";
export type { PeerFilter, PeerFilterAction } from "./automaton/peer_filter.ts";
export { Rng } from "../base/rng.ts";
export type { RngState } from "../base/rng.ts";
export { PeerScore, ScoreParameters } from "./automaton/score.ts";
export type { TopicScoreStatus } from "./automaton/score.ts";
export type {
  BatchValidationEntry,
  Clock,
  Key,
  KeyModule,
  MessageIdModule,
  MessageModule,
  PeerModule,
  Span,
  Time,
  TopicModule,
  Validity,
} from "./automaton/modules.ts";
export type * from "./automaton/io.ts";
export {
  DEFAULT_DROP_EVENT_INTERVAL,
  DEFAULT_MAX_INPUT_QUEUE_LENGTH,
  DEFAULT_MAX_OUTPUT_QUEUE_LENGTH,
  DEFAULT_RECONNECTION_TICKS,
  DEFAULT_UNKNOWN_VALIDITY_CAPACITY,
  GossipsubWorker,
  makeWorker,
} from "./worker/gossipsub_worker.ts";
export type { WorkerConfig } from "./worker/gossipsub_worker.ts";
export {
  GossipsubWorkerError,
  isGossipsubWorkerError,
  isTzError,
  TzError,
} from "./worker/gossipsub_worker_error.ts";
export type {
  GossipsubWorkerErrorDetails,
  GossipsubWorkerErrorKind,
} from "./worker/gossipsub_worker_error.ts";
export { formatAppOutput, formatP2pOutput, formatValue } from "./worker/format.ts";
export type { Printers } from "./worker/format.ts";
export type {
  AppInput,
  AppOutput,
  InputEventsView,
  MessageWithHeader,
  OutputStreamName,
  P2pInput,
  P2pOutput,
  PeerMessage,
  PeerOrigin,
  WorkerEvent,
  WorkerStats,
  WorkerStatus,
} from "./worker/types.ts";

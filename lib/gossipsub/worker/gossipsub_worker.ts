/**
 * The gossipsub worker (Octez `gossipsub_worker.ml`, spec §11): it owns one
 * {@linkcode GossipsubAutomaton}, a bounded input queue, a heartbeat timer and
 * two bounded output streams. Inputs from the P2P layer and the application
 * are queued synchronously and applied strictly in order, one at a time, by a
 * single event loop; the heartbeat is one more queued event. Each automaton
 * output becomes P2P orders (`p2pOutputStream`) and full messages for the
 * application (`appOutputStream`).
 *
 * Bounds (Octez's queues are unbounded except the HEAD input cap):
 * - input: `InMessage` and `PublishMessage` are refused (the push returns
 *   false, a counter grows, a rate-limited `P2pQueueDrop` event is logged)
 *   while `maxInputQueueLength` events wait. Connection events, Join and Leave
 *   are always accepted: they are bounded by the connection pool and the
 *   application, and losing one would desynchronise the automaton.
 * - heartbeats: a timer tick that finds the previous heartbeat still queued
 *   does not queue another one but is counted (`countLateHeartbeats`); when
 *   the queued heartbeat is applied, it runs one heartbeat per tick, back to
 *   back, each followed by its `CheckUnknownMessages` as Octez's timer loop
 *   pushes them (`gossipsub_worker.ml` `heartbeat_events_producer`). So the
 *   queue holds at most one heartbeat, yet no tick is lost: the automaton's
 *   tick count, and every window counted in ticks (backoff and score cleanup,
 *   gossip retention, opportunistic grafting, pings, reconnections), follow
 *   the timer as in Octez. The only difference is order: the late ticks run
 *   before the events queued after their first one, where Octez interleaves
 *   them with those events.
 * - outputs: each stream holds at most `maxOutputQueueLength` unread items;
 *   past that, items are dropped and counted (`OutputQueueDrop` event).
 *
 * @module
 */

import { GossipsubAutomaton } from "../automaton/gossipsub_automaton.ts";
import type { GossipsubView } from "../automaton/introspection.ts";
import type { Clock, Span } from "../automaton/modules.ts";
import type { GossipsubConfig } from "../automaton/state.ts";
import { defaultMessageEquals } from "./batch_accumulator.ts";
import { EventApplier } from "./apply_event.ts";
import { GossipsubWorkerError } from "./gossipsub_worker_error.ts";
import { OutputChannel } from "../../base/output_channel.ts";
import { Fifo } from "../../base/fifo.ts";
import type {
  AppInput,
  AppOutput,
  InputEventsView,
  P2pInput,
  P2pOutput,
  WorkerEvent,
  WorkerStats,
  WorkerStatus,
} from "./types.ts";

/** Octez HEAD `default_max_transport_input_queue_length`. */
export const DEFAULT_MAX_INPUT_QUEUE_LENGTH = 8192;
/** Unread items each output stream holds before dropping. */
export const DEFAULT_MAX_OUTPUT_QUEUE_LENGTH = 16_384;
/** Octez's hard-coded capacity of the unknown-validity buffer. */
export const DEFAULT_UNKNOWN_VALIDITY_CAPACITY = 10_000;
/** Octez's hard-coded reconnection period, in heartbeats. */
export const DEFAULT_RECONNECTION_TICKS = 15;
/** Octez's rate limit of observability events (one a minute), in ms. */
export const DEFAULT_DROP_EVENT_INTERVAL: Span = 60_000;

/**
 * Events applied back to back, synchronously, before the loop yields to the
 * timers, the I/O and the readers of the output streams (one macrotask).
 * 256 events take a few milliseconds at most (routing a full message to 8
 * peers is about 10 µs), and produce far fewer outputs than a stream holds.
 */
const EVENTS_PER_SLICE = 256;

/** Everything {@linkcode makeWorker} needs: the automaton's configuration plus worker settings. */
export interface WorkerConfig<P, T, I, M> extends Omit<GossipsubConfig<P, T, I, M>, "now"> {
  /** The automaton's clock, in ms; defaults to `performance.now()` (monotonic). */
  readonly now?: Clock;
  /** Our own peer: never dialled from a PX list. */
  readonly self?: P;
  /**
   * Called with every event just before it is applied; a returned promise is
   * awaited before applying it (Octez `events_logging`). Throwing stops the
   * worker like a failing event.
   */
  readonly eventsLogging?: (event: WorkerEvent<P, T, I, M>) => void | Promise<void>;
  /** Input-queue depth at which `InMessage` and `PublishMessage` are refused (default 8192). */
  readonly maxInputQueueLength?: number;
  /** Unread items each output stream holds before dropping (default 16,384). */
  readonly maxOutputQueueLength?: number;
  /** Capacity of the unknown-validity buffer (default 10,000). */
  readonly unknownValidityCapacity?: number;
  /** Trusted peers and initial points are re-dialled every this many heartbeats (default 15). */
  readonly reconnectionTicks?: number;
  /** Minimum time between two observability events of one kind, in ms (default 60,000). */
  readonly dropEventInterval?: Span;
  /**
   * The address a peer can be dialled at (Octez `maybe_reachable_point`), as
   * the P2P layer spells it; used to skip points marked unreachable. Without
   * it every peer is contactable.
   */
  readonly reachablePoint?: (peer: P) => string | undefined;
  /** Points to reconnect to every `reconnectionTicks` heartbeats (`ConnectPoint` outputs). */
  readonly initialPoints?: () => Iterable<string>;
  /**
   * The P2P layer's reconnection schedule: whether a point may be dialled now. When given, the
   * worker keeps no unreachable-point table of its own (Octez's worker does, beside the pool's
   * point back-off): it asks this before `Connect` and `ConnectPoint`, and
   * `setUnreachablePoint` is ignored, so one dial failure sets one schedule.
   */
  readonly pointContactable?: (point: string) => boolean;
  /** Told how long each heartbeat took (the automaton's and the emission's work), in ms. */
  readonly onHeartbeat?: (durationMs: number) => void;
  /**
   * Told, while the publication is applied, the peers a local publication was handed to
   * (`undefined` when its id was already published or seen).
   */
  readonly onPublished?: (messageId: I, recipients: readonly P[] | undefined) => void;
  /**
   * Payload equality used to merge receipts of one message in a batch;
   * defaults to byte equality for `Uint8Array` and `===` otherwise.
   */
  readonly messageEquals?: (a: M, b: M) => boolean;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`gossipsub worker: ${name} must be an integer ≥ 1, got ${value}`);
  }
  return value;
}

/** A gossipsub worker over peers `P`, topics `T`, message ids `I` and messages `M`. */
export class GossipsubWorker<P, T, I, M> {
  readonly #automaton: GossipsubAutomaton<P, T, I, M>;
  readonly #core: EventApplier<P, T, I, M>;
  readonly #queue = new Fifo<WorkerEvent<P, T, I, M>>();
  readonly #p2pOutput: OutputChannel<P2pOutput<P, T, I, M>>;
  readonly #appOutput: OutputChannel<AppOutput<T, I, M>>;
  readonly #eventsLogging: ((event: WorkerEvent<P, T, I, M>) => void | Promise<void>) | undefined;
  readonly #maxInput: number;
  readonly #heartbeatInterval: Span;
  #status: WorkerStatus = "Starting";
  #stopping = false;
  #heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  #heartbeatQueued = false;
  /** Timer ticks that found the previous heartbeat still queued. */
  #lateTicks = 0;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #idle = false;
  #idleWaiters: (() => void)[] = [];
  #shutdown: Promise<void> | undefined;
  readonly #done: Promise<void>;
  #resolveDone!: () => void;
  #rejectDone!: (reason: unknown) => void;

  /** Builds the automaton (validating the limits) and an idle worker; see {@linkcode makeWorker}. */
  constructor(config: WorkerConfig<P, T, I, M>) {
    const now = config.now ?? (() => performance.now());
    this.#automaton = new GossipsubAutomaton({ ...config, now });
    this.#heartbeatInterval = config.limits.heartbeatInterval;
    if (!(this.#heartbeatInterval > 0)) {
      throw new RangeError(
        `gossipsub worker: limits.heartbeatInterval must be > 0 ms, got ${this.#heartbeatInterval}`,
      );
    }
    this.#maxInput = positiveInt(
      "maxInputQueueLength",
      config.maxInputQueueLength ?? DEFAULT_MAX_INPUT_QUEUE_LENGTH,
    );
    const maxOutput = positiveInt(
      "maxOutputQueueLength",
      config.maxOutputQueueLength ?? DEFAULT_MAX_OUTPUT_QUEUE_LENGTH,
    );
    const dropEventInterval = config.dropEventInterval ?? DEFAULT_DROP_EVENT_INTERVAL;
    if (!(dropEventInterval >= 0)) {
      throw new RangeError(
        `gossipsub worker: dropEventInterval must be ≥ 0 ms, got ${dropEventInterval}`,
      );
    }
    this.#p2pOutput = new OutputChannel(maxOutput);
    this.#appOutput = new OutputChannel(maxOutput);
    this.#eventsLogging = config.eventsLogging;
    this.#core = new EventApplier({
      automaton: this.#automaton,
      peer: config.peer,
      topic: config.topic,
      messageId: config.messageId,
      self: config.self,
      p2pOutput: this.#p2pOutput,
      appOutput: this.#appOutput,
      enqueue: (event) => this.#push(event),
      now,
      unknownValidityCapacity: config.unknownValidityCapacity ?? DEFAULT_UNKNOWN_VALIDITY_CAPACITY,
      reconnectionTicks: positiveInt(
        "reconnectionTicks",
        config.reconnectionTicks ?? DEFAULT_RECONNECTION_TICKS,
      ),
      dropEventInterval,
      reachablePoint: config.reachablePoint,
      initialPoints: config.initialPoints,
      pointContactable: config.pointContactable,
      onHeartbeat: config.onHeartbeat,
      onPublished: config.onPublished,
      messageEquals: config.messageEquals ?? defaultMessageEquals,
    });
    this.#done = new Promise<void>((resolve, reject) => {
      this.#resolveDone = resolve;
      this.#rejectDone = reject;
    });
    // A crash is reported through `done` and the streams; nobody has to listen.
    this.#done.catch(() => {});
  }

  /** The lifecycle state. */
  get status(): WorkerStatus {
    return this.#status;
  }

  /** Read-only view of the automaton state (Octez `state`); reflects processed events only. */
  get view(): GossipsubView<P, T, I, M> {
    return this.#automaton.view;
  }

  /** A copy of the counters (spec §11.8 and the drops). */
  get stats(): Readonly<WorkerStats> {
    return { ...this.#core.stats };
  }

  /**
   * Events waiting in the input queue. Late heartbeat ticks are not counted:
   * they wait inside the one queued heartbeat (see {@linkcode inputEvents}).
   */
  get inputQueueLength(): number {
    return this.#queue.length;
  }

  /**
   * The events waiting to be applied, in the order they will be applied
   * (Octez `input_events_stream`, read-only): the queue, with the late ticks
   * of the queued heartbeat spelled out as the `CheckUnknownMessages` and
   * `Heartbeat` events Octez's timer would have queued. A live view: it
   * reflects the queue at the time it is read.
   */
  get inputEvents(): InputEventsView<P, T, I, M> {
    const queue = this.#queue;
    const late = () => this.#heartbeatQueued ? this.#lateTicks : 0;
    return {
      get length() {
        return queue.length + 2 * late();
      },
      *[Symbol.iterator]() {
        let extra = late();
        for (let i = 0; i < queue.length; i++) {
          const event = queue.at(i)!;
          yield event;
          if (event.kind === "Heartbeat") {
            for (; extra > 0; extra--) {
              yield { kind: "CheckUnknownMessages" };
              yield { kind: "Heartbeat" };
            }
          }
        }
      },
    };
  }

  /** Full messages of unknown validity waiting for a retry. */
  get unknownValidityMessages(): number {
    return this.#core.unknownValidityMessages;
  }

  /**
   * Orders for the P2P layer. One reader; ends when the worker stops (after the
   * items still queued), errors with a {@linkcode GossipsubWorkerError} if it crashes.
   */
  get p2pOutputStream(): ReadableStream<P2pOutput<P, T, I, M>> {
    return this.#p2pOutput.stream;
  }

  /** Full messages received on joined topics, for the application; ends like `p2pOutputStream`. */
  get appOutputStream(): ReadableStream<AppOutput<T, I, M>> {
    return this.#appOutput.stream;
  }

  /**
   * Resolves when the loop has stopped: after {@linkcode shutdown}, or rejected
   * with a {@linkcode GossipsubWorkerError} when applying an event threw
   * (Octez `main_loop_promise`).
   */
  get done(): Promise<void> {
    return this.#done;
  }

  /**
   * Starts the heartbeat timer and the event loop, then queues a Join of each
   * topic. Throws a TypeError unless the worker is `Starting`. Inputs queued
   * before `start` are processed first.
   */
  start(topics: Iterable<T> = []): void {
    if (this.#status !== "Starting") {
      throw new TypeError(
        `gossipsub worker: start() needs a Starting worker, it is ${this.#status}`,
      );
    }
    this.#status = "Running";
    this.#heartbeatTimer = setInterval(() => this.#onHeartbeatTimer(), this.#heartbeatInterval);
    this.#loop = this.#run();
    for (const topic of topics) this.#push({ kind: "AppInput", input: { kind: "Join", topic } });
  }

  /**
   * Stops the worker: clears every timer, lets the event being applied finish,
   * discards the events still queued, and closes both output streams (their
   * unread items stay readable). Nothing is sent to peers (as in Octez).
   * Idempotent; on a crashed worker it only waits for the loop to end.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#stop();
    return this.#shutdown;
  }

  /**
   * Queues an application input. Returns false when it was refused: a
   * `PublishMessage` while `maxInputQueueLength` events wait, or any input
   * after shutdown.
   */
  appInput(input: AppInput<T, I, M>): boolean {
    if (this.#stopping) return false;
    if (input.kind === "PublishMessage" && this.#queue.length >= this.#maxInput) {
      this.#core.stats.countDroppedAppInputs++;
      this.#inputDropEvent();
      return false;
    }
    this.#push({ kind: "AppInput", input });
    return true;
  }

  /**
   * Queues a P2P input. Returns false when it was refused: an `InMessage`
   * while `maxInputQueueLength` events wait (Octez `bounded_p2p_input`), or
   * any input after shutdown. Connection events are never refused before
   * shutdown.
   */
  p2pInput(input: P2pInput<P, T, I, M>): boolean {
    if (this.#stopping) return false;
    if (input.kind === "InMessage" && this.#queue.length >= this.#maxInput) {
      this.#core.stats.countDroppedP2pInputs++;
      this.#inputDropEvent();
      return false;
    }
    this.#push({ kind: "P2pInput", input });
    return true;
  }

  /**
   * Sets a peer's application score (P5), in order with the other inputs. Returns false after
   * shutdown.
   *
   * @param peer The peer.
   * @param score The application-specific score (weighted by `appSpecificWeight`).
   */
  setApplicationScore(peer: P, score: number): boolean {
    if (this.#stopping) return false;
    if (!Number.isFinite(score)) {
      throw new RangeError(`setApplicationScore: score must be finite, got ${score}`);
    }
    this.#push({ kind: "SetApplicationScore", peer, score });
    return true;
  }

  /** Whether `topic` is joined, as of the events processed so far. */
  isSubscribed(topic: T): boolean {
    return this.#automaton.view.hasJoined(topic);
  }

  /**
   * Resolves once every queued event has been applied and the loop waits for
   * more; at once when the worker is not running. For tests and orderly
   * hand-offs (Lwt runs the Octez loop synchronously on push; here it runs on
   * a later turn).
   */
  whenIdle(): Promise<void> {
    if (this.#status !== "Running" || (this.#idle && this.#queue.length === 0)) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Records that dialling `point` failed: it is not dialled again for 5
   * heartbeats, then 10, 20 … up to 300 after repeated failures.
   */
  setUnreachablePoint(point: string): void {
    this.#core.setUnreachablePoint(point);
  }

  /** For each unreachable point, the time left before it may be dialled again, in ms. */
  reconnectionDelays(): [point: string, delay: Span][] {
    return this.#core.reconnectionDelays();
  }

  #push(event: WorkerEvent<P, T, I, M>): void {
    if (this.#stopping) return;
    this.#queue.push(event);
    const wake = this.#wake;
    if (wake !== undefined) {
      this.#wake = undefined;
      wake();
    }
  }

  #inputDropEvent(): void {
    if (this.#core.rateLimit("P2pQueueDrop")) {
      // Like Octez, this one event may take the queue to cap + 1.
      this.#push({ kind: "P2pQueueDrop", depth: this.#queue.length });
    }
  }

  #onHeartbeatTimer(): void {
    if (this.#heartbeatQueued) {
      this.#lateTicks++;
      this.#core.stats.countLateHeartbeats++;
      return;
    }
    this.#heartbeatQueued = true;
    this.#push({ kind: "Heartbeat" });
    this.#push({ kind: "CheckUnknownMessages" });
  }

  async #run(): Promise<void> {
    let applied = 0;
    while (!this.#stopping) {
      const event = this.#queue.shift();
      if (event === undefined) {
        this.#idle = true;
        this.#notifyIdle();
        await new Promise<void>((resolve) => this.#wake = resolve);
        this.#idle = false;
        continue;
      }
      if (event.kind === "Heartbeat") {
        // One heartbeat per elapsed tick; the last tick's CheckUnknownMessages
        // is already queued behind this event.
        const late = this.#lateTicks;
        this.#lateTicks = 0;
        this.#heartbeatQueued = false;
        for (let i = 0; i < late; i++) {
          let ok = this.#apply(event);
          if (ok !== true && (ok === false || !await ok)) return;
          ok = this.#apply({ kind: "CheckUnknownMessages" });
          if (ok !== true && (ok === false || !await ok)) return;
          if (this.#stopping) return;
        }
        applied += 2 * late;
      }
      // Applied synchronously unless `eventsLogging` returns a promise: an await per event would
      // cost a promise and a microtask turn each, for nothing (a burst of 500 publications on 20
      // nodes applies about 70,000 events). The outputs of a slice reach the readers of the
      // output streams when the slice ends, which is at most EVENTS_PER_SLICE events later.
      const ok = this.#apply(event);
      if (ok !== true && (ok === false || !await ok)) return;
      if (++applied >= EVENTS_PER_SLICE) {
        applied = 0;
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
      }
    }
  }

  /**
   * Logs and applies one event: false when it crashed the worker, a promise only when
   * `eventsLogging` returned one (awaited before applying).
   */
  #apply(event: WorkerEvent<P, T, I, M>): boolean | Promise<boolean> {
    if (this.#eventsLogging !== undefined) {
      let logged: void | Promise<void>;
      try {
        logged = this.#eventsLogging(event);
      } catch (cause) {
        return this.#failed(event, cause);
      }
      if (logged !== undefined) {
        return Promise.resolve(logged).then(
          () => this.#applyNow(event),
          (cause) => this.#failed(event, cause),
        );
      }
    }
    return this.#applyNow(event);
  }

  #applyNow(event: WorkerEvent<P, T, I, M>): boolean {
    try {
      this.#core.apply(event);
      return true;
    } catch (cause) {
      return this.#failed(event, cause);
    }
  }

  #failed(event: WorkerEvent<P, T, I, M>, cause: unknown): false {
    const why = cause instanceof Error ? cause.message : String(cause);
    this.#crash(
      new GossipsubWorkerError(
        "event_failed",
        `gossipsub worker: applying a ${event.kind} event failed: ${why}`,
        { eventKind: event.kind },
        { cause },
      ),
    );
    return false;
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #halt(): void {
    this.#stopping = true;
    if (this.#heartbeatTimer !== undefined) clearInterval(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
    this.#core.stop();
    this.#queue.clear();
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #crash(error: GossipsubWorkerError): void {
    this.#status = "Crashed";
    this.#halt();
    this.#p2pOutput.error(error);
    this.#appOutput.error(error);
    this.#rejectDone(error);
    this.#notifyIdle();
  }

  async #stop(): Promise<void> {
    if (this.#status === "Crashed") return;
    this.#halt();
    if (this.#loop !== undefined) await this.#loop;
    // The event being applied when shutdown began may have thrown meanwhile.
    if ((this.#status as WorkerStatus) === "Crashed") return;
    this.#status = "Stopped";
    this.#p2pOutput.close();
    this.#appOutput.close();
    this.#resolveDone();
    this.#notifyIdle();
  }
}

/**
 * Builds a worker and its automaton (Octez `make`); call `start` to run it.
 * Throws a RangeError for invalid limits or settings.
 */
export function makeWorker<P, T, I, M>(
  config: WorkerConfig<P, T, I, M>,
): GossipsubWorker<P, T, I, M> {
  return new GossipsubWorker(config);
}

// Shared helpers of the worker tests, after Octez `test/test_integration_worker.ml`:
// peers are integers (self = -1), topics strings, message ids integers whose topic
// is `String(id % 10)`, messages strings, and the test limits with a short heartbeat.

import {
  type AppOutput,
  type GossipsubWorker,
  type Limits,
  makeWorker,
  type P2pOutput,
  testLimits,
  type Validity,
  type WorkerConfig,
  type WorkerEvent,
} from "../../lib/gossipsub/mod.ts";
import { collect, type Collected, sleep } from "../support/async.ts";
import { numberModule, stringModule } from "./fixture.ts";

export type W = GossipsubWorker<number, string, number, string>;
export type Out = P2pOutput<number, string, number, string>;
export type App = AppOutput<string, number, string>;
export type Ev = WorkerEvent<number, string, number, string>;

/** Heartbeat period of the worker tests, in ms. */
export const HEARTBEAT = 25;

/** The validity hooks of one worker: change them during a test. */
export class Validities {
  id: (id: number) => Validity = () => "Valid";
  message: (message: string, id: number) => Validity = () => "Valid";
}

export interface TestWorkerOptions
  extends Partial<Omit<WorkerConfig<number, string, number, string>, "limits">> {
  limits?: Partial<Limits<string>>;
  validities?: Validities;
}

/** A worker with the test limits (heartbeat {@linkcode HEARTBEAT} ms), self = -1. */
export function testWorker(options: TestWorkerOptions = {}): { worker: W; validities: Validities } {
  const validities = options.validities ?? new Validities();
  const { limits, ...rest } = options;
  const worker = makeWorker<number, string, number, string>({
    peer: numberModule,
    topic: stringModule,
    messageId: {
      ...numberModule,
      getTopic: (id: number) => String(id % 10),
      valid: (id: number) => validities.id(id),
    },
    message: { valid: (message: string, id: number) => validities.message(message, id) },
    rng: 1,
    self: -1,
    ...rest,
    limits: { ...testLimits<string>(), heartbeatInterval: HEARTBEAT, ...limits },
  });
  return { worker, validities };
}

/** Collects both output streams of `worker`. */
export function collectBoth(worker: W): { p2p: Collected<Out>; app: Collected<App> } {
  return { p2p: collect(worker.p2pOutputStream), app: collect(worker.appOutputStream) };
}

/**
 * Waits until the worker has processed `ticks` heartbeats in total and is idle
 * (a deadline instead of Octez's fixed 1.1 × interval sleep, so that a loaded
 * machine delays the test instead of failing it).
 */
export async function untilTicks(worker: W, ticks: number, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (worker.view.heartbeatTicks < ticks) {
    if (performance.now() > deadline) {
      throw new Error(
        `only ${worker.view.heartbeatTicks} of ${ticks} heartbeats after ${timeoutMs} ms`,
      );
    }
    await sleep(HEARTBEAT / 5);
  }
  await settle(worker);
}

/**
 * Waits until every queued input is applied and the stream collectors have
 * read what it produced (they run on later microtasks; one macrotask drains them).
 */
export async function settle(worker: W): Promise<void> {
  await worker.whenIdle();
  await sleep(0);
}

/** One more heartbeat than now (Octez test step `Heartbeat`). */
export function nextHeartbeat(worker: W): Promise<void> {
  return untilTicks(worker, worker.view.heartbeatTicks + 1);
}

/** Octez `Out_message{to_peer; p2p_message}` shorthand. */
export function out(
  toPeer: number,
  p2pMessage: Extract<Out, { kind: "OutMessage" }>["p2pMessage"],
): Out {
  return { kind: "OutMessage", toPeer, p2pMessage };
}

/**
 * Lets `worker` apply what is queued (shutdown discards queued events, as in
 * Octez), shuts it down and waits for both collectors to end.
 */
export async function stop(
  worker: W,
  collected: { p2p: Collected<Out>; app: Collected<App> },
): Promise<void> {
  await worker.whenIdle();
  await worker.shutdown();
  await Promise.all([collected.p2p.done, collected.app.done]);
}

/** An `eventsLogging` hook recording event kinds. */
export function eventLog(): { kinds: string[]; events: Ev[]; log: (event: Ev) => void } {
  const kinds: string[] = [];
  const events: Ev[] = [];
  return {
    kinds,
    events,
    log: (event) => {
      kinds.push(event.kind);
      events.push(event);
    },
  };
}

/**
 * Wires workers together in memory: worker `i` is peer `ids[i]` for the
 * others; every `OutMessage` to `ids[j]` becomes an `InMessage` of worker `j`
 * from `ids[i]`, and each pair gets a NewConnection on both sides. Also
 * collects every application output. Everything ends when the workers shut down.
 */
export function wire(
  workers: readonly W[],
  ids: readonly number[],
): { app: Collected<App>[]; done: Promise<unknown> } {
  const index = new Map(ids.map((id, i) => [id, i]));
  const pipes = workers.map(async (worker, i) => {
    for await (const output of worker.p2pOutputStream) {
      if (output.kind !== "OutMessage") continue;
      const j = index.get(output.toPeer);
      if (j === undefined) continue;
      workers[j].p2pInput({ kind: "InMessage", fromPeer: ids[i], p2pMessage: output.p2pMessage });
    }
  });
  const app = workers.map((worker) => collect(worker.appOutputStream));
  for (let i = 0; i < workers.length; i++) {
    for (let j = 0; j < workers.length; j++) {
      if (i === j) continue;
      // The lower id dials: an outbound connection on its side.
      workers[i].p2pInput({
        kind: "NewConnection",
        peer: ids[j],
        direct: false,
        outbound: ids[i] < ids[j],
      });
    }
  }
  return { app, done: Promise.all([...pipes, ...app.map((a) => a.done)]) };
}

/**
 * Records the timers created while installed and which are still live (not
 * cleared, or a timeout not yet fired). Deno 2.9's test sanitizer does not
 * report a leaked `setInterval`, so the shutdown tests check timers with this.
 */
export function trackTimers(): { live(): number; created(): number; restore(): void } {
  const original = {
    setTimeout: globalThis.setTimeout,
    setInterval: globalThis.setInterval,
    clearTimeout: globalThis.clearTimeout,
    clearInterval: globalThis.clearInterval,
  };
  const live = new Set<unknown>();
  let created = 0;
  const g = globalThis as unknown as Record<string, unknown>;
  g.setTimeout = (callback: () => void, delay?: number) => {
    const id = original.setTimeout(() => {
      live.delete(id);
      callback();
    }, delay);
    live.add(id);
    created++;
    return id;
  };
  g.setInterval = (callback: () => void, delay?: number) => {
    const id = original.setInterval(callback, delay);
    live.add(id);
    created++;
    return id;
  };
  g.clearTimeout = (id?: unknown) => {
    live.delete(id);
    original.clearTimeout(id as Parameters<typeof clearTimeout>[0]);
  };
  g.clearInterval = (id?: unknown) => {
    live.delete(id);
    original.clearInterval(id as Parameters<typeof clearInterval>[0]);
  };
  return {
    live: () => live.size,
    created: () => created,
    restore: () => Object.assign(globalThis, original),
  };
}

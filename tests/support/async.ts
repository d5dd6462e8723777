/**
 * Waiting in tests: a sleep, a condition poll with a deadline (so that a loaded machine delays a
 * test instead of failing it), and a background reader that collects a stream.
 *
 * @module
 */

/** Resolves after `ms` milliseconds (`sleep(0)` lets pending macrotasks run first). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every `every` ms until it holds; throws with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => boolean,
  timeoutMs = 10_000,
  every = 20,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(every);
  }
}

/** Everything read from a stream so far; `done` settles when the stream ends. */
export interface Collected<X> {
  /** The items read so far, in order. */
  readonly items: X[];
  /** Settles when the stream ends (rejects if reading it fails). */
  readonly done: Promise<void>;
}

/** Reads `stream` to its end in the background. */
export function collect<X>(stream: ReadableStream<X>): Collected<X> {
  const items: X[] = [];
  const done = (async () => {
    for await (const item of stream) items.push(item);
  })();
  return { items, done };
}

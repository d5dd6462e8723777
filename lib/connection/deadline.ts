/**
 * A time limit and a cancellation signal around a handshake step. When either fires, the step's
 * socket is closed, which ends its pending read or write; the step then fails with `timeout` or
 * `canceled` instead of the `connection_closed` the closing caused. The timer and the abort
 * listener are always removed, so nothing outlives the step.
 *
 * @module
 */

import { P2pError } from "./errors.ts";

/** Limits of {@link withDeadline}. */
export interface DeadlineOptions {
  /** Time limit in milliseconds; none when omitted. */
  readonly timeoutMs?: number;
  /** Cancels the step when aborted. */
  readonly signal?: AbortSignal;
  /** What the limit applies to, for the error message. */
  readonly what: string;
  /** Called once when the limit expires or the signal aborts: close the socket here. */
  readonly onExpire: () => void;
}

/**
 * Runs `work` under a time limit and a cancellation signal.
 *
 * @param work The step; it must end soon after `onExpire` runs.
 * @param options The limits.
 * @returns What `work` returns.
 * @throws {P2pError} `timeout` or `canceled` when a limit fired; otherwise whatever `work` throws.
 * @throws {RangeError} When `timeoutMs` is negative or not a number.
 */
export async function withDeadline<T>(
  work: () => Promise<T>,
  options: DeadlineOptions,
): Promise<T> {
  const { timeoutMs, signal, what, onExpire } = options;
  if (timeoutMs !== undefined && !(timeoutMs >= 0)) {
    throw new RangeError(`timeoutMs must be a non-negative number, got ${timeoutMs}`);
  }
  let failure: P2pError | undefined;
  const expire = (error: P2pError) => {
    if (failure !== undefined) return;
    failure = error;
    onExpire();
  };
  const canceled = () =>
    new P2pError("canceled", `${what} canceled`, {}, { cause: signal?.reason });
  if (signal?.aborted) {
    expire(canceled());
    throw failure;
  }
  const onAbort = () => expire(canceled());
  signal?.addEventListener("abort", onAbort, { once: true });
  const timer = timeoutMs === undefined ? undefined : setTimeout(
    () => expire(new P2pError("timeout", `${what} timed out after ${timeoutMs} ms`, { timeoutMs })),
    timeoutMs,
  );
  try {
    const result = await work();
    if (failure !== undefined) throw failure;
    return result;
  } catch (e) {
    throw failure ?? e;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Multi-core proof-of-work search: one Web Worker per core, each starting from its own random
 * stamp, cancellable with an `AbortSignal`, reporting progress.
 *
 * @module
 */

import { powHasherKind } from "./backend.ts";
import { CryptoError } from "./errors.ts";
import { POW_STAMP_LENGTH, powTargetWords } from "./pow_hash.ts";
import type { PowJob, PowWorkerMessage } from "./pow_worker.ts";
import { expectedPowAttempts } from "./proof_of_work.ts";

/** A progress report of {@link generateProofOfWork}. */
export interface PowProgress {
  /** Stamps tried so far, over all workers. */
  readonly attempts: number;
  /** Milliseconds since the search started. */
  readonly elapsedMs: number;
  /** Attempts per second over all workers, measured since the previous report. */
  readonly hashesPerSecond: number;
  /** Mean attempts a search needs for this target (2^256 / (target + 1)). */
  readonly expectedAttempts: number;
  /**
   * Mean time left, in milliseconds. The search is memoryless (every attempt succeeds with the same
   * probability), so this is `expectedAttempts / hashesPerSecond` whatever was already tried.
   */
  readonly expectedMsLeft: number;
  /** Workers searching. */
  readonly workers: number;
}

/** Options of {@link generateProofOfWork}. */
export interface ProofOfWorkOptions {
  /** Cancels the search: the promise rejects with a `CryptoError` of kind `aborted`. */
  readonly signal?: AbortSignal;
  /** Number of workers (default: `navigator.hardwareConcurrency`, at least 1). */
  readonly workers?: number;
  /** Called with progress at most once per `progressIntervalMs`. */
  readonly onProgress?: (progress: PowProgress) => void;
  /** Minimum milliseconds between two `onProgress` calls (default 1000). */
  readonly progressIntervalMs?: number;
}

/**
 * Searches a proof-of-work stamp for `publicKey` on all cores. Every worker is terminated when the
 * promise settles (found, aborted or failed).
 *
 * @param publicKey 32-byte public key.
 * @param target The target, from {@link makePowTarget} (difficulty 26 needs 2^26 attempts on
 * average).
 * @param options Cancellation, worker count, progress callback.
 * @returns A 24-byte stamp meeting the target.
 * @throws {CryptoError} `aborted` when `signal` fires (`cause` is the signal's reason),
 * `worker_failed` when a worker cannot start or throws.
 * @throws {RangeError} On a wrong key length, worker count or target (as a rejection, like the
 * other errors).
 */
export async function generateProofOfWork(
  publicKey: Uint8Array,
  target: bigint,
  options: ProofOfWorkOptions = {},
): Promise<Uint8Array> {
  if (publicKey.length !== 32) {
    throw new RangeError(`public key must be 32 bytes, got ${publicKey.length}`);
  }
  const targetWords = powTargetWords(target);
  const workerCount = options.workers ?? Math.max(1, navigator.hardwareConcurrency || 1);
  if (!Number.isInteger(workerCount) || workerCount < 1) {
    throw new RangeError(`worker count must be a positive integer, got ${workerCount}`);
  }
  const { signal, onProgress } = options;
  const progressIntervalMs = options.progressIntervalMs ?? 1000;
  if (signal?.aborted) throw abortError(signal);

  return await new Promise<Uint8Array>((resolve, reject) => {
    const workers: Worker[] = [];
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const started = performance.now();
    const expectedAttempts = expectedPowAttempts(target);
    let attempts = 0;
    let lastProgress = started;
    let attemptsAtLastProgress = 0;
    let settled = false;

    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      Atomics.store(stop, 0, 1); // see pow_worker.ts: terminate() alone leaves busy workers running
      for (const worker of workers) worker.terminate();
      signal?.removeEventListener("abort", onAbort);
      outcome();
    };
    const onAbort = () => finish(() => reject(abortError(signal!)));
    signal?.addEventListener("abort", onAbort, { once: true });

    const report = () => {
      const now = performance.now();
      if (onProgress === undefined || now - lastProgress < progressIntervalMs) return;
      const hashesPerSecond = ((attempts - attemptsAtLastProgress) * 1000) / (now - lastProgress);
      lastProgress = now;
      attemptsAtLastProgress = attempts;
      onProgress({
        attempts,
        elapsedMs: now - started,
        hashesPerSecond,
        expectedAttempts,
        expectedMsLeft: hashesPerSecond > 0
          ? (expectedAttempts * 1000) / hashesPerSecond
          : Infinity,
        workers: workerCount,
      });
    };

    try {
      for (let i = 0; i < workerCount; i++) {
        const worker = new Worker(new URL("./pow_worker.ts", import.meta.url), { type: "module" });
        workers.push(worker);
        worker.onmessage = (event: MessageEvent<PowWorkerMessage>) => {
          if (settled) return;
          const message = event.data;
          attempts += message.attempts;
          if (message.type === "found") {
            finish(() => resolve(message.stamp));
          } else {
            try {
              report();
            } catch (error) {
              finish(() => reject(error));
            }
          }
        };
        worker.onerror = (event: ErrorEvent) => {
          event.preventDefault();
          finish(() =>
            reject(
              new CryptoError(
                "worker_failed",
                `proof-of-work worker failed: ${event.message}`,
                {},
                {
                  cause: event.error,
                },
              ),
            )
          );
        };
        worker.onmessageerror = () => {
          finish(() =>
            reject(
              new CryptoError("worker_failed", "proof-of-work worker sent an unreadable message"),
            )
          );
        };
        const job: PowJob = {
          publicKey: publicKey.slice(),
          targetWords,
          startStamp: crypto.getRandomValues(new Uint8Array(POW_STAMP_LENGTH)),
          reportIntervalMs: Math.min(250, progressIntervalMs),
          stop,
          hasher: powHasherKind(),
        };
        worker.postMessage(job);
      }
    } catch (error) {
      finish(() =>
        reject(
          new CryptoError("worker_failed", `cannot start a proof-of-work worker: ${error}`, {}, {
            cause: error,
          }),
        )
      );
    }
  });
}

function abortError(signal: AbortSignal): CryptoError {
  return new CryptoError("aborted", "proof-of-work search aborted", {}, { cause: signal.reason });
}

/**
 * Web Worker entry of the multi-core proof-of-work search (`pow_pool.ts`). Receives one
 * {@link PowJob}, searches until found, and reports progress; the pool terminates it. The search
 * hashes with the job's {@link PowJob.hasher}: `PowHasher` (pure JavaScript, loads nothing else) or
 * `WasmPowHasher` (imported on demand, with WebAssembly libsodium).
 *
 * @module
 */

import { PowHasher } from "./pow_hash.ts";
import type { PowHasherKind, PowSearcher } from "./backend.ts";

/** The job a pool sends to each worker. */
export interface PowJob {
  /** 32-byte public key. */
  readonly publicKey: Uint8Array;
  /** Target limbs (little-endian 32-bit words). */
  readonly targetWords: Uint32Array;
  /** Where this worker starts; each worker gets a different random stamp. */
  readonly startStamp: Uint8Array;
  /** Report attempts at least this often, in milliseconds. */
  readonly reportIntervalMs: number;
  /** One int32 the pool sets to 1 to stop the search (read between slices of attempts). */
  readonly stop: Int32Array;
  /** The hasher to search with (the pool's `powHasherKind()`). */
  readonly hasher: PowHasherKind;
}

/** What a worker posts back: attempts since its previous message, and the stamp when found. */
export type PowWorkerMessage =
  | { readonly type: "progress"; readonly attempts: number }
  | { readonly type: "found"; readonly attempts: number; readonly stamp: Uint8Array };

// About 3 ms of hashing between clock reads and stop-flag checks.
const SLICE = 4096;

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<PowJob>) => void) | null;
  postMessage(message: PowWorkerMessage): void;
  close(): void;
};

// Why a shared stop flag: `Worker.terminate()` does not interrupt a worker spinning in this
// synchronous loop (Deno 2.9.6: the thread kept one core busy until the process exited), and the
// loop never returns to the event loop to receive a message. The flag stops it within one slice.

scope.onmessage = async (event) => {
  scope.onmessage = null;
  const job = event.data;
  const hasher: PowSearcher = job.hasher === "wasm"
    ? new (await import("./pow_wasm.ts")).WasmPowHasher(job.publicKey, job.startStamp)
    : new PowHasher(job.publicKey, job.startStamp);
  let reported = 0;
  let lastReport = performance.now();
  for (;;) {
    if (Atomics.load(job.stop, 0) !== 0) {
      scope.close();
      return;
    }
    if (hasher.search(job.targetWords, SLICE)) {
      scope.postMessage({
        type: "found",
        attempts: hasher.attempts - reported,
        stamp: hasher.stamp,
      });
      return;
    }
    const now = performance.now();
    if (now - lastReport >= job.reportIntervalMs) {
      scope.postMessage({ type: "progress", attempts: hasher.attempts - reported });
      reported = hasher.attempts;
      lastReport = now;
    }
  }
};

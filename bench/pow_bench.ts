// Proof-of-work hashing: attempts per second on one core, the searches tzp2p has (the specialised
// JavaScript BLAKE2b `PowHasher`, and `WasmPowHasher` on WebAssembly libsodium called raw) against
// baselines doing the same attempt (hash pk ‖ stamp, compare with the target, next stamp): the
// issue 12 yardstick blake2b-wasm, libsodium-wrappers, noble, and native libsodium through
// sodium-native (skipped without --allow-ffi); then the sustained hash rate of the all-core worker
// pool (which searches with the hasher of the crypto backend in use).
//
//   deno bench --allow-read --allow-env --allow-ffi bench/pow_bench.ts
//
// Each single-core iteration makes ATTEMPTS attempts, so attempts/s = ATTEMPTS / (time per iter).

import { blake2b } from "@noble/hashes/blake2.js";
import blake2bWasm from "blake2b-wasm";
import sodium from "libsodium-wrappers";
import { cryptoBackendName } from "../lib/crypto/backend.ts";
import { PowHasher, powTargetWords } from "../lib/crypto/pow_hash.ts";
import { WasmPowHasher } from "../lib/crypto/pow_wasm.ts";
import { generateProofOfWork, type PowProgress } from "../lib/crypto/pow_pool.ts";
import { makePowTarget } from "../lib/crypto/pow_target.ts";

await sodium.ready;
await new Promise<void>((resolve, reject) =>
  blake2bWasm.ready((error?: Error) => error ? reject(error) : resolve())
);
const nativeAllowed = Deno.permissions.querySync({ name: "ffi" }).state === "granted";
const native = nativeAllowed
  ? (await import("sodium-native")).default as {
    crypto_generichash(out: Uint8Array, input: Uint8Array): void;
  }
  : undefined;

const ATTEMPTS = 16384;
const publicKey = crypto.getRandomValues(new Uint8Array(32));
// Difficulty 64: never met during a benchmark, so every attempt does the full work.
const target = makePowTarget(64);
const targetWords = powTargetWords(target);

function nextStamp(stamp: Uint8Array): void {
  for (let i = 23; i >= 0; i--) {
    stamp[i] = (stamp[i] + 1) & 0xff;
    if (stamp[i] !== 0) return;
  }
}

// The hash read little-endian is ≤ 2^192 - 1 iff its last 8 bytes are zero.
function meetsDifficulty64(hash: Uint8Array): boolean {
  for (let i = 24; i < 32; i++) if (hash[i] !== 0) return false;
  return true;
}

let sink = 0;

const hasher = new PowHasher(publicKey, crypto.getRandomValues(new Uint8Array(24)));
Deno.bench({
  name: `tzp2p PowHasher.search (${ATTEMPTS} attempts)`,
  group: "pow attempts, one core",
  fn() {
    if (hasher.search(targetWords, ATTEMPTS)) sink++;
  },
});

const wasmHasher = new WasmPowHasher(publicKey, crypto.getRandomValues(new Uint8Array(24)));
Deno.bench({
  name: `tzp2p WasmPowHasher.search (${ATTEMPTS} attempts)`,
  group: "pow attempts, one core",
  fn() {
    if (wasmHasher.search(targetWords, ATTEMPTS)) sink++;
  },
});

// blake2b-wasm as the issue measured it: one hasher object per attempt, digest into a reused array.
const b2Stamp = crypto.getRandomValues(new Uint8Array(24));
const b2Input = new Uint8Array(56);
b2Input.set(publicKey);
const b2Out = new Uint8Array(32);
Deno.bench({
  name: `blake2b-wasm (${ATTEMPTS} attempts)`,
  group: "pow attempts, one core",
  baseline: true,
  fn() {
    for (let n = 0; n < ATTEMPTS; n++) {
      b2Input.set(b2Stamp, 32);
      blake2bWasm(32).update(b2Input).digest(b2Out);
      if (meetsDifficulty64(b2Out)) sink++;
      nextStamp(b2Stamp);
    }
  },
});

const nativeStamp = crypto.getRandomValues(new Uint8Array(24));
const nativeInput = new Uint8Array(56);
nativeInput.set(publicKey);
const nativeOut = new Uint8Array(32);
Deno.bench({
  name: `sodium-native crypto_generichash (${ATTEMPTS} attempts)`,
  group: "pow attempts, one core",
  ignore: native === undefined,
  fn() {
    for (let n = 0; n < ATTEMPTS; n++) {
      nativeInput.set(nativeStamp, 32);
      native!.crypto_generichash(nativeOut, nativeInput);
      if (meetsDifficulty64(nativeOut)) sink++;
      nextStamp(nativeStamp);
    }
  },
});

const sodiumStamp = crypto.getRandomValues(new Uint8Array(24));
const sodiumInput = new Uint8Array(56);
sodiumInput.set(publicKey);
Deno.bench({
  name: `libsodium-wrappers crypto_generichash (${ATTEMPTS} attempts)`,
  group: "pow attempts, one core",
  fn() {
    for (let n = 0; n < ATTEMPTS; n++) {
      sodiumInput.set(sodiumStamp, 32); // one reused input buffer: the baseline at its best
      if (meetsDifficulty64(sodium.crypto_generichash(32, sodiumInput, null))) sink++;
      nextStamp(sodiumStamp);
    }
  },
});

const nobleStamp = crypto.getRandomValues(new Uint8Array(24));
Deno.bench({
  name: `noble blake2b(concat(pk, stamp)) naive (${ATTEMPTS} attempts)`,
  group: "pow attempts, one core",
  fn() {
    for (let n = 0; n < ATTEMPTS; n++) {
      const input = new Uint8Array(56);
      input.set(publicKey);
      input.set(nobleStamp, 32);
      if (meetsDifficulty64(blake2b(input, { dkLen: 32 }))) sink++;
      nextStamp(nobleStamp);
    }
  },
});

// Sustained rate of the worker pool: search an unreachable target for RUN_MS, then read the rate
// of the last progress report (which excludes worker start-up and JIT warm-up).
const RUN_MS = 4000;
const WORKERS = navigator.hardwareConcurrency || 2;
Deno.bench({
  name: `generateProofOfWork pool, ${WORKERS} workers, ${RUN_MS} ms of search`,
  group: "pow pool, sustained rate",
  n: 3,
  warmup: 0,
  async fn() {
    const controller = new AbortController();
    const reports: PowProgress[] = [];
    const search = generateProofOfWork(publicKey, makePowTarget(128), {
      workers: WORKERS,
      signal: controller.signal,
      progressIntervalMs: 500,
      onProgress: (progress) => reports.push(progress),
    });
    const timer = setTimeout(() => controller.abort(), RUN_MS);
    await search.catch(() => {});
    clearTimeout(timer);
    const steady = reports.slice(1); // the first interval includes start-up
    const rate = steady.reduce((sum, r) => sum + r.hashesPerSecond, 0) / steady.length;
    console.log(
      `pool (${cryptoBackendName()} backend): ${WORKERS} workers, steady ${
        (rate / 1e6).toFixed(3)
      } M attempts/s ` +
        `(${(rate / WORKERS / 1e6).toFixed(3)} M/s per worker); ` +
        `expected difficulty-26 time = 2^26 / rate = ${(2 ** 26 / rate).toFixed(1)} s`,
    );
  },
});

Deno.bench({
  name: `generateProofOfWork difficulty 16, ${WORKERS} workers (start-up + search)`,
  group: "pow pool, difficulty 16",
  n: 20,
  warmup: 2,
  async fn() {
    await generateProofOfWork(publicKey, makePowTarget(16), { workers: WORKERS });
  },
});

addEventListener("unload", () => {
  if (sink < 0) console.log(sink); // keeps the hash results observable
});

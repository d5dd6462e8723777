// Proof-of-work hashing: attempts per second on one core, the specialised BLAKE2b against two
// baselines doing the same attempt (hash pk ‖ stamp, compare with the target, next stamp), and the
// sustained hash rate of the all-core worker pool.
//
//   deno bench --allow-read --allow-env bench/pow_bench.ts
//
// Each single-core iteration makes ATTEMPTS attempts, so attempts/s = ATTEMPTS / (time per iter).

import { blake2b } from "@noble/hashes/blake2.js";
import sodium from "libsodium-wrappers";
import { PowHasher, powTargetWords } from "../lib/crypto/pow_hash.ts";
import { generateProofOfWork, type PowProgress } from "../lib/crypto/pow_pool.ts";
import { makePowTarget } from "../lib/crypto/pow_target.ts";

await sodium.ready;

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

const sodiumStamp = crypto.getRandomValues(new Uint8Array(24));
const sodiumInput = new Uint8Array(56);
sodiumInput.set(publicKey);
Deno.bench({
  name: `libsodium-wrappers crypto_generichash (${ATTEMPTS} attempts)`,
  group: "pow attempts, one core",
  baseline: true,
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
      `pool: ${WORKERS} workers, steady ${(rate / 1e6).toFixed(3)} M attempts/s ` +
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

/**
 * Proof-of-work check (spec §3.4) and the single-thread stamp search (spec §3.6). The multi-worker
 * search is {@link generateProofOfWork} in `pow_pool.ts`.
 *
 * @module
 */

import { createPowSearcher, cryptoBackend } from "./backend.ts";
import { CryptoError } from "./errors.ts";
import { POW_STAMP_LENGTH, PowHasher, powTargetWords } from "./pow_hash.ts";

/**
 * The integer a PoW hash stands for: its 32 bytes read little-endian (OCaml `Z.of_bits`), so
 * `hash[0]` is the least significant byte.
 *
 * @param hash The 32-byte H256(public key ‖ stamp).
 * @returns The hash as a non-negative integer.
 */
export function powHashValue(hash: Uint8Array): bigint {
  let value = 0n;
  for (let i = hash.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(hash[i]);
  return value;
}

/**
 * Whether `stamp` is a proof of work for `publicKey` at `target` (Octez
 * `Crypto_box.check_proof_of_work`): H256(public key ‖ stamp), read little-endian, is ≤ target.
 *
 * @param publicKey 32-byte public key.
 * @param stamp 24-byte proof-of-work stamp.
 * @param target The target, from {@link makePowTarget}.
 * @returns `true` when the stamp reaches the target.
 * @throws {RangeError} On a wrong key or stamp length.
 */
export function checkProofOfWork(
  publicKey: Uint8Array,
  stamp: Uint8Array,
  target: bigint,
): boolean {
  if (publicKey.length !== 32) {
    throw new RangeError(`public key must be 32 bytes, got ${publicKey.length}`);
  }
  if (stamp.length !== POW_STAMP_LENGTH) {
    throw new RangeError(`PoW stamp must be ${POW_STAMP_LENGTH} bytes, got ${stamp.length}`);
  }
  const input = new Uint8Array(32 + POW_STAMP_LENGTH);
  input.set(publicKey, 0);
  input.set(stamp, 32);
  const hash = new Uint8Array(32);
  cryptoBackend().blake2b256(hash, input);
  return powHashValue(hash) <= target;
}

/**
 * The mean number of attempts a search needs for `target`: 2^256 / (target + 1) (each attempt
 * succeeds with probability (target + 1) / 2^256).
 *
 * @param target The target, from {@link makePowTarget}.
 * @returns The expected number of attempts (2^26 ≈ 67 million for difficulty 26).
 */
export function expectedPowAttempts(target: bigint): number {
  return 2 ** 256 / (Number(target) + 1);
}

/** Options of {@link generateProofOfWorkSync}. */
export interface ProofOfWorkSyncOptions {
  /** The first stamp to try; 24 random bytes when omitted. */
  readonly startStamp?: Uint8Array;
  /** Give up after this many attempts (default: never). */
  readonly maxAttempts?: number;
}

/**
 * Searches a proof-of-work stamp on the calling thread: from the start stamp, increment it as a
 * 192-bit big-endian integer until {@link checkProofOfWork} holds. For small targets and tests; use
 * {@link generateProofOfWork} (all cores, cancellable) for real difficulties.
 *
 * @param publicKey 32-byte public key.
 * @param target The target, from {@link makePowTarget}.
 * @param options Start stamp and attempt budget.
 * @returns A 24-byte stamp meeting the target.
 * @throws {CryptoError} `insufficient_pow` when `maxAttempts` stamps were tried without success.
 * @throws {RangeError} On a wrong key or stamp length, or a negative target.
 */
export function generateProofOfWorkSync(
  publicKey: Uint8Array,
  target: bigint,
  options: ProofOfWorkSyncOptions = {},
): Uint8Array {
  const start = options.startStamp ?? crypto.getRandomValues(new Uint8Array(POW_STAMP_LENGTH));
  const words = powTargetWords(target);
  const maxAttempts = options.maxAttempts ?? Infinity;
  const hasher = createPowSearcher(publicKey, start, PowHasher);
  try {
    // Bounded slices keep the attempt counter a small integer and the loop monomorphic.
    while (hasher.attempts < maxAttempts) {
      if (hasher.search(words, Math.min(1 << 20, maxAttempts - hasher.attempts))) {
        return hasher.stamp;
      }
    }
  } finally {
    hasher.free?.();
  }
  throw new CryptoError(
    "insufficient_pow",
    `no proof-of-work stamp found in ${maxAttempts} attempts`,
    { actual: maxAttempts },
  );
}

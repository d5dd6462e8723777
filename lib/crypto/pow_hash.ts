/**
 * BLAKE2b-256 specialised for the proof-of-work input `public_key(32) ‖ stamp(24)`, and the stamp
 * search loop built on it. Dependency-free so that `pow_worker.ts` loads nothing else.
 *
 * Why a specialised hash: the PoW input is 56 bytes, exactly one BLAKE2b block (padded with zeros to
 * 128 bytes, counter 56, final flag), so a search attempt is one compression function call. A
 * general hash (`blake2b(concat(pk, stamp), { dkLen: 32 })` from noble) spends most of its time on
 * allocation, padding and parameter handling: about 0.2 M attempts/s here, against about 1.6 M/s
 * for this file (libsodium-wrappers' WebAssembly `crypto_generichash`: about 1.55 M/s; see
 * `bench/pow_bench.ts` and BENCHMARKS.md).
 *
 * Layout of the compression state: the sixteen 64-bit words v0..v15 are held as 32 local int32
 * variables `v<i>l`/`v<i>h` (low and high halves); 64-bit additions propagate the carry with an
 * unsigned comparison (`+((sum >>> 0) < (addend >>> 0))`), which V8 compiles branch-free.
 * Measured alternatives (2 cores, Deno 2.9.6, same machine, attempts/s; all before the last-round
 * early exit described on `#compress` and a search loop without per-attempt field updates, which
 * together took the round loop below from 1.30 to about 1.6 M/s):
 * - carry through a float division `((a >>> 0) + (b >>> 0)) / 2^32 | 0` (noble's way): 1.03 M/s;
 * - carry by the bit formula `((a & b) | ((a | b) & ~sum)) >>> 31`: 0.90 M/s;
 * - carry by a ternary `cond ? 1 : 0` (compiled to an unpredictable branch): 0.51 M/s;
 * - all 12 rounds unrolled with the zero message words elided: 1.37 M/s against 1.30 M/s for the
 *   round loop below, for 2,600 lines instead of 250 — rejected.
 *
 * Work saved per attempt: the search increments the stamp as a big-endian integer, so only its last
 * 8 bytes (message word 6) change between attempts (the rest changes once every 2^64 attempts).
 * Round 0's first three column steps G0..G2 read message words 0..5 only; their result is computed
 * once per public key (and on the rare carry into word 5) and reused, leaving 93 of the 96 G calls.
 * The message words permuted by each round's SIGMA row are kept in a 384-entry table, updated
 * (12 writes per changed word) when the stamp changes, so the rounds read their words in order.
 *
 * @module
 */

/** Bytes of the PoW input: public key ‖ stamp. */
const INPUT_LENGTH = 56;
/** Bytes of a proof-of-work stamp. */
export const POW_STAMP_LENGTH = 24;

// BLAKE2b IV as (low, high) int32 pairs.
const IV = new Int32Array([
  0xf3bcc908,
  0x6a09e667,
  0x84caa73b,
  0xbb67ae85,
  0xfe94f82b,
  0x3c6ef372,
  0x5f1d36f1,
  0xa54ff53a,
  0xade682d1,
  0x510e527f,
  0x2b3e6c1f,
  0x9b05688c,
  0xfb41bd6b,
  0x1f83d9ab,
  0x137e2179,
  0x5be0cd19,
]);
// Parameter block word 0 for an unkeyed 32-byte digest: fanout 1, depth 1, key 0, digest 32.
const PARAM0 = 0x01010020;

// Rows 10 and 11 repeat rows 0 and 1.
const SIGMA: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
];
const ROUNDS = 12;
// SLOTS[16 q + r]: index in the permuted table of the low half of message word q in round r.
const SLOTS: Uint16Array = (() => {
  const slots = new Uint16Array(16 * ROUNDS);
  for (let q = 0; q < 16; q++) {
    for (let r = 0; r < ROUNDS; r++) slots[16 * q + r] = 32 * r + 2 * SIGMA[r].indexOf(q);
  }
  return slots;
})();
// High half of message word 6 holds the last 4 stamp bytes, the ones most attempts change.
const LAST_WORD = 13;
const LAST_SLOTS = 16 * 6;

/**
 * A PoW target as eight little-endian 32-bit limbs (limb 7 most significant), the form the search
 * loop compares against. Build one with {@link powTargetWords}.
 */
export type PowTargetWords = Uint32Array;

/**
 * The limbs of a 256-bit target, for {@link PowHasher.search}. A target of 2^256 or more (Octez's
 * formula gives one for difficulties below 2^-48) accepts every hash, like 2^256 - 1.
 *
 * @param target A non-negative integer.
 * @returns Eight little-endian 32-bit limbs.
 * @throws {RangeError} When `target` is negative.
 */
export function powTargetWords(target: bigint): PowTargetWords {
  if (target < 0n) throw new RangeError("PoW target must not be negative");
  if (target >> 256n !== 0n) target = (1n << 256n) - 1n;
  const words = new Uint32Array(8);
  for (let i = 0; i < 8; i++) words[i] = Number((target >> BigInt(32 * i)) & 0xffffffffn);
  return words;
}

// One G mixing step on a state array; used only for the once-per-key precomputation.
function mixSlow(
  v: Int32Array,
  a: number,
  b: number,
  c: number,
  d: number,
  m: Int32Array,
  x: number,
  y: number,
): void {
  const add = (i: number, j: number, k: number) => {
    const lo = (v[2 * i] >>> 0) + (v[2 * j] >>> 0) + (k < 0 ? 0 : m[2 * k] >>> 0);
    v[2 * i + 1] = (v[2 * i + 1] + v[2 * j + 1] + (k < 0 ? 0 : m[2 * k + 1]) +
      Math.floor(lo / 4294967296)) | 0;
    v[2 * i] = lo | 0;
  };
  const xorRotr = (i: number, j: number, n: number) => {
    const lo = v[2 * i] ^ v[2 * j];
    const hi = v[2 * i + 1] ^ v[2 * j + 1];
    if (n === 32) {
      v[2 * i] = hi;
      v[2 * i + 1] = lo;
    } else if (n < 32) {
      v[2 * i] = (lo >>> n) | (hi << (32 - n));
      v[2 * i + 1] = (hi >>> n) | (lo << (32 - n));
    } else { // 63: rotate left by 1
      v[2 * i] = (lo << 1) | (hi >>> 31);
      v[2 * i + 1] = (hi << 1) | (lo >>> 31);
    }
  };
  add(a, b, x);
  xorRotr(d, a, 32);
  add(c, d, -1);
  xorRotr(b, c, 24);
  add(a, b, y);
  xorRotr(d, a, 16);
  add(c, d, -1);
  xorRotr(b, c, 63);
}

/**
 * Computes H256(public key ‖ stamp) for successive stamps without allocating, and searches for a
 * stamp whose hash, read as a little-endian integer, is at most a target (Octez
 * `Crypto_box.check_proof_of_work` / `generate_proof_of_work`).
 *
 * ```ts
 * import { PowHasher, powTargetWords } from "./pow_hash.ts";
 * const hasher = new PowHasher(new Uint8Array(32), new Uint8Array(24));
 * const found = hasher.search(powTargetWords(2n ** 250n), 1_000_000);
 * console.log(found, hasher.stamp, hasher.attempts);
 * ```
 */
export class PowHasher {
  /** Message words 0..15 as (low, high) pairs; only words 0..6 (56 bytes) are ever non-zero. */
  readonly #message = new Int32Array(32);
  /** `#permuted[32 r + 2 k + half] = #message[2 SIGMA[r][k] + half]`. */
  readonly #permuted = new Int32Array(32 * ROUNDS);
  /** The state after round 0's G0..G2, which read message words 0..5 only. */
  readonly #columns = new Int32Array(32);
  readonly #stamp = new Uint8Array(POW_STAMP_LENGTH);
  /** The last hash, as eight little-endian 32-bit words. */
  readonly #hash = new Int32Array(8);
  #attempts = 0;

  /**
   * Prepares the hash of `publicKey ‖ stamp`.
   *
   * @param publicKey The 32-byte public key the stamp is for.
   * @param stamp The first stamp to try (24 bytes); all zeros when omitted.
   * @throws {RangeError} On a wrong key or stamp length.
   */
  constructor(publicKey: Uint8Array, stamp: Uint8Array = new Uint8Array(POW_STAMP_LENGTH)) {
    if (publicKey.length !== 32) {
      throw new RangeError(`public key must be 32 bytes, got ${publicKey.length}`);
    }
    for (let w = 0; w < 8; w++) {
      const j = 4 * w;
      this.#setWord(
        w,
        publicKey[j] | (publicKey[j + 1] << 8) | (publicKey[j + 2] << 16) |
          (publicKey[j + 3] << 24),
      );
    }
    this.setStamp(stamp);
  }

  /** The current stamp (a copy): after a successful {@link search}, the solution. */
  get stamp(): Uint8Array {
    return this.#stamp.slice();
  }

  /** Stamps tried by {@link search} so far. */
  get attempts(): number {
    return this.#attempts;
  }

  /**
   * Replaces the current stamp.
   *
   * @param stamp 24 bytes.
   * @throws {RangeError} When `stamp` is not 24 bytes.
   */
  setStamp(stamp: Uint8Array): void {
    if (stamp.length !== POW_STAMP_LENGTH) {
      throw new RangeError(`PoW stamp must be ${POW_STAMP_LENGTH} bytes, got ${stamp.length}`);
    }
    this.#stamp.set(stamp);
    for (let w = 8; w < 14; w++) this.#setStampWord(w);
    this.#precomputeColumns();
  }

  /**
   * H256(public key ‖ current stamp).
   *
   * @returns A fresh 32-byte digest.
   */
  digest(): Uint8Array {
    this.#compress(0xffffffff);
    const out = new Uint8Array(32);
    for (let i = 0; i < 32; i++) out[i] = this.#hash[i >> 2] >>> (8 * (i & 3));
    return out;
  }

  /**
   * Tries the current stamp, then its successors (the stamp incremented as a 192-bit big-endian
   * integer, spec §3.6), until one meets `target` or `maxAttempts` stamps were tried.
   *
   * @param target Limbs of the target, from {@link powTargetWords}.
   * @param maxAttempts How many stamps to try at most.
   * @returns `true` when the current {@link stamp} now meets the target; `false` when the budget
   * ran out (the current stamp is then the next one to try).
   */
  search(target: PowTargetWords, maxAttempts: number): boolean {
    const topLimb = target[7];
    let n = 0;
    while (n < maxAttempts) {
      n++;
      if (this.#compress(topLimb) && this.#meets(target)) {
        this.#attempts += n;
        return true;
      }
      this.#increment();
    }
    this.#attempts += n;
    return false;
  }

  #meets(target: PowTargetWords): boolean {
    for (let i = 7; i >= 0; i--) {
      const h = this.#hash[i] >>> 0;
      if (h !== target[i]) return h < target[i];
    }
    return true;
  }

  #increment(): void {
    const stamp = this.#stamp;
    let k = POW_STAMP_LENGTH - 1;
    if (stamp[k] !== 0xff) {
      // Fast path, 255 times in 256: the last stamp byte is the top byte of message half-word 13.
      stamp[k]++;
      const value = (this.#message[LAST_WORD] + 0x1000000) | 0;
      this.#message[LAST_WORD] = value;
      const permuted = this.#permuted;
      for (let r = 0; r < ROUNDS; r++) permuted[SLOTS[LAST_SLOTS + r] + 1] = value;
      return;
    }
    for (;;) {
      const b = (stamp[k] + 1) & 0xff;
      stamp[k] = b;
      if (b !== 0 || k === 0) break;
      k--;
    }
    for (let w = 8 + (k >> 2); w < 14; w++) this.#setStampWord(w);
    if (k < 16) this.#precomputeColumns(); // the carry reached message words 4 or 5
  }

  // Stamp byte j is input byte 32 + j, in little-endian message half-word 8 + (j >> 2).
  #setStampWord(w: number): void {
    const s = this.#stamp;
    const j = 4 * (w - 8);
    this.#setWord(w, s[j] | (s[j + 1] << 8) | (s[j + 2] << 16) | (s[j + 3] << 24));
  }

  #setWord(w: number, value: number): void {
    this.#message[w] = value;
    const base = 16 * (w >> 1);
    const half = w & 1;
    for (let r = 0; r < ROUNDS; r++) this.#permuted[SLOTS[base + r] + half] = value;
  }

  #precomputeColumns(): void {
    const v = this.#columns;
    v.set(IV.subarray(0, 16), 0);
    v[0] ^= PARAM0;
    v.set(IV, 16);
    v[24] ^= INPUT_LENGTH; // v12 ^= byte counter
    v[28] = ~v[28]; // v14 = ~v14: last block
    v[29] = ~v[29];
    const m = this.#message;
    mixSlow(v, 0, 4, 8, 12, m, 0, 1);
    mixSlow(v, 1, 5, 9, 13, m, 2, 3);
    mixSlow(v, 2, 6, 10, 14, m, 4, 5);
  }

  /**
   * One BLAKE2b-256 compression of the current input, from the precomputed columns. Returns `false`
   * (leaving `#hash` stale) as soon as the most significant 32-bit limb of the hash, read
   * little-endian, is known to exceed `topLimb`; otherwise writes `#hash` and returns `true`.
   * Skipping G4 and G6 of the last round that way saves 2 of the 93 G calls per failed attempt.
   */
  #compress(topLimb: number): boolean {
    const c = this.#columns;
    const mp = this.#permuted;
    let v0l = c[0], v0h = c[1], v1l = c[2], v1h = c[3], v2l = c[4], v2h = c[5];
    let v3l = c[6], v3h = c[7], v4l = c[8], v4h = c[9], v5l = c[10], v5h = c[11];
    let v6l = c[12], v6h = c[13], v7l = c[14], v7h = c[15], v8l = c[16], v8h = c[17];
    let v9l = c[18], v9h = c[19], v10l = c[20], v10h = c[21], v11l = c[22], v11h = c[23];
    let v12l = c[24], v12h = c[25], v13l = c[26], v13h = c[27], v14l = c[28], v14h = c[29];
    let v15l = c[30], v15h = c[31];
    let t = 0, u = 0, s = 0;
    // Round 0, G3: the only column step that reads the changing message word 6.
    // G(v3, v7, v11, v15)
    t = (v3l + v7l) | 0;
    u = (t + mp[s + 12]) | 0;
    v3h = (v3h + v7h + mp[s + 13] + +((t >>> 0) < (v3l >>> 0)) + +((u >>> 0) < (t >>> 0))) | 0;
    v3l = u;
    t = v15l ^ v3l;
    v15l = v15h ^ v3h;
    v15h = t;
    t = (v11l + v15l) | 0;
    v11h = (v11h + v15h + +((t >>> 0) < (v11l >>> 0))) | 0;
    v11l = t;
    t = v7l ^ v11l;
    u = v7h ^ v11h;
    v7l = (t >>> 24) | (u << 8);
    v7h = (u >>> 24) | (t << 8);
    t = (v3l + v7l) | 0;
    u = (t + mp[s + 14]) | 0;
    v3h = (v3h + v7h + mp[s + 15] + +((t >>> 0) < (v3l >>> 0)) + +((u >>> 0) < (t >>> 0))) | 0;
    v3l = u;
    t = v15l ^ v3l;
    u = v15h ^ v3h;
    v15l = (t >>> 16) | (u << 16);
    v15h = (u >>> 16) | (t << 16);
    t = (v11l + v15l) | 0;
    v11h = (v11h + v15h + +((t >>> 0) < (v11l >>> 0))) | 0;
    v11l = t;
    t = v7l ^ v11l;
    u = v7h ^ v11h;
    v7l = (t << 1) | (u >>> 31);
    v7h = (u << 1) | (t >>> 31);
    for (;;) {
      // Diagonal steps of round s / 32. G5 and G7 come first: they produce v11 and v3, hence
      // the most significant hash limb, and most attempts stop after them in the last round.
      // G(v1, v6, v11, v12)
      t = (v1l + v6l) | 0;
      u = (t + mp[s + 20]) | 0;
      v1h = (v1h + v6h + mp[s + 21] + +((t >>> 0) < (v1l >>> 0)) + +((u >>> 0) < (t >>> 0))) | 0;
      v1l = u;
      t = v12l ^ v1l;
      v12l = v12h ^ v1h;
      v12h = t;
      t = (v11l + v12l) | 0;
      v11h = (v11h + v12h + +((t >>> 0) < (v11l >>> 0))) | 0;
      v11l = t;
      t = v6l ^ v11l;
      u = v6h ^ v11h;
      v6l = (t >>> 24) | (u << 8);
      v6h = (u >>> 24) | (t << 8);
      t = (v1l + v6l) | 0;
      u = (t + mp[s + 22]) | 0;
      v1h = (v1h + v6h + mp[s + 23] + +((t >>> 0) < (v1l >>> 0)) + +((u >>> 0) < (t >>> 0))) | 0;
      v1l = u;
      t = v12l ^ v1l;
      u = v12h ^ v1h;
      v12l = (t >>> 16) | (u << 16);
      v12h = (u >>> 16) | (t << 16);
      t = (v11l + v12l) | 0;
      v11h = (v11h + v12h + +((t >>> 0) < (v11l >>> 0))) | 0;
      v11l = t;
      t = v6l ^ v11l;
      u = v6h ^ v11h;
      v6l = (t << 1) | (u >>> 31);
      v6h = (u << 1) | (t >>> 31);
      // G(v3, v4, v9, v14)
      t = (v3l + v4l) | 0;
      u = (t + mp[s + 28]) | 0;
      v3h = (v3h + v4h + mp[s + 29] + +((t >>> 0) < (v3l >>> 0)) + +((u >>> 0) < (t >>> 0))) | 0;
      v3l = u;
      t = v14l ^ v3l;
      v14l = v14h ^ v3h;
      v14h = t;
      t = (v9l + v14l) | 0;
      v9h = (v9h + v14h + +((t >>> 0) < (v9l >>> 0))) | 0;
      v9l = t;
      t = v4l ^ v9l;
      u = v4h ^ v9h;
      v4l = (t >>> 24) | (u << 8);
      v4h = (u >>> 24) | (t << 8);
      t = (v3l + v4l) | 0;
      u = (t + mp[s + 30]) | 0;
      v3h = (v3h + v4h + mp[s + 31] + +((t >>> 0) < (v3l >>> 0)) + +((u >>> 0) < (t >>> 0))) | 0;
      v3l = u;
      t = v14l ^ v3l;
      u = v14h ^ v3h;
      v14l = (t >>> 16) | (u << 16);
      v14h = (u >>> 16) | (t << 16);
      t = (v9l + v14l) | 0;
      v9h = (v9h + v14h + +((t >>> 0) < (v9l >>> 0))) | 0;
      v9l = t;
      t = v4l ^ v9l;
      u = v4h ^ v9h;
      v4l = (t << 1) | (u >>> 31);
      v4h = (u << 1) | (t >>> 31);
      if (s === 32 * (ROUNDS - 1) && ((IV[7] ^ v3h ^ v11h) >>> 0) > topLimb) return false;
      // G(v0, v5, v10, v15)
      t = (v0l + v5l) | 0;
      u = (t + mp[s + 16]) | 0;
      v0h = (v0h + v5h + mp[s + 17] + +((t >>> 0) < (v0l >>> 0)) + +((u >>> 0) < (t >>> 0))) | 0;
      v0l = u;
      t = v15l ^ v0l;
      v15l = v15h ^ v0h;
      v15h = t;
      t = (v10l + v15l) | 0;
      v10h = (v10h + v15h + +((t >>> 0) < (v10l >>> 0))) | 0;
      v10l = t;
      t = v5l ^ v10l;
      u = v5h ^ v10h;
      v5l = (t >>> 24) | (u << 8);
      v5h = (u >>> 24) | (t << 8);
      t = (v0l + v5l) | 0;
      u = (t + mp[s + 18]) | 0;
      v0h = (v0h + v5h + mp[s + 19] + +((t >>> 0) < (v0l >>> 0)) + +((u >>> 0) < (t >>> 0))) | 0;
      v0l = u;
      t = v15l ^ v0l;
      u = v15h ^ v0h;
      v15l = (t >>> 16) | (u << 16);
      v15h = (u >>> 16) | (t << 16);
      t = (v10l + v15l) | 0;
      v10h = (v10h + v15h + +((t >>> 0) < (v10l >>> 0))) | 0;
      v10l = t;
      t = v5l ^ v10l;
      u = v5h ^ v10h;
      v5l = (t << 1) | (u >>> 31);
      v5h = (u << 1) | (t >>> 31);
      // G(v2, v7, v8, v13)
      t = (v2l + v7l) | 0;
      u = (t + mp[s + 24]) | 0;
      v2h = (v2h + v7h + mp[s + 25] + +((t >>> 0) < (v2l >>> 0)) + +((u >>> 0) < (t >>> 0))) | 0;
      v2l = u;
      t = v13l ^ v2l;
      v13l = v13h ^ v2h;
      v13h = t;
      t = (v8l + v13l) | 0;
      v8h = (v8h + v13h + +((t >>> 0) < (v8l >>> 0))) | 0;
      v8l = t;
      t = v7l ^ v8l;
      u = v7h ^ v8h;
      v7l = (t >>> 24) | (u << 8);
      v7h = (u >>> 24) | (t << 8);
      t = (v2l + v7l) | 0;
      u = (t + mp[s + 26]) | 0;
      v2h = (v2h + v7h + mp[s + 27] + +((t >>> 0) < (v2l >>> 0)) + +((u >>> 0) < (t >>> 0))) | 0;
      v2l = u;
      t = v13l ^ v2l;
      u = v13h ^ v2h;
      v13l = (t >>> 16) | (u << 16);
      v13h = (u >>> 16) | (t << 16);
      t = (v8l + v13l) | 0;
      v8h = (v8h + v13h + +((t >>> 0) < (v8l >>> 0))) | 0;
      v8l = t;
      t = v7l ^ v8l;
      u = v7h ^ v8h;
      v7l = (t << 1) | (u >>> 31);
      v7h = (u << 1) | (t >>> 31);
      if (s === 32 * (ROUNDS - 1)) break;
      s += 32;
      // Column steps of the next round.
      // G(v0, v4, v8, v12)
      t = (v0l + v4l) | 0;
      u = (t + mp[s + 0]) | 0;
      v0h = (v0h + v4h + mp[s + 1] + +((t >>> 0) < (v0l >>> 0)) + +((u >>> 0) < (t >>> 0))) | 0;
      v0l = u;
      t = v12l ^ v0l;
      v12l = v12h ^ v0h;
      v12h = t;
      t = (v8l + v12l) | 0;
      v8h = (v8h + v12h + +((t >>> 0) < (v8l >>> 0))) | 0;
      v8l = t;
      t = v4l ^ v8l;
      u = v4h ^ v8h;
      v4l = (t >>> 24) | (u << 8);
      v4h = (u >>> 24) | (t << 8);
      t = (v0l + v4l) | 0;
      u = (t + mp[s + 2]) | 0;
      v0h = (v0h + v4h + mp[s + 3] + +((t >>> 0) < (v0l >>> 0)) + +((u >>> 0) < (t >>> 0))) | 0;
      v0l = u;
      t = v12l ^ v0l;
      u = v12h ^ v0h;
      v12l = (t >>> 16) | (u << 16);
      v12h = (u >>> 16) | (t << 16);
      t = (v8l + v12l) | 0;
      v8h = (v8h + v12h + +((t >>> 0) < (v8l >>> 0))) | 0;
      v8l = t;
      t = v4l ^ v8l;
      u = v4h ^ v8h;
      v4l = (t << 1) | (u >>> 31);
      v4h = (u << 1) | (t >>> 31);
      // G(v1, v5, v9, v13)
      t = (v1l + v5l) | 0;
      u = (t + mp[s + 4]) | 0;
      v1h = (v1h + v5h + mp[s + 5] + +((t >>> 0) < (v1l >>> 0)) + +((u >>> 0) < (t >>> 0))) | 0;
      v1l = u;
      t = v13l ^ v1l;
      v13l = v13h ^ v1h;
      v13h = t;
      t = (v9l + v13l) | 0;
      v9h = (v9h + v13h + +((t >>> 0) < (v9l >>> 0))) | 0;
      v9l = t;
      t = v5l ^ v9l;
      u = v5h ^ v9h;
      v5l = (t >>> 24) | (u << 8);
      v5h = (u >>> 24) | (t << 8);
      t = (v1l + v5l) | 0;
      u = (t + mp[s + 6]) | 0;
      v1h = (v1h + v5h + mp[s + 7] + +((t >>> 0) < (v1l >>> 0)) + +((u >>> 0) < (t >>> 0))) | 0;
      v1l = u;
      t = v13l ^ v1l;
      u = v13h ^ v1h;
      v13l = (t >>> 16) | (u << 16);
      v13h = (u >>> 16) | (t << 16);
      t = (v9l + v13l) | 0;
      v9h = (v9h + v13h + +((t >>> 0) < (v9l >>> 0))) | 0;
      v9l = t;
      t = v5l ^ v9l;
      u = v5h ^ v9h;
      v5l = (t << 1) | (u >>> 31);
      v5h = (u << 1) | (t >>> 31);
      // G(v2, v6, v10, v14)
      t = (v2l + v6l) | 0;
      u = (t + mp[s + 8]) | 0;
      v2h = (v2h + v6h + mp[s + 9] + +((t >>> 0) < (v2l >>> 0)) + +((u >>> 0) < (t >>> 0))) | 0;
      v2l = u;
      t = v14l ^ v2l;
      v14l = v14h ^ v2h;
      v14h = t;
      t = (v10l + v14l) | 0;
      v10h = (v10h + v14h + +((t >>> 0) < (v10l >>> 0))) | 0;
      v10l = t;
      t = v6l ^ v10l;
      u = v6h ^ v10h;
      v6l = (t >>> 24) | (u << 8);
      v6h = (u >>> 24) | (t << 8);
      t = (v2l + v6l) | 0;
      u = (t + mp[s + 10]) | 0;
      v2h = (v2h + v6h + mp[s + 11] + +((t >>> 0) < (v2l >>> 0)) + +((u >>> 0) < (t >>> 0))) | 0;
      v2l = u;
      t = v14l ^ v2l;
      u = v14h ^ v2h;
      v14l = (t >>> 16) | (u << 16);
      v14h = (u >>> 16) | (t << 16);
      t = (v10l + v14l) | 0;
      v10h = (v10h + v14h + +((t >>> 0) < (v10l >>> 0))) | 0;
      v10l = t;
      t = v6l ^ v10l;
      u = v6h ^ v10h;
      v6l = (t << 1) | (u >>> 31);
      v6h = (u << 1) | (t >>> 31);
      // G(v3, v7, v11, v15)
      t = (v3l + v7l) | 0;
      u = (t + mp[s + 12]) | 0;
      v3h = (v3h + v7h + mp[s + 13] + +((t >>> 0) < (v3l >>> 0)) + +((u >>> 0) < (t >>> 0))) | 0;
      v3l = u;
      t = v15l ^ v3l;
      v15l = v15h ^ v3h;
      v15h = t;
      t = (v11l + v15l) | 0;
      v11h = (v11h + v15h + +((t >>> 0) < (v11l >>> 0))) | 0;
      v11l = t;
      t = v7l ^ v11l;
      u = v7h ^ v11h;
      v7l = (t >>> 24) | (u << 8);
      v7h = (u >>> 24) | (t << 8);
      t = (v3l + v7l) | 0;
      u = (t + mp[s + 14]) | 0;
      v3h = (v3h + v7h + mp[s + 15] + +((t >>> 0) < (v3l >>> 0)) + +((u >>> 0) < (t >>> 0))) | 0;
      v3l = u;
      t = v15l ^ v3l;
      u = v15h ^ v3h;
      v15l = (t >>> 16) | (u << 16);
      v15h = (u >>> 16) | (t << 16);
      t = (v11l + v15l) | 0;
      v11h = (v11h + v15h + +((t >>> 0) < (v11l >>> 0))) | 0;
      v11l = t;
      t = v7l ^ v11l;
      u = v7h ^ v11h;
      v7l = (t << 1) | (u >>> 31);
      v7h = (u << 1) | (t >>> 31);
    }
    const h = this.#hash;
    h[0] = IV[0] ^ PARAM0 ^ v0l ^ v8l;
    h[1] = IV[1] ^ v0h ^ v8h;
    h[2] = IV[2] ^ v1l ^ v9l;
    h[3] = IV[3] ^ v1h ^ v9h;
    h[4] = IV[4] ^ v2l ^ v10l;
    h[5] = IV[5] ^ v2h ^ v10h;
    h[6] = IV[6] ^ v3l ^ v11l;
    h[7] = IV[7] ^ v3h ^ v11h;
    return true;
  }
}

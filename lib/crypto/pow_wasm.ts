/**
 * The proof-of-work search on WebAssembly libsodium's BLAKE2b (`crypto_generichash`, called raw):
 * the stamp lives in the module's heap behind the public key, each attempt is one call hashing the
 * 56 bytes in place, the comparison with the target reads the digest in the heap, and the stamp is
 * incremented there. Nothing is allocated or copied per attempt.
 *
 * Why this and not `PowHasher` (pure JavaScript, `pow_hash.ts`) or native libsodium: measured per
 * core in one `deno bench` run (`bench/pow_bench.ts`, 2 cores, Deno 2.9.6), this loop makes about
 * 1.4× the attempts of blake2b-wasm and 1.6–2.7× those of `PowHasher`; `sodium-native`'s
 * `crypto_generichash` pays a Node-API call per 56-byte hash and loses to both. `PowHasher` stays
 * the search of the `tweetnacl` (pure JavaScript) backend.
 *
 * @module
 */

import { raw } from "./libsodium_raw.ts";
import { POW_STAMP_LENGTH, type PowTargetWords } from "./pow_hash.ts";

// Region layout (offsets from its start, 8-aligned by malloc): input 0..56 = public key ‖ stamp,
// digest 64..96.
const INPUT = 0;
const STAMP = 32;
const DIGEST = 64;
const REGION = 96;

/**
 * Searches stamps like {@link PowHasher}, with libsodium's WebAssembly BLAKE2b. Holds one 96-byte
 * region of the WebAssembly heap until {@link free}.
 */
export class WasmPowHasher {
  #base: number;
  #attempts = 0;

  /**
   * Prepares the search for `publicKey ‖ stamp`.
   *
   * @param publicKey The 32-byte public key the stamp is for.
   * @param stamp The first stamp to try (24 bytes); all zeros when omitted.
   * @throws {RangeError} On a wrong key or stamp length.
   */
  constructor(publicKey: Uint8Array, stamp: Uint8Array = new Uint8Array(POW_STAMP_LENGTH)) {
    if (publicKey.length !== 32) {
      throw new RangeError(`public key must be 32 bytes, got ${publicKey.length}`);
    }
    if (stamp.length !== POW_STAMP_LENGTH) {
      throw new RangeError(`PoW stamp must be ${POW_STAMP_LENGTH} bytes, got ${stamp.length}`);
    }
    this.#base = raw._malloc(REGION);
    const heap = raw.HEAPU8;
    heap.set(publicKey, this.#base + INPUT);
    heap.set(stamp, this.#base + STAMP);
  }

  /** The current stamp (a copy): after a successful {@link search}, the solution. */
  get stamp(): Uint8Array {
    const at = this.#base + STAMP;
    return raw.HEAPU8.slice(at, at + POW_STAMP_LENGTH);
  }

  /** Stamps tried by {@link search} so far. */
  get attempts(): number {
    return this.#attempts;
  }

  /**
   * Tries the current stamp, then its successors (incremented as a 192-bit big-endian integer),
   * until one meets `target` or `maxAttempts` stamps were tried.
   *
   * @param target Limbs of the target, from `powTargetWords`.
   * @param maxAttempts How many stamps to try at most.
   * @returns `true` when the current {@link stamp} meets the target; `false` when the budget ran
   * out (the current stamp is then the next one to try).
   */
  search(target: PowTargetWords, maxAttempts: number): boolean {
    const base = this.#base;
    const heap = raw.HEAPU8; // no allocation below, so the view stays valid
    const input = base + INPUT;
    const digest = base + DIGEST;
    const last = base + STAMP + POW_STAMP_LENGTH - 1;
    // The digest read little-endian; its top 32-bit limb is bytes 28..31.
    const top = digest + 28;
    const topLimb = target[7];
    let n = 0;
    while (n < maxAttempts) {
      n++;
      raw._crypto_generichash(digest, 32, input, 56, 0, 0, 0);
      const h =
        (heap[top] | (heap[top + 1] << 8) | (heap[top + 2] << 16) | (heap[top + 3] << 24)) >>>
        0;
      if (h <= topLimb && (h < topLimb || meets(heap, digest, target))) {
        this.#attempts += n;
        return true;
      }
      // Increment the stamp, big-endian: 255 times in 256 only its last byte changes.
      let k = last;
      while (k > last - POW_STAMP_LENGTH) {
        const b = (heap[k] + 1) & 0xff;
        heap[k] = b;
        if (b !== 0) break;
        k--;
      }
    }
    this.#attempts += n;
    return false;
  }

  /** Returns the heap region; the hasher must not be used afterwards. */
  free(): void {
    if (this.#base !== 0) raw._free(this.#base);
    this.#base = 0;
  }
}

// Whether the digest at `at`, read little-endian, is ≤ the target (limbs compared from the top).
function meets(heap: Uint8Array, at: number, target: PowTargetWords): boolean {
  for (let i = 7; i >= 0; i--) {
    const j = at + 4 * i;
    const h = (heap[j] | (heap[j + 1] << 8) | (heap[j + 2] << 16) | (heap[j + 3] << 24)) >>> 0;
    if (h !== target[i]) return h < target[i];
  }
  return true;
}

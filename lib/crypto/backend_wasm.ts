/**
 * The WebAssembly backend: libsodium compiled to WebAssembly (`libsodium-wrappers`), needing no
 * permission. Every operation copies its inputs into one region of the module's heap, calls the raw
 * libsodium function in place and copies the result out; the region grows (never shrinks) to the
 * largest message seen, 65 519 bytes for a chunk.
 *
 * Region layout (offsets from its start): channel key 0..32, nonce 32..56, tag 64..80, public key
 * 80..112, secret key 112..144, 32-byte output 144..176, message 192.. . The key slots are zeroed
 * after each call; the message slot keeps the last plaintext or ciphertext, like tweetnacl's reused
 * keystream buffer.
 *
 * @module
 */

import type { CryptoBackend } from "./backend_contract.ts";
import { raw } from "./libsodium_raw.ts";

const KEY = 0;
const NONCE = 32;
const TAG = 64;
const PK = 80;
const SK = 112;
const OUT = 144;
const MSG = 192;

let capacity = 65536;
let base = raw._malloc(MSG + capacity);

// Makes room for `length` message bytes; returns the heap view to use for this call.
function heapFor(length: number): Uint8Array {
  if (length > capacity) {
    const larger = raw._malloc(MSG + length);
    if (larger === 0) {
      throw new RangeError(`cannot allocate ${length} bytes in the WebAssembly heap`);
    }
    raw._free(base);
    base = larger;
    capacity = length;
  }
  return raw.HEAPU8;
}

/** The libsodium WebAssembly backend. */
export const wasmBackend: CryptoBackend = {
  name: "wasm",

  beforenm(out, remotePublicKey, localSecretKey) {
    const heap = heapFor(0);
    heap.set(remotePublicKey, base + PK);
    heap.set(localSecretKey, base + SK);
    const status = raw._crypto_box_beforenm(base + OUT, base + PK, base + SK);
    heap.fill(0, base + SK, base + SK + 32);
    if (status === 0) out.set(heap.subarray(base + OUT, base + OUT + 32));
    heap.fill(0, base + OUT, base + OUT + 32);
    return status === 0;
  },

  sealDetached(ciphertext, tag, plaintext, nonce, key) {
    const length = plaintext.length;
    const heap = heapFor(length);
    heap.set(key, base + KEY);
    heap.set(nonce, base + NONCE);
    heap.set(plaintext, base + MSG);
    const m = base + MSG;
    raw._crypto_secretbox_detached(m, base + TAG, m, length, 0, base + NONCE, base + KEY);
    heap.fill(0, base + KEY, base + KEY + 32);
    ciphertext.set(heap.subarray(m, m + length));
    tag.set(heap.subarray(base + TAG, base + TAG + 16));
  },

  openDetached(plaintext, ciphertext, tag, nonce, key) {
    const length = ciphertext.length;
    const heap = heapFor(length);
    heap.set(key, base + KEY);
    heap.set(nonce, base + NONCE);
    heap.set(tag, base + TAG);
    heap.set(ciphertext, base + MSG);
    const m = base + MSG;
    const status = raw._crypto_secretbox_open_detached(
      m,
      m,
      base + TAG,
      length,
      0,
      base + NONCE,
      base + KEY,
    );
    heap.fill(0, base + KEY, base + KEY + 32);
    if (status !== 0) return false;
    plaintext.set(heap.subarray(m, m + length));
    return true;
  },

  blake2b256(out, input) {
    const heap = heapFor(input.length);
    heap.set(input, base + MSG);
    raw._crypto_generichash(base + OUT, 32, base + MSG, input.length, 0, 0, 0);
    out.set(heap.subarray(base + OUT, base + OUT + 32));
  },
};

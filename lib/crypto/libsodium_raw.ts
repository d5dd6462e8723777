/**
 * The WebAssembly libsodium of `libsodium-wrappers`, called below its wrappers: the wrappers
 * allocate, copy and return fresh arrays on every call (at 64 B a seal through them costs several
 * times the cipher), whereas the raw exports take pointers into the module's heap, where the
 * callers keep one region of their own. Loading and compiling the module takes a top-level await
 * (about 20 ms of `sodium.ready` after 60–120 ms of import on the 2-core machine, measured with
 * `performance.now()` around each step).
 *
 * Calling convention of the raw exports (Emscripten without BigInt integration): every C
 * `unsigned long long` length is passed as two int32 arguments, low then high; pointers and `size_t`
 * are one int32.
 *
 * @module
 */

import sodium from "libsodium-wrappers";

/** The raw exports used by tzp2p. */
export interface RawSodium {
  /** The module's heap; replaced when the memory grows, so read it after every `_malloc`. */
  readonly HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  /** 0, or -1 when X25519 gives the all-zero point. */
  _crypto_box_beforenm(k: number, pk: number, sk: number): number;
  _crypto_secretbox_detached(
    c: number,
    mac: number,
    m: number,
    mlenLow: number,
    mlenHigh: number,
    n: number,
    k: number,
  ): number;
  /** 0, or -1 when the tag does not authenticate (nothing written then). */
  _crypto_secretbox_open_detached(
    m: number,
    c: number,
    mac: number,
    clenLow: number,
    clenHigh: number,
    n: number,
    k: number,
  ): number;
  _crypto_generichash(
    out: number,
    outlen: number,
    input: number,
    inlenLow: number,
    inlenHigh: number,
    key: number,
    keylen: number,
  ): number;
}

await sodium.ready;

/** libsodium's WebAssembly module, initialised. */
export const raw: RawSodium = (sodium as unknown as { libsodium: RawSodium }).libsodium;

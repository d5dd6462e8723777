/**
 * tweetnacl's low-level functions (exported at run time, absent from its type declarations), and
 * HSalsa20 on top of them: the second half of `crypto_box_beforenm`, used by the tweetnacl and the
 * native backends (`sodium-native` does not expose `crypto_core_hsalsa20` nor `crypto_box_beforenm`;
 * one HSalsa20 block in JavaScript costs about 1 µs, against 40 µs for the native X25519).
 *
 * @module
 */

import nacl from "tweetnacl";

/** The tweetnacl functions the backends use. */
export interface NaclLowLevel {
  /** HSalsa20 core: `out(32)` from `input(16)`, `key(32)` and the constant `c(16)`. */
  crypto_core_hsalsa20(out: Uint8Array, input: Uint8Array, key: Uint8Array, c: Uint8Array): number;
  /** XSalsa20 keystream: `d` bytes into `c[cpos ..]`. */
  crypto_stream(c: Uint8Array, cpos: number, d: number, n: Uint8Array, k: Uint8Array): number;
  /** Poly1305 of `m[mpos .. mpos + n]` under the one-time key `k`, into `out[outpos ..]`. */
  crypto_onetimeauth(
    out: Uint8Array,
    outpos: number,
    m: Uint8Array,
    mpos: number,
    n: number,
    k: Uint8Array,
  ): number;
  /** 0 when `h[hpos .. hpos + 16]` is the Poly1305 tag of `m[mpos .. mpos + n]` under `k`. */
  crypto_onetimeauth_verify(
    h: Uint8Array,
    hpos: number,
    m: Uint8Array,
    mpos: number,
    n: number,
    k: Uint8Array,
  ): number;
}

/** tweetnacl's `lowlevel` namespace. */
export const lowlevel: NaclLowLevel = (nacl as unknown as { lowlevel: NaclLowLevel }).lowlevel;

const SALSA_SIGMA = new TextEncoder().encode("expand 32-byte k");
const ZERO_16 = new Uint8Array(16);

/**
 * The channel key from an X25519 shared secret: HSalsa20(shared, nonce 0), NaCl's
 * `crypto_box_beforenm` after the scalar multiplication.
 *
 * @param out 32 bytes, written.
 * @param shared The 32-byte X25519 result.
 */
export function hsalsa20Zero(out: Uint8Array, shared: Uint8Array): void {
  lowlevel.crypto_core_hsalsa20(out, ZERO_16, shared, SALSA_SIGMA);
}

/**
 * Whether 32 bytes are all zero (constant time in the content): the X25519 result of a low-order
 * public key.
 *
 * @param bytes The X25519 result.
 * @returns `true` when every byte is 0.
 */
export function isAllZero(bytes: Uint8Array): boolean {
  let any = 0;
  for (let i = 0; i < bytes.length; i++) any |= bytes[i];
  return any === 0;
}

/**
 * The proof-of-work difficulty a stamp actually reaches, as shown by `identity show` and next to
 * every decoded connection message.
 *
 * @module
 */

import { blake2b } from "@noble/hashes/blake2.js";
import { powHashValue } from "../crypto/mod.ts";

/**
 * The highest integer difficulty `d` for which `stamp` is a proof of work for `publicKey`: the
 * number of leading zero bits of H256(public key ‖ stamp) read little-endian (spec §3.4). An
 * integer difficulty `d` has target 2^(256−d) − 1, so the stamp passes `d` exactly when the hash
 * value has at most 256 − d significant bits.
 *
 * @param publicKey 32-byte public key.
 * @param stamp 24-byte proof-of-work stamp.
 * @returns A number in 0..256.
 * @throws {RangeError} On a wrong key or stamp length.
 */
export function powBitsReached(publicKey: Uint8Array, stamp: Uint8Array): number {
  if (publicKey.length !== 32) {
    throw new RangeError(`public key must be 32 bytes, got ${publicKey.length}`);
  }
  if (stamp.length !== 24) {
    throw new RangeError(`PoW stamp must be 24 bytes, got ${stamp.length}`);
  }
  const input = new Uint8Array(56);
  input.set(publicKey, 0);
  input.set(stamp, 32);
  const value = powHashValue(blake2b(input, { dkLen: 32 }));
  return 256 - (value === 0n ? 0 : value.toString(2).length);
}

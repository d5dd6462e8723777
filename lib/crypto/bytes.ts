/**
 * Small byte helpers for `lib/crypto`: hexadecimal (the codec runtime's, with a non-throwing
 * decoder for validating identity files) and equality.
 *
 * @module
 */

import { fromHex as decodeHex, toHex } from "../encoding/hex.ts";

export { toHex };

/**
 * Bytes of a hexadecimal string (either case), or `undefined` when the text has an odd length or a
 * non-hex character.
 *
 * @param text Hexadecimal text.
 * @returns The decoded bytes, or `undefined` if `text` is not hexadecimal.
 */
export function fromHex(text: string): Uint8Array | undefined {
  try {
    return decodeHex(text);
  } catch (error) {
    if (error instanceof TypeError) return undefined;
    throw error;
  }
}

/**
 * Whether two byte arrays hold the same bytes (not constant-time: for public data only).
 *
 * @param a Some bytes.
 * @param b Other bytes.
 * @returns `true` when both have the same length and bytes.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Small byte helpers for `lib/crypto`: hexadecimal (the codec runtime's, with a non-throwing
 * decoder for validating identity files). Byte equality is `lib/base/bytes.ts`.
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

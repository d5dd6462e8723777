/**
 * Hexadecimal text of bytes, the form in which vectors, logs and the CLI show wire data. One
 * contract for reading it: {@link fromHex} throws on text that is not hexadecimal;
 * {@link tryFromHex} is the same check for a caller that validates input (an identity file) and
 * reports its own error.
 *
 * @module
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

/**
 * Bytes of a hex string (either case).
 *
 * @param hex Hexadecimal text.
 * @returns The decoded bytes.
 * @throws {TypeError} when `hex` has an odd length or a non-hex character.
 */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new TypeError(`fromHex: odd length ${hex.length}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(hex.charCodeAt(2 * i));
    const lo = nibble(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new TypeError(`fromHex: bad character at ${2 * i}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/**
 * Bytes of a hex string (either case), or `undefined` where {@link fromHex} would throw.
 *
 * @param hex Hexadecimal text.
 * @returns The decoded bytes, or `undefined` when `hex` has an odd length or a non-hex character.
 */
export function tryFromHex(hex: string): Uint8Array | undefined {
  try {
    return fromHex(hex);
  } catch {
    return undefined;
  }
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

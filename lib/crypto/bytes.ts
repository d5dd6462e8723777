/**
 * Small byte helpers: hexadecimal conversion (identity file, peer-id map keys) and equality.
 *
 * @module
 */

const HEX_DIGITS = "0123456789abcdef";
const BYTE_TO_HEX: readonly string[] = Array.from(
  { length: 256 },
  (_, b) => HEX_DIGITS[b >> 4] + HEX_DIGITS[b & 15],
);

/**
 * Lower-case hexadecimal text of `bytes`.
 *
 * @param bytes Any bytes.
 * @returns Two hex digits per byte.
 */
export function toHex(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += BYTE_TO_HEX[bytes[i]];
  return text;
}

function digitValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  if (code >= 65 && code <= 70) return code - 55; // A-F
  return -1;
}

/**
 * Bytes of a hexadecimal string (either case), or `undefined` when the text has an odd length or a
 * non-hex character.
 *
 * @param text Hexadecimal text.
 * @returns The decoded bytes, or `undefined` if `text` is not hexadecimal.
 */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0) return undefined;
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    const hi = digitValue(text.charCodeAt(2 * i));
    const lo = digitValue(text.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    bytes[i] = (hi << 4) | lo;
  }
  return bytes;
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

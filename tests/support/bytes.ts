/**
 * Bytes in tests: concatenation and UTF-8 text.
 *
 * @module
 */

/** All bytes of `chunks`, concatenated. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The UTF-8 bytes of `s`. */
export function text(s: string): Uint8Array {
  return encoder.encode(s);
}

/** `bytes` read as UTF-8. */
export function untext(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

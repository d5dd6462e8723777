/**
 * Byte-array comparisons: equality (peer ids, public keys, batch payloads) and a total order
 * (sorting DAL topics by their public key hash, simple-gossip message ids by their bytes). Neither
 * is constant-time: for public data only.
 *
 * @module
 */

/**
 * Whether two byte arrays hold the same bytes.
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

/**
 * Lexicographic order of byte arrays, as OCaml's `Bytes.compare`: the first differing byte
 * decides, and a proper prefix comes first.
 *
 * @param a Some bytes.
 * @param b Other bytes.
 * @returns A negative number when `a` comes first, positive when `b` does, 0 when equal.
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

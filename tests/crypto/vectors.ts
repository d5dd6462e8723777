// Loads the conformance vectors of ../../../shared/vectors/p2p.json in place (never copied).

import { fromHex, toHex } from "../../lib/crypto/bytes.ts";

/** One entry of p2p.json. */
export interface Vector {
  name: string;
  kind: string;
  source: string;
  hex?: string;
  inputs?: Record<string, unknown>;
  expected?: unknown;
}

const VECTORS_URL = new URL("../../../shared/vectors/p2p.json", import.meta.url);
const all: Vector[] = JSON.parse(await Deno.readTextFile(VECTORS_URL));

/** Every vector of `kind`. */
export function vectorsOfKind(kind: string): Vector[] {
  return all.filter((vector) => vector.kind === kind);
}

/** Bytes of a hex string from the vectors (throws on bad hex, so a typo cannot pass silently). */
export function hex(text: unknown): Uint8Array {
  if (typeof text !== "string") throw new TypeError(`expected a hex string, got ${text}`);
  const bytes = fromHex(text);
  if (bytes === undefined) throw new TypeError(`not hex: ${text}`);
  return bytes;
}

export { toHex };

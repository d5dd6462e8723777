/**
 * The one loader of the conformance vectors, `tests/fixtures/p2p.json` (provenance in
 * `tests/fixtures/README.md`), so that every test runs from a fresh clone.
 *
 * @module
 */

import { fromHex, toHex } from "../../lib/encoding/hex.ts";

export { toHex };

/** One conformance vector; fields beyond these depend on the kind. */
export interface Vector {
  name: string;
  kind: string;
  source: string;
  hex?: string;
  // deno-lint-ignore no-explicit-any
  inputs?: any;
  // deno-lint-ignore no-explicit-any
  expected: any;
  [key: string]: unknown;
}

const all: Vector[] = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/p2p.json", import.meta.url)),
);

/** The vectors of one kind; throws if there are none (a renamed kind must not pass silently). */
export function vectors(kind: string): Vector[] {
  const found = all.filter((v) => v.kind === kind);
  if (found.length === 0) throw new Error(`no vectors of kind ${kind}`);
  return found;
}

/** Bytes of a hex string from the vectors (throws a `TypeError` on bad hex). */
export function hex(text: unknown): Uint8Array {
  if (typeof text !== "string") throw new TypeError(`expected a hex string, got ${text}`);
  return fromHex(text);
}

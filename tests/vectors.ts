/**
 * Reads the shared conformance vectors in place (never copied into the repository).
 *
 * @module
 */

/** One conformance vector; fields beyond these depend on the kind. */
export interface Vector {
  name: string;
  kind: string;
  hex?: string;
  // deno-lint-ignore no-explicit-any
  inputs?: any;
  // deno-lint-ignore no-explicit-any
  expected: any;
  [key: string]: unknown;
}

const path = new URL("../../shared/vectors/p2p.json", import.meta.url);
const all: Vector[] = JSON.parse(await Deno.readTextFile(path));

/** The vectors of one kind; throws if there are none (a renamed kind must not pass silently). */
export function vectors(kind: string): Vector[] {
  const found = all.filter((v) => v.kind === kind);
  if (found.length === 0) throw new Error(`no vectors of kind ${kind}`);
  return found;
}

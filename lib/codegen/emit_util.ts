/**
 * Small helpers shared by the TypeScript emitters.
 *
 * @module
 */

import type { Case, Decl, Node } from "./dsl.ts";
import type { GeneratedFile } from "./printer.ts";

/** Reader/Writer method of each integer and bool type. */
export const READ: Record<string, string> = {
  uint8: "u8",
  int8: "i8",
  uint16: "u16",
  int16: "i16",
  int31: "i31",
  int32: "i32",
  int64: "i64",
  uint30: "u30",
  bool: "bool",
};

/** Reader method of each length-prefix size. */
export const PREFIX_READ = { 1: "u8", 2: "u16", 4: "u30" } as const;

/** `0x`-prefixed hex of `v`, zero-padded to `digits`. */
export function hex(v: number, digits: number): string {
  return `0x${v.toString(16).padStart(digits, "0")}`;
}

/** Alias constants are named after the declaration (the first segment of the path). */
export function aliasConstFor(path: string, c: Case): string {
  const decl = path.split(".")[0];
  return `${screaming(decl)}_${screaming(c.name)}_BODY`;
}

/** `BlockHash` → `BLOCK_HASH`. */
export function screaming(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

/** The `checkSize` limit as the schema wrote it. */
export function limitText(n: Extract<Node, { t: "checkSize" }>): string {
  return n.limitText ?? String(n.limit);
}

/** The list's maximum length as the schema wrote it. */
export function maxLengthText(n: Extract<Node, { t: "list" }>): string {
  return n.maxLengthText ?? String(n.maxLength);
}

/**
 * The type name of a union case: the declaration's name then the case's, with the words they share
 * written once (`DalGossipMessage` + `MessageWithHeader` → `DalGossipMessageWithHeader`;
 * `Pkh` + `Ed25519` → `PkhEd25519`). When the case's name is only those shared words, the result
 * would be the union's own name: the application case then reads `App` before them
 * (`P2pMessage` + `Message` → `P2pAppMessage`), and any other case is a generation error.
 */
export function caseTypeName(declName: string, caseName: string, isAppCase = false): string {
  const d = words(declName);
  const c = words(caseName);
  let shared = Math.min(d.length, c.length);
  while (shared > 0 && d.slice(-shared).join("") !== c.slice(0, shared).join("")) shared--;
  if (shared < c.length) return [...d, ...c.slice(shared)].join("");
  if (!isAppCase) {
    throw new RangeError(`${declName}: case ${caseName} would be named like the union itself`);
  }
  return [...d.slice(0, d.length - shared), "App", ...c].join("");
}

function words(name: string): string[] {
  return name.match(/[A-Z][a-z0-9]*|[a-z0-9]+/g) ?? [name];
}

/**
 * What the size, write and read passes (`emit_write.ts`, `emit_read.ts`) ask of the emitter that
 * calls them (`Emitter` of `emit_ts.ts`), so that they need not import it back.
 */
export interface EmitterApi {
  /** The file being generated. */
  readonly f: GeneratedFile;
  /** The declaration being emitted (a reference to it from inside is a recursion). */
  readonly current: Decl | undefined;
  /** Name of a runtime value, imported into the file. */
  rt(name: string): string;
  /** Name of a function or type of `decl`, imported when it lives in another file. */
  declValue(decl: Decl, prefix: string, suffix?: string): string;
  /** The TypeScript type of a node. */
  tsType(n: Node): string;
  /** Name of a conversion's function, imported from its module. */
  convFn(n: Extract<Node, { t: "conv" }>, which: "encode" | "decode" | "decodeAscii"): string;
}

/**
 * Small helpers shared by the TypeScript emitters.
 *
 * @module
 */

import type { Case } from "./dsl.ts";

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

function screaming(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

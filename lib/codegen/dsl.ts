/**
 * The schema language: typed TypeScript data describing wire types with the binary semantics of
 * Octez data-encoding (spec p2p-wire §1). Schema files under `schema/` build declarations with these
 * constructors; `deno task gen` turns them into straight-line codecs under `gen/`.
 *
 * ```ts
 * import { bool, declare, obj, req } from "./dsl.ts";
 *
 * export const Metadata = declare("Metadata", "Connection metadata.", obj(
 *   req("disableMempool", bool()),
 *   req("privateNode", bool()),
 * ));
 * ```
 *
 * @module
 */

/** A wire type. */
export type Node =
  | { readonly t: "uint8" | "int8" | "uint16" | "int16" | "int31" | "int32" | "int64" | "uint30" }
  | { readonly t: "bool" }
  | {
    readonly t: "fixedBytes";
    readonly size: number;
    /** How the bytes are shown as text (hashes): see {@link base58Bytes}. */
    readonly base58?: Base58Display;
  }
  | { readonly t: "bytes" | "string" }
  | { readonly t: "variableBytes" | "variableString" }
  | { readonly t: "dynamicSize"; readonly prefix: 1 | 2 | 4; readonly inner: Node }
  | {
    readonly t: "checkSize";
    readonly limit: number;
    readonly inner: Node;
    /** The limit as the schema wrote it (see {@link size}), printed instead of the decimal. */
    readonly limitText?: string;
  }
  | {
    readonly t: "list";
    readonly element: Node;
    readonly maxLength?: number;
    /** The maximum length as the schema wrote it (see {@link size}). */
    readonly maxLengthText?: string;
  }
  | { readonly t: "obj"; readonly fields: readonly Field[] }
  | MergeNode
  | UnionNode
  | { readonly t: "ref"; readonly decl: Decl }
  | { readonly t: "conv"; readonly inner: Node; readonly conv: Conversion }
  | { readonly t: "app" };

/**
 * Objects written one after the other, whose fields make one object (data-encoding's
 * `merge_objs`): each part is an `obj` or a reference to a declared object or merge, e.g. a block
 * header = the shell header's fields, then `protocol_data`.
 */
export interface MergeNode {
  /** Discriminant. */
  readonly t: "merge";
  /** The parts, in wire order. */
  readonly parts: readonly Node[];
}

/**
 * The base58check text form of fixed-size bytes: `base58(prefix ‖ bytes ‖ checksum)`, whose text
 * starts with `lead` (e.g. `B` for block hashes, prefix `0x01 0x34`).
 */
export interface Base58Display {
  /** Version bytes written before the payload. */
  readonly prefix: readonly number[];
  /** What every text form starts with, for documentation (`B`, `Net`, `LLo`…). */
  readonly lead: string;
}

/** A union: a tag, then the body of the case with that tag. */
export interface UnionNode {
  /** Discriminant. */
  readonly t: "union";
  /** Tag width in bytes. */
  readonly tagSize: 1 | 2;
  /** The cases. */
  readonly cases: readonly Case[];
  /**
   * When set, tags that no case declares are application messages: the generated code takes an
   * `AppCodec<M>` and wraps what it decodes as `{ kind: <this name>, message }`.
   */
  readonly appCase?: string;
}

/** A field of an object or of a union case. */
export interface Field {
  /** Field name in the TypeScript value (camelCase). */
  readonly name: string;
  /** Wire type. */
  readonly node: Node;
  /** Optional field: one presence byte (`0x00` / `0xFF`), then the value when present. */
  readonly optional?: boolean;
  /** Documentation. */
  readonly doc?: string;
}

/** A union case. */
export interface Case {
  /** Tag value. */
  readonly tag: number;
  /** The `kind` of the TypeScript value. */
  readonly name: string;
  /** Body fields, in wire order. */
  readonly fields: readonly Field[];
  /**
   * An alias case: it shares `tag` with another case and is the value whose body is exactly these
   * bytes (e.g. DAL `Ping`, a `Subscribe` to a dummy topic). Decoding tries it first.
   */
  readonly aliasBody?: Uint8Array;
  /** Documentation. */
  readonly doc?: string;
}

/** A named conversion between a wire value and a richer TypeScript value. */
export interface Conversion {
  /** The TypeScript type of the converted value. */
  readonly tsType: string;
  /** Module exporting the type and both functions, relative to the repository root. */
  readonly module: string;
  /** Function from the TypeScript value to the wire value (may throw). */
  readonly encode: string;
  /** Function from the wire value to the TypeScript value (throws on invalid input). */
  readonly decode: string;
  /**
   * Optional fast path for a conversion over a `string` (possibly inside `checkSize`): a function
   * `(bytes, start, end, reader) => value | undefined` of the same module that decodes the text's
   * raw bytes directly (`reader.ascii(from, to)` gives the text of bytes it found to be ASCII).
   * `undefined` means "not decided here": the text is then decoded and passed to `decode` as
   * without a fast path, so errors are unchanged. It must return only values that `decode` would
   * return for the same text.
   */
  readonly decodeAscii?: string;
  /**
   * `encode` returns ASCII text only (a point's text), so the encoder takes the text's length as
   * its UTF-8 size instead of scanning it. Only for a conversion over a `string`.
   */
  readonly encodesAscii?: boolean;
  /** Decode error kind reported when `decode` throws. */
  readonly errorKind: "invalid_point" | "invalid_conversion";
}

/** A named type: it becomes a TypeScript type and `encode`/`decode`/`sizeOf`/`read`/`write`. */
export interface Decl {
  /** Type name (PascalCase). */
  readonly name: string;
  /** Documentation copied to the generated code. */
  readonly doc: string;
  /** Wire type. */
  readonly node: Node;
  /** For a u16 union: also emit an `AppCodec` constant of this name. */
  readonly appCodec?: string;
  /**
   * Set for a type declared with {@link recursive}: its nesting bound and the bound's text. A
   * decoder reading deeper than `maxDepth` fails with `size_limit_exceeded` instead of
   * exhausting the stack.
   */
  readonly recursion?: Size;
}

/**
 * A size or count as the schema wrote it: its value and its source text, which generated code and
 * the encoding reference print instead of the bare decimal (`100 * 1024 * 1024`, not `104857600`).
 */
export interface Size {
  /** The value. */
  readonly value: number;
  /** The expression as written, e.g. `100 * 1024 * 1024`. */
  readonly text: string;
}

/**
 * A size written as an integer expression (decimal or `0x` literals, `+ - *`, parentheses), so
 * that generated code shows it as written: `checkSize(size("100 * 1024 * 1024"), …)`. A plain
 * number is accepted wherever a size is and prints as its decimal.
 */
export function size(text: string): Size {
  const value = evaluate(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`size: ${text} is not a non-negative safe integer`);
  }
  return { value, text: text.trim().replace(/\s+/g, " ") };
}

function asSize(s: number | Size, what: string): Size {
  const out = typeof s === "number" ? { value: s, text: String(s) } : s;
  if (!Number.isSafeInteger(out.value) || out.value < 0) {
    throw new RangeError(`${what}: bad size ${out.text}`);
  }
  return out;
}

// A recursive-descent evaluator for the small grammar of `size`, whose texts generated code prints
// as they are, so every step must be what JavaScript computes too (no `<<`: it is 32-bit there):
//   sum := product (("+" | "-") product)*   product := atom ("*" atom)*
//   atom := integer | "(" sum ")"
function evaluate(text: string): number {
  const tokens = text.match(/0x[0-9a-fA-F]+|\d+|[-+*()]|\S/g) ?? [];
  let i = 0;
  const fail = (): never => {
    throw new RangeError(`size: cannot read ${JSON.stringify(text)}`);
  };
  const safe = (v: number) => Number.isSafeInteger(v) ? v : fail();
  const atom = (): number => {
    const t = tokens[i++];
    if (t === "(") {
      const v = sum();
      if (tokens[i++] !== ")") fail();
      return v;
    }
    return t !== undefined && /^(0x[0-9a-fA-F]+|\d+)$/.test(t) ? safe(Number(t)) : fail();
  };
  const product = (): number => {
    let v = atom();
    while (tokens[i] === "*") i++, v = safe(v * atom());
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (tokens[i] === "+" || tokens[i] === "-") {
      v = safe(tokens[i++] === "+" ? v + product() : v - product());
    }
    return v;
  };
  const v = sum();
  if (i !== tokens.length) fail();
  return v;
}

const atom = <T extends Node["t"]>(t: T) => () => ({ t }) as Node;

/** Unsigned 8-bit integer. */
export const uint8: () => Node = atom("uint8");
/** Signed 8-bit integer. */
export const int8: () => Node = atom("int8");
/** Unsigned 16-bit big-endian integer. */
export const uint16: () => Node = atom("uint16");
/** Signed 16-bit big-endian integer. */
export const int16: () => Node = atom("int16");
/** 31-bit signed integer in 4 bytes. */
export const int31: () => Node = atom("int31");
/** Signed 32-bit big-endian integer. */
export const int32: () => Node = atom("int32");
/** Signed 64-bit big-endian integer, as a bigint. */
export const int64: () => Node = atom("int64");
/** 30-bit unsigned integer in 4 bytes. */
export const uint30: () => Node = atom("uint30");
/** Boolean: written `0xFF`/`0x00`, any non-zero byte reads as true. */
export const bool: () => Node = atom("bool");
/** Bytes with a 4-byte length prefix. */
export const bytes: () => Node = atom("bytes");
/** UTF-8 string with a 4-byte length prefix. */
export const string: () => Node = atom("string");
/** Bytes up to the end of the enclosing region. */
export const variableBytes: () => Node = atom("variableBytes");
/** UTF-8 string up to the end of the enclosing region. */
export const variableString: () => Node = atom("variableString");
/** The generic application message of the P2P envelope. */
export const app: () => Node = atom("app");

/** Exactly `size` raw bytes. */
export function fixedBytes(size: number): Node {
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`fixedBytes: bad size ${size}`);
  return { t: "fixedBytes", size };
}

/**
 * Exactly `size` raw bytes shown as base58check text with version bytes `prefix` (a Tezos hash:
 * `Block_hash` is `base58Bytes(32, [0x01, 0x34], "B")`). The wire form is that of
 * {@link fixedBytes}; the generated file also exports the prefix, and the reference shows the text.
 */
export function base58Bytes(size: number, prefix: readonly number[], lead: string): Node {
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`base58Bytes: bad size ${size}`);
  if (prefix.some((b) => !Number.isInteger(b) || b < 0 || b > 0xff)) {
    throw new RangeError(`base58Bytes: bad prefix ${prefix}`);
  }
  return { t: "fixedBytes", size, base58: { prefix: [...prefix], lead } };
}

/** A length prefix (4 bytes by default, or 2 or 1) followed by exactly that many bytes of `inner`. */
export function dynamicSize(inner: Node, prefix: 1 | 2 | 4 = 4): Node {
  return { t: "dynamicSize", prefix, inner };
}

/**
 * `inner`, limited to `limit` bytes including the length prefixes inside it. Write the limit with
 * {@link size} to have generated code print it as written.
 */
export function checkSize(limit: number | Size, inner: Node): Node {
  const { value, text } = asSize(limit, "checkSize");
  return { t: "checkSize", limit: value, inner, limitText: text };
}

/** A list with a 4-byte byte-length prefix (`list ?max_length` of data-encoding). */
export function list(element: Node, maxLength?: number | Size): Node {
  return dynamicSize(variableList(element, maxLength));
}

/** Elements back to back until the end of the enclosing region (`Variable.list`). */
export function variableList(element: Node, maxLength?: number | Size): Node {
  if (maxLength === undefined) return { t: "list", element };
  const { value, text } = asSize(maxLength, "list");
  return { t: "list", element, maxLength: value, maxLengthText: text };
}

/** A required field. */
export function req(name: string, node: Node, doc?: string): Field {
  return { name, node, doc };
}

/** An optional field (presence byte). */
export function opt(name: string, node: Node, doc?: string): Field {
  return { name, node, optional: true, doc };
}

/** An object: fields concatenated in order. */
export function obj(...fields: Field[]): Node {
  const names = new Set<string>();
  for (const f of fields) {
    if (names.has(f.name)) throw new RangeError(`obj: field ${f.name} declared twice`);
    names.add(f.name);
  }
  return { t: "obj", fields };
}

/**
 * Objects merged into one (`merge_objs`): each part is an {@link obj} or a {@link ref} to a
 * declared object or merge; their fields, which must have distinct names, are written in order.
 */
export function merge(...parts: Node[]): Node {
  if (parts.length < 2) throw new RangeError("merge: needs at least two parts");
  const names = new Set<string>();
  for (const name of parts.flatMap((p) => mergedFieldNames(p))) {
    if (names.has(name)) throw new RangeError(`merge: field ${name} declared twice`);
    names.add(name);
  }
  return { t: "merge", parts };
}

/** The field names of an object, a merge or a reference to one; throws for anything else. */
export function mergedFieldNames(n: Node): string[] {
  switch (n.t) {
    case "obj":
      return n.fields.map((f) => f.name);
    case "merge":
      return n.parts.flatMap(mergedFieldNames);
    case "ref":
      return mergedFieldNames(n.decl.node);
    default:
      throw new RangeError(`merge: a part must be an object, not ${n.t}`);
  }
}

/** A union case. */
export function tagged(tag: number, name: string, fields: Field[] = [], doc?: string): Case {
  return { tag, name, fields, doc };
}

/** An alias case (see {@link Case.aliasBody}). */
export function alias(tag: number, name: string, body: Uint8Array, doc?: string): Case {
  return { tag, name, fields: [], aliasBody: body, doc };
}

/** A union with a 1- or 2-byte tag. */
export function union(tagSize: 1 | 2, cases: Case[], options: { appCase?: string } = {}): Node {
  const max = tagSize === 1 ? 0xff : 0xffff;
  const seen = new Set<number>();
  for (const c of cases) {
    if (!Number.isInteger(c.tag) || c.tag < 0 || c.tag > max) {
      throw new RangeError(`union: tag ${c.tag} of ${c.name} does not fit ${tagSize} byte(s)`);
    }
    if (c.aliasBody) continue;
    if (seen.has(c.tag)) throw new RangeError(`union: tag ${c.tag} declared twice`);
    seen.add(c.tag);
  }
  return { t: "union", tagSize, cases, appCase: options.appCase };
}

/** A reference to a named type. */
export function ref(decl: Decl): Node {
  return { t: "ref", decl };
}

/** A named conversion over `inner`. */
export function conv(inner: Node, conversion: Conversion): Node {
  return { t: "conv", inner, conv: conversion };
}

/** Declares a named type. */
export function declare(
  name: string,
  doc: string,
  node: Node,
  options: { appCodec?: string } = {},
): Decl {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) throw new RangeError(`declare: bad type name ${name}`);
  return { name, doc, node, appCodec: options.appCodec };
}

/**
 * Declares a recursive type (data-encoding's `mu`): `build` receives a reference to the type being
 * declared, e.g. a Merkle path that is `Left (path, hash)`, `Right (hash, path)` or `Op`. Every
 * self reference must come after at least one byte of the value (a tag), so each level reads input;
 * decoders also stop at `maxDepth` levels (a tzp2p bound: `mu` has none, OCaml's stack is the
 * limit) with `size_limit_exceeded`.
 */
export function recursive(
  name: string,
  doc: string,
  build: (self: Node) => Node,
  options: { maxDepth: number | Size },
): Decl {
  const recursion = asSize(options.maxDepth, "recursive");
  const decl = { ...declare(name, doc, { t: "obj", fields: [] }), recursion };
  (decl as { node: Node }).node = build(ref(decl));
  return decl;
}

/** A schema file: its declarations, in output order. */
export interface SchemaFile {
  /** Path of the schema file relative to the repository root, e.g. `schema/connection.ts`. */
  readonly source: string;
  /** Path of the generated file relative to the repository root, e.g. `gen/connection.ts`. */
  readonly output: string;
  /** Module documentation of the generated file. */
  readonly doc: string;
  /** Declarations emitted into this file. */
  readonly decls: readonly Decl[];
}

/**
 * The read pass of generated decoders: statements that declare a variable holding the value
 * read. A referenced type is read by calling its `readX`; consecutive fixed-size fields share one
 * bounds check and read at constant offsets.
 *
 * @module
 */

import type { Decl, Field, MergeNode, Node, UnionNode } from "./dsl.ts";
import { fixedSize, isGeneric } from "./analysis.ts";
import {
  aliasConstFor,
  type EmitterApi,
  hex,
  limitText,
  maxLengthText,
  PREFIX_READ,
  READ,
} from "./emit_util.ts";

/** Emits statements that declare `target` holding the value read. */
export function emitRead(
  e: EmitterApi,
  n: Node,
  target: string,
  path: string,
  type?: string,
): void {
  const f = e.f;
  switch (n.t) {
    case "uint8":
    case "int8":
    case "uint16":
    case "int16":
    case "int31":
    case "int32":
    case "int64":
    case "uint30":
    case "bool":
      f.line(`const ${target} = r.${READ[n.t]}();`);
      return;
    case "fixedBytes":
      f.line(`const ${target} = r.fixed(${n.size});`);
      return;
    case "bytes":
      f.line(`const ${target} = r.fixed(r.u30());`);
      return;
    case "string":
      f.line(`const ${target} = r.utf8(r.u30());`);
      return;
    case "variableBytes":
      f.line(`const ${target} = r.rest();`);
      return;
    case "variableString":
      f.line(`const ${target} = r.utf8(r.end - r.pos);`);
      return;
    case "dynamicSize": {
      const outer = f.fresh("outer");
      f.line(`const ${outer} = r.openRegion(r.${PREFIX_READ[n.prefix]}());`);
      emitRead(e, n.inner, target, path, type);
      f.line(`r.at = "${path}";`);
      f.line(`r.closeRegion(${outer});`);
      return;
    }
    case "checkSize": {
      const lim = f.fresh("limit");
      f.line(`const ${lim} = r.openLimit(${limitText(n)});`);
      emitRead(e, n.inner, target, path, type);
      f.line(`r.limit = ${lim};`);
      return;
    }
    case "list": {
      const elType = e.tsType(n.element);
      const arrayType = `${/[ |]/.test(elType) ? `(${elType})` : elType}[]`;
      const size = fixedSize(n.element);
      if (size !== undefined && size > 0) {
        emitReadFixedList(e, n, size, arrayType, target, path);
        return;
      }
      f.line(`const ${target}: ${arrayType} = [];`);
      f.block("while (r.pos < r.end) {", () => {
        if (n.maxLength !== undefined) {
          f.block(`if (${target}.length === ${maxLengthText(n)}) {`, () => {
            f.line(`r.at = "${path}";`);
            f.line(`throw r.error("list_too_long", "more than ${n.maxLength} elements");`);
          });
        }
        const el = f.fresh("e");
        emitRead(e, n.element, el, `${path}[]`);
        f.line(`${target}.push(${el});`);
      });
      return;
    }
    case "obj": {
      const names = emitReadFields(e, n.fields, path);
      f.list(`const ${target}${type ? `: ${type}` : ""} = { `, entries(names), " };");
      return;
    }
    case "union": {
      const tag = f.fresh("tag");
      f.line(`const ${tag} = r.${n.tagSize === 1 ? "u8" : "u16"}();`);
      emitUnionBody(e, n, tag, target, path, type ?? e.tsType(n));
      return;
    }
    case "ref": {
      const generic = isGeneric(n.decl.node);
      // Inside a recursive type, a reference to itself reads one level deeper.
      const deeper = n.decl === e.current && n.decl.recursion ? ", depth + 1" : "";
      f.line(
        `const ${target} = ${e.declValue(n.decl, "read")}(r${generic ? ", app" : ""}${deeper});`,
      );
      return;
    }
    case "merge": {
      const names = emitReadMerge(e, n, path);
      f.list(`const ${target}${type ? `: ${type}` : ""} = { `, names, " };");
      return;
    }
    case "conv": {
      if (n.conv.decodeAscii !== undefined) {
        emitReadConvAscii(e, n, target, path);
        return;
      }
      const start = f.fresh("start");
      const c = f.fresh("c");
      f.line(`const ${start} = r.pos;`);
      emitRead(e, n.inner, c, path);
      f.line(`r.at = "${path}";`);
      f.line(
        `const ${target} = r.convert(${
          e.convFn(n, "decode")
        }, ${c}, "${n.conv.errorKind}", ${start});`,
      );
      return;
    }
    case "app":
      throw new RangeError(`${path}: app() outside a union's appCase`);
  }
}

/**
 * A list of fixed-size elements: it runs to the end of the current region (whose bytes are all
 * present: `openRegion` checked them), so it holds at most that many bytes / `size` elements, and
 * the array is made at that length (capped by the list's maximum) instead of grown by `push`:
 * 1,000 DAL ids were read 20-25% faster this way (deno bench, Deno 2.9.6). The loop, its checks
 * and its errors are those of a grown list: an element cut short by the region's end fails to
 * read, so no array with holes is ever returned.
 */
function emitReadFixedList(
  e: EmitterApi,
  n: Extract<Node, { t: "list" }>,
  size: number,
  arrayType: string,
  target: string,
  path: string,
): void {
  const f = e.f;
  const count = f.fresh("count");
  const i = f.fresh("i");
  const most = `Math.floor((r.end - r.pos) / ${size})`;
  f.line(
    `const ${count} = ${
      n.maxLength === undefined ? most : `Math.min(${most}, ${maxLengthText(n)})`
    };`,
  );
  f.line(`const ${target}: ${arrayType} = new Array(${count});`);
  f.line(`let ${i} = 0;`);
  f.block("while (r.pos < r.end) {", () => {
    if (n.maxLength !== undefined) {
      f.block(`if (${i} === ${maxLengthText(n)}) {`, () => {
        f.line(`r.at = "${path}";`);
        f.line(`throw r.error("list_too_long", "more than ${n.maxLength} elements");`);
      });
    }
    const el = f.fresh("e");
    emitRead(e, n.element, el, `${path}[]`);
    f.line(`${target}[${i}++] = ${el};`);
  });
}

/**
 * A conversion over a string with a fast path on its bytes (`decodeAscii`): the bytes are taken
 * (same bounds checks as reading the string), handed to the fast path, and only when it declines
 * read again as text for `decode`, so values and errors are those of the plain conversion.
 */
function emitReadConvAscii(
  e: EmitterApi,
  n: Extract<Node, { t: "conv" }>,
  target: string,
  path: string,
): void {
  const f = e.f;
  const limited = n.inner.t === "checkSize" ? n.inner : undefined;
  const text = limited?.inner ?? n.inner;
  if (text.t !== "string") {
    throw new RangeError(`${path}: decodeAscii needs a conversion over a string (or checkSize)`);
  }
  const start = f.fresh("start");
  const lim = f.fresh("limit");
  const length = f.fresh("length");
  const at = f.fresh("at");
  const c = f.fresh("c");
  f.line(`const ${start} = r.pos;`);
  if (limited) f.line(`const ${lim} = r.openLimit(${limitText(limited)});`);
  f.line(`const ${length} = r.u30();`);
  f.line(`const ${at} = r.take(${length});`);
  f.line(`let ${target} = ${e.convFn(n, "decodeAscii")}(r.bytes, ${at}, ${at} + ${length}, r);`);
  f.block(`if (${target} === undefined) {`, () => {
    f.line(`r.pos = ${at};`);
    f.line(`const ${c} = r.utf8(${length});`);
    f.line(`r.at = "${path}";`);
    f.line(
      `${target} = r.convert(${e.convFn(n, "decode")}, ${c}, "${n.conv.errorKind}", ${start});`,
    );
  });
  if (limited) f.line(`r.limit = ${lim};`);
}

/** Emits the body of a `readX` function: statements reading `n`, then `return`. */
export function emitReadReturn(e: EmitterApi, n: Node, path: string, type: string): void {
  if (n.t === "obj") {
    e.f.list("return { ", entries(emitReadFields(e, n.fields, path)), " };");
    return;
  }
  if (n.t === "merge") {
    e.f.list("return { ", emitReadMerge(e, n, path), " };");
    return;
  }
  emitRead(e, n, "t", path, type);
  e.f.line("return t;");
}

/**
 * Reads the parts of a merge in order: a referenced object by its `readX` (spread into the
 * result), an inline object field by field. Returns the entries of the merged object literal.
 */
function emitReadMerge(e: EmitterApi, n: MergeNode, path: string): string[] {
  const out: string[] = [];
  for (const p of n.parts) {
    if (p.t === "obj") {
      out.push(...entries(emitReadFields(e, p.fields, path)));
      continue;
    }
    const part = e.f.fresh(p.t === "ref" ? lowerFirst(p.decl.name) : "part");
    e.f.line(`r.at = "${path}";`);
    emitRead(e, p, part, path);
    out.push(`...${part}`);
  }
  return out;
}

function lowerFirst(name: string): string {
  return name[0].toLowerCase() + name.slice(1);
}

/** `field` or `field: local`, for an object literal. */
function entries(names: readonly [string, string][]): string[] {
  return names.map(([k, x]) => k === x ? k : `${k}: ${x}`);
}

/**
 * True for a field that reads at a constant offset inside a bounds-checked run: a required
 * integer, bool or fixed-size byte string, or a referenced type read by its `readXAt`
 * ({@link readsAt}).
 */
function inRun(field: Field): boolean {
  if (field.optional) return false;
  const n = field.node;
  return isLeaf(n) || (n.t === "ref" && readsAt(n.decl));
}

/** An integer, bool or fixed-size byte string: read at an offset by {@link atOffset}. */
function isLeaf(n: Node): boolean {
  return n.t in READ || n.t === "fixedBytes";
}

/**
 * True when `decl` gets a `readXAt(r, o)` reader that reads a value at an offset its caller has
 * bounds-checked: a non-generic, non-recursive object or fixed-size union (no alias body, no
 * application case) whose fields are all integers, bools or fixed byte strings, e.g. a public key
 * hash (a tag and 20 bytes). A run of fields then reads it with the run's one bounds check: for
 * the 1,000 ids of a DAL IHave, one `take` an id instead of three.
 */
export function readsAt(decl: Decl): boolean {
  if (decl.recursion || isGeneric(decl.node) || fixedSize(decl.node) === undefined) return false;
  const n = decl.node;
  if (n.t === "obj") return n.fields.every((f) => !f.optional && isLeaf(f.node));
  if (n.t === "union") {
    return n.cases.every((c) => c.fields.every((f) => !f.optional && isLeaf(f.node)));
  }
  return false;
}

/**
 * Emits the body of `readXAt(r, o)` for a {@link readsAt} declaration (`r` and `o` in scope):
 * the fields at constant offsets from `o`, a union's tag first.
 * Checks and errors are those of `readX`, at the same offsets; only `r.pos` is not moved (the
 * caller's `take` did).
 */
export function emitReadAtBody(e: EmitterApi, decl: Decl, type: string): void {
  const f = e.f;
  f.line("const b = r.bytes;");
  const n = decl.node;
  if (n.t === "obj") {
    const out: [string, string][] = [];
    emitFieldsAt(e, n.fields, decl.name, "b", "o", 0, out);
    f.list("return { ", entries(out), " };");
    return;
  } else if (n.t === "union") {
    const tag = n.tagSize === 1 ? "b[o]" : "(b[o] << 8) | b[o + 1]";
    f.line(`const tag = ${tag};`);
    f.line(`let t: ${type};`);
    f.block("switch (tag) {", () => {
      for (const c of n.cases) {
        f.block(`case ${hex(c.tag, n.tagSize * 2)}: {`, () => {
          const out: [string, string][] = [];
          emitFieldsAt(e, c.fields, `${decl.name}.${c.name}`, "b", "o", n.tagSize, out);
          f.list("t = { ", [`kind: "${c.name}"`, ...entries(out)], " };");
          f.line("break;");
        });
      }
      f.line("default:");
      f.line(`  r.at = "${decl.name}";`);
      f.line('  throw r.error("unexpected_tag", `tag ${tag}`, o);');
    });
  } else throw new RangeError(`${decl.name}: not read at an offset`);
  f.line("return t;");
}

/** Declares one local per field, read at `o + k` onwards; pushes [name, local] pairs. */
function emitFieldsAt(
  e: EmitterApi,
  fields: readonly Field[],
  path: string,
  b: string,
  o: string,
  k: number,
  out: [string, string][],
): void {
  const f = e.f;
  for (const field of fields) {
    const x = f.fresh(localName(field.name));
    const checked = field.node.t === "int31" || field.node.t === "uint30";
    if (checked) f.line(`r.at = "${path}.${field.name}";`);
    f.line(`const ${x} = ${atOffset(e, field.node, b, o, k)};`);
    out.push([field.name, x]);
    k += fixedSize(field.node)!;
  }
}

/**
 * Reads fields in order; returns [field name, local variable] pairs. Two or more consecutive
 * integers, bools and fixed byte strings are read as a run: one bounds check (`r.take`), then one
 * line per field at a constant offset. Everything else, referenced types included, is read by its
 * own statements (a referenced type by calling its `readX`).
 */
export function emitReadFields(
  e: EmitterApi,
  fields: readonly Field[],
  path: string,
): [string, string][] {
  const f = e.f;
  const out: [string, string][] = [];
  for (let i = 0; i < fields.length; i++) {
    let j = i;
    while (j < fields.length && inRun(fields[j])) j++;
    if (j - i >= 2) {
      emitRun(e, fields.slice(i, j), path, out);
      i = j - 1;
      continue;
    }
    const field = fields[i];
    const x = f.fresh(localName(field.name));
    const fp = `${path}.${field.name}`;
    f.line(`r.at = "${fp}";`);
    if (field.optional) {
      f.line(`let ${x}: ${e.tsType(field.node)} | undefined;`);
      f.block("if (r.bool()) {", () => {
        const y = f.fresh("some");
        emitRead(e, field.node, y, fp);
        f.line(`${x} = ${y};`);
      });
    } else emitRead(e, field.node, x, fp);
    out.push([field.name, x]);
  }
  return out;
}

function localName(field: string): string {
  const name = field.replace(/[^A-Za-z0-9_$]/g, "");
  return /^[A-Za-z_$]/.test(name) ? name : `f${name}`;
}

/** Reads a run of fixed-offset fields after one bounds check (see {@link emitReadFields}). */
function emitRun(
  e: EmitterApi,
  run: readonly Field[],
  path: string,
  out: [string, string][],
): void {
  const f = e.f;
  const total = run.reduce((s, field) => s + fixedSize(field.node)!, 0);
  f.line(`r.at = "${path}.${run[0].name}";`);
  const o = f.fresh("o");
  const b = f.fresh("b");
  f.line(`const ${o} = r.take(${total});`);
  f.line(`const ${b} = r.bytes;`);
  let k = 0;
  for (const [i, field] of run.entries()) {
    const x = f.fresh(localName(field.name));
    const checked = field.node.t === "int31" || field.node.t === "uint30";
    if (checked && i > 0) f.line(`r.at = "${path}.${field.name}";`);
    f.line(`const ${x} = ${atOffset(e, field.node, b, o, k)};`);
    out.push([field.name, x]);
    k += fixedSize(field.node)!;
  }
}

/**
 * An expression reading the integer, bool or fixed bytes `n` at `b[o + k]`, bounds checked.
 */
function atOffset(e: EmitterApi, n: Node, b: string, o: string, k: number): string {
  const at = (i: number) => `${b}[${o}${k + i === 0 ? "" : ` + ${k + i}`}]`;
  switch (n.t) {
    case "ref":
      return `${e.declValue(n.decl, "read", "At")}(r, ${o}${k === 0 ? "" : ` + ${k}`})`;
    case "uint8":
      return at(0);
    case "int8":
      return `(${at(0)} << 24) >> 24`;
    case "bool":
      return `${at(0)} !== 0`;
    case "uint16":
      return `(${at(0)} << 8) | ${at(1)}`;
    case "int16":
      return `((${at(0)} << 24) | (${at(1)} << 16)) >> 16`;
    case "int32":
      return `(${at(0)} << 24) | (${at(1)} << 16) | (${at(2)} << 8) | ${at(3)}`;
    case "int31":
    case "uint30":
    case "int64":
      return `r.${READ[n.t]}At(${o}${k === 0 ? "" : ` + ${k}`})`;
    case "fixedBytes":
      return `r.view(${o}${k === 0 ? "" : ` + ${k}`}, ${n.size})`;
    default:
      throw new RangeError(`${n.t} is not read at an offset`);
  }
}

/** Emits `let target: type` and the switch on `tag` that assigns it. */
export function emitUnionBody(
  e: EmitterApi,
  n: UnionNode,
  tag: string,
  target: string,
  path: string,
  type: string,
): void {
  const f = e.f;
  f.line(`let ${target}: ${type};`);
  const tags = [...new Set(n.cases.map((c) => c.tag))];
  f.block(`switch (${tag}) {`, () => {
    for (const t of tags) {
      const cases = n.cases.filter((c) => c.tag === t);
      f.block(`case ${hex(t, n.tagSize * 2)}: {`, () => {
        for (const c of cases.filter((c) => c.aliasBody)) {
          const k = aliasConstFor(path, c);
          f.block(`if (r.peekEquals(${k})) {`, () => {
            f.line(`r.pos += ${k}.length;`);
            f.line(`${target} = { kind: "${c.name}" };`);
            f.line("break;");
          });
        }
        const regular = cases.find((c) => !c.aliasBody);
        if (regular === undefined) {
          f.line(`throw r.error("unexpected_tag", \`tag \${${tag}}\`, r.pos - ${n.tagSize});`);
          return;
        }
        const names = emitReadFields(e, regular.fields, `${path}.${regular.name}`);
        f.list(`${target} = { `, [`kind: "${regular.name}"`, ...entries(names)], " };");
        f.line("break;");
      });
    }
    f.line("default:");
    if (n.appCase) {
      f.line(`  ${target} = { kind: "${n.appCase}", message: app.read(r, ${tag}) };`);
    } else {
      f.line(`  throw r.error("unexpected_tag", \`tag \${${tag}}\`, r.pos - ${n.tagSize});`);
    }
  });
}

/**
 * The read pass of generated decoders: statements that declare a variable holding the value
 * read, with one bounds check per fixed-size value (constant offsets inside it).
 *
 * @module
 */

import type { Field, Node, UnionNode } from "./dsl.ts";
import { fixedSize, hasFixedLayout, isGeneric } from "./analysis.ts";
import { aliasConstFor, hex, PREFIX_READ, READ } from "./emit_util.ts";
import type { Emitter } from "./emit_ts.ts";

/** Emits statements that declare `target` holding the value read. */
export function emitRead(e: Emitter, n: Node, target: string, path: string, type?: string): void {
  const f = e.f;
  if ((n.t === "obj" || n.t === "union" || n.t === "ref") && hasFixedLayout(n)) {
    // One bounds check for the whole value, then reads at constant offsets.
    const o = f.fresh("o");
    const b = f.fresh("b");
    f.line(`const ${o} = r.take(${fixedSize(n)});`);
    f.line(`const ${b} = r.bytes;`);
    f.line(`const ${target}${type ? `: ${type}` : ""} = ${emitLayout(e, n, b, o, 0, path)};`);
    return;
  }
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
      f.line(`const ${lim} = r.openLimit(${n.limit});`);
      emitRead(e, n.inner, target, path, type);
      f.line(`r.limit = ${lim};`);
      return;
    }
    case "list": {
      const elType = e.tsType(n.element);
      f.line(`const ${target}: ${/[ |]/.test(elType) ? `(${elType})` : elType}[] = [];`);
      f.block("while (r.pos < r.end) {", () => {
        if (n.maxLength !== undefined) {
          f.block(`if (${target}.length === ${n.maxLength}) {`, () => {
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
      f.line(
        `const ${target}${type ? `: ${type}` : ""} = { ${
          names.map(([k, x]) => `${k}: ${x}`).join(", ")
        } };`,
      );
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
      f.line(`const ${target} = ${e.declValue(n.decl, "read")}(r${generic ? ", app" : ""});`);
      return;
    }
    case "conv": {
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

/** An expression reading `n` at `b[o + off]`, bounds already checked. */
export function emitLayout(
  e: Emitter,
  n: Node,
  b: string,
  o: string,
  off: number,
  path: string,
): string {
  const at = (k: number) => `${b}[${o} + ${off + k}]`;
  switch (n.t) {
    case "uint8":
      return at(0);
    case "int8":
      return `((${at(0)} << 24) >> 24)`;
    case "bool":
      return `(${at(0)} !== 0)`;
    case "uint16":
      return `((${at(0)} << 8) | ${at(1)})`;
    case "int16":
      return `(((${at(0)} << 24) | (${at(1)} << 16)) >> 16)`;
    case "int32":
      return `((${at(0)} << 24) | (${at(1)} << 16) | (${at(2)} << 8) | ${at(3)})`;
    case "int31":
    case "uint30":
    case "int64":
      return `r.${READ[n.t]}At(${o} + ${off})`;
    case "fixedBytes":
      return `${b}.subarray(${o} + ${off}, ${o} + ${off + n.size})`;
    case "checkSize":
      return emitLayout(e, n.inner, b, o, off, path);
    case "ref":
      return emitLayout(e, n.decl.node, b, o, off, n.decl.name);
    case "obj": {
      let k = off;
      const parts: string[] = [];
      for (const field of n.fields) {
        parts.push(`${field.name}: ${emitLayout(e, field.node, b, o, k, `${path}.${field.name}`)}`);
        k += fixedSize(field.node)!;
      }
      return `{ ${parts.join(", ")} }`;
    }
    case "union": {
      // A fixed union is a tag then same-size bodies: an IIFE-free conditional chain.
      const tag = n.tagSize === 1 ? at(0) : `((${at(0)} << 8) | ${at(1)})`;
      const bodyOff = off + n.tagSize;
      let expr = `r.unexpectedTag(${tag}, ${o} + ${off}, "${path}")`;
      for (const c of [...n.cases].reverse()) {
        const body = emitLayout(
          e,
          { t: "obj", fields: c.fields },
          b,
          o,
          bodyOff,
          `${path}.${c.name}`,
        );
        const value = c.fields.length
          ? `{ kind: "${c.name}" as const, ${body.slice(2)}`
          : `{ kind: "${c.name}" as const }`;
        expr = `${tag} === ${hex(c.tag, n.tagSize * 2)} ? ${value} : ${expr}`;
      }
      return `(${expr})`;
    }
    default:
      throw new RangeError(`${path}: ${n.t} has no fixed layout`);
  }
}

/** Reads fields in order; returns [field name, local variable] pairs. */
export function emitReadFields(
  e: Emitter,
  fields: readonly Field[],
  path: string,
): [string, string][] {
  const f = e.f;
  const out: [string, string][] = [];
  for (const field of fields) {
    const x = f.fresh(field.name.replace(/[^A-Za-z0-9]/g, ""));
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

/** Emits `let target: type` and the switch on `tag` that assigns it. */
export function emitUnionBody(
  e: Emitter,
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
        f.line(
          `${target} = { kind: "${regular.name}"${
            names.map(([k, x]) => `, ${k}: ${x}`).join("")
          } };`,
        );
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

/**
 * The size and write passes of generated encoders: `sizeOfX` sums sizes (constant-folded where
 * fixed), `writeX` writes with back-patched length prefixes and per-field error paths.
 *
 * @module
 */

import type { Node } from "./dsl.ts";
import { fixedSize, isGeneric } from "./analysis.ts";
import {
  aliasConstFor,
  type EmitterApi,
  hex,
  limitText,
  maxLengthText,
  READ,
} from "./emit_util.ts";

/**
 * Emits statements adding the encoded size of `v` (a value of `n`) to `size`. `ascii`: a string
 * here is known to be ASCII (a conversion's `encodesAscii`), so its length is its UTF-8 size.
 */
export function emitSize(e: EmitterApi, n: Node, v: string, path: string, ascii = false): void {
  const f = e.f;
  const fixed = fixedSize(n);
  if (fixed !== undefined && n.t !== "conv") {
    f.line(`size += ${fixed};`);
    return;
  }
  switch (n.t) {
    case "bytes":
      f.line(`size += 4 + ${v}.length;`);
      return;
    case "string":
      f.line(ascii ? `size += 4 + ${v}.length;` : `size += 4 + ${e.rt("utf8Length")}(${v});`);
      return;
    case "variableBytes":
      f.line(`size += ${v}.length;`);
      return;
    case "variableString":
      f.line(`size += ${e.rt("utf8Length")}(${v});`);
      return;
    case "dynamicSize":
      f.line(`size += ${n.prefix};`);
      emitSize(e, n.inner, v, path);
      return;
    case "checkSize":
      emitSize(e, n.inner, v, path, ascii);
      return;
    case "list": {
      const el = fixedSize(n.element);
      if (el !== undefined && n.element.t !== "conv") {
        f.line(`size += ${v}.length * ${el};`);
      } else {
        const el = f.fresh("e");
        f.block(`for (const ${el} of ${v}) {`, () => emitSize(e, n.element, el, `${path}[]`));
      }
      return;
    }
    case "obj":
      for (const field of n.fields) {
        const fv = `${v}.${field.name}`;
        if (field.optional) {
          f.line("size += 1;");
          f.block(
            `if (${fv} !== undefined) {`,
            () => emitSize(e, field.node, fv, `${path}.${field.name}`),
          );
        } else emitSize(e, field.node, fv, `${path}.${field.name}`);
      }
      return;
    case "union":
      f.block(`switch (${v}.kind) {`, () => {
        for (const c of n.cases) {
          f.block(`case "${c.name}": {`, () => {
            f.line(`size += ${n.tagSize + (c.aliasBody?.length ?? 0)};`);
            for (const field of c.fields) {
              emitSize(e, field.node, `${v}.${field.name}`, `${path}.${c.name}.${field.name}`);
            }
            f.line("break;");
          });
        }
        if (n.appCase) {
          f.block(`case "${n.appCase}": {`, () => {
            f.line(`size += app.sizeOf(${v}.message);`);
            f.line("break;");
          });
        }
        f.line("default:");
        f.indent(() =>
          f.list(`throw ${e.rt("EncodeError")}.at(`, [
            `"unexpected_case"`,
            `"${path}"`,
            `\`kind \${(${v} as { kind: string }).kind}\``,
          ], ");")
        );
      });
      return;
    case "ref": {
      const generic = isGeneric(n.decl.node);
      f.line(`size += ${e.declValue(n.decl, "sizeOf")}(${v}${generic ? ", app" : ""});`);
      return;
    }
    case "merge":
      // Each part sizes its own fields of the one merged value.
      for (const p of n.parts) emitSize(e, p, v, path);
      return;
    case "conv": {
      checkEncodesAscii(n, path);
      const c = f.fresh("c");
      f.list(
        `const ${c} = ${e.rt("convertForEncode")}(`,
        [e.convFn(n, "encode"), v, `"${path}"`],
        ");",
      );
      emitSize(e, n.inner, c, path, n.conv.encodesAscii === true);
      return;
    }
    default:
      throw new RangeError(`${path}: cannot size ${n.t}`);
  }
}

/** Throws unless a conversion that `encodesAscii` is over a string (possibly in `checkSize`). */
function checkEncodesAscii(n: Extract<Node, { t: "conv" }>, path: string): void {
  const inner = n.inner.t === "checkSize" ? n.inner.inner : n.inner;
  if (n.conv.encodesAscii === true && inner.t !== "string") {
    throw new RangeError(`${path}: encodesAscii needs a conversion over a string`);
  }
}

/** Emits statements writing `v` (a value of `n`); `ascii` as for {@link emitSize}. */
export function emitWrite(e: EmitterApi, n: Node, v: string, path: string, ascii = false): void {
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
      f.line(`w.${READ[n.t]}(${v});`);
      return;
    case "fixedBytes":
      f.line(`w.fixed(${v}, ${n.size});`);
      return;
    case "bytes":
      f.line(`w.u30(${v}.length);`);
      f.line(`w.raw(${v});`);
      return;
    case "string": {
      const len = f.fresh("n");
      f.line(`const ${len} = ${ascii ? `${v}.length` : `${e.rt("utf8Length")}(${v})`};`);
      f.line(`w.u30(${len});`);
      f.line(`w.utf8(${v}, ${len});`);
      return;
    }
    case "variableBytes":
      f.line(`w.raw(${v});`);
      return;
    case "variableString":
      f.line(`w.utf8(${v}, ${e.rt("utf8Length")}(${v}));`);
      return;
    case "dynamicSize": {
      const at = f.fresh("at");
      f.line(`const ${at} = w.reserve(${n.prefix});`);
      emitWrite(e, n.inner, v, path);
      f.line(`w.patchLength(${at}, ${n.prefix});`);
      return;
    }
    case "checkSize": {
      const start = f.fresh("start");
      f.line(`const ${start} = w.pos;`);
      emitWrite(e, n.inner, v, path, ascii);
      f.line(`w.at = "${path}";`);
      f.line(`w.checkLimit(${start}, ${limitText(n)});`);
      return;
    }
    case "list": {
      if (n.maxLength !== undefined) {
        f.block(`if (${v}.length > ${maxLengthText(n)}) {`, () => {
          f.line(`w.at = "${path}";`);
          f.line(
            `throw w.error("list_too_long", \`\${${v}.length} elements > ${n.maxLength}\`);`,
          );
        });
      }
      const el = f.fresh("e");
      f.block(`for (const ${el} of ${v}) {`, () => emitWrite(e, n.element, el, `${path}[]`));
      return;
    }
    case "obj":
      for (const field of n.fields) {
        const fv = `${v}.${field.name}`;
        const fp = `${path}.${field.name}`;
        f.line(`w.at = "${fp}";`);
        if (field.optional) {
          f.line(`if (${fv} === undefined) w.bool(false);`);
          f.block("else {", () => {
            f.line("w.bool(true);");
            emitWrite(e, field.node, fv, fp);
          });
        } else emitWrite(e, field.node, fv, fp);
      }
      return;
    case "union":
      f.block(`switch (${v}.kind) {`, () => {
        const tagWrite = n.tagSize === 1 ? "u8" : "u16";
        for (const c of n.cases) {
          f.block(`case "${c.name}": {`, () => {
            f.line(`w.${tagWrite}(${hex(c.tag, n.tagSize * 2)});`);
            if (c.aliasBody) f.line(`w.raw(${aliasConstFor(path, c)});`);
            for (const field of c.fields) {
              f.line(`w.at = "${path}.${c.name}.${field.name}";`);
              emitWrite(e, field.node, `${v}.${field.name}`, `${path}.${c.name}.${field.name}`);
            }
            f.line("break;");
          });
        }
        if (n.appCase) {
          f.block(`case "${n.appCase}": {`, () => {
            f.line(`app.write(w, ${v}.message);`);
            f.line("break;");
          });
        }
        f.line("default:");
        f.line(
          `  throw w.error("unexpected_case", \`kind \${(${v} as { kind: string }).kind}\`);`,
        );
      });
      return;
    case "ref": {
      const generic = isGeneric(n.decl.node);
      f.line(`${e.declValue(n.decl, "write")}(w, ${v}${generic ? ", app" : ""});`);
      return;
    }
    case "merge":
      for (const p of n.parts) {
        if (p.t === "ref") f.line(`w.at = "${path}";`);
        emitWrite(e, p, v, path);
      }
      return;
    case "conv": {
      const c = f.fresh("c");
      checkEncodesAscii(n, path);
      f.line(`const ${c} = w.convert(${e.convFn(n, "encode")}, ${v});`);
      emitWrite(e, n.inner, c, path, n.conv.encodesAscii === true);
      return;
    }
    case "app":
      f.line(`app.write(w, ${v});`);
      return;
  }
}

/**
 * Emits straight-line TypeScript codecs for a schema file: for each declaration a type, and
 * `sizeOfX`, `writeX`, `readX`, `encodeX`, `decodeX` (plus `readXBody` and an `AppCodec` for u16
 * unions). No schema is interpreted at run time.
 *
 * @module
 */

import type { Case, Decl, Field, Node, SchemaFile, UnionNode } from "./dsl.ts";
import { fixedSize, hasFixedLayout, isGeneric, validate } from "./analysis.ts";
import { GeneratedFile, type ModuleRef } from "./printer.ts";

/** Where generated code finds its runtime and the other generated files. */
export interface EmitContext {
  /** Module exporting `Reader`, `Writer`, `utf8Length`, `EncodeError`, `AppCodec`… */
  readonly runtime: ModuleRef;
  /** Output file of every declaration that may be referenced. */
  readonly declFiles: ReadonlyMap<Decl, string>;
}

const READ: Record<string, string> = {
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

const PREFIX_READ = { 1: "u8", 2: "u16", 4: "u30" } as const;

/** Emits the generated file for `file` (without its header line). */
export function emitTypeScript(file: SchemaFile, ctx: EmitContext, header: string): string {
  const e = new Emitter(new GeneratedFile(file.output), ctx);
  for (const decl of file.decls) {
    validate(decl.node, decl.name, true);
    e.decl(decl);
  }
  const moduleDoc = [
    "/**",
    ...file.doc.split("\n").map((l) => ` * ${l}`.trimEnd()),
    " *",
    " * @module",
    " */",
  ];
  return e.f.render(`${header}\n\n${moduleDoc.join("\n")}`);
}

class Emitter {
  constructor(readonly f: GeneratedFile, readonly ctx: EmitContext) {}

  rt(name: string): string {
    return this.f.value(name, this.ctx.runtime);
  }

  rtType(name: string): string {
    return this.f.type(name, this.ctx.runtime);
  }

  fileOf(decl: Decl): string {
    const file = this.ctx.declFiles.get(decl);
    if (file === undefined) throw new RangeError(`${decl.name} is referenced but declared nowhere`);
    return file;
  }

  /** Name of a function or type of `decl`, imported when it lives in another file. */
  declValue(decl: Decl, prefix: string): string {
    return this.f.value(`${prefix}${decl.name}`, this.fileOf(decl));
  }

  // ---------------------------------------------------------------- types

  tsType(n: Node): string {
    switch (n.t) {
      case "uint8":
      case "int8":
      case "uint16":
      case "int16":
      case "int31":
      case "int32":
      case "uint30":
        return "number";
      case "int64":
        return "bigint";
      case "bool":
        return "boolean";
      case "fixedBytes":
      case "bytes":
      case "variableBytes":
        return "Uint8Array";
      case "string":
      case "variableString":
        return "string";
      case "dynamicSize":
      case "checkSize":
        return this.tsType(n.inner);
      case "list": {
        const el = this.tsType(n.element);
        return /[ |]/.test(el) ? `readonly (${el})[]` : `readonly ${el}[]`;
      }
      case "obj":
        return `{ ${n.fields.map((f) => this.fieldType(f)).join("; ")} }`;
      case "union":
        return this.unionVariants(n, undefined).join(" | ");
      case "ref":
        return this.f.type(n.decl.name, this.fileOf(n.decl)) +
          (isGeneric(n.decl.node) ? "<M>" : "");
      case "conv":
        return this.f.type(n.conv.tsType, n.conv.module);
      case "app":
        return "M";
    }
  }

  fieldType(f: Field): string {
    return `readonly ${f.name}${f.optional ? "?" : ""}: ${this.tsType(f.node)}`;
  }

  /** The variants of a union: named interfaces for a declaration, inline object types otherwise. */
  unionVariants(n: UnionNode, declName: string | undefined): string[] {
    const out = n.cases.map((c) =>
      declName
        ? `${declName}${c.name}${isGeneric({ t: "obj", fields: c.fields }) ? "<M>" : ""}`
        : `{ readonly kind: "${c.name}"${c.fields.map((f) => `; ${this.fieldType(f)}`).join("")} }`
    );
    if (n.appCase) {
      out.push(
        declName
          ? `${declName}${n.appCase}<M>`
          : `{ readonly kind: "${n.appCase}"; readonly message: M }`,
      );
    }
    return out;
  }

  // ---------------------------------------------------------------- declarations

  decl(d: Decl): void {
    const f = this.f;
    const generic = isGeneric(d.node);
    const tp = generic ? "<M>" : "";
    const appParam = generic ? `, app: ${this.rtType("AppCodec")}<M>` : "";
    const appArg = generic ? ", app" : "";
    const T = `${d.name}${tp}`;
    f.line();
    this.typeDecl(d, generic);

    const aliases = d.node.t === "union" ? d.node.cases.filter((c) => c.aliasBody) : [];
    for (const c of aliases) {
      f.line();
      f.line(`const ${aliasConst(d, c)} = new Uint8Array([${[...c.aliasBody!].join(", ")}]);`);
    }

    const fixed = fixedSize(d.node);
    f.line();
    f.line(
      `/** Encoded size of a {@link ${d.name}}, in bytes; throws \`EncodeError\` if it cannot be encoded. */`,
    );
    if (fixed !== undefined) {
      f.line(`// deno-lint-ignore no-unused-vars`);
      f.block(`export function sizeOf${d.name}${tp}(v: ${T}${appParam}): number {`, () => {
        f.line(`return ${fixed};`);
      });
    } else {
      f.block(`export function sizeOf${d.name}${tp}(v: ${T}${appParam}): number {`, () => {
        f.resetNames();
        f.line("let size = 0;");
        this.size(d.node, "v", d.name);
        f.line("return size;");
      });
    }

    f.line();
    f.line(`/** Writes a {@link ${d.name}} at the writer's position. */`);
    f.block(
      `export function write${d.name}${tp}(w: ${this.rt("Writer")}, v: ${T}${appParam}): void {`,
      () => {
        f.resetNames();
        f.line(`w.at = "${d.name}";`);
        this.write(d.node, "v", d.name);
      },
    );

    f.line();
    if (d.node.t === "union") {
      const u = d.node;
      f.line(`/** Reads the body of a {@link ${d.name}} whose tag was \`tag\`. */`);
      f.block(
        `export function read${d.name}Body${tp}(r: ${
          this.rt("Reader")
        }, tag: number${appParam}): ${T} {`,
        () => {
          f.resetNames();
          f.line(`r.at = "${d.name}";`);
          this.unionBody(u, "tag", "t", d.name, T);
          f.line("return t;");
        },
      );
      f.line();
      f.line(`/** Reads a {@link ${d.name}} at the reader's position. */`);
      f.block(
        `export function read${d.name}${tp}(r: ${this.rt("Reader")}${appParam}): ${T} {`,
        () => {
          f.line(`r.at = "${d.name}";`);
          f.line(
            `return read${d.name}Body(r, r.${PREFIX_READ[u.tagSize === 1 ? 1 : 2]}()${appArg});`,
          );
        },
      );
    } else {
      f.line(`/** Reads a {@link ${d.name}} at the reader's position. */`);
      f.block(
        `export function read${d.name}${tp}(r: ${this.rt("Reader")}${appParam}): ${T} {`,
        () => {
          f.resetNames();
          f.line(`r.at = "${d.name}";`);
          this.read(d.node, "t", d.name, T);
          f.line("return t;");
        },
      );
    }

    f.line();
    f.line(`/** Encodes a {@link ${d.name}} into a new buffer of exactly its size. */`);
    f.block(`export function encode${d.name}${tp}(v: ${T}${appParam}): Uint8Array {`, () => {
      f.line(`const w = new ${this.rt("Writer")}(sizeOf${d.name}(v${appArg}));`);
      f.line(`write${d.name}(w, v${appArg});`);
      f.line("return w.finish();");
    });

    f.line();
    f.line(`/**`);
    f.line(
      ` * Decodes a {@link ${d.name}} that must span all of \`bytes\`. Byte fields of the result are`,
    );
    f.line(` * views into \`bytes\` (no copy). Throws only \`DecodeError\`.`);
    f.line(` */`);
    f.block(`export function decode${d.name}${tp}(bytes: Uint8Array${appParam}): ${T} {`, () => {
      f.line(`const r = new ${this.rt("Reader")}(bytes);`);
      f.line(`const v = read${d.name}(r${appArg});`);
      f.line("r.expectEnd();");
      f.line("return v;");
    });

    if (d.appCodec) {
      if (d.node.t !== "union" || d.node.tagSize !== 2 || generic) {
        throw new RangeError(`${d.name}: appCodec needs a non-generic u16 union`);
      }
      const u = d.node;
      f.line();
      f.line(`/** The {@link ${d.name}} cases as application messages of the P2P envelope. */`);
      f.block(`export const ${d.appCodec}: ${this.rtType("KindedAppCodec")}<${d.name}> = {`, () => {
        f.line(`tags: [${[...new Set(u.cases.map((c) => hex(c.tag, 4)))].join(", ")}],`);
        f.line(`kinds: [${u.cases.map((c) => `"${c.name}"`).join(", ")}],`);
        f.line(`sizeOf: sizeOf${d.name},`);
        f.line(`write: write${d.name},`);
        f.line(`read: read${d.name}Body,`);
      }, "};");
    }
  }

  typeDecl(d: Decl, generic: boolean): void {
    const f = this.f;
    const tp = generic ? "<M>" : "";
    let n = d.node;
    // Size wrappers do not change the value's type: name the cases of a wrapped union too.
    while (n.t === "checkSize" || n.t === "dynamicSize") n = n.inner;
    if (n.t === "obj") {
      doc(f, d.doc);
      f.block(`export interface ${d.name}${tp} {`, () => this.fieldLines(n.fields));
    } else if (n.t === "union") {
      for (const c of n.cases) {
        const caseGeneric = isGeneric({ t: "obj", fields: c.fields });
        doc(
          f,
          c.doc ??
            `The \`${c.name}\` case of {@link ${d.name}}${
              c.aliasBody ? "" : ` (tag ${hex(c.tag, n.tagSize * 2)})`
            }.`,
        );
        f.block(`export interface ${d.name}${c.name}${caseGeneric ? "<M>" : ""} {`, () => {
          f.line("/** Discriminant. */");
          f.line(`readonly kind: "${c.name}";`);
          this.fieldLines(c.fields);
        });
      }
      if (n.appCase) {
        doc(f, `An application message of {@link ${d.name}}, encoded by the given \`AppCodec\`.`);
        f.block(`export interface ${d.name}${n.appCase}<M> {`, () => {
          f.line("/** Discriminant. */");
          f.line(`readonly kind: "${n.appCase}";`);
          f.line("/** The application message. */");
          f.line("readonly message: M;");
        });
      }
      doc(f, d.doc);
      f.line(`export type ${d.name}${tp} =`);
      const variants = this.unionVariants(n, d.name);
      variants.forEach((v, i) => f.line(`  | ${v}${i === variants.length - 1 ? ";" : ""}`));
    } else {
      doc(f, d.doc);
      f.line(`export type ${d.name}${tp} = ${this.tsType(n)};`);
    }
  }

  fieldLines(fields: readonly Field[]): void {
    for (const field of fields) {
      this.f.line(`/** ${field.doc ?? `\`${field.name}\`.`} */`);
      this.f.line(`${this.fieldType(field)};`);
    }
  }

  // ---------------------------------------------------------------- size pass

  size(n: Node, v: string, path: string): void {
    const f = this.f;
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
        f.line(`size += 4 + ${this.rt("utf8Length")}(${v});`);
        return;
      case "variableBytes":
        f.line(`size += ${v}.length;`);
        return;
      case "variableString":
        f.line(`size += ${this.rt("utf8Length")}(${v});`);
        return;
      case "dynamicSize":
        f.line(`size += ${n.prefix};`);
        this.size(n.inner, v, path);
        return;
      case "checkSize":
        this.size(n.inner, v, path);
        return;
      case "list": {
        const el = fixedSize(n.element);
        if (el !== undefined && n.element.t !== "conv") {
          f.line(`size += ${v}.length * ${el};`);
        } else {
          const e = f.fresh("e");
          f.block(`for (const ${e} of ${v}) {`, () => this.size(n.element, e, `${path}[]`));
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
              () => this.size(field.node, fv, `${path}.${field.name}`),
            );
          } else this.size(field.node, fv, `${path}.${field.name}`);
        }
        return;
      case "union":
        f.block(`switch (${v}.kind) {`, () => {
          for (const c of n.cases) {
            f.block(`case "${c.name}": {`, () => {
              f.line(`size += ${n.tagSize + (c.aliasBody?.length ?? 0)};`);
              for (const field of c.fields) {
                this.size(field.node, `${v}.${field.name}`, `${path}.${c.name}.${field.name}`);
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
          f.line(
            `  throw new ${
              this.rt("EncodeError")
            }("unexpected_case", "${path}", \`kind \${(${v} as { kind: string }).kind}\`);`,
          );
        });
        return;
      case "ref": {
        const generic = isGeneric(n.decl.node);
        f.line(`size += ${this.declValue(n.decl, "sizeOf")}(${v}${generic ? ", app" : ""});`);
        return;
      }
      case "conv": {
        const c = f.fresh("c");
        f.line(
          `const ${c} = ${this.rt("convertForEncode")}(${
            this.convFn(n, "encode")
          }, ${v}, "${path}");`,
        );
        this.size(n.inner, c, path);
        return;
      }
      default:
        throw new RangeError(`${path}: cannot size ${n.t}`);
    }
  }

  convFn(n: Extract<Node, { t: "conv" }>, which: "encode" | "decode"): string {
    return this.f.value(n.conv[which], n.conv.module);
  }

  // ---------------------------------------------------------------- write pass

  write(n: Node, v: string, path: string): void {
    const f = this.f;
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
        f.line(`const ${len} = ${this.rt("utf8Length")}(${v});`);
        f.line(`w.u30(${len});`);
        f.line(`w.utf8(${v}, ${len});`);
        return;
      }
      case "variableBytes":
        f.line(`w.raw(${v});`);
        return;
      case "variableString":
        f.line(`w.utf8(${v}, ${this.rt("utf8Length")}(${v}));`);
        return;
      case "dynamicSize": {
        const at = f.fresh("at");
        f.line(`const ${at} = w.reserve(${n.prefix});`);
        this.write(n.inner, v, path);
        f.line(`w.patchLength(${at}, ${n.prefix});`);
        return;
      }
      case "checkSize": {
        const start = f.fresh("start");
        f.line(`const ${start} = w.pos;`);
        this.write(n.inner, v, path);
        f.line(`w.at = "${path}";`);
        f.line(`w.checkLimit(${start}, ${n.limit});`);
        return;
      }
      case "list": {
        if (n.maxLength !== undefined) {
          f.block(`if (${v}.length > ${n.maxLength}) {`, () => {
            f.line(`w.at = "${path}";`);
            f.line(
              `throw w.error("list_too_long", \`\${${v}.length} elements > ${n.maxLength}\`);`,
            );
          });
        }
        const e = f.fresh("e");
        f.block(`for (const ${e} of ${v}) {`, () => this.write(n.element, e, `${path}[]`));
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
              this.write(field.node, fv, fp);
            });
          } else this.write(field.node, fv, fp);
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
                this.write(field.node, `${v}.${field.name}`, `${path}.${c.name}.${field.name}`);
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
        f.line(`${this.declValue(n.decl, "write")}(w, ${v}${generic ? ", app" : ""});`);
        return;
      }
      case "conv": {
        const c = f.fresh("c");
        f.line(`const ${c} = w.convert(${this.convFn(n, "encode")}, ${v});`);
        this.write(n.inner, c, path);
        return;
      }
      case "app":
        f.line(`app.write(w, ${v});`);
        return;
    }
  }

  // ---------------------------------------------------------------- read pass

  /** Emits statements that declare `target` holding the value read. */
  read(n: Node, target: string, path: string, type?: string): void {
    const f = this.f;
    if ((n.t === "obj" || n.t === "union" || n.t === "ref") && hasFixedLayout(n)) {
      // One bounds check for the whole value, then reads at constant offsets.
      const o = f.fresh("o");
      const b = f.fresh("b");
      f.line(`const ${o} = r.take(${fixedSize(n)});`);
      f.line(`const ${b} = r.bytes;`);
      f.line(`const ${target}${type ? `: ${type}` : ""} = ${this.layout(n, b, o, 0, path)};`);
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
        this.read(n.inner, target, path, type);
        f.line(`r.at = "${path}";`);
        f.line(`r.closeRegion(${outer});`);
        return;
      }
      case "checkSize": {
        const lim = f.fresh("limit");
        f.line(`const ${lim} = r.openLimit(${n.limit});`);
        this.read(n.inner, target, path, type);
        f.line(`r.limit = ${lim};`);
        return;
      }
      case "list": {
        const elType = this.tsType(n.element);
        f.line(`const ${target}: ${/[ |]/.test(elType) ? `(${elType})` : elType}[] = [];`);
        f.block("while (r.pos < r.end) {", () => {
          if (n.maxLength !== undefined) {
            f.block(`if (${target}.length === ${n.maxLength}) {`, () => {
              f.line(`r.at = "${path}";`);
              f.line(`throw r.error("list_too_long", "more than ${n.maxLength} elements");`);
            });
          }
          const e = f.fresh("e");
          this.read(n.element, e, `${path}[]`);
          f.line(`${target}.push(${e});`);
        });
        return;
      }
      case "obj": {
        const names = this.readFields(n.fields, path);
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
        this.unionBody(n, tag, target, path, type ?? this.tsType(n));
        return;
      }
      case "ref": {
        const generic = isGeneric(n.decl.node);
        f.line(`const ${target} = ${this.declValue(n.decl, "read")}(r${generic ? ", app" : ""});`);
        return;
      }
      case "conv": {
        const start = f.fresh("start");
        const c = f.fresh("c");
        f.line(`const ${start} = r.pos;`);
        this.read(n.inner, c, path);
        f.line(`r.at = "${path}";`);
        f.line(
          `const ${target} = r.convert(${
            this.convFn(n, "decode")
          }, ${c}, "${n.conv.errorKind}", ${start});`,
        );
        return;
      }
      case "app":
        throw new RangeError(`${path}: app() outside a union's appCase`);
    }
  }

  /** An expression reading `n` at `b[o + off]`, bounds already checked. */
  layout(n: Node, b: string, o: string, off: number, path: string): string {
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
        return this.layout(n.inner, b, o, off, path);
      case "ref":
        return this.layout(n.decl.node, b, o, off, n.decl.name);
      case "obj": {
        let k = off;
        const parts: string[] = [];
        for (const field of n.fields) {
          parts.push(`${field.name}: ${this.layout(field.node, b, o, k, `${path}.${field.name}`)}`);
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
          const body = this.layout(
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
  readFields(fields: readonly Field[], path: string): [string, string][] {
    const f = this.f;
    const out: [string, string][] = [];
    for (const field of fields) {
      const x = f.fresh(field.name.replace(/[^A-Za-z0-9]/g, ""));
      const fp = `${path}.${field.name}`;
      f.line(`r.at = "${fp}";`);
      if (field.optional) {
        f.line(`let ${x}: ${this.tsType(field.node)} | undefined;`);
        f.block("if (r.bool()) {", () => {
          const y = f.fresh("some");
          this.read(field.node, y, fp);
          f.line(`${x} = ${y};`);
        });
      } else this.read(field.node, x, fp);
      out.push([field.name, x]);
    }
    return out;
  }

  /** Emits `let target: type` and the switch on `tag` that assigns it. */
  unionBody(n: UnionNode, tag: string, target: string, path: string, type: string): void {
    const f = this.f;
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
          const names = this.readFields(regular.fields, `${path}.${regular.name}`);
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
}

function doc(f: GeneratedFile, text: string): void {
  const lines = text.split("\n");
  if (lines.length === 1) {
    f.line(`/** ${text} */`);
    return;
  }
  f.line("/**");
  for (const l of lines) f.line(` * ${l}`.trimEnd());
  f.line(" */");
}

function hex(v: number, digits: number): string {
  return `0x${v.toString(16).padStart(digits, "0")}`;
}

function aliasConst(d: Decl, c: Case): string {
  return aliasConstFor(d.name, c);
}

/** Alias constants are named after the declaration (the first segment of the path). */
function aliasConstFor(path: string, c: Case): string {
  const decl = path.split(".")[0];
  return `${screaming(decl)}_${screaming(c.name)}_BODY`;
}

function screaming(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

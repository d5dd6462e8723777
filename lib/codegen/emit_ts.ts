/**
 * Emits straight-line TypeScript codecs for a schema file: for each declaration a type, and
 * `sizeOfX`, `writeX`, `readX`, `encodeX`, `decodeX` (plus `readXBody` and an `AppCodec` for u16
 * unions). No schema is interpreted at run time.
 *
 * @module
 */

import type { Case, Decl, Field, Node, SchemaFile, UnionNode } from "./dsl.ts";
import { fixedSize, isGeneric, validate, validateRecursion } from "./analysis.ts";
import { GeneratedFile, type ModuleRef } from "./printer.ts";
import {
  aliasConstFor,
  caseTypeName,
  type EmitterApi,
  hex,
  PREFIX_READ,
  screaming,
} from "./emit_util.ts";
import { emitSize, emitWrite } from "./emit_write.ts";
import { emitReadAtBody, emitReadReturn, emitUnionBody, readsAt } from "./emit_read.ts";

/** Where generated code finds its runtime and the other generated files. */
export interface EmitContext {
  /** Module exporting `Reader`, `Writer`, `utf8Length`, `EncodeError`, `AppCodec`… */
  readonly runtime: ModuleRef;
  /** Output file of every declaration that may be referenced. */
  readonly declFiles: ReadonlyMap<Decl, string>;
}

/** Emits the generated file for `file` (without its header line). */
export function emitTypeScript(file: SchemaFile, ctx: EmitContext, header: string): string {
  const e = new Emitter(new GeneratedFile(file.output), ctx);
  for (const decl of file.decls) {
    validate(decl.node, decl.name, true);
    validateRecursion(decl);
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

/** Emits one generated file; the size, write and read passes live in their own modules. */
export class Emitter implements EmitterApi {
  private readonly typeNames = new Set<string>();
  /** The declaration being emitted (a reference to it from inside is a recursion). */
  current: Decl | undefined;

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
  declValue(decl: Decl, prefix: string, suffix = ""): string {
    return this.f.value(`${prefix}${decl.name}${suffix}`, this.fileOf(decl));
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
      case "merge":
        return n.parts.map((p) => this.tsType(p)).join(" & ");
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
        ? `${caseTypeName(declName, c.name)}${
          isGeneric({ t: "obj", fields: c.fields }) ? "<M>" : ""
        }`
        : `{ readonly kind: "${c.name}"${c.fields.map((f) => `; ${this.fieldType(f)}`).join("")} }`
    );
    if (n.appCase) {
      out.push(
        declName
          ? `${caseTypeName(declName, n.appCase, true)}<M>`
          : `{ readonly kind: "${n.appCase}"; readonly message: M }`,
      );
    }
    return out;
  }

  // ---------------------------------------------------------------- declarations

  decl(d: Decl): void {
    const f = this.f;
    this.current = d;
    const generic = isGeneric(d.node);
    const tp = generic ? "<M>" : "";
    const appParam = generic ? `, app: ${this.rtType("AppCodec")}<M>` : "";
    const appArg = generic ? ", app" : "";
    // A recursive type's readers take the nesting depth, 0 at the outermost value.
    const depthParam = d.recursion ? ", depth = 0" : "";
    const depthArg = d.recursion ? ", depth" : "";
    const depthCheck = () => {
      if (!d.recursion) return;
      f.block(`if (depth > ${d.recursion.text}) {`, () => {
        f.line(
          `throw r.error("size_limit_exceeded", "nested more than ${d.recursion!.value} levels");`,
        );
      });
    };
    const T = `${d.name}${tp}`;
    f.line();
    this.typeDecl(d, generic);
    if (d.node.t === "fixedBytes" && d.node.base58) {
      const { prefix, lead } = d.node.base58;
      f.line();
      f.doc(`Version bytes of the base58check text of a {@link ${d.name}} (\`${lead}…\`).`);
      f.list(
        `export const ${screaming(d.name)}_PREFIX: Uint8Array = new Uint8Array([`,
        prefix.map((b) => hex(b, 2)),
        "]);",
      );
    }

    const aliases = d.node.t === "union" ? d.node.cases.filter((c) => c.aliasBody) : [];
    for (const c of aliases) {
      f.line();
      f.list(
        `const ${aliasConst(d, c)} = new Uint8Array([`,
        [...c.aliasBody!].map(String),
        "]);",
        true,
      );
    }

    const fixed = fixedSize(d.node);
    f.line();
    f.doc(
      `Encoded size of a {@link ${d.name}}, in bytes; throws \`EncodeError\` if it cannot be encoded.`,
    );
    if (fixed !== undefined) {
      f.line(`// deno-lint-ignore no-unused-vars`);
      f.block(`export function sizeOf${d.name}${tp}(v: ${T}${appParam}): number {`, () => {
        f.line(`return ${fixed};`);
      });
    } else {
      f.block(`export function sizeOf${d.name}${tp}(v: ${T}${appParam}): number {`, () => {
        f.resetNames("v", "app", "size");
        f.line("let size = 0;");
        emitSize(this, d.node, "v", d.name);
        f.line("return size;");
      });
    }

    f.line();
    f.line(`/** Writes a {@link ${d.name}} at the writer's position. */`);
    f.block(
      `export function write${d.name}${tp}(w: ${this.rt("Writer")}, v: ${T}${appParam}): void {`,
      () => {
        f.resetNames("w", "v", "app");
        // An object's first field names itself; anything else may fail before its first field.
        if (!startsWithField(d.node)) f.line(`w.at = "${d.name}";`);
        emitWrite(this, d.node, "v", d.name);
      },
    );

    f.line();
    if (d.node.t === "union") {
      const u = d.node;
      f.line(`/** Reads the body of a {@link ${d.name}} whose tag was \`tag\`. */`);
      f.block(
        `export function read${d.name}Body${tp}(r: ${
          this.rt("Reader")
        }, tag: number${appParam}${depthParam}): ${T} {`,
        () => {
          f.resetNames("r", "tag", "app", "t", "depth");
          f.line(`r.at = "${d.name}";`);
          depthCheck();
          emitUnionBody(this, u, "tag", "t", d.name, T);
          f.line("return t;");
        },
      );
      f.line();
      f.line(`/** Reads a {@link ${d.name}} at the reader's position. */`);
      f.block(
        `export function read${d.name}${tp}(r: ${
          this.rt("Reader")
        }${appParam}${depthParam}): ${T} {`,
        () => {
          const body = `read${d.name}Body(r, r.${
            PREFIX_READ[u.tagSize === 1 ? 1 : 2]
          }()${appArg}${depthArg})`;
          f.line(`r.at = "${d.name}";`);
          f.line(`return ${body};`);
        },
      );
    } else {
      f.line(`/** Reads a {@link ${d.name}} at the reader's position. */`);
      f.block(
        `export function read${d.name}${tp}(r: ${
          this.rt("Reader")
        }${appParam}${depthParam}): ${T} {`,
        () => {
          f.resetNames("r", "app", "depth");
          if (!startsWithField(d.node)) f.line(`r.at = "${d.name}";`);
          depthCheck();
          emitReadReturn(this, d.node, d.name, T);
        },
      );
    }

    if (readsAt(d)) {
      f.line();
      f.doc(
        `Reads a {@link ${d.name}} at offset \`o\`, whose ${fixed} bytes the caller has ` +
          `bounds-checked (\`r.take\`); \`r.pos\` does not move.`,
      );
      f.block(
        `export function read${d.name}At(r: ${this.rt("Reader")}, o: number): ${T} {`,
        () => {
          f.resetNames("r", "o", "b", "tag", "t");
          emitReadAtBody(this, d, T);
        },
      );
    }

    f.line();
    f.line(`/**`);
    f.line(
      ` * Encodes a {@link ${d.name}} into new bytes of exactly its size. Below 4 KiB they are a`,
    );
    f.line(
      ` * view of a buffer shared with other encodings, as Node's \`Buffer.allocUnsafe\` gives:`,
    );
    f.line(` * \`slice()\` them before transferring their \`.buffer\`.`);
    f.line(` */`);
    f.block(`export function encode${d.name}${tp}(v: ${T}${appParam}): Uint8Array {`, () => {
      f.line(`const w = new ${this.rt("Writer")}(sizeOf${d.name}(v${appArg}));`);
      f.line(`write${d.name}(w, v${appArg});`);
      f.line("return w.finish();");
    });

    f.line();
    f.doc(
      `Decodes a {@link ${d.name}} that must span all of \`bytes\`. Byte fields of the result are ` +
        "views into `bytes` (no copy). Throws only `DecodeError`.",
    );
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
        f.list("tags: [", [...new Set(u.cases.map((c) => hex(c.tag, 4)))], "],");
        f.list("kinds: [", u.cases.map((c) => `"${c.name}"`), "],");
        f.line(`sizeOf: sizeOf${d.name},`);
        f.line(`write: write${d.name},`);
        f.line(`read: read${d.name}Body,`);
      }, "};");
    }
  }

  /** Registers an exported type name of this file; two types of one name are an error. */
  exportType(name: string): string {
    if (this.typeNames.has(name)) throw new RangeError(`${this.f.path}: two types named ${name}`);
    this.typeNames.add(name);
    return name;
  }

  typeDecl(d: Decl, generic: boolean): void {
    const f = this.f;
    const tp = generic ? "<M>" : "";
    this.exportType(d.name);
    let n = d.node;
    // Size wrappers do not change the value's type: name the cases of a wrapped union too.
    while (n.t === "checkSize" || n.t === "dynamicSize") n = n.inner;
    if (n.t === "obj") {
      doc(f, d.doc);
      f.block(`export interface ${d.name}${tp} {`, () => this.fieldLines(n.fields));
    } else if (n.t === "merge" && n.parts.every((p) => p.t === "obj" || p.t === "ref")) {
      // `interface X extends A, B { …fields of the inline parts }`.
      const bases = n.parts.filter((p) => p.t === "ref").map((p) => this.tsType(p));
      const fields = n.parts.flatMap((p) => p.t === "obj" ? p.fields : []);
      doc(f, d.doc);
      f.block(
        `export interface ${d.name}${tp}${bases.length ? ` extends ${bases.join(", ")}` : ""} {`,
        () => this.fieldLines(fields),
      );
    } else if (n.t === "union") {
      for (const c of n.cases) {
        const caseGeneric = isGeneric({ t: "obj", fields: c.fields });
        f.line();
        doc(
          f,
          c.doc ??
            `The \`${c.name}\` case of {@link ${d.name}}${
              c.aliasBody ? "" : ` (tag ${hex(c.tag, n.tagSize * 2)})`
            }.`,
        );
        const name = this.exportType(caseTypeName(d.name, c.name));
        f.block(`export interface ${name}${caseGeneric ? "<M>" : ""} {`, () => {
          f.line("/** Discriminant. */");
          f.line(`readonly kind: "${c.name}";`);
          this.fieldLines(c.fields);
        });
      }
      if (n.appCase) {
        f.line();
        doc(f, `An application message of {@link ${d.name}}, encoded by the given \`AppCodec\`.`);
        const name = this.exportType(caseTypeName(d.name, n.appCase, true));
        f.block(`export interface ${name}<M> {`, () => {
          f.line("/** Discriminant. */");
          f.line(`readonly kind: "${n.appCase}";`);
          f.line("/** The application message. */");
          f.line("readonly message: M;");
        });
      }
      f.line();
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

  convFn(n: Extract<Node, { t: "conv" }>, which: "encode" | "decode" | "decodeAscii"): string {
    const name = n.conv[which];
    if (name === undefined) throw new RangeError(`conversion to ${n.conv.tsType} has no ${which}`);
    return this.f.value(name, n.conv.module);
  }
}

function startsWithField(n: Node): boolean {
  // (A merge names each of its parts itself.)
  return (n.t === "obj" && n.fields.length > 0) || n.t === "merge";
}

function doc(f: GeneratedFile, text: string): void {
  f.doc(text);
}

function aliasConst(d: Decl, c: Case): string {
  return aliasConstFor(d.name, c);
}

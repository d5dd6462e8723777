/**
 * Emits the human-readable encoding reference (`docs/encodings.md`): one byte-layout table per
 * declaration, in the manner of Octez's binary schema descriptions.
 *
 * @module
 */

import type { Decl, Field, Node, SchemaFile } from "./dsl.ts";
import { fixedSize } from "./analysis.ts";

interface Row {
  name: string;
  size: string;
  contents: string;
}

const ATOMS: Record<string, string> = {
  uint8: "unsigned 8-bit integer",
  int8: "signed 8-bit integer",
  uint16: "unsigned 16-bit big-endian integer",
  int16: "signed 16-bit big-endian integer",
  int31: "signed 31-bit big-endian integer in 4 bytes",
  int32: "signed 32-bit big-endian integer",
  int64: "signed 64-bit big-endian integer",
  uint30: "unsigned 30-bit big-endian integer in 4 bytes",
  bool: "boolean (0x00 false, 0xff true; any non-zero reads true)",
};

/** Renders the reference for every declaration of `files`. */
export function emitDocs(files: readonly SchemaFile[], header: string): string {
  const out: string[] = [header, "", "# tzp2p wire encodings", ""];
  out.push(
    "Byte layouts of every type declared under `schema/`, generated with the codecs. Integers are",
    "big-endian; sizes marked *variable* depend on the value; lengths are byte counts, never element",
    "counts.",
    "",
  );
  for (const file of files) {
    out.push(`## \`${file.source}\``, "", file.doc.split("\n")[0], "");
    for (const d of file.decls) out.push(...declSection(d), "");
  }
  return out.join("\n").trimEnd() + "\n";
}

function anchor(d: Decl): string {
  return `[${d.name}](#${d.name.toLowerCase()})`;
}

function sizeText(n: Node): string {
  const s = fixedSize(n);
  return s === undefined ? "variable" : `${s} byte${s === 1 ? "" : "s"}`;
}

function declSection(d: Decl): string[] {
  const out = [`### ${d.name}`, "", d.doc, ""];
  if (d.recursion) {
    out.push(
      `Recursive: a value nests values of ${d.name}; decoders stop at ${d.recursion.text} levels.`,
      "",
    );
  }
  const n = d.node;
  if (n.t === "union") {
    const tagType = n.tagSize === 1 ? "uint8" : "uint16";
    out.push(`Union with a ${n.tagSize}-byte tag (${tagType}).`, "");
    out.push("| Tag | Case | Body size |", "|---|---|---|");
    for (const c of n.cases) {
      const body = c.aliasBody
        ? `${c.aliasBody.length} bytes, exactly \`${hexBytes(c.aliasBody)}\``
        : sizeText({ t: "obj", fields: c.fields });
      out.push(`| 0x${c.tag.toString(16).padStart(n.tagSize * 2, "0")} | ${c.name} | ${body} |`);
    }
    if (n.appCase) {
      out.push(`| any other | ${n.appCase} | application message of the given codec |`);
    }
    for (const c of n.cases) {
      if (c.aliasBody || c.fields.length === 0) continue;
      out.push("", `#### ${d.name} / ${c.name}`, "");
      out.push(...table([
        {
          name: "tag",
          size: `${n.tagSize} byte${n.tagSize === 1 ? "" : "s"}`,
          contents: `0x${c.tag.toString(16)}`,
        },
        ...c.fields.flatMap((f) => fieldRows(f, "")),
      ]));
    }
    return out;
  }
  out.push(...table(nodeRows(n, "")));
  return out;
}

function table(rows: Row[]): string[] {
  return [
    "| Name | Size | Contents |",
    "|---|---|---|",
    ...rows.map((r) => `| ${r.name || "—"} | ${r.size} | ${r.contents} |`),
  ];
}

function fieldRows(f: Field, prefix: string): Row[] {
  const name = `${prefix}${f.name}`;
  if (f.optional) {
    return [
      { name: `${name}?`, size: "1 byte", contents: "presence flag (0x00 absent, 0xff present)" },
      ...nodeRows(f.node, name),
    ];
  }
  return nodeRows(f.node, name);
}

function nodeRows(n: Node, name: string): Row[] {
  if (n.t in ATOMS) return [{ name, size: sizeText(n), contents: ATOMS[n.t] }];
  switch (n.t) {
    case "fixedBytes": {
      if (!n.base58) return [{ name, size: sizeText(n), contents: "bytes" }];
      const prefix = n.base58.prefix.map((b) => `0x${b.toString(16).padStart(2, "0")}`).join(" ");
      return [{
        name,
        size: sizeText(n),
        contents: `bytes; as text, base58check \`${n.base58.lead}…\` (prefix ${prefix})`,
      }];
    }
    case "bytes":
      return [
        { name: `# bytes in ${name || "next field"}`, size: "4 bytes", contents: ATOMS.uint30 },
        { name, size: "variable", contents: "bytes" },
      ];
    case "string":
      return [
        { name: `# bytes in ${name || "next field"}`, size: "4 bytes", contents: ATOMS.uint30 },
        { name, size: "variable", contents: "UTF-8 string" },
      ];
    case "variableBytes":
      return [{ name, size: "variable", contents: "bytes up to the end of the region" }];
    case "variableString":
      return [{ name, size: "variable", contents: "UTF-8 string up to the end of the region" }];
    case "dynamicSize":
      return [
        {
          name: `# bytes in ${name || "next field"}`,
          size: `${n.prefix} byte${n.prefix === 1 ? "" : "s"}`,
          contents: n.prefix === 4 ? ATOMS.uint30 : n.prefix === 2 ? ATOMS.uint16 : ATOMS.uint8,
        },
        ...nodeRows(n.inner, name),
      ];
    case "checkSize":
      return nodeRows(n.inner, name).map((r, i) =>
        i === 0
          ? { ...r, contents: `${r.contents} (whole value ≤ ${n.limitText ?? n.limit} bytes)` }
          : r
      );
    case "list": {
      const el = nodeRows(n.element, "").map((r) => r.contents).join(", ");
      const max = n.maxLength === undefined
        ? ""
        : `, at most ${n.maxLengthText ?? n.maxLength} elements`;
      return [{ name, size: "variable", contents: `sequence of (${el})${max}` }];
    }
    case "obj":
      return n.fields.flatMap((f) => fieldRows(f, name ? `${name}.` : ""));
    case "merge":
      return n.parts.flatMap((p) =>
        p.t === "ref"
          ? [{ name: name || "—", size: sizeText(p), contents: `the fields of ${anchor(p.decl)}` }]
          : nodeRows(p, name)
      );
    case "union":
      return [{
        name,
        size: "variable",
        contents: `union: ${n.cases.map((c) => c.name).join(" / ")}`,
      }];
    case "ref":
      return [{ name, size: sizeText(n), contents: anchor(n.decl) }];
    case "conv":
      return nodeRows(n.inner, name).map((r) =>
        r.name === name ? { ...r, contents: `${r.contents}, as ${n.conv.tsType}` } : r
      );
    case "app":
      return [{ name, size: "variable", contents: "application message" }];
  }
  return [];
}

function hexBytes(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

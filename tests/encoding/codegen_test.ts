import assert from "node:assert/strict";
import {
  checkSize,
  type Decl,
  declare,
  fixedBytes,
  generate,
  list,
  obj,
  ref,
  req,
  size,
  string,
  tagged,
  uint16,
  uint8,
  union,
} from "../../lib/codegen/mod.ts";
import { caseTypeName } from "../../lib/codegen/emit_util.ts";
import { schemaFiles } from "../../schema/mod.ts";
import { PeerId, Point } from "../../schema/mod.ts";
import { schemaFile as chatSchema } from "../../examples/chat_schema.ts";

const runtime = "lib/encoding/mod.ts";

function generateOne(decls: Decl[]): string {
  const out = generate(
    [{ source: "t.ts", output: "gen/t.ts", doc: "Test.", decls }],
    { runtime, otherDecls: "@tzp2p/tzp2p" },
  );
  return out.get("gen/t.ts")!;
}

Deno.test("no generated line, of tzp2p's schema or the example's, is over 160 characters", () => {
  const external = new Map(schemaFiles.flatMap((f) => f.decls.map((d) => [d, f.output] as const)));
  const texts = [
    ...generate(schemaFiles, { runtime }).values(),
    ...generate([chatSchema], { runtime, external }).values(),
  ];
  for (const text of texts) {
    const long = text.split("\n").filter((l) => l.length > 160);
    assert.deepEqual(long, []);
  }
});

Deno.test("a referenced fixed-layout type is read by calling its reader, not inlined", () => {
  const text = generate(schemaFiles, { runtime }).get("gen/gossipsub.ts")!;
  const readIHave = text.slice(text.indexOf("case 0x0012"), text.indexOf("case 0x0013"));
  assert.match(readIHave, /const topic\d* = readDalTopic\(r\);/);
  assert.match(readIHave, /= readDalMessageId\(r\);/);
  assert.doesNotMatch(text, /unexpectedTag/);
});

Deno.test("consecutive fixed-size fields are read after one bounds check, one line each", () => {
  const text = generate(schemaFiles, { runtime }).get("gen/gossipsub.ts")!;
  const body = text.slice(text.indexOf("export function readDalMessageId"));
  const fn = body.slice(0, body.indexOf("\n}\n"));
  // One bounds check for the whole 76-byte id, the key hash included: Pkh is a fixed-layout
  // union, read at its offset by readPkhAt.
  assert.match(fn, /const o = r\.take\(76\);/);
  assert.match(fn, /const commitment = r\.view\(o \+ 5, 48\);/);
  assert.match(fn, /const slotIndex = b\[o \+ 4\];/);
  assert.match(fn, /const pkh = readPkhAt\(r, o \+ 55\);/);
  assert.doesNotMatch(fn, /readPkh\(r\)/);
  assert.match(fn, /return \{ level, slotIndex, commitment, shardIndex, pkh \};/);
});

Deno.test("union case types are the declaration's name and the case's, shared words once", () => {
  assert.equal(caseTypeName("DalGossipMessage", "MessageWithHeader"), "DalGossipMessageWithHeader");
  assert.equal(caseTypeName("DalGossipMessage", "IHave"), "DalGossipMessageIHave");
  assert.equal(caseTypeName("Pkh", "Ed25519"), "PkhEd25519");
  assert.equal(caseTypeName("P2pMessage", "Message", true), "P2pAppMessage");
  assert.throws(() => caseTypeName("P2pMessage", "Message"), /named like the union itself/);
  const text = [...generate(schemaFiles, { runtime }).values()].join("\n");
  assert.doesNotMatch(text, /MessageMessage/);
  assert.match(text, /export interface P2pAppMessage<M> \{/);
  assert.match(text, /export interface SimpleGossipMessageWithHeader \{/);
});

Deno.test("a case whose type would take the union's own name is a generation error", () => {
  const Bad = declare("Envelope", "E.", union(1, [tagged(0, "Envelope")]));
  assert.throws(() => generateOne([Bad]), /named like the union itself/);
});

Deno.test("limits written with size() are printed as written, in code and in the reference", () => {
  const out = generate(schemaFiles, { runtime, docs: "docs/encodings.md" });
  assert.match(out.get("gen/p2p_message.ts")!, /r\.openLimit\(100 \* 1024 \* 1024\)/);
  assert.match(out.get("gen/p2p_message.ts")!, /w\.checkLimit\(start, 100 \* 1024 \* 1024\)/);
  assert.doesNotMatch(out.get("gen/p2p_message.ts")!, /104857600/);
  assert.match(out.get("docs/encodings.md")!, /whole value ≤ 100 \* 1024 \* 1024 bytes/);
  const Small = declare("Small", "S.", checkSize(size("(2 + 3) * 0x10"), list(uint8(), 7)));
  const text = generateOne([Small]);
  assert.match(text, /r\.openLimit\(\(2 \+ 3\) \* 0x10\)/);
  // A list of fixed-size elements counts them in a local (its array is made at its final length).
  assert.match(text, /i === 7\)/);
});

Deno.test("size() computes what JavaScript computes and refuses what it cannot read", () => {
  assert.deepEqual(size("100 * 1024 * 1024"), { value: 104857600, text: "100 * 1024 * 1024" });
  assert.equal(size(" 2 +  3 * 4 ").value, 14);
  assert.equal(size("(2 + 3) * 4").value, 20);
  assert.equal(size("0xff - 1").value, 254);
  for (const bad of ["", "1 << 4", "2 *", "(1 + 2", "1e3", "x", "1 - 2", "2 ** 60"]) {
    assert.throws(() => size(bad), RangeError, bad);
  }
});

Deno.test("references to declarations no given file declares are imported from otherDecls", () => {
  const Line = declare("Line", "L.", obj(req("text", string()), req("from", ref(PeerId))));
  const text = generateOne([Line]);
  assert.match(text, /import \{ type PeerId, readPeerId, writePeerId \} from "@tzp2p\/tzp2p";/);
  const files = [{ source: "t.ts", output: "gen/t.ts", doc: "T.", decls: [Line] }];
  assert.throws(() => generate(files, { runtime }), /PeerId is declared in no schema file given/);
});

Deno.test("a field named like a generated local or a codec function gets its own local", () => {
  const Odd = declare(
    "Odd",
    "O.",
    obj(
      req("r", uint16()),
      req("readPoint", ref(Point)),
      req("default", fixedBytes(2)),
      req("size", uint8()),
    ),
  );
  const text = generateOne([Odd]);
  const body = text.slice(text.indexOf("export function readOdd"));
  const fn = body.slice(0, body.indexOf("\n}\n"));
  assert.match(fn, /const r1 = r\.u16\(\);/);
  assert.match(fn, /const readPoint1 = readPoint\(r\);/);
  assert.match(fn, /const default1 = r\.view\(o, 2\);/);
  assert.match(fn, /return \{ r: r1, readPoint: readPoint1, default: default1, size: size1 \};/);
});

Deno.test("the published codegen CLI's module graph holds no schema of this project", async () => {
  const seen = new Set<string>();
  const visit = async (url: URL) => {
    if (seen.has(url.href)) return;
    seen.add(url.href);
    const source = await Deno.readTextFile(url);
    for (const [, spec] of source.matchAll(/^(?:import|export)[^"']*["'](\.{1,2}\/[^"']+)["']/gm)) {
      await visit(new URL(spec, url));
    }
  };
  await visit(new URL("../../lib/codegen/main.ts", import.meta.url));
  assert.ok(seen.size >= 5, `walked only ${seen.size} modules`);
  const schema = new URL("../../schema/", import.meta.url).href;
  assert.deepEqual([...seen].filter((u) => u.startsWith(schema)), []);
});

// The schema language's recursive declarations, merged objects and base58 bytes: what generation
// accepts, what it rejects, and what the generated code says.

import assert from "node:assert/strict";
import {
  base58Bytes,
  type Decl,
  declare,
  fixedBytes,
  generate,
  merge,
  obj,
  recursive,
  ref,
  req,
  tagged,
  uint8,
  union,
  variableBytes,
} from "../../lib/codegen/mod.ts";

function generateOne(decls: Decl[]): string {
  const out = generate(
    [{ source: "t.ts", output: "gen/t.ts", doc: "Test.", decls }],
    { runtime: "lib/encoding/mod.ts" },
  );
  return out.get("gen/t.ts")!;
}

Deno.test("a recursive type reads itself one level deeper and checks its depth bound", () => {
  const Tree = recursive(
    "Tree",
    "A tree.",
    (self) => union(1, [tagged(0, "Leaf"), tagged(1, "Node", [req("l", self), req("r", self)])]),
    { maxDepth: 12 },
  );
  const text = generateOne([Tree]);
  assert.match(text, /export function readTree\(r: Reader, depth = 0\): Tree \{/);
  assert.match(text, /const l = readTree\(r, depth \+ 1\);/);
  assert.match(text, /if \(depth > 12\) \{/);
  // Sizes and writes recurse through the functions, with no depth.
  assert.match(text, /size \+= sizeOfTree\(v\.l\);/);
});

Deno.test("a recursive type that refers to itself before reading a byte is rejected", () => {
  const Loop = recursive(
    "Loop",
    "Reads itself first.",
    (self) => obj(req("again", self), req("x", uint8())),
    { maxDepth: 4 },
  );
  assert.throws(() => generateOne([Loop]), /refers to itself before reading a byte/);
});

Deno.test("a merge extends the referenced object and reads it with its readX", () => {
  const Head = declare("Head", "A head.", obj(req("a", uint8()), req("b", fixedBytes(2))));
  const Whole = declare("Whole", "A whole.", merge(ref(Head), obj(req("rest", variableBytes()))));
  const text = generateOne([Head, Whole]);
  assert.match(text, /export interface Whole extends Head \{/);
  assert.match(text, /const head = readHead\(r\);/);
  assert.match(text, /return \{ \.\.\.head, rest \};/);
  assert.match(text, /writeHead\(w, v\);/);
});

Deno.test("merge rejects a field declared in two parts and a part that is not an object", () => {
  const Head = declare("Head", "A head.", obj(req("a", uint8())));
  assert.throws(() => merge(ref(Head), obj(req("a", uint8()))), /field a declared twice/);
  assert.throws(() => merge(uint8(), obj(req("b", uint8()))), /must be an object/);
});

Deno.test("base58 bytes export their prefix and read as fixed bytes", () => {
  const Hash = declare("SomeHash", "A hash.", base58Bytes(32, [0x01, 0x34], "B"));
  const text = generateOne([Hash]);
  assert.match(
    text,
    /export const SOME_HASH_PREFIX: Uint8Array = new Uint8Array\(\[0x01, 0x34\]\);/,
  );
  assert.match(text, /r\.fixed\(32\)/);
});

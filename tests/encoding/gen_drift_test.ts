import assert from "node:assert/strict";
import { generate } from "../../lib/codegen/generate.ts";
import { schemaFiles } from "../../schema/mod.ts";

Deno.test("the committed gen/ and docs/encodings.md are what the generator produces", async () => {
  const out = generate(schemaFiles, { runtime: "lib/encoding/mod.ts", docs: "docs/encodings.md" });
  assert.ok(out.size >= 5);
  for (const [path, text] of out) {
    const committed = await Deno.readTextFile(new URL(`../../${path}`, import.meta.url));
    assert.equal(committed, text, `${path} is stale: run \`deno task gen\``);
  }
});

Deno.test("the generator output is deterministic", () => {
  const a = generate(schemaFiles, { runtime: "lib/encoding/mod.ts", docs: "docs/encodings.md" });
  const b = generate(schemaFiles, { runtime: "lib/encoding/mod.ts", docs: "docs/encodings.md" });
  assert.deepEqual([...a], [...b]);
});

import assert from "node:assert/strict";
import { generate } from "../../lib/codegen/generate.ts";
import { schemaFiles } from "../../schema/mod.ts";
import { schemaFile as chatSchema } from "../../examples/chat_schema.ts";

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

Deno.test("the committed example codecs are what the generator produces for the example schema", async () => {
  const external = new Map(schemaFiles.flatMap((f) => f.decls.map((d) => [d, f.output] as const)));
  const out = generate([chatSchema], { runtime: "lib/encoding/mod.ts", external });
  const text = out.get("examples/gen/chat.ts");
  assert.ok(text);
  assert.equal(
    await Deno.readTextFile(new URL("../../examples/gen/chat.ts", import.meta.url)),
    text,
  );
});

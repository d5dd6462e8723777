// The JSON Lines input of `tzp2p decode` and the argument parser.

import assert from "node:assert/strict";
import { parseArgs } from "../../lib/cli/args.ts";
import { parseConversation } from "../../lib/cli/conversation_input.ts";
import { CliError, isCliError } from "../../lib/cli/errors.ts";

Deno.test("parseConversation() reads pieces, skips blank lines, accepts upper-case hex", () => {
  const pieces = parseConversation(
    '{"direction":"sent","hex":"00ff"}\n\n  {"direction":"received","hex":"AB"}  \r\n' +
      '{"direction":"received","hex":""}',
  );
  assert.deepEqual(pieces.map((p) => [p.direction, [...p.bytes]]), [
    ["sent", [0, 255]],
    ["received", [0xab]],
    ["received", []],
  ]);
});

Deno.test("parseConversation() names the first malformed line", () => {
  const cases: [string, RegExp][] = [
    ['{"direction":"sent","hex":"00"}\nnot json', /^line 2: not JSON/],
    ['["sent","00"]', /^line 1: expected an object/],
    ['{"direction":"up","hex":"00"}', /^line 1: "direction" must be "sent" or "received"/],
    ['{"direction":"sent"}', /^line 1: "hex" must be a string/],
    ['\n\n{"direction":"sent","hex":"0g"}', /^line 3: "hex" is not hexadecimal/],
    ['{"direction":"sent","hex":"000"}', /^line 1: "hex" is not hexadecimal/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseConversation(text), (e) => {
      assert.ok(isCliError(e, "invalid_input"), String(e));
      assert.match(e.message, message);
      return true;
    });
  }
});

Deno.test("parseArgs() reads flags, options in both forms and positionals", () => {
  const parsed = parseArgs([
    "--incoming",
    "a.jsonl",
    "--identity=id.json",
    "--pow",
    "4",
    "--",
    "--x",
  ], {
    flags: ["incoming"],
    options: ["identity", "pow"],
  });
  assert.deepEqual([...parsed.flags], ["incoming"]);
  assert.deepEqual(Object.fromEntries(parsed.options), { identity: "id.json", pow: "4" });
  assert.deepEqual(parsed.positional, ["a.jsonl", "--x"]);
});

Deno.test("parseArgs() refuses unknown options, flags with values and missing values", () => {
  const spec = { flags: ["force"], options: ["out"] };
  for (
    const [args, message] of [
      [["--nope"], /unknown option --nope/],
      [["--force=yes"], /--force takes no value/],
      [["--out"], /--out needs a value/],
    ] as const
  ) {
    assert.throws(() => parseArgs(args, spec), (e) => {
      assert.ok(e instanceof CliError && e.kind === "usage" && e.exitCode === 2);
      assert.match(e.message, message);
      return true;
    });
  }
});

/**
 * A known point learnt from an Advertise costs its own entry, not its message: the table copies
 * the address texts it keeps (a decoded address may share the memory of its message's text).
 * Measured in a child process with the garbage collector exposed.
 */

import assert from "node:assert/strict";

Deno.test("a known point learnt from an Advertise keeps its entry, not its message", async () => {
  const script = new URL("../support/known_points_retention.ts", import.meta.url);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--v8-flags=--expose-gc", "--quiet", script.pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const result = JSON.parse(new TextDecoder().decode(stdout)) as {
    points: number;
    bytesPerPoint: number;
  };
  assert.equal(result.points, 4000);
  // An entry with its two texts is a few hundred bytes; keeping the message's text would add
  // its 2.5 to 5 KiB per point.
  assert.ok(result.bytesPerPoint < 1500, `${Math.round(result.bytesPerPoint)} bytes per point`);
});

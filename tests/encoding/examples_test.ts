import assert from "node:assert/strict";
import { main } from "../../examples/codec.ts";

Deno.test("examples/codec.ts runs and prints what it decoded", () => {
  const lines: string[] = [];
  main((line) => lines.push(line));
  assert.match(lines[0], /^connection message: 105 bytes, chain TEZOS_MAINNET, port 9732$/);
  assert.match(lines[1], /-> 1\.2\.3\.4:9732, \[2001:db8::1\]:9733$/);
  assert.deepEqual(lines.slice(2, 5).map((l) => l.split(":")[0]), ["Graft", "Say", "Ping"]);
  assert.equal(lines[5], "hostile length: size_limit_exceeded at P2pMessage (offset 4)");
});

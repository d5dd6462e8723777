// Octez `src/lib_p2p/test/test_p2p_broadcast.ml` re-created: one node broadcasts a BigPing (1,000
// operation hashes of 32 bytes) to all its connections, 5 times; every other node reads each one
// and checks it equals the reference. Octez uses 3 nodes (so 2 receivers) and its
// `raw_broadcast` (a non-blocking write to every connection); here `writeNow` on each connection.
// Octez also logs broadcast times; timings are not asserted there nor here.

import assert from "node:assert/strict";
import { equalBytes } from "../../lib/base/bytes.ts";
import { bodyOf, connectedPairs } from "./tcp_mesh.ts";
import { randomBytes } from "./run_nodes.ts";

const REPEAT = 5;
const NB_OPH = 1000;

Deno.test("p2p-broadcast simple: 5 BigPings of 1,000 hashes reach both receivers intact and in order", async () => {
  const pairs = await connectedPairs(2);
  const messages = Array.from({ length: REPEAT }, () => randomBytes(NB_OPH * 32));
  try {
    for (const ref of messages) {
      for (const { server } of pairs) {
        assert.ok(
          server.writeNow({ kind: "Message", message: { kind: "Raw", tag: 0x10, body: ref } }),
        );
      }
      for (const { client } of pairs) {
        const body = bodyOf(await client.read());
        assert.equal(body.length, NB_OPH * 32);
        assert.ok(equalBytes(body, ref), "Wrong_message_received");
      }
    }
    // Wrong_message_count: nothing more arrived.
    for (const { client } of pairs) assert.equal(client.readNow(), undefined);
  } finally {
    await Promise.all(pairs.flatMap(({ server, client }) => [server.close(), client.close()]));
  }
});

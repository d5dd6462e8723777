// Octez `src/lib_p2p/test/test_p2p_io_scheduler.ml` re-created in what applies: 8 clients write
// messages of random sizes (64 B to 64 KiB, as Octez's `simple_msgs`) to one server, which reads
// every connection until it is closed; all closes succeed. Octez runs the clients for 5 s under
// download and upload quotas (1 MiB/s, 256 KiB/s) of its I/O scheduler; tzp2p has no bandwidth
// quotas, so each client sends a fixed 40 messages instead, and the server checks every byte
// (stronger than Octez, which only reads until Connection_closed).

import assert from "node:assert/strict";
import { isP2pError } from "../../lib/connection/mod.ts";
import { equalBytes } from "../../lib/base/bytes.ts";
import { bodyOf, connectedPairs } from "./tcp_mesh.ts";
import { randomBytes } from "./run_nodes.ts";

const CLIENTS = 8;
const MESSAGES = 40;
const SIZES = Array.from({ length: 11 }, (_, i) => 1 << (6 + i)); // 64 B … 64 KiB

Deno.test("p2p.io-scheduler trivial-quota: 8 clients' random-size messages all arrive, then every close succeeds", async () => {
  const pairs = await connectedPairs(CLIENTS);
  try {
    await Promise.all(pairs.map(async ({ server, client }) => {
      const sent = Array.from(
        { length: MESSAGES },
        () => randomBytes(SIZES[Math.floor(Math.random() * SIZES.length)]),
      );
      const sending = (async () => {
        for (const body of sent) {
          await client.write({ kind: "Message", message: { kind: "Raw", tag: 0x10, body } });
        }
        await client.close({ wait: true });
      })();
      const received: Uint8Array[] = [];
      for (;;) {
        const r = await server.read().catch((e) => e);
        if (r instanceof Error) {
          assert.ok(isP2pError(r, "connection_closed"), `got ${r}`);
          break;
        }
        received.push(bodyOf(r));
      }
      await sending;
      assert.equal(received.length, MESSAGES);
      received.forEach((body, i) => assert.ok(equalBytes(body, sent[i])));
      const total = sent.reduce((n, b) => n + b.length, 0);
      assert.ok(server.stat().totalRecv > total, "the server's stat counts every byte");
      assert.equal(server.stat().messagesReceived, MESSAGES);
      await server.close();
    }));
  } finally {
    await Promise.all(pairs.flatMap(({ server, client }) => [server.close(), client.close()]));
  }
});

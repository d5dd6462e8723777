// One timer per handshake, as Octez: an incoming handshake, from the accepted socket to the Ack,
// gets `authenticationTimeoutMs` in all (p2p_connect_handler.ml 704-710); an outgoing one, from
// the TCP connect to the Ack, gets `connectTimeoutMs` in all (736-743). A remote that spends most
// of the time authenticating gets only what is left for the Ack exchange.

import assert from "node:assert/strict";
import {
  authenticate,
  type AuthenticatedConnection,
  shellMetadataCodec,
} from "../../lib/connection/mod.ts";
import { generateIdentitySync, makePowTarget } from "../../lib/crypto/mod.ts";
import { DEFAULT_CHAIN_NAME, isNodeError, type NodeEvent } from "../../lib/node/mod.ts";
import { sleep, waitFor } from "../support/async.ts";
import { testNode } from "./helpers.ts";

const versions = { chainName: DEFAULT_CHAIN_NAME, distributedDbVersions: [0], p2pVersions: [0, 1] };
const LIMIT_MS = 1_500;
const SLOW_AUTH_MS = 1_000;

function handshakeOptions(incoming: boolean) {
  return {
    identity: generateIdentitySync(2),
    powTarget: makePowTarget(0),
    incoming,
    versions,
    metadata: { disableMempool: false, privateNode: false },
    metadataCodec: shellMetadataCodec,
    timeoutMs: 5_000,
  };
}

Deno.test("an incoming handshake gets one time limit in all: a slow authentication leaves less for the Ack", async () => {
  let failedAt: number | undefined;
  const node = await testNode({
    authenticationTimeoutMs: LIMIT_MS,
    onEvent: (e: NodeEvent) => {
      if (e.event === "handshake_failed" && e.direction === "incoming") {
        failedAt = performance.now();
      }
    },
  });
  let auth: AuthenticatedConnection | undefined;
  const socket = await Deno.connect({ hostname: "127.0.0.1", port: node.listeningPoint!.port });
  const opened = performance.now();
  try {
    await sleep(SLOW_AUTH_MS);
    auth = await authenticate(socket, handshakeOptions(false));
    // No Ack from us: the node gives up when its one timer ends.
    await waitFor("the node gave up", () => failedAt !== undefined, 5_000);
    const elapsed = failedAt! - opened;
    // Separate timers would give up at 1 000 + 1 500 = 2 500 ms.
    assert.ok(
      elapsed >= LIMIT_MS - 50 && elapsed < 2_200,
      `gave up after ${elapsed.toFixed(0)} ms`,
    );
    assert.equal(node.stats().pool.handshakeFailures["Timeout"], 1);
  } finally {
    if (auth === undefined) socket.close();
    else auth.close();
    await node.close();
  }
});

Deno.test("an outgoing handshake gets one time limit in all: connect, authentication and Ack", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const socket = await listener.accept();
    await sleep(SLOW_AUTH_MS);
    try {
      const auth = await authenticate(socket, handshakeOptions(true));
      // Hold the Ack until the dialler closes.
      await sleep(LIMIT_MS);
      auth.close();
    } catch {
      socket.close();
    }
  })();
  const node = await testNode({ connectTimeoutMs: LIMIT_MS });
  try {
    const start = performance.now();
    await assert.rejects(
      node.connect({ addr: "127.0.0.1", port: (listener.addr as Deno.NetAddr).port }),
      (e) => isNodeError(e, "dial_failed"),
    );
    const elapsed = performance.now() - start;
    assert.ok(
      elapsed >= LIMIT_MS - 50 && elapsed < 2_200,
      `gave up after ${elapsed.toFixed(0)} ms`,
    );
  } finally {
    await node.close();
    await served;
    listener.close();
  }
});

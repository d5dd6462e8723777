// Octez `src/lib_p2p/test/test_p2p_connect_handler.ml` re-created. Octez drives the connect
// handler with mocked sockets; here two real nodes (or a node and a raw socket) on 127.0.0.1 take
// the handler's place, since ours is not separable from the node's pool.

import assert from "node:assert/strict";
import type { NodeEvent } from "../../lib/node/mod.ts";
import { peerIdToString } from "../../lib/crypto/mod.ts";
import { waitFor } from "../support/async.ts";
import { assertPortFree, testNode } from "../node/helpers.ts";

Deno.test("Connect then destroy: a node that dialled a peer closes with nothing left open", async () => {
  const b = await testNode();
  const a = await testNode({ listen: false });
  try {
    const info = await a.connect(b.listeningPoint!);
    assert.equal(peerIdToString(info.peerId), peerIdToString(b.peerId));
    await a.close();
    // Destroying the handler ends the connection: the peer sees it go.
    await waitFor("b lost its peer", () => b.peers().length === 0);
  } finally {
    await a.close();
    const { port } = b.listeningPoint!;
    await b.close();
    assertPortFree(port);
  }
});

Deno.test("Don't remove incoming connections too early: an accepted socket counts until its handshake ends", async () => {
  const node = await testNode({ authenticationTimeoutMs: 5_000 });
  const { addr, port } = node.listeningPoint!;
  let socket: Deno.Conn | undefined;
  try {
    assert.equal(node.stats().pendingConnections, 0);
    assert.equal(node.stats().pool.incoming, 0);
    // A peer that connects and never speaks: its handshake hangs, as Octez's mocked
    // `socket_accept` does.
    socket = await Deno.connect({ hostname: addr, port });
    await waitFor("accepted", () => node.stats().pool.incoming === 1);
    assert.equal(node.stats().pendingConnections, 1);
    socket.close();
    socket = undefined;
    // Stronger than Octez: once the handshake fails, the socket no longer counts.
    await waitFor("handshake over", () => node.stats().pendingConnections === 0);
  } finally {
    socket?.close();
    await node.close();
  }
});

Deno.test("on_new_connection hook is triggered on new connection, on_disconnection on its end, nothing after destroy", async () => {
  const events: NodeEvent[] = [];
  const b = await testNode();
  const a = await testNode({ listen: false, onEvent: (e) => events.push(e) });
  const count = (kind: NodeEvent["event"]) => events.filter((e) => e.event === kind).length;
  try {
    assert.equal(count("connection_established"), 0);
    assert.equal(count("connection_closed"), 0);
    await a.connect(b.listeningPoint!);
    assert.equal(count("connection_established"), 1);
    assert.equal(count("connection_closed"), 0);
    await a.disconnect(b.peerId);
    await waitFor("disconnection seen", () => count("connection_closed") === 1);
    assert.equal(count("connection_established"), 1);
    await a.close();
    assert.equal(count("connection_established"), 1);
    assert.equal(count("connection_closed"), 1);
  } finally {
    await a.close();
    await b.close();
  }
});

// Octez's maintenance (src/lib_p2p/p2p_maintenance.ml) over real nodes on loopback: it counts
// running connections, dials towards min_target with at most max_target − n attempts at once,
// never-missed points first, sends Bootstrap once when out of candidates and waits for new points,
// trims down to max_target, and runs when a connection ends or arrives, not only on its idle timer.
// Every node here idles an hour, so whatever happens within the test was triggered by an event.

import assert from "node:assert/strict";
import { pointIdToString } from "../../lib/base/point_id.ts";
import { peerIdKey } from "../../lib/crypto/mod.ts";
import { sleep, waitFor } from "../support/async.ts";
import { closeAll, freePort, type SimpleNode, testNode } from "./helpers.ts";
import { Inbox, rawPeer } from "./raw_peer.ts";

const HOUR = 3_600_000;

// Nodes that only answer: no maintenance need of their own (all thresholds 0).
async function quietPeers(n: number): Promise<SimpleNode[]> {
  const out: SimpleNode[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      await testNode({
        maintenanceMs: HOUR,
        connections: { minConnections: 0, expectedConnections: 0, maxConnections: 20 },
      }),
    );
  }
  return out;
}

const keyOf = (node: SimpleNode) => peerIdKey(node.peerId);
const connectedKeys = (node: SimpleNode) => new Set(node.peers().map((p) => peerIdKey(p.peerId)));

Deno.test("too few connections: it dials max_target − n points at once, never-failed points before failed ones", async () => {
  const [first, ...peers] = await quietPeers(11);
  const dead = [freePort(), freePort()].map((port) => `127.0.0.1:${port}`);
  // min 3 / expected 6 / max 12: min_threshold 4, min_target 5, max_target 8, max_threshold 10.
  const node = await testNode({
    maintenanceMs: HOUR,
    connections: { minConnections: 3, expectedConnections: 6, maxConnections: 12 },
    knownPoints: dead.map((point) => ({ point })),
  });
  try {
    // Its only connection ends: below min_connections, a maintenance starts, tries the two dead
    // points (the one just closed is in its back-off), then waits for new points.
    await node.connect(first.listeningPoint!);
    await node.disconnect(first.peerId);
    await waitFor("the dead points to fail", () => node.stats().pool.dialFailures === 2);
    await waitFor("the wait for points", () => node.stats().maintenance.waitsForPoints === 1);
    assert.equal(node.stats().maintenance.bootstrapsSent, 0); // no connection to ask
    await sleep(1_100); // their 1 s back-off passes: they are candidates again, missed long ago
    // Ten new points at once: the first one ends the wait.
    for (const p of peers) node.acl.trustPoint(p.listeningPoint!);
    await waitFor("eight connections", () => node.peers().length === 8);
    await sleep(300);
    const stats = node.stats();
    assert.equal(node.peers().length, 8);
    assert.equal(stats.maintenance.dials, 2 + 8); // max_target − 0 = 8 attempts
    assert.equal(stats.pool.dials, 1 + 10);
    assert.equal(stats.pool.dialFailures, 2); // the failed points were not tried again
    // Ties among never-failed points keep table order: the first eight added.
    assert.deepEqual(connectedKeys(node), new Set(peers.slice(0, 8).map(keyOf)));
    assert.equal(stats.maintenance.tooFewTriggers, 1);
    assert.equal(stats.maintenance.rounds, 1); // all of it was the one triggered maintenance
  } finally {
    await closeAll([node, first, ...peers]);
  }
});

Deno.test("out of candidates: one round of Bootstrap, then it waits for Advertise and dials the new points", async () => {
  const peers = await quietPeers(5);
  const node = await testNode({
    maintenanceMs: HOUR,
    connections: { minConnections: 3, expectedConnections: 6, maxConnections: 12 },
  });
  try {
    // Two raw peers without listening points connect, one leaves: below min_connections, a
    // maintenance starts, finds no point to dial, and asks the one left for points.
    const raw = await rawPeer(node.listeningPoint!);
    const inbox = new Inbox(raw);
    const bootstraps = () => inbox.items.filter((m) => m.kind === "Bootstrap").length;
    try {
      const leaving = await rawPeer(node.listeningPoint!);
      await waitFor("two connections", () => node.peers().length === 2);
      await leaving.close();
      await inbox.find((m) => m.kind === "Bootstrap");
      assert.equal(node.stats().maintenance.waitsForPoints, 1);
      await sleep(1_000); // the node waits: no second Bootstrap (Octez waits up to 5 s)
      assert.equal(bootstraps(), 1);
      assert.equal(node.peers().length, 1);
      raw.writeNow({ kind: "Advertise", points: peers.map((p) => p.listeningPoint!) });
      await waitFor("the advertised points dialled", () => node.peers().length === 6);
      await sleep(300);
      assert.equal(bootstraps(), 1);
      assert.equal(node.stats().maintenance.bootstrapsSent, 1);
      assert.equal(node.stats().maintenance.dials, 5);
      for (const p of peers) assert.ok(connectedKeys(node).has(keyOf(p)));
    } finally {
      await raw.close();
      await inbox.done;
    }
  } finally {
    await closeAll([node, ...peers]);
  }
});

Deno.test("too many connections: reaching max_connections trims to max_target at once, sparing a private trusted peer", async () => {
  // min 0 / expected 0 / max 9: max_target 3, max_threshold 6.
  const node = await testNode({
    maintenanceMs: HOUR,
    connections: { minConnections: 0, expectedConnections: 0, maxConnections: 9 },
  });
  const clients = await quietPeers(8);
  const privateClient = await testNode({
    maintenanceMs: HOUR,
    privateMode: true,
    trustedPoints: [pointIdToString(node.listeningPoint!)],
    connections: { minConnections: 0, expectedConnections: 0, maxConnections: 20 },
  });
  try {
    node.acl.trustPoint(privateClient.listeningPoint!);
    // Its trusted point is dialled at start.
    await waitFor("the private client", () => connectedKeys(node).has(keyOf(privateClient)));
    for (const c of clients.slice(0, 7)) await c.connect(node.listeningPoint!);
    // Eight is above max_threshold, but nothing triggers a maintenance below max_connections.
    await sleep(300);
    assert.equal(node.peers().length, 8);
    assert.equal(node.stats().maintenance.trimmed, 0);
    await clients[7].connect(node.listeningPoint!); // the ninth: max_connections reached
    await waitFor("trimmed to max_target", () => node.peers().length === 3);
    await sleep(300);
    const stats = node.stats().maintenance;
    assert.equal(node.peers().length, 3);
    assert.equal(stats.tooManyTriggers, 1);
    assert.equal(stats.trimmed, 6);
    assert.ok(connectedKeys(node).has(keyOf(privateClient)), "the private trusted peer was closed");
  } finally {
    await closeAll([node, privateClient, ...clients]);
  }
});

Deno.test("a disconnection below min_connections starts a maintenance at once, not after the idle period", async () => {
  const [a, b, c, d, e, f] = await quietPeers(6);
  // min 2 / expected 5 / max 10: min_threshold 3, min_target 4, max_target 8.
  const node = await testNode({
    maintenanceMs: HOUR,
    connections: { minConnections: 2, expectedConnections: 5, maxConnections: 10 },
  });
  try {
    for (const p of [a, b, c, d]) await node.connect(p.listeningPoint!);
    assert.equal(node.peers().length, 4);
    // Two more points: an idle maintenance does not dial them.
    node.acl.trustPoint(e.listeningPoint!);
    node.acl.trustPoint(f.listeningPoint!);
    await node.disconnect(a.peerId);
    await node.disconnect(b.peerId);
    // Two running connections: under min_threshold but not under min_connections, so no trigger
    // (Octez compares with min_connections, p2p_connect_handler.ml 249).
    await sleep(300);
    assert.equal(node.peers().length, 2);
    assert.equal(node.stats().maintenance.rounds, 0);
    await node.disconnect(c.peerId); // one left: below min_connections
    await waitFor("the new points dialled", () => {
      const keys = connectedKeys(node);
      return keys.has(keyOf(e)) && keys.has(keyOf(f));
    }, 3_000);
    const stats = node.stats().maintenance;
    assert.equal(stats.tooFewTriggers, 1);
    assert.equal(stats.rounds, 1);
    // The points just disconnected were in their back-off: not dialled by this maintenance.
    assert.equal(stats.dials, 2);
  } finally {
    await closeAll([node, a, b, c, d, e, f]);
  }
});

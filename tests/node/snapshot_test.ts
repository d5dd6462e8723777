// Node.snapshot(): what an operator sees, as plain data (the RPC and metrics render it).

import assert from "node:assert/strict";
import { peerIdToString } from "../../lib/crypto/mod.ts";
import { pointIdToString } from "../../lib/base/point_id.ts";
import type { NodeEvent } from "../../lib/node/mod.ts";
import { closeAll, testNode } from "./helpers.ts";
import { waitFor } from "../support/async.ts";

Deno.test("snapshot() lists connections, known points and peers, and topic meshes", async () => {
  const a = await testNode({ topics: ["news"] });
  const b = await testNode({ topics: ["news"] });
  try {
    await b.connect(a.listeningPoint!);
    await waitFor("mesh", () => b.meshPeers("news").length === 1);
    const snap = b.snapshot();
    assert.equal(snap.peerId, peerIdToString(b.peerId));
    assert.equal(snap.profile, "simple");
    assert.equal(snap.listeningPoint, pointIdToString(b.listeningPoint!));
    const aPoint = pointIdToString(a.listeningPoint!);
    assert.equal(snap.connections.length, 1);
    const [conn] = snap.connections;
    assert.equal(conn.peerId, peerIdToString(a.peerId));
    assert.equal(conn.point, aPoint);
    assert.equal(conn.incoming, false);
    assert.deepEqual(conn.remoteMetadata, { disableMempool: false, privateNode: false });
    assert.equal(conn.version?.chainName, "TZP2P_GOSSIP");
    assert.ok(conn.establishedAt <= Date.now() && conn.establishedAt > Date.now() - 60_000);
    const point = snap.points.find((p) => p.point === aPoint);
    assert.equal(point?.state, "running");
    // connect() does not trust a point (Octez `P2p.connect` without `~trusted`).
    assert.equal(point?.trusted, false);
    assert.equal(point?.peerId, peerIdToString(a.peerId));
    const peer = snap.peers.find((p) => p.peerId === peerIdToString(a.peerId));
    assert.equal(peer?.state, "running");
    assert.equal(typeof peer?.score, "number");
    assert.deepEqual(snap.topics, [{
      topic: "news",
      mesh: [peerIdToString(a.peerId)],
      subscribers: 1,
    }]);
    assert.deepEqual(snap.bans, []);
    // The snapshot is plain data.
    assert.deepEqual(JSON.parse(JSON.stringify(snap.topics)), snap.topics);
  } finally {
    await closeAll([a, b]);
  }
});

Deno.test("events report grafts both ways, heartbeats, and the sender of a delivered message", async () => {
  const events: NodeEvent[] = [];
  const aEvents: NodeEvent[] = [];
  const a = await testNode({ topics: ["news"], onEvent: (e) => aEvents.push(e) });
  const b = await testNode({ topics: ["news"], onEvent: (e) => events.push(e) });
  try {
    const news = b.subscribe("news").getReader();
    await b.connect(a.listeningPoint!);
    await waitFor(
      "mesh",
      () => a.meshPeers("news").length === 1 && b.meshPeers("news").length === 1,
    );
    await a.publish("news", new TextEncoder().encode("hi"));
    const { value } = await news.read();
    news.releaseLock();
    const aId = peerIdToString(a.peerId);
    assert.equal(peerIdToString(value!.from!), aId);
    // A heartbeat may run before the handshake ends (over 100 ms under load): wait for one that
    // counts the connection.
    const connected = (e: NodeEvent) => e.event === "heartbeat" && e.connections === 1;
    await waitFor("heartbeat with the connection", () => events.some(connected));
    // Whoever grafted first: its `sent` is the other's `received`.
    const bId = peerIdToString(b.peerId);
    const graft = (list: NodeEvent[], direction: string, peer: string) =>
      list.some((e) => e.event === "graft" && e.direction === direction && e.peerId === peer);
    assert.ok(
      (graft(events, "sent", aId) && graft(aEvents, "received", bId)) ||
        (graft(aEvents, "sent", bId) && graft(events, "received", aId)),
    );
    const delivered = events.find((e) => e.event === "message_delivered");
    assert.deepEqual(
      delivered?.event === "message_delivered" && [delivered.from, delivered.size, delivered.topic],
      [aId, 2, "news"],
    );
    const beat = events.find(connected);
    assert.ok(beat?.event === "heartbeat" && beat.durationMs >= 0);
    assert.ok(events.every((e) => e.event !== "heartbeat" || e.connections <= 1));
  } finally {
    await closeAll([a, b]);
  }
});

Deno.test("points from an earlier run's snapshot come back, with their peer and trust", async () => {
  const a = await testNode();
  const b = await testNode();
  let points;
  try {
    await b.connect(a.listeningPoint!);
    b.acl.trustPoint(a.listeningPoint!);
    points = b.snapshot().points;
  } finally {
    await closeAll([a, b]);
  }
  const again = await testNode({ knownPoints: points });
  try {
    const [point] = again.snapshot().points;
    assert.deepEqual(
      { point: point.point, peerId: point.peerId, trusted: point.trusted },
      { point: points[0].point, peerId: points[0].peerId, trusted: true },
    );
  } finally {
    await again.close();
  }
});

// Trusted points and peers, `addr#peer_id` points and private mode over real TCP on loopback
// (Octez `P2p_pool.Points/Peers.trust`, `check_expected_peer_id` and `is_acceptable` in
// p2p_connect_handler.ml, `P2p_protocol.Private_answerer`).

import assert from "node:assert/strict";
import { pointIdToString } from "../../lib/base/point_id.ts";
import { generateIdentitySync, peerIdKey, peerIdToString } from "../../lib/crypto/mod.ts";
import { isNodeError } from "../../lib/node/mod.ts";
import { KnownPoints } from "../../lib/node/known_points.ts";
import { makePointId } from "../../lib/base/point_id.ts";
import { sleep, waitFor } from "../support/async.ts";
import { closeAll, testNode } from "./helpers.ts";
import { Inbox, rawPeer } from "./raw_peer.ts";

// No maintenance dials or swaps of their own: the tests decide every connection.
const still = { maintenanceMs: 60_000 };

Deno.test("trusted points stay in a full known-points table; untrusted ones are collected", () => {
  const known = new KnownPoints({
    maxKnownPoints: 10,
    targetKnownPoints: 5,
    initialRetryDelay: 1000,
    maxRetryDelay: 60_000,
    retryFactor: 2,
  });
  const trusted = [1, 2, 3].map((i) => makePointId("127.0.0.1", 1000 + i));
  for (const p of trusted) known.setTrusted(p, true, 0);
  for (let i = 0; i < 50; i++) known.add(makePointId("127.0.0.1", 2000 + i), "advertise", i);
  for (const p of trusted) assert.equal(known.get(pointIdToString(p))?.trusted, true);
  assert.ok(known.size <= 10);
  // Once untrusted, they go like the others.
  for (const p of trusted) known.setTrusted(p, false, 0);
  for (let i = 0; i < 50; i++) known.add(makePointId("127.0.0.1", 3000 + i), "advertise", 100 + i);
  assert.equal(trusted.filter((p) => known.get(pointIdToString(p)) !== undefined).length, 0);
});

Deno.test("trustedPoints are dialled, listed, and trusted or untrusted through node.acl", async () => {
  const b = await testNode(still);
  const c = await testNode(still);
  const a = await testNode({ ...still, trustedPoints: [pointIdToString(b.listeningPoint!)] });
  try {
    await waitFor("a dials its trusted point", () => a.peers().length === 1);
    assert.deepEqual(a.acl.trustedPoints(), [pointIdToString(b.listeningPoint!)]);
    const cText = pointIdToString(c.listeningPoint!);
    const cId = peerIdToString(c.peerId);
    a.acl.trustPoint(`${cText}#${cId}`);
    assert.deepEqual(
      a.acl.trustedPoints().sort(),
      [
        pointIdToString(b.listeningPoint!),
        `${cText}#${cId}`,
      ].sort(),
    );
    assert.ok(a.snapshot().points.some((p) => p.point === cText && p.trusted));
    assert.equal(a.acl.untrustPoint(cText), true);
    assert.equal(a.acl.untrustPoint(cText), false);
    assert.ok(a.snapshot().points.some((p) => p.point === cText && !p.trusted));
    // Trusting a point lifts its address's ban (Octez `Points.trust`).
    a.acl.banIp("127.0.0.9");
    a.acl.trustPoint("127.0.0.9:9732");
    assert.deepEqual(a.acl.bannedIps(), []);
    // Trusting a peer lifts its ban too.
    a.acl.banPeer(c.peerId);
    a.acl.trustPeer(c.peerId);
    assert.deepEqual(a.acl.bannedPeers(), []);
    assert.deepEqual(a.acl.trustedPeers(), [cId]);
    assert.equal(a.acl.untrustPeer(cId), true);
    assert.throws(() => a.acl.trustPoint("not a point"), (e) => isNodeError(e, "invalid_point"));
  } finally {
    await closeAll([a, b, c]);
  }
});

Deno.test("an addr#peer_id point answered by another peer is refused; by that peer, accepted", async () => {
  const b = await testNode(still);
  const someoneElse = generateIdentitySync(2);
  const point = pointIdToString(b.listeningPoint!);
  const a = await testNode(still);
  try {
    await assert.rejects(
      a.connect(`${point}#${peerIdToString(someoneElse.peerId)}`),
      (e) => isNodeError(e, "dial_failed"),
    );
    assert.equal(a.stats().pool.handshakeFailures["Identity_check_failure"], 1);
    assert.equal(a.peers().length, 0);
    // The wrong peer is not recorded at the point.
    assert.equal(a.snapshot().points.find((p) => p.point === point)?.peerId, undefined);
    // The expected id stays with the point: a plain connect is refused as well.
    await assert.rejects(a.connect(point), (e) => isNodeError(e, "dial_failed"));
    assert.equal(a.stats().pool.handshakeFailures["Identity_check_failure"], 2);
    await a.connect(`${point}#${peerIdToString(b.peerId)}`);
    assert.equal(a.peers()[0].id, peerIdToString(b.peerId));
  } finally {
    await closeAll([a, b]);
  }
});

Deno.test("a configured addr#peer_id point with the wrong peer is never connected", async () => {
  const b = await testNode(still);
  const wrong = peerIdToString(generateIdentitySync(2).peerId);
  const a = await testNode({
    ...still,
    bootstrapPoints: [`${pointIdToString(b.listeningPoint!)}#${wrong}`],
  });
  try {
    await waitFor(
      "the check failed",
      () => (a.stats().pool.handshakeFailures["Identity_check_failure"] ?? 0) >= 1,
    );
    assert.equal(a.peers().length, 0);
    assert.deepEqual(a.acl.trustedPoints(), [`${pointIdToString(b.listeningPoint!)}#${wrong}`]);
  } finally {
    await closeAll([a, b]);
  }
});

Deno.test("private mode: trusted points in and out, others refused, private_node announced", async () => {
  const trusted = await testNode(still);
  const stranger = await testNode(still);
  const friend = await testNode(still);
  const p = await testNode({
    ...still,
    privateMode: true,
    trustedPoints: [trusted.listeningPoint!],
    trustedPeers: [peerIdToString(friend.peerId)],
  });
  try {
    await waitFor("p dials its trusted point", () => p.peers().length === 1);
    // The trusted node sees p announce private_node.
    await waitFor("trusted sees p", () => trusted.snapshot().connections.length === 1);
    assert.equal(trusted.snapshot().connections[0].privateNode, true);
    // An untrusted node is closed after authentication, without a Nack.
    await assert.rejects(stranger.connect(p.listeningPoint!), (e) => isNodeError(e, "dial_failed"));
    await waitFor("counted", () => p.stats().pool.handshakeFailures["Private_mode"] === 1);
    assert.deepEqual(p.stats().pool.nacks, {});
    // p dials no untrusted point.
    await assert.rejects(
      p.connect(stranger.listeningPoint!),
      (e) => isNodeError(e, "dial_refused"),
    );
    // A trusted peer gets in from any address and port.
    await friend.connect(p.listeningPoint!);
    await waitFor("friend in", () => p.peers().length === 2);
  } finally {
    await closeAll([p, trusted, stranger, friend]);
  }
});

Deno.test("private mode: Bootstrap and Advertise are ignored, and none is sent", async () => {
  const id = generateIdentitySync(2);
  const other = await testNode(still);
  const p = await testNode({
    maintenanceMs: 50,
    privateMode: true,
    trustedPeers: [id.peerId],
    // Below its minimum with nothing to dial: a public node would send Bootstrap.
    connections: { minConnections: 4, expectedConnections: 4, maxConnections: 8 },
  });
  try {
    p.acl.trustPoint(other.listeningPoint!);
    await waitFor("p dials the trusted point", () => p.peers().length === 1);
    const raw = await rawPeer(p.listeningPoint!, { identity: id });
    try {
      const inbox = new Inbox(raw);
      raw.writeNow({ kind: "Bootstrap" });
      raw.writeNow({ kind: "Advertise", points: [makePointId("127.0.0.1", 9)] });
      await waitFor("ignored", () => p.stats().maintenance.ignoredInPrivateMode === 2);
      await sleep(300); // several maintenance rounds
      assert.equal(p.stats().maintenance.bootstrapsSent, 0);
      assert.equal(p.stats().maintenance.advertisesSent, 0);
      assert.equal(p.snapshot().points.some((x) => x.point === "127.0.0.1:9"), false);
      assert.equal(
        inbox.items.some((m) => m.kind === "Bootstrap" || m.kind === "Advertise"),
        false,
      );
      assert.ok(p.peers().some((x) => peerIdKey(x.peerId) === peerIdKey(id.peerId)));
    } finally {
      await raw.close();
    }
  } finally {
    await closeAll([p, other]);
  }
});

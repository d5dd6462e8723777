// The P2P layer of a node: post-authentication checks and Nacks, duplicate and simultaneous
// connections, Kick bans, greylisting, slow peers.

import assert from "node:assert/strict";
import { RejectionMotive } from "../../lib/base/rejection.ts";
import { isP2pError } from "../../lib/connection/mod.ts";
import { generateIdentitySync, peerIdKey } from "../../lib/crypto/mod.ts";
import { rawAppCodec, type RawAppMessage } from "../../lib/encoding/mod.ts";
import { isNodeError } from "../../lib/node/mod.ts";
import { collect, sleep, waitFor } from "../support/async.ts";
import { text } from "../support/bytes.ts";
import { closeAll, testNode } from "./helpers.ts";
import { Inbox, rawPeer } from "./raw_peer.ts";

// Nodes that never dial by themselves: every connection in these tests is explicit.
const still = { connections: { minConnections: 0, expectedConnections: 0, maxConnections: 8 } };

function nackMotive(e: unknown): number | undefined {
  return isP2pError(e, "rejected_by_nack") ? e.details.motive : undefined;
}

Deno.test("a second connection from a connected peer gets Nack Already_connected", async () => {
  const node = await testNode(still);
  const identity = generateIdentitySync(2);
  const first = await rawPeer(node.listeningPoint!, { identity });
  try {
    await waitFor("connected", () => node.peers().length === 1);
    await assert.rejects(
      rawPeer(node.listeningPoint!, { identity }),
      (e) => nackMotive(e) === RejectionMotive.AlreadyConnected,
    );
    assert.equal(node.peers().length, 1);
  } finally {
    await first.close();
    await node.close();
  }
});

Deno.test("another chain name gets Nack Unknown_chain_name", async () => {
  const node = await testNode(still);
  try {
    await assert.rejects(
      rawPeer(node.listeningPoint!, { chainName: "SOMETHING_ELSE" }),
      (e) => nackMotive(e) === RejectionMotive.UnknownChainName,
    );
    assert.equal(node.peers().length, 0);
  } finally {
    await node.close();
  }
});

// Octez sends up to 50 known points with every Nack, and none when peer discovery is off
// (`p2p_connect_handler.ml` 512-518).
for (const peerDiscovery of [true, false]) {
  const carries = peerDiscovery ? "known points" : "no points (discovery off, as the dal profile)";
  Deno.test(`past maxConnections, newcomers get Nack Too_many_connections with ${carries}`, async () => {
    const other = await testNode(still);
    const node = await testNode({
      peerDiscovery,
      connections: { minConnections: 0, expectedConnections: 0, maxConnections: 2 },
    });
    const raw = [];
    try {
      await node.connect(other.listeningPoint!);
      const expected = peerDiscovery ? [other.listeningPoint] : [];
      const nackedWith = async (motive: number, options = {}) => {
        let alternatives: unknown;
        await assert.rejects(rawPeer(node.listeningPoint!, options), (e) => {
          if (isP2pError(e, "rejected_by_nack")) alternatives = e.details.alternativePoints;
          return nackMotive(e) === motive;
        });
        assert.deepEqual(alternatives, expected);
      };
      // Another motive carries the same list.
      await nackedWith(RejectionMotive.UnknownChainName, { chainName: "SOMETHING_ELSE" });
      raw.push(await rawPeer(node.listeningPoint!));
      await nackedWith(RejectionMotive.TooManyConnections);
      assert.equal(node.stats().pool.refused, 2);
    } finally {
      await Promise.all(raw.map((c) => c.close()));
      await closeAll([node, other]);
    }
  });
}

Deno.test("Bootstrap is answered with Advertise of the known public points", async () => {
  const hub = await testNode(still);
  const b = await testNode(still);
  const c = await testNode(still);
  try {
    await b.connect(hub.listeningPoint!);
    await c.connect(hub.listeningPoint!);
    // The raw peer advertises no port: it is not a point anyone can dial.
    const raw = await rawPeer(hub.listeningPoint!);
    try {
      const inbox = new Inbox(raw);
      assert.equal(raw.writeNow({ kind: "Bootstrap" }), true);
      const answer = await inbox.find((m) => m.kind === "Advertise");
      assert.equal(answer.kind, "Advertise");
      const points = answer.kind === "Advertise" ? answer.points : [];
      const sort = (p: typeof points) => [...p].map((x) => `${x.addr}:${x.port}`).sort();
      assert.deepEqual(sort(points), sort([b.listeningPoint!, c.listeningPoint!]));
      assert.equal(hub.stats().maintenance.advertisesSent, 1);
    } finally {
      await raw.close();
    }
  } finally {
    await closeAll([hub, b, c]);
  }
});

Deno.test("a node below its minimum asks for points and dials the advertised ones", async () => {
  const hub = await testNode(still);
  const others = [await testNode(still), await testNode(still), await testNode(still)];
  const newcomer = await testNode({
    bootstrapPoints: [hub.listeningPoint!],
    connections: { minConnections: 4, expectedConnections: 4, maxConnections: 8 },
  });
  try {
    for (const o of others) await o.connect(hub.listeningPoint!);
    await waitFor("newcomer connected to all four", () => newcomer.peers().length === 4);
    assert.ok(newcomer.stats().maintenance.bootstrapsSent > 0);
    assert.ok(newcomer.stats().maintenance.pointsAdvertised >= 3);
  } finally {
    await closeAll([hub, ...others, newcomer]);
  }
});

Deno.test("a kicked peer is disconnected and refused until its ban ends", async () => {
  const alice = await testNode(still);
  const bob = await testNode(still);
  try {
    await bob.connect(alice.listeningPoint!);
    await waitFor("connected", () => alice.peers().length === 1);
    alice.kick(bob.peerId, 600);
    await waitFor(
      "both sides disconnected",
      () => alice.peers().length === 0 && bob.peers().length === 0,
    );
    await assert.rejects(bob.connect(alice.listeningPoint!), (e) => isNodeError(e, "dial_failed"));
    assert.equal(alice.peers().length, 0);
    await sleep(700);
    await bob.connect(alice.listeningPoint!);
    await waitFor("reconnected", () => alice.peers().length === 1);
  } finally {
    await closeAll([alice, bob]);
  }
});

Deno.test("a kicked peer is not dialled by the kicking node", async () => {
  const alice = await testNode(still);
  const bob = await testNode(still);
  try {
    await alice.connect(bob.listeningPoint!);
    alice.kick(bob.peerId);
    await waitFor("disconnected", () => alice.peers().length === 0);
    await assert.rejects(alice.connect(bob.listeningPoint!), (e) => isNodeError(e, "dial_refused"));
  } finally {
    await closeAll([alice, bob]);
  }
});

Deno.test("a peer sending a malformed message is disconnected and greylisted", async () => {
  const node = await testNode(still);
  const identity = generateIdentitySync(2);
  const raw = await rawPeer<RawAppMessage>(node.listeningPoint!, { identity, codec: rawAppCodec });
  try {
    await waitFor("connected", () => node.peers().length === 1);
    // Tag 0x0010 is Graft, whose topic needs a 4-byte length: one byte cannot decode.
    raw.writeNow({
      kind: "Message",
      message: { kind: "Raw", tag: 0x0010, body: new Uint8Array(1) },
    });
    await waitFor("disconnected", () => node.peers().length === 0);
    await assert.rejects(rawPeer(node.listeningPoint!, { identity }));
  } finally {
    await raw.close();
    await node.close();
  }
});

Deno.test("two nodes dialling each other at once keep one connection, the same on both ends", async () => {
  for (let round = 0; round < 5; round++) {
    const alice = await testNode(still);
    const bob = await testNode(still);
    try {
      await Promise.allSettled([
        alice.connect(bob.listeningPoint!),
        bob.connect(alice.listeningPoint!),
      ]);
      await waitFor(
        "one connection each",
        () =>
          alice.peers().length === 1 && bob.peers().length === 1 &&
          alice.stats().pendingConnections === 0 &&
          bob.stats().pendingConnections === 0,
      );
      // Both ends agree on who opened it.
      assert.equal(alice.peers()[0].incoming, !bob.peers()[0].incoming);
      const news = collect(bob.subscribe("news"));
      alice.subscribe("news");
      await waitFor("mesh", () => alice.meshPeers("news").length === 1);
      await alice.publish("news", text("hi"));
      await waitFor("delivery", () => news.items.length === 1);
    } finally {
      await closeAll([alice, bob]);
    }
  }
});

Deno.test("a peer that does not read does not hold back the others", async () => {
  const node = await testNode({ ...still, outgoingQueueSize: 1024 * 1024 });
  const reader = await testNode(still);
  // The raw peer subscribes and grafts, then never reads: its socket and queue fill up.
  const stuckIdentity = generateIdentitySync(2);
  const stuck = await rawPeer(node.listeningPoint!, {
    identity: stuckIdentity,
    incomingQueueSize: 1,
  });
  try {
    await reader.connect(node.listeningPoint!);
    const news = collect(reader.subscribe("news"));
    node.subscribe("news");
    stuck.writeNow({ kind: "Message", message: { kind: "Subscribe", topic: "news" } });
    stuck.writeNow({ kind: "Message", message: { kind: "Graft", topic: "news" } });
    await waitFor("both in the mesh", () => node.meshPeers("news").length === 2);
    const payload = new Uint8Array(32 * 1024);
    // 13 MB for a peer that reads nothing: more than its socket buffers and our 1 MiB queue. The
    // publisher waits for the reading peer after every ten messages: a write blocked on the
    // stuck peer would stop that progress.
    const count = 400;
    for (let i = 0; i < count; i += 10) {
      for (let k = 0; k < 10; k++) await node.publish("news", payload);
      await waitFor(`message ${i + 10} at the reading peer`, () => news.items.length === i + 10);
    }
    assert.ok(node.stats().outMessagesDropped > 0, "the stuck peer's queue should overflow");
    assert.ok(node.peers().some((p) => peerIdKey(p.peerId) === peerIdKey(stuckIdentity.peerId)));
  } finally {
    await stuck.close();
    await closeAll([node, reader]);
  }
});

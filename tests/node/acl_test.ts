// The node's refusal lists over real TCP: an address that fails authentication is greylisted
// and dropped at accept, other addresses are not, and the ACL API lifts it; a malformed message
// after the Ack greylists both the address and the peer id. Peers come from distinct loopback
// source addresses (tests/support/source_address.ts).

import assert from "node:assert/strict";
import { accept, authenticate, isP2pError, shellMetadataCodec } from "../../lib/connection/mod.ts";
import { generateIdentitySync, makePowTarget, peerIdToString } from "../../lib/crypto/mod.ts";
import type { Identity } from "../../lib/crypto/mod.ts";
import { rawAppCodec } from "../../lib/encoding/mod.ts";
import { checkProofOfWork } from "../../lib/crypto/mod.ts";
import { DEFAULT_CHAIN_NAME, type NodeEvent } from "../../lib/node/mod.ts";
import type { PointId } from "../../lib/base/point_id.ts";
import { waitFor } from "../support/async.ts";
import { dialFrom } from "../support/source_address.ts";
import { closeAll, testNode } from "./helpers.ts";

const versions = { chainName: DEFAULT_CHAIN_NAME, distributedDbVersions: [0], p2pVersions: [0, 1] };

// A handshake from `from` to `point` with `identity`, up to the Ack exchange.
async function handshake(from: string, point: PointId, identity: Identity) {
  const stream = await dialFrom(from, point);
  const auth = await authenticate(stream, {
    identity,
    powTarget: makePowTarget(0),
    incoming: false,
    remotePoint: point,
    versions,
    metadata: { disableMempool: false, privateNode: false },
    metadataCodec: shellMetadataCodec,
    timeoutMs: 3_000,
  });
  return await accept(auth, rawAppCodec, { timeoutMs: 3_000 });
}

function weakIdentity(): Identity {
  for (;;) {
    const identity = generateIdentitySync(0);
    if (!checkProofOfWork(identity.publicKey, identity.proofOfWorkStamp, makePowTarget(2))) {
      return identity;
    }
  }
}

Deno.test("an address that fails the PoW is greylisted and dropped at accept; others are not; clearing lets it in", async () => {
  const events: NodeEvent[] = [];
  const node = await testNode({ listen: { host: "127.0.0.1" }, onEvent: (e) => events.push(e) });
  const point = node.listeningPoint!;
  const good = generateIdentitySync(2);
  try {
    await assert.rejects(handshake("127.0.0.2", point, weakIdentity()));
    await waitFor("greylisted", () => node.acl.greylistedIps().includes("127.0.0.2"));
    // A valid peer from the same address is closed before it gets a connection message.
    const refusedBefore = node.stats().pool.refusedAddresses;
    await assert.rejects(
      handshake("127.0.0.2", point, good),
      (e) => isP2pError(e, "connection_closed"),
    );
    assert.equal(node.stats().pool.refusedAddresses, refusedBefore + 1);
    // Another address is accepted.
    const fromThree = await handshake("127.0.0.3", point, good);
    await fromThree.close();
    // The failure is counted by Octez name.
    assert.equal(node.stats().pool.handshakeFailures["Not_enough_proof_of_work"], 1);
    assert.ok(
      events.some((e) => e.event === "handshake_failed" && e.error === "Not_enough_proof_of_work"),
    );
    assert.deepEqual(events.filter((e) => e.event === "greylisted"), [{
      event: "greylisted",
      address: "127.0.0.2",
      peerId: undefined,
      reason: "Not_enough_proof_of_work",
    }]);
    // Clearing the greylist lets 127.0.0.2 in again.
    node.acl.clearGreylist();
    assert.deepEqual(node.acl.greylistedIps(), []);
    const again = await handshake("127.0.0.2", point, good);
    await again.close();
  } finally {
    await node.close();
  }
});

Deno.test("a malformed P2P message after the Ack greylists the peer's address and its peer id", async () => {
  const node = await testNode();
  const point = node.listeningPoint!;
  const offender = generateIdentitySync(2);
  try {
    const conn = await handshake("127.0.0.2", point, offender);
    // Tag 0x10 is the simple instance's Graft: its topic's 4-byte length is cut short.
    await conn.write({
      kind: "Message",
      message: { kind: "Raw", tag: 0x10, body: new Uint8Array([1]) },
    });
    await conn.closed;
    await waitFor("greylisted", () => node.acl.greylistedIps().includes("127.0.0.2"));
    assert.deepEqual(node.acl.greylistedPeers(), [peerIdToString(offender.peerId)]);
    // The peer id is refused from any address; the address for any peer id.
    await assert.rejects(handshake("127.0.0.3", point, offender));
    await assert.rejects(handshake("127.0.0.2", point, generateIdentitySync(2)));
    const other = await handshake("127.0.0.3", point, generateIdentitySync(2));
    await other.close();
  } finally {
    await node.close();
  }
});

Deno.test("the blacklist refuses an address or a peer until unbanned, and banning disconnects", async () => {
  const a = await testNode();
  const events = a.events().getReader();
  const b = await testNode();
  try {
    await b.connect(a.listeningPoint!);
    await waitFor("connected", () => a.peers().length === 1);
    a.acl.banPeer(b.peerId);
    await waitFor("disconnected", () => a.peers().length === 0);
    assert.deepEqual(a.acl.bannedPeers(), [peerIdToString(b.peerId)]);
    await assert.rejects(b.connect(a.listeningPoint!));
    assert.equal(a.acl.unbanPeer(b.peerId), true);
    a.acl.banIp("127.0.0.2");
    // The event stream saw both bans.
    const bans: unknown[] = [];
    while (bans.length < 2) {
      const { value } = await events.read();
      if (value?.event === "banned") bans.push([value.address, value.peerId, value.reason]);
    }
    assert.deepEqual(bans, [
      [undefined, peerIdToString(b.peerId), "operator"],
      ["127.0.0.2", undefined, "operator"],
    ]);
    await assert.rejects(handshake("127.0.0.2", a.listeningPoint!, generateIdentitySync(2)));
    assert.equal(a.acl.unbanIp("127.0.0.2"), true);
    const back = await handshake("127.0.0.2", a.listeningPoint!, generateIdentitySync(2));
    await back.close();
  } finally {
    await closeAll([a, b]);
    // The stream ends when the node closes (after the events still unread).
    let reads = 0;
    while (!(await events.read()).done) assert.ok(++reads < 100, "the event stream did not end");
  }
});

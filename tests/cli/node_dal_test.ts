// `tzp2p node --profile dal` against peers that follow the Octez DAL node's rules
// (tests/support/octez_dal_peer.ts, written without lib/node): handshakes both ways with each
// side decoding the other's metadata, shards relayed byte for byte, a malformed commitment not
// forwarded, and no full message for a peer that announced is_bootstrap_peer.

import assert from "node:assert/strict";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { dalMetadataCodec } from "../../lib/connection/mod.ts";
import { peerIdToString } from "../../lib/crypto/mod.ts";
import { fromHex, toHex } from "../../lib/encoding/hex.ts";
import { parseDalTopic } from "../../lib/node/dal_topic.ts";
import type { DalGossipMessage, DalMessage, DalMessageId, DalTopic } from "../../gen/gossipsub.ts";
import { sleep } from "../support/async.ts";
import { type CliEvent, CliNode, withTempDir } from "../support/cli_node.ts";
import {
  handDalMetadataCodec,
  OctezDalListener,
  OctezDalPeer,
  type ReceivedDal,
} from "../support/octez_dal_peer.ts";
import { makePointId } from "../../lib/base/point_id.ts";

const TZ1 = "tz1XQjK1b3P72kMcHsoPhnAg3dvX1n8Ainty"; // src/lib_crypto/test/key_encoding_vectors.ml 25
const TOPIC_TEXT = `0:${TZ1}`;
const TOPIC: DalTopic = parseDalTopic(TOPIC_TEXT);
const L1 = "TEZOS_LOOPBACK";

// The compressed BLS12-381 G1 generator (ZCash serialization, which Octez's G1.to_compressed_bytes
// uses): flags 0b100 in the top bits of x.
const G1_GENERATOR =
  "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb";

/** k·G compressed: a valid commitment or proof. */
function g1(k: bigint): Uint8Array {
  return bls12_381.G1.Point.BASE.multiply(k).toBytes(true);
}

/** A shard of `n` small scalars (little-endian, all below r). */
function shard(seed: number, n = 4): DalMessage {
  const share = Array.from({ length: n }, (_, i) => {
    const s = new Uint8Array(32);
    s[0] = seed;
    s[1] = i;
    return s;
  });
  return { share, shardProof: g1(BigInt(seed) + 1000n) };
}

function messageId(level: number, shardIndex: number, commitment: Uint8Array): DalMessageId {
  return { level, slotIndex: TOPIC.slotIndex, commitment, shardIndex, pkh: TOPIC.pkh };
}

function full(id: DalMessageId, message: DalMessage): DalGossipMessage {
  return { kind: "MessageWithHeader", message, topic: TOPIC, messageId: id };
}

const isFull = (r: ReceivedDal) => r.message.kind === "MessageWithHeader";
const levelOf = (r: ReceivedDal) =>
  r.message.kind === "MessageWithHeader" ? r.message.messageId.level : -1;

Deno.test("the hand-written DAL metadata bytes are Octez's, and agree with the library codec", () => {
  const plain = { advertisedNetPort: 11732, isBootstrapPeer: false };
  assert.equal(toHex(handDalMetadataCodec.encode(plain)), "00ff2dd400");
  assert.equal(toHex(dalMetadataCodec.encode(plain)), "00ff2dd400");
  const v4mapped = fromHex("00000000000000000000ffff7f000001");
  const withAddr = handDalMetadataCodec.encode({
    advertisedNetAddr: v4mapped,
    isBootstrapPeer: true,
  });
  assert.equal(toHex(withAddr), "ff00000010" + toHex(v4mapped) + "00" + "ff");
  const decoded = dalMetadataCodec.decode(withAddr);
  assert.equal(decoded.advertisedNetAddr, "127.0.0.1");
  assert.equal(decoded.advertisedNetPort, undefined);
  assert.equal(decoded.isBootstrapPeer, true);
  assert.throws(() => handDalMetadataCodec.decode(fromHex("00ff2dd40000")), /extra_bytes/);
  assert.throws(() => handDalMetadataCodec.decode(fromHex("00ff2dd401")), /invalid_conversion/);
  assert.equal(toHex(g1(1n)), G1_GENERATOR);
});

Deno.test("tzp2p node --profile dal: Octez-rule peers handshake both ways, shards relay byte for byte, malformed and bootstrap-peer rules hold", async () => {
  await withTempDir(async (dir) => {
    const trusted = new OctezDalListener({ l1ChainName: L1 });
    const node = new CliNode([
      "--profile",
      "dal",
      "--chain",
      L1,
      "--identity",
      `${dir}/node.json`,
      "--expected-pow",
      "0",
      "--listen",
      "127.0.0.1:0",
      "--log",
      "json",
      "--topic",
      TOPIC_TEXT,
      "--peer",
      `127.0.0.1:${trusted.point.port}`,
    ]);
    const peers: OctezDalPeer[] = [];
    try {
      const listening = await node.listening();
      const nodeId = String(listening.peer_id);
      const nodePoint = String(listening.point);
      const nodePort = Number(nodePoint.split(":")[1]);

      // 1. The node dials its --peer (outgoing for the node).
      const p2 = await trusted.accept();
      peers.push(p2);
      assert.equal(peerIdToString(p2.connection.peerId), nodeId);
      assert.equal(p2.remoteMetadata.isBootstrapPeer, false);
      assert.equal(p2.remoteMetadata.advertisedNetPort, nodePort); // Octez: advertised = listening
      const nodeSeesP2 = await node.waitFor(
        "connection to the trusted peer",
        (e) =>
          e.event === "connection_established" &&
          e.peer_id === p2.id,
      );
      assert.equal(nodeSeesP2.direction, "outgoing");
      assert.deepEqual(pickMetadata(nodeSeesP2), {
        is_bootstrap_peer: false,
        advertised_net_port: trusted.point.port,
      });

      // 2. A peer dials the node (incoming for the node), advertising an IPv4-mapped address.
      const p1 = await OctezDalPeer.dial(makePointId("127.0.0.1", nodePort), {
        l1ChainName: L1,
        metadata: {
          advertisedNetAddr: fromHex("00000000000000000000ffff7f000001"),
          advertisedNetPort: 11732,
          isBootstrapPeer: false,
        },
      });
      peers.push(p1);
      assert.equal(peerIdToString(p1.connection.peerId), nodeId);
      assert.equal(p1.remoteMetadata.isBootstrapPeer, false);
      const nodeSeesP1 = await node.waitFor(
        "connection from p1",
        (e) => e.event === "connection_established" && e.peer_id === p1.id,
      );
      assert.equal(nodeSeesP1.direction, "incoming");
      assert.deepEqual(pickMetadata(nodeSeesP1), {
        is_bootstrap_peer: false,
        advertised_net_port: 11732,
        advertised_net_addr: "127.0.0.1",
      });

      // 3. A bootstrap peer dials the node.
      const p3 = await OctezDalPeer.dial(makePointId("127.0.0.1", nodePort), {
        l1ChainName: L1,
        metadata: { advertisedNetPort: 11732, isBootstrapPeer: true },
      });
      peers.push(p3);
      const nodeSeesP3 = await node.waitFor(
        "connection from p3",
        (e) => e.event === "connection_established" && e.peer_id === p3.id,
      );
      assert.equal((nodeSeesP3.metadata as Record<string, unknown>).is_bootstrap_peer, true);

      // The node announces its topic to each peer (Octez: Subscribe on every new connection).
      for (const p of peers) {
        await p.waitFor(
          "Subscribe to the node's topic",
          (r) => r.message.kind === "Subscribe" && r.message.topic.slotIndex === TOPIC.slotIndex,
        );
      }
      // Every peer joins the topic and asks into the node's mesh.
      for (const p of peers) {
        await p.send({ kind: "Subscribe", topic: TOPIC });
        await p.send({ kind: "Graft", topic: TOPIC });
      }
      await sleep(300);

      // 4. A valid shard from p1 reaches p2 byte for byte.
      const commitment = g1(7n);
      const sentA = await p1.send(full(messageId(100, 1, commitment), shard(1)));
      const gotA = await p2.waitFor("shard A", (r) => isFull(r) && levelOf(r) === 100);
      assert.deepEqual(gotA.bytes, sentA);
      const deliveredA = await node.waitFor(
        "message_delivered of A",
        (e) => e.event === "message_delivered" && String(e.message_id).startsWith("100/"),
      );
      assert.equal(deliveredA.topic, TOPIC_TEXT);
      assert.ok(Number(deliveredA.size) > 0);

      // 5. A shard whose commitment is not a compressed G1 point is not forwarded; the next valid
      //    one is.
      const malformed = new Uint8Array(48); // no compression flag: Octez's decoder rejects it
      await p1.send(full(messageId(101, 2, malformed), shard(2)));
      const sentC = await p1.send(full(messageId(102, 3, commitment), shard(3)));
      const gotC = await p2.waitFor("shard C", (r) => isFull(r) && levelOf(r) === 102);
      assert.deepEqual(gotC.bytes, sentC);
      await sleep(500);
      assert.ok(!p2.received.some((r) => levelOf(r) === 101), "the malformed shard was forwarded");
      assert.ok(
        !node.events.some((e) =>
          e.event === "message_delivered" && String(e.message_id).startsWith("101/")
        ),
      );

      // 6. The bootstrap peer, subscribed and grafted like p2, gets no full message and no gossip
      //    about them, even after a few heartbeats.
      await sleep(2_500);
      const forbidden = p3.received.filter((r) =>
        r.message.kind === "MessageWithHeader" || r.message.kind === "IHave" ||
        r.message.kind === "IWant"
      );
      assert.deepEqual(forbidden.map((r) => r.message.kind), []);
      assert.ok(p2.received.filter(isFull).length >= 2);

      assert.ok(!node.events.some((e) => e.event === "not_json"));
      for (const p of peers) await p.close();
      peers.length = 0;
      assert.equal(await node.stop("SIGTERM"), 0, node.stderr);
      assert.equal(node.events.at(-1)?.event, "stopped");
    } finally {
      for (const p of peers) await p.close().catch(() => {});
      trusted.close();
      await node.dispose();
    }
  });
});

/** The metadata of a connection event without the null (absent) fields. */
function pickMetadata(event: CliEvent): Record<string, unknown> {
  const metadata = event.metadata as Record<string, unknown>;
  return Object.fromEntries(Object.entries(metadata).filter(([, v]) => v !== null));
}

// Nodes of the `dal` profile: Octez's DAL wire layout and metadata over tzp2p connections.

import assert from "node:assert/strict";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { generateIdentitySync, peerIdKey } from "../../lib/crypto/mod.ts";
import {
  createNode,
  dalGossip,
  type DalMessage,
  type DalMessageId,
  type DalNodeOptions,
  type DalTopic,
  type Node,
  type NodeEvent,
} from "../../lib/node/mod.ts";
import { waitFor } from "../support/async.ts";

type DalNode = Node<DalTopic, DalMessageId, DalMessage>;

const topic: DalTopic = { slotIndex: 3, pkh: { kind: "Bls", hash: new Uint8Array(20).fill(7) } };

function shardId(shardIndex: number): DalMessageId {
  return {
    level: 100,
    slotIndex: 3,
    commitment: bls12_381.G1.Point.BASE.multiply(7n).toBytes(true),
    shardIndex,
    pkh: topic.pkh,
  };
}

function options(extra: Partial<DalNodeOptions> = {}): DalNodeOptions {
  return {
    profile: "dal",
    identity: generateIdentitySync(2),
    expectedPow: 2,
    chainName: "TZP2P_TEST",
    heartbeatMs: 100,
    connections: { minConnections: 0, expectedConnections: 0, maxConnections: 8 },
    ...extra,
  };
}

Deno.test("two DAL nodes exchange a shard in Octez's DAL layout", async () => {
  const a: DalNode = await createNode(options({ topics: [topic] }));
  const b: DalNode = await createNode(options());
  try {
    const shards = b.subscribe(topic).getReader();
    await b.connect(a.listeningPoint!);
    await waitFor("mesh", () => a.meshPeers(topic).length === 1);
    const shard: DalMessage = {
      share: [new Uint8Array(32).fill(9), new Uint8Array(32).fill(8)],
      shardProof: bls12_381.G1.Point.BASE.multiply(11n).toBytes(true),
    };
    const published = await a.publish(topic, shard, { messageId: shardId(12) });
    assert.deepEqual(published.recipients, [b.peerId]);
    const { value } = await shards.read();
    assert.equal(value?.messageId.shardIndex, 12);
    assert.deepEqual(value?.message.share.map((s) => s[0]), [9, 8]);
    assert.equal(value?.topic.slotIndex, 3);
    shards.releaseLock();
    // The DAL instance does not mint ids: the application names its shards.
    assert.throws(() => a.publish(topic, shard), TypeError);
    assert.throws(
      () => a.subscribe({ slotIndex: 0, pkh: { kind: "Ed25519", hash: new Uint8Array(20) } }),
      RangeError,
    );
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

Deno.test("DAL message ids are ordered by level, shard, commitment, then topic", () => {
  const { messageId } = dalGossip();
  const id = shardId(5);
  assert.ok(messageId.compare(id, { ...id, level: 101, shardIndex: 0 }) < 0);
  assert.ok(messageId.compare(id, { ...id, shardIndex: 6 }) < 0);
  assert.ok(messageId.compare(id, { ...id, commitment: new Uint8Array(48).fill(0xff) }) < 0);
  assert.ok(messageId.compare(id, { ...id, slotIndex: 4 }) < 0);
  assert.equal(messageId.key(id), messageId.key({ ...id, commitment: id.commitment.slice() }));
  assert.notEqual(messageId.key(id), messageId.key({ ...id, shardIndex: 6 }));
  assert.deepEqual(messageId.getTopic(id), topic);
});

Deno.test("DAL id keys are equal exactly when the ids are, well-formed or not", () => {
  const { messageId } = dalGossip();
  const id = shardId(5);
  const flip = (b: Uint8Array, k: number) => {
    const c = b.slice();
    c[k] ^= 1;
    return c;
  };
  const variants = [
    id,
    { ...id, level: id.level + 1 },
    { ...id, level: -1 },
    { ...id, level: 0x7fffffff },
    { ...id, shardIndex: id.shardIndex + 1 },
    { ...id, shardIndex: 0xffff },
    { ...id, slotIndex: id.slotIndex + 1 },
    ...[0, 1, 46, 47].map((k) => ({ ...id, commitment: flip(id.commitment, k) })),
    { ...id, pkh: { ...id.pkh, kind: "Ed25519" as const } },
    { ...id, pkh: { ...id.pkh, kind: "MlDsa44" as const } },
    ...[0, 19].map((k) => ({ ...id, pkh: { ...id.pkh, hash: flip(id.pkh.hash, k) } })),
    // Out of range or malformed: text keys, distinct from every packed one and from each other.
    { ...id, commitment: id.commitment.subarray(0, 47) },
    { ...id, commitment: new Uint8Array(49) },
    { ...id, shardIndex: 0x10000 },
    { ...id, level: 2 ** 31 },
    { ...id, slotIndex: 256 },
    { ...id, pkh: { ...id.pkh, hash: id.pkh.hash.subarray(0, 19) } },
    // Names that are not key-hash kinds, inherited ones included.
    { ...id, pkh: { ...id.pkh, kind: "toString" as "Bls" } },
    { ...id, pkh: { ...id.pkh, kind: "constructor" as "Bls" } },
    // Short text keys too (not 38 units).
    {
      ...id,
      level: 1.5,
      commitment: new Uint8Array(0),
      pkh: { ...id.pkh, hash: new Uint8Array(0) },
    },
  ];
  const keys = variants.map((v) => messageId.key(v));
  assert.equal(new Set(keys).size, variants.length);
  // Equal values, different arrays: equal keys.
  const copy = {
    ...id,
    commitment: id.commitment.slice(),
    pkh: { kind: id.pkh.kind, hash: id.pkh.hash.slice() },
  };
  assert.equal(messageId.key(copy), keys[0]);
  // A malformed commitment is Invalid without a G1 check.
  assert.equal(messageId.valid(variants.at(-9)!), "Invalid");
});

Deno.test("a dal node announces DAL_<chain>, sends DAL metadata and reports it in events", async () => {
  const events: NodeEvent[] = [];
  const a: DalNode = await createNode(options({ bootstrapPeer: true }));
  const b: DalNode = await createNode(options({ onEvent: (e) => events.push(e) }));
  try {
    assert.equal(a.profile.chainName, "DAL_TZP2P_TEST");
    assert.equal(a.profile.peerDiscovery, false);
    assert.equal(a.profile.swapLingerMs, null);
    await b.connect(a.listeningPoint!);
    const established = events.find((e) => e.event === "connection_established");
    assert.deepEqual(established?.event === "connection_established" && established.metadata, {
      advertisedNetAddr: undefined,
      advertisedNetPort: a.listeningPoint!.port,
      isBootstrapPeer: true,
    });
    // The remote announced a bootstrap profile: the worker knows it as one.
    await waitFor("bootstrap flag", () => b.gossipView.isBootstrap(peerIdKey(a.peerId)));
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

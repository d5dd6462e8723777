// Nodes running the DAL instance: Octez's DAL wire layout over tzp2p connections.

import assert from "node:assert/strict";
import { generateIdentitySync } from "../../lib/crypto/mod.ts";
import {
  createNode,
  dalGossip,
  type DalMessage,
  type DalMessageId,
  type DalTopic,
  type Node,
  type NodeOptions,
} from "../../lib/node/mod.ts";
import { waitFor } from "./helpers.ts";

type DalNode = Node<DalTopic, DalMessageId, DalMessage>;

const topic: DalTopic = { slotIndex: 3, pkh: { kind: "Bls", hash: new Uint8Array(20).fill(7) } };

function shardId(shardIndex: number): DalMessageId {
  return {
    level: 100,
    slotIndex: 3,
    commitment: new Uint8Array(48).fill(1),
    shardIndex,
    pkh: topic.pkh,
  };
}

function options(
  extra: Partial<NodeOptions<DalTopic, DalMessageId, DalMessage>> = {},
): NodeOptions<DalTopic, DalMessageId, DalMessage> {
  return {
    gossip: dalGossip(),
    identity: generateIdentitySync(2),
    powDifficulty: 2,
    chainName: "DAL_TZP2P_TEST",
    heartbeatMs: 100,
    maintenanceMs: 200,
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
      shardProof: new Uint8Array(48).fill(5),
    };
    a.publish(topic, shard, shardId(12));
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
  assert.ok(messageId.compare(id, { ...id, commitment: new Uint8Array(48).fill(2) }) < 0);
  assert.ok(messageId.compare(id, { ...id, slotIndex: 4 }) < 0);
  assert.equal(messageId.key(id), messageId.key({ ...id, commitment: id.commitment.slice() }));
  assert.notEqual(messageId.key(id), messageId.key({ ...id, shardIndex: 6 }));
  assert.deepEqual(messageId.getTopic(id), topic);
});

// The simple instance bounds what one peer can make a node keep: topics longer than
// `maxTopicBytes` (default 1 024) are refused by `accept`, and at most `maxTopicsPerPeer` (default
// 256) topics are recorded per peer. Unbounded, 2 000 Subscribes of 100 kB topics from one peer
// took the heap from 7 MB to 208 MB. A measured report: the heap figures are printed.

import assert from "node:assert/strict";
import { generateIdentitySync, peerIdKey } from "../../lib/crypto/mod.ts";
import {
  createNode,
  DEFAULT_MAX_TOPIC_BYTES,
  DEFAULT_MAX_TOPICS_PER_PEER,
  defaultNodeLimits,
  simpleGossip,
} from "../../lib/node/mod.ts";
import { waitFor } from "../support/async.ts";
import { testNode, testOptions } from "./helpers.ts";
import { rawPeer } from "./raw_peer.ts";

const MIB = 1024 * 1024;

Deno.test("2 000 topics of 100 kB from one peer are refused and the heap stays bounded (measured)", async () => {
  const node = await testNode({ maintenanceMs: 60_000 });
  const id = generateIdentitySync(2);
  const raw = await rawPeer(node.listeningPoint!, { identity: id });
  const key = peerIdKey(id.peerId);
  try {
    await waitFor("connected", () => node.peers().length === 1);
    const heapBefore = Deno.memoryUsage().heapUsed;
    const filler = "x".repeat(100_000);
    for (let i = 0; i < 2_000; i++) {
      await raw.write({ kind: "Message", message: { kind: "Subscribe", topic: `${i}:${filler}` } });
    }
    await waitFor(
      "all refused",
      () => node.stats().inMessagesRejected === 2_000,
      30_000,
    );
    assert.deepEqual(node.gossipView.subscribedTopics(key), []);
    // Topics of the largest length allowed: only the first 256 are recorded.
    const long = "y".repeat(DEFAULT_MAX_TOPIC_BYTES - 5);
    for (let i = 0; i < 2_000; i++) {
      await raw.write({
        kind: "Message",
        message: { kind: "Subscribe", topic: `${String(i).padStart(4, "0")}:${long}` },
      });
    }
    await waitFor(
      "the cap reached",
      () => node.gossipView.subscribedTopics(key).length === DEFAULT_MAX_TOPICS_PER_PEER,
      30_000,
    );
    const heapAfter = Deno.memoryUsage().heapUsed;
    const growth = (heapAfter - heapBefore) / MIB;
    console.log(
      `heap before ${(heapBefore / MIB).toFixed(1)} MiB, after ${(heapAfter / MIB).toFixed(1)} ` +
        `MiB (${growth.toFixed(1)} MiB, garbage included; 200 MB of topics were sent)`,
    );
    assert.equal(node.peers().length, 1, "the peer stays connected: its topics are ignored");
    assert.ok(growth < 64, `heap grew by ${growth.toFixed(1)} MiB`);
  } finally {
    await raw.close();
    await node.close();
  }
});

Deno.test("the topic bounds are configurable: simpleGossip({ maxTopicBytes }) and limits.maxTopicsPerPeer", async () => {
  const node = await createNode({
    ...testOptions({ maintenanceMs: 60_000 }),
    gossip: simpleGossip({ maxTopicBytes: 8 }),
    limits: { ...defaultNodeLimits<string>(100), maxTopicsPerPeer: 3 },
    profile: "simple",
  });
  const id = generateIdentitySync(2);
  const raw = await rawPeer(node.listeningPoint!, { identity: id });
  try {
    await waitFor("connected", () => node.peers().length === 1);
    for (const topic of ["123456789", "a", "b", "c", "d", "12345678"]) {
      await raw.write({ kind: "Message", message: { kind: "Subscribe", topic } });
    }
    await waitFor("one refused", () => node.stats().inMessagesRejected === 1);
    await waitFor(
      "three recorded",
      () => node.gossipView.subscribedTopics(peerIdKey(id.peerId)).length === 3,
    );
    assert.deepEqual(node.gossipView.subscribedTopics(peerIdKey(id.peerId)).sort(), [
      "a",
      "b",
      "c",
    ]);
    // Our own topics obey the same bound.
    assert.throws(() => node.subscribe("123456789"), RangeError);
    assert.throws(() => simpleGossip({ maxTopicBytes: 70_000 }), RangeError);
  } finally {
    await raw.close();
    await node.close();
  }
});

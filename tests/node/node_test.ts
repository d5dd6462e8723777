// The application API of a node: publish, subscribe, unsubscribe, peers, close.

import assert from "node:assert/strict";
import { peerIdKey } from "../../lib/crypto/mod.ts";
import { toHex } from "../../lib/encoding/hex.ts";
import { defaultNodeLimits, isNodeError } from "../../lib/node/mod.ts";
import { trackTimers } from "../gossipsub/worker_fixture.ts";
import { collect, sleep, waitFor } from "../support/async.ts";
import { text, untext } from "../support/bytes.ts";
import { assertPortFree, closeAll, freePort, type SimpleNode, testNode } from "./helpers.ts";

Deno.test("two nodes exchange messages both ways on two topics", async () => {
  const alice = await testNode();
  const bob = await testNode({ bootstrapPoints: [alice.listeningPoint!] });
  try {
    const aliceNews = collect(alice.subscribe("news"));
    const bobNews = collect(bob.subscribe("news"));
    const bobSport = collect(bob.subscribe("sport"));
    const aliceSport = collect(alice.subscribe("sport"));
    await waitFor(
      "meshes",
      () =>
        ["news", "sport"].every((t) =>
          alice.meshPeers(t).length === 1 && bob.meshPeers(t).length === 1
        ),
    );
    await alice.publish("news", text("from alice"));
    await bob.publish("news", text("from bob"));
    await bob.publish("sport", text("goal"));
    await waitFor(
      "deliveries",
      () =>
        aliceNews.items.length === 1 && bobNews.items.length === 1 && aliceSport.items.length === 1,
    );
    assert.equal(untext(aliceNews.items[0].message), "from bob");
    assert.equal(untext(bobNews.items[0].message), "from alice");
    assert.equal(untext(aliceSport.items[0].message), "goal");
    assert.equal(aliceSport.items[0].topic, "sport");
    // A node does not deliver its own publications (as Octez).
    assert.equal(bobSport.items.length, 0);

    const [peer] = alice.peers();
    assert.deepEqual(peer.peerId, bob.peerId);
    assert.equal(peer.incoming, true);
    assert.deepEqual(peer.point, bob.listeningPoint);
    assert.ok(peer.stat.messagesReceived > 0);
    assert.ok(peer.id.startsWith("id"));
    assert.equal(bob.peers()[0].incoming, false);
  } finally {
    await closeAll([alice, bob]);
  }
});

Deno.test("message ids are unique per publication, even for equal payloads", async () => {
  const alice = await testNode();
  const bob = await testNode({ bootstrapPoints: [alice.listeningPoint!] });
  try {
    const news = collect(bob.subscribe("news"));
    alice.subscribe("news").cancel();
    await waitFor("mesh", () => alice.meshPeers("news").length === 1);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await alice.publish("news", text("same"))).messageId);
    assert.equal(new Set(ids.map(toHex)).size, 3);
    await waitFor("three deliveries", () => news.items.length === 3);
    assert.deepEqual(news.items.map((m) => toHex(m.messageId)), ids.map(toHex));
  } finally {
    await closeAll([alice, bob]);
  }
});

Deno.test("a node publishes on a topic it has not joined through fanout peers", async () => {
  const alice = await testNode();
  const bob = await testNode({ bootstrapPoints: [alice.listeningPoint!] });
  try {
    const news = collect(bob.subscribe("news"));
    await waitFor(
      "alice sees bob's subscription",
      () => alice.gossipView.topicSubscribers("news").length === 1,
    );
    const fanout = await alice.publish("news", text("fanout"));
    assert.deepEqual(fanout.recipients, [bob.peerId]);
    await waitFor("delivery", () => news.items.length === 1);
    assert.equal(untext(news.items[0].message), "fanout");
    assert.deepEqual(alice.gossipView.fanoutTopics(), ["news"]);
  } finally {
    await closeAll([alice, bob]);
  }
});

Deno.test("unsubscribe ends the topic's streams and tells the peers", async () => {
  const alice = await testNode();
  const bob = await testNode({ bootstrapPoints: [alice.listeningPoint!] });
  try {
    const one = collect(bob.subscribe("news"));
    const two = collect(bob.subscribe("news"));
    const bobKey = peerIdKey(bob.peerId);
    await waitFor("subscribed", () => alice.gossipView.subscribedTopics(bobKey).includes("news"));
    assert.equal(bob.unsubscribe("news"), true);
    assert.equal(bob.unsubscribe("news"), false);
    await Promise.all([one.done, two.done]);
    await waitFor("unsubscribed", () => alice.gossipView.subscribedTopics(bobKey).length === 0);
  } finally {
    await closeAll([alice, bob]);
  }
});

Deno.test("publish and subscribe refuse the reserved empty topic and a closed node", async () => {
  const node = await testNode();
  assert.throws(() => node.publish("", text("x")), RangeError);
  assert.throws(() => node.subscribe(""), RangeError);
  await node.close();
  await node.close(); // idempotent
  assert.throws(() => node.publish("news", text("x")), (e) => isNodeError(e, "closed"));
  assert.throws(() => node.subscribe("news"), (e) => isNodeError(e, "closed"));
  await assert.rejects(node.connect("127.0.0.1:1"), (e) => isNodeError(e, "closed"));
});

Deno.test("a full subscriber stream drops messages without holding back the others", async () => {
  const alice = await testNode();
  const bob = await testNode({ bootstrapPoints: [alice.listeningPoint!], subscriberBufferSize: 3 });
  try {
    bob.subscribe("news"); // never read
    const read = collect(bob.subscribe("news"));
    await waitFor("subscription", () => alice.gossipView.topicSubscribers("news").length === 1);
    for (let i = 0; i < 10; i++) await alice.publish("news", text(`m${i}`));
    await waitFor("all ten on the read stream", () => read.items.length === 10);
    assert.equal(bob.stats().deliveriesDropped, 7);
  } finally {
    await closeAll([alice, bob]);
  }
});

Deno.test("closing aborts the node through its signal and stops every timer it started", async () => {
  const timers = trackTimers();
  try {
    const controller = new AbortController();
    const alice = await testNode({ signal: controller.signal });
    const bob = await testNode({ bootstrapPoints: [alice.listeningPoint!] });
    const carol = await testNode({ bootstrapPoints: [alice.listeningPoint!] });
    const news = collect(carol.subscribe("news"));
    bob.subscribe("news");
    await waitFor("mesh", () => bob.meshPeers("news").length > 0);
    await bob.publish("news", text("hi"));
    await waitFor("delivery", () => news.items.length === 1);
    await sleep(250); // a few heartbeats and maintenance rounds
    assert.ok(timers.created() > 0);
    controller.abort();
    await Promise.all([bob.close(), carol.close()]);
    await alice.close(); // the same close the abort started
    await news.done;
    assert.equal(timers.live(), 0, "timers still pending after close");
    for (const node of [alice, bob, carol]) assertPortFree(node.listeningPoint!.port);
  } finally {
    timers.restore();
  }
});

Deno.test("createNode() refuses invalid options without leaking its listener", async () => {
  const port = freePort();
  const listen = { host: "127.0.0.1", port };
  await assert.rejects(testNode({ listen, maintenanceMs: -1 }), RangeError);
  await assert.rejects(testNode({ listen, connectTimeoutMs: Infinity }), RangeError);
  await assert.rejects(testNode({ listen, heartbeatMs: -5 }), RangeError);
  await assert.rejects(
    testNode({
      listen,
      connections: { minConnections: 5, expectedConnections: 2, maxConnections: 8 },
    }),
    RangeError,
  );
  await assert.rejects(testNode({ listen, topics: [""] }), RangeError);
  // Invalid gossipsub limits are found by the worker, after the listener was opened.
  const limits = { ...defaultNodeLimits<string>(100), degreeLow: 100 };
  await assert.rejects(testNode({ listen, limits }), RangeError);
  assertPortFree(port);
});

Deno.test("publish() rejects with no_peers_subscribed when nobody gets it, unless allowed", async () => {
  const alice = await testNode();
  try {
    await assert.rejects(
      alice.publish("news", text("alone")),
      (e) => isNodeError(e, "no_peers_subscribed"),
    );
    const result = await alice.publish("news", text("alone"), { allowNoPeers: true });
    assert.deepEqual(result.recipients, []);
    // The same id twice: the second is refused.
    const id = result.messageId;
    await assert.rejects(
      alice.publish("news", text("alone"), { messageId: id, allowNoPeers: true }),
      (e) => isNodeError(e, "already_published"),
    );
  } finally {
    await alice.close();
  }
});

Deno.test("topic validators decide (sync, async, deferred) and see the sender", async () => {
  const alice = await testNode({ topics: ["news"] });
  const bob = await testNode({ topics: ["news"], bootstrapPoints: [alice.listeningPoint!] });
  try {
    const news = collect(bob.subscribe("news"));
    const seen: string[] = [];
    let deferred: Uint8Array | undefined;
    bob.setTopicValidator("news", ({ message, from, messageId }) => {
      seen.push(toHex(from!));
      const word = untext(message);
      if (word === "bad") return "Invalid";
      if (word === "later") return new Promise((r) => setTimeout(() => r("Valid"), 20));
      if (word === "deferred") {
        deferred = messageId;
        return "Unknown";
      }
      return "Valid";
    });
    await waitFor("mesh", () => alice.meshPeers("news").length === 1);
    for (const word of ["bad", "good", "later", "deferred"]) {
      await alice.publish("news", text(word));
    }
    await waitFor("deferred asked", () => deferred !== undefined);
    assert.equal(bob.reportValidation(deferred!, "Valid"), true);
    await waitFor("three deliveries", () => news.items.length === 3);
    assert.deepEqual(news.items.map((m) => untext(m.message)).sort(), [
      "deferred",
      "good",
      "later",
    ]);
    assert.ok(seen.every((s) => s === toHex(alice.peerId)));
    // The invalid message counts against alice (P4 in bob's score of her).
    assert.equal(bob.stats().gossip.countRecvInvalidAppMessages, 1);
    const topics = bob.gossipView.scoreDetails(peerKey(alice))?.topics ?? [];
    assert.ok(topics.some((t) => t.invalidMessages > 0));
  } finally {
    await closeAll([alice, bob]);
  }
});

Deno.test("setApplicationScore() moves a peer's gossipsub score (P5)", async () => {
  const alice = await testNode();
  const bob = await testNode({ bootstrapPoints: [alice.listeningPoint!] });
  try {
    await waitFor("connected", () => bob.peers().length === 1);
    bob.setApplicationScore(alice.peerId, -5);
    await waitFor("score", () => bob.gossipView.peerScore(peerKey(alice)) < 0);
    assert.throws(() => bob.setApplicationScore(alice.peerId, NaN), RangeError);
  } finally {
    await closeAll([alice, bob]);
  }
});

function peerKey(node: SimpleNode): string {
  return toHex(node.peerId);
}

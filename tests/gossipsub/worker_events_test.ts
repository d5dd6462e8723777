// How the worker turns each automaton output into P2P and application outputs
// (spec §11.4–§11.7, Octez `gossipsub_worker.ml` HEAD): answers to Graft, IHave,
// IWant and Prune, Join / Leave / Publish, routing, the unknown-validity buffer,
// batches, the bootstrap filter, reconnections, and workers talking to each other.

import assert from "node:assert/strict";
import { testLimits } from "../../lib/gossipsub/mod.ts";
import { sleep } from "../support/async.ts";
import {
  collectBoth,
  eventLog,
  HEARTBEAT,
  nextHeartbeat,
  out,
  settle,
  stop,
  testWorker,
  untilTicks,
  type W,
  wire,
} from "./worker_fixture.ts";

const limits = testLimits<string>();

/** Connects `peer`, which subscribes to `topic` and grafts us on it. */
function meshPeer(worker: W, peer: number, topic: string, outbound = false): void {
  worker.p2pInput({ kind: "NewConnection", peer, direct: false, outbound });
  worker.p2pInput({ kind: "InMessage", fromPeer: peer, p2pMessage: { kind: "Subscribe", topic } });
  worker.p2pInput({ kind: "InMessage", fromPeer: peer, p2pMessage: { kind: "Graft", topic } });
}

function since<X>(items: X[], mark: number): X[] {
  return items.slice(mark);
}

Deno.test("worker: a Graft for a topic we did not join is answered by a Prune without PX", async () => {
  const { worker } = testWorker();
  const c = collectBoth(worker);
  worker.start([]);
  worker.p2pInput({ kind: "NewConnection", peer: 4, direct: false, outbound: false });
  worker.p2pInput({ kind: "InMessage", fromPeer: 4, p2pMessage: { kind: "Graft", topic: "9" } });
  await stop(worker, c);
  assert.deepEqual(c.p2p.items, [
    out(4, { kind: "Prune", topic: "9", px: [], backoff: limits.pruneBackoff }),
  ]);
  assert.equal(worker.stats.countSentPrunes, 1);
  assert.equal(worker.stats.countRecvGrafts, 0);
});

Deno.test("worker: a Graft into a full mesh is counted and answered by a Prune with PX", async () => {
  const { worker } = testWorker();
  const c = collectBoth(worker);
  worker.start(["1"]);
  const peers = Array.from({ length: limits.degreeHigh + 1 }, (_, i) => i + 100);
  for (const peer of peers) meshPeer(worker, peer, "1");
  await settle(worker);
  const last = peers[peers.length - 1];
  assert.equal(worker.view.meshPeers("1").length, limits.degreeHigh);
  assert.equal(worker.view.inMesh("1", last), false);
  const prunes = c.p2p.items.filter((o) =>
    o.kind === "OutMessage" && o.p2pMessage.kind === "Prune"
  );
  assert.equal(prunes.length, 1);
  const prune = prunes[0];
  assert.ok(prune.kind === "OutMessage" && prune.p2pMessage.kind === "Prune");
  assert.equal(prune.toPeer, last);
  assert.equal(prune.p2pMessage.backoff, limits.pruneBackoff);
  // PX: every other subscriber (12 ≤ peersToPx = 16), never the pruned peer itself.
  assert.deepEqual([...prune.p2pMessage.px].sort((a, b) => a - b), peers.slice(0, -1));
  assert.equal(worker.stats.countRecvGrafts, peers.length);
  await stop(worker, c);
});

Deno.test("worker: IHave of a joined topic gets an IWant, IWant gets the cached message back", async () => {
  const { worker } = testWorker();
  const c = collectBoth(worker);
  worker.start(["1"]);
  worker.p2pInput({
    kind: "InMessage",
    fromPeer: 8,
    p2pMessage: { kind: "IHave", topic: "1", messageIds: [21, 31] },
  });
  worker.appInput({ kind: "PublishMessage", topic: "1", messageId: 41, message: "published" });
  worker.p2pInput({
    kind: "InMessage",
    fromPeer: 8,
    p2pMessage: { kind: "IWant", messageIds: [41, 51] },
  });
  await stop(worker, c);
  // The automaton shuffles the ids it requests (as Octez does).
  const first = c.p2p.items[0];
  assert.ok(first.kind === "OutMessage" && first.p2pMessage.kind === "IWant");
  assert.deepEqual([...first.p2pMessage.messageIds].sort(), [21, 31]);
  assert.deepEqual(c.p2p.items.slice(1), [
    out(8, { kind: "MessageWithHeader", message: "published", topic: "1", messageId: 41 }),
  ]);
  assert.deepEqual(c.app.items, []); // our own publication is not delivered back
  assert.equal(worker.stats.countRecvIhaves, 2);
  assert.equal(worker.stats.countRecvIwants, 1);
  assert.equal(worker.stats.countSentIwants, 1);
  assert.equal(worker.stats.countSentAppMessages, 1);
});

Deno.test("worker: a Prune with PX asks to connect to new contactable peers and forgets the rest", async () => {
  const { worker } = testWorker({ reachablePoint: (peer) => `10.0.0.${peer}:11732` });
  const c = collectBoth(worker);
  worker.start(["1"]);
  meshPeer(worker, 33, "1");
  worker.p2pInput({ kind: "NewConnection", peer: 44, direct: false, outbound: false });
  await settle(worker);
  worker.setUnreachablePoint("10.0.0.77:11732");
  const mark = c.p2p.items.length;
  worker.p2pInput({
    kind: "InMessage",
    fromPeer: 33,
    p2pMessage: { kind: "Prune", topic: "1", px: [66, -1, 44, 55, 77], backoff: 1000 },
  });
  await settle(worker);
  assert.deepEqual(since(c.p2p.items, mark), [
    { kind: "Connect", peer: 55, origin: { kind: "PX", peer: 33 } },
    { kind: "Connect", peer: 66, origin: { kind: "PX", peer: 33 } },
    { kind: "Forget", peer: -1, origin: 33 }, // ourselves
    { kind: "Forget", peer: 44, origin: 33 }, // already connected
    { kind: "Forget", peer: 77, origin: 33 }, // unreachable point
  ]);
  assert.equal(worker.view.inMesh("1", 33), false);
  assert.equal(worker.stats.countRecvPrunes, 1);
  // A Prune from a peer not in the mesh: everything is forgotten, nothing counted.
  const mark2 = c.p2p.items.length;
  worker.p2pInput({
    kind: "InMessage",
    fromPeer: 44,
    p2pMessage: { kind: "Prune", topic: "1", px: [88], backoff: 1000 },
  });
  await stop(worker, c);
  assert.deepEqual(since(c.p2p.items, mark2), [{ kind: "Forget", peer: 88, origin: 44 }]);
  assert.equal(worker.stats.countRecvPrunes, 1);
});

Deno.test("worker: Leave prunes the mesh with PX and the unsubscribe backoff, then unsubscribes everyone", async () => {
  const { worker } = testWorker();
  const c = collectBoth(worker);
  worker.start(["1"]);
  meshPeer(worker, 1, "1");
  meshPeer(worker, 2, "1");
  worker.p2pInput({ kind: "NewConnection", peer: 3, direct: false, outbound: false });
  await settle(worker);
  const mark = c.p2p.items.length;
  worker.appInput({ kind: "Leave", topic: "1" });
  worker.appInput({ kind: "Leave", topic: "1" }); // Not_joined: nothing
  await stop(worker, c);
  const backoff = limits.unsubscribeBackoff;
  assert.deepEqual(since(c.p2p.items, mark), [
    out(1, { kind: "Prune", topic: "1", px: [2], backoff }),
    out(2, { kind: "Prune", topic: "1", px: [1], backoff }),
    out(1, { kind: "Unsubscribe", topic: "1" }),
    out(2, { kind: "Unsubscribe", topic: "1" }),
    out(3, { kind: "Unsubscribe", topic: "1" }),
  ]);
  assert.equal(worker.isSubscribed("1"), false);
  assert.equal(worker.stats.countTopics, 0);
});

Deno.test("worker: a valid message is forwarded to the other mesh peers and delivered once", async () => {
  const { worker } = testWorker();
  const c = collectBoth(worker);
  worker.start(["1"]);
  for (const peer of [1, 2, 3]) meshPeer(worker, peer, "1");
  await settle(worker);
  const mark = c.p2p.items.length;
  const full = { message: "m", topic: "1", messageId: 11 };
  for (const fromPeer of [2, 3]) {
    worker.p2pInput({
      kind: "InMessage",
      fromPeer,
      p2pMessage: { kind: "MessageWithHeader", ...full },
    });
  }
  await stop(worker, c);
  const forwarded = since(c.p2p.items, mark);
  assert.deepEqual(
    forwarded.map((o) => o.kind === "OutMessage" ? o.toPeer : -1).sort(),
    [1, 3],
  );
  for (const o of forwarded) {
    assert.deepEqual(o.kind === "OutMessage" && o.p2pMessage, {
      kind: "MessageWithHeader",
      ...full,
    });
  }
  assert.deepEqual(c.app.items, [full]);
  assert.equal(worker.stats.countRecvValidAppMessages, 1);
});

Deno.test("worker: a message received twice is delivered once and counted as a duplicate", async () => {
  const { worker } = testWorker();
  const c = collectBoth(worker);
  worker.start(["1"]);
  for (const fromPeer of [5, 6]) {
    worker.p2pInput({
      kind: "InMessage",
      fromPeer,
      p2pMessage: { kind: "MessageWithHeader", message: "m", topic: "1", messageId: 12 },
    });
  }
  await stop(worker, c);
  assert.equal(c.app.items.length, 1);
  assert.equal(worker.stats.countRecvValidAppMessages, 1);
  assert.equal(worker.stats.countRecvDuplicateAppMessages, 1);
});

Deno.test("worker: invalid and outdated messages are only counted", async () => {
  const { worker, validities } = testWorker();
  const c = collectBoth(worker);
  validities.message = (message) => message === "bad" ? "Invalid" : "Valid";
  validities.id = (id) => id < 10 ? "Outdated" : "Valid";
  worker.start(["1"]);
  worker.p2pInput({
    kind: "InMessage",
    fromPeer: 5,
    p2pMessage: { kind: "MessageWithHeader", message: "bad", topic: "1", messageId: 11 },
  });
  worker.p2pInput({
    kind: "InMessage",
    fromPeer: 5,
    p2pMessage: { kind: "MessageWithHeader", message: "old", topic: "1", messageId: 1 },
  });
  await stop(worker, c);
  assert.deepEqual(c.app.items, []);
  assert.equal(worker.stats.countRecvInvalidAppMessages, 1);
  assert.equal(worker.stats.countRecvOutdatedAppMessages, 1);
  assert.equal(worker.unknownValidityMessages, 0);
});

Deno.test("worker: messages of unknown validity are retried after each heartbeat, smallest id first", async () => {
  const { worker, validities } = testWorker();
  const c = collectBoth(worker);
  const known = new Map<number, "Valid" | "Outdated">();
  validities.id = (id) => known.get(id) ?? "Unknown";
  worker.start(["1"]);
  for (const messageId of [31, 11, 21, 41]) {
    worker.p2pInput({
      kind: "InMessage",
      fromPeer: 5,
      p2pMessage: { kind: "MessageWithHeader", message: `m${messageId}`, topic: "1", messageId },
    });
  }
  await settle(worker);
  assert.equal(worker.stats.countRecvUnknownValidityAppMessages, 4);
  assert.equal(worker.unknownValidityMessages, 4);
  // 11 outdated, 21 valid, 31 still unknown: the retry stops at 31, so 41 waits even if valid.
  known.set(11, "Outdated").set(21, "Valid").set(41, "Valid");
  await nextHeartbeat(worker);
  assert.deepEqual(c.app.items, [{ message: "m21", topic: "1", messageId: 21 }]);
  assert.equal(worker.unknownValidityMessages, 2);
  known.set(31, "Valid");
  await nextHeartbeat(worker);
  await stop(worker, c);
  assert.deepEqual(c.app.items.map((m) => m.messageId), [21, 31, 41]);
  assert.equal(worker.stats.countRecvValidAppMessages, 3);
});

Deno.test("worker: a full unknown-validity buffer evicts its largest id", async () => {
  const { worker, validities } = testWorker({ unknownValidityCapacity: 2 });
  const c = collectBoth(worker);
  let ready = false;
  validities.id = () => ready ? "Valid" : "Unknown";
  worker.start(["1"]);
  for (const messageId of [21, 41, 11]) {
    worker.p2pInput({
      kind: "InMessage",
      fromPeer: 5,
      p2pMessage: { kind: "MessageWithHeader", message: "m", topic: "1", messageId },
    });
  }
  await settle(worker);
  assert.equal(worker.unknownValidityMessages, 2);
  assert.equal(worker.stats.countEvictedUnknownValidityMessages, 1);
  ready = true;
  await nextHeartbeat(worker);
  await stop(worker, c);
  assert.deepEqual(c.app.items.map((m) => m.messageId), [11, 21]);
});

Deno.test("worker: a payload that stays Unknown after its id turns Valid is retried once per heartbeat, not forever", async () => {
  const { worker, validities } = testWorker();
  const c = collectBoth(worker);
  let idKnown = false;
  validities.id = () => idKnown ? "Valid" : "Unknown";
  validities.message = () => "Unknown";
  worker.start(["1"]);
  worker.p2pInput({
    kind: "InMessage",
    fromPeer: 5,
    p2pMessage: { kind: "MessageWithHeader", message: "m", topic: "1", messageId: 11 },
  });
  await settle(worker);
  idKnown = true;
  await nextHeartbeat(worker);
  await nextHeartbeat(worker);
  await stop(worker, c);
  assert.equal(worker.unknownValidityMessages, 0); // cleared by shutdown
  assert.ok(worker.stats.countRecvUnknownValidityAppMessages >= 3);
  assert.deepEqual(c.app.items, []);
});

Deno.test("worker: in batch mode one message from two senders is validated once and routed to neither", async () => {
  const log = eventLog();
  const { worker } = testWorker({
    messageHandling: { kind: "InBatches", timeInterval: 30 },
    eventsLogging: log.log,
  });
  const c = collectBoth(worker);
  worker.start(["1"]);
  for (const peer of [1, 2, 3]) meshPeer(worker, peer, "1");
  await settle(worker);
  const mark = c.p2p.items.length;
  const full = { message: "m", topic: "1", messageId: 11 };
  for (const fromPeer of [1, 2]) {
    worker.p2pInput({
      kind: "InMessage",
      fromPeer,
      p2pMessage: { kind: "MessageWithHeader", ...full },
    });
  }
  // Same id, other payload: validated separately.
  worker.p2pInput({
    kind: "InMessage",
    fromPeer: 1,
    p2pMessage: { kind: "MessageWithHeader", ...full, message: "other" },
  });
  await settle(worker);
  assert.equal(c.app.items.length, 0); // waiting for the batch timer
  const deadline = performance.now() + 5000;
  while (!log.kinds.includes("ProcessBatch") && performance.now() < deadline) await sleep(5);
  await settle(worker);
  const batches = log.events.filter((e) => e.kind === "ProcessBatch");
  assert.equal(batches.length, 1);
  assert.ok(batches[0].kind === "ProcessBatch");
  // The merged "m" keeps the last receipt (peer 2), as Octez's ReceiveMsgMap.update.
  assert.deepEqual(
    batches[0].batch.map((e) => [e.message.message, e.message.sender, [...e.toRoute].sort()]),
    [
      ["m", 2, [3]],
      ["other", 1, [2, 3]],
    ],
  );
  await stop(worker, c);
  assert.deepEqual(
    since(c.p2p.items, mark).filter((o) => o.kind === "OutMessage" && o.toPeer === 3).length,
    2,
  );
  assert.deepEqual(c.app.items.map((m) => m.message), ["m", "other"]);
});

Deno.test("worker: a bootstrap peer gets control messages but no full messages, IHave or IWant", async () => {
  const { worker } = testWorker();
  const c = collectBoth(worker);
  worker.start(["1"]);
  worker.p2pInput({
    kind: "NewConnection",
    peer: 9,
    direct: false,
    outbound: false,
    bootstrap: true,
  });
  worker.p2pInput({
    kind: "InMessage",
    fromPeer: 9,
    p2pMessage: { kind: "Subscribe", topic: "1" },
  });
  worker.p2pInput({ kind: "InMessage", fromPeer: 9, p2pMessage: { kind: "Graft", topic: "1" } });
  worker.p2pInput({
    kind: "InMessage",
    fromPeer: 9,
    p2pMessage: { kind: "IHave", topic: "1", messageIds: [11] },
  });
  worker.appInput({ kind: "PublishMessage", topic: "1", messageId: 21, message: "m" });
  await settle(worker);
  assert.equal(worker.stats.countBootstrapConnections, 1);
  worker.p2pInput({ kind: "Disconnection", peer: 9 });
  await stop(worker, c);
  assert.deepEqual(c.p2p.items, [out(9, { kind: "Subscribe", topic: "1" })]);
  assert.equal(worker.stats.countRecvIhaves, 1); // requested, just not sent
  assert.equal(worker.stats.countSentIwants, 0);
  assert.equal(worker.stats.countSentAppMessages, 0);
  assert.equal(worker.stats.countBootstrapConnections, 0);
  assert.equal(worker.stats.countConnections, 0);
});

Deno.test("worker: with the P2P layer's schedule (pointContactable) it keeps no table of its own", async () => {
  const due = new Set(["p5", "a:1"]);
  const { worker } = testWorker({
    reconnectionTicks: 2,
    reachablePoint: (peer) => `p${peer}`,
    initialPoints: () => ["a:1", "b:1"],
    pointContactable: (point) => due.has(point),
  });
  const c = collectBoth(worker);
  worker.start([]);
  worker.p2pInput({ kind: "NewConnection", peer: 5, direct: false, outbound: true, trusted: true });
  worker.p2pInput({ kind: "NewConnection", peer: 7, direct: false, outbound: true, trusted: true });
  worker.p2pInput({ kind: "Disconnection", peer: 5 });
  worker.p2pInput({ kind: "Disconnection", peer: 7 });
  await settle(worker);
  // A failure reported to the worker sets no second schedule: only the hook decides.
  worker.setUnreachablePoint("a:1");
  assert.deepEqual(worker.reconnectionDelays(), []);
  await untilTicks(worker, 2);
  await stop(worker, c);
  assert.deepEqual(c.p2p.items.slice(0, 2), [
    { kind: "Connect", peer: 5, origin: { kind: "Trusted" } },
    { kind: "ConnectPoint", point: "a:1" },
  ]);
  assert.ok(!c.p2p.items.some((o) => o.kind === "ConnectPoint" && o.point === "b:1"));
  assert.ok(!c.p2p.items.some((o) => o.kind === "Connect" && o.peer === 7));
});

Deno.test("worker: disconnected trusted peers and initial points are re-dialled every reconnectionTicks", async () => {
  const { worker } = testWorker({
    reconnectionTicks: 2,
    reachablePoint: (peer) => `p${peer}`,
    initialPoints: () => ["b:1", "a:1", "b:1", "c:1"],
  });
  const c = collectBoth(worker);
  worker.start([]);
  worker.p2pInput({ kind: "NewConnection", peer: 5, direct: false, outbound: true, trusted: true });
  worker.p2pInput({ kind: "NewConnection", peer: 6, direct: false, outbound: true, trusted: true });
  worker.p2pInput({ kind: "NewConnection", peer: 7, direct: false, outbound: true, trusted: true });
  worker.p2pInput({ kind: "Disconnection", peer: 5 });
  worker.p2pInput({ kind: "Disconnection", peer: 7 });
  await settle(worker);
  worker.setUnreachablePoint("p7");
  worker.setUnreachablePoint("c:1");
  const delays = new Map(worker.reconnectionDelays());
  assert.equal(delays.get("p7"), 5 * HEARTBEAT);
  await untilTicks(worker, 2);
  await stop(worker, c);
  assert.deepEqual(c.p2p.items.slice(0, 3), [
    { kind: "Connect", peer: 5, origin: { kind: "Trusted" } },
    { kind: "ConnectPoint", point: "a:1" },
    { kind: "ConnectPoint", point: "b:1" },
  ]);
});

Deno.test("worker: repeated dial failures double the wait up to 300 heartbeats", async () => {
  const { worker } = testWorker();
  const delays: number[] = [];
  for (let i = 0; i < 9; i++) {
    worker.setUnreachablePoint("x");
    delays.push(new Map(worker.reconnectionDelays()).get("x")! / HEARTBEAT);
  }
  assert.deepEqual(delays, [5, 10, 20, 40, 80, 160, 300, 300, 300]);
  await worker.shutdown();
});

Deno.test("worker: a peer over the topic cap is logged once per dropEventInterval", async () => {
  const log = eventLog();
  const { worker } = testWorker({ limits: { maxTopicsPerPeer: 2 }, eventsLogging: log.log });
  worker.start([]);
  worker.p2pInput({ kind: "NewConnection", peer: 1, direct: false, outbound: false });
  for (const topic of ["a", "b", "c", "d", "e"]) {
    worker.p2pInput({ kind: "InMessage", fromPeer: 1, p2pMessage: { kind: "Subscribe", topic } });
  }
  await worker.whenIdle();
  await worker.shutdown();
  assert.deepEqual(log.events.filter((e) => e.kind === "SubscribeTopicCapExceeded"), [
    { kind: "SubscribeTopicCapExceeded", peer: 1, maxTopics: 2 },
  ]);
  assert.deepEqual(worker.view.subscribedTopics(1), ["a", "b"]);
});

Deno.test("worker: three workers wired in memory build a mesh and deliver a publication once each", async () => {
  const workers = [0, 1, 2].map((i) => testWorker({ rng: 10 + i }).worker);
  const ids = [1, 2, 3];
  for (const w of workers) w.start(["t"]);
  const net = wire(workers, ids);
  const deadline = performance.now() + 5000;
  while (!workers.every((w, i) => w.view.meshPeers("t").length === 2 && i >= 0)) {
    assert.ok(performance.now() < deadline, "the mesh did not form");
    await sleep(HEARTBEAT);
  }
  workers[0].appInput({ kind: "PublishMessage", topic: "t", messageId: 7, message: "hello" });
  while (net.app[1].items.length + net.app[2].items.length < 2) {
    assert.ok(performance.now() < deadline, "the message was not delivered");
    await sleep(5);
  }
  // Let duplicates, if any, arrive before stopping.
  await Promise.all(workers.map((w) => w.whenIdle()));
  await sleep(HEARTBEAT);
  await Promise.all(workers.map((w) => w.shutdown()));
  await net.done;
  const expected = [{ message: "hello", topic: "t", messageId: 7 }];
  assert.deepEqual(net.app[0].items, []);
  assert.deepEqual(net.app[1].items, expected);
  assert.deepEqual(net.app[2].items, expected);
  assert.equal(workers[0].stats.countSentAppMessages, 2);
});

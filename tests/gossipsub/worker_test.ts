// The worker scenarios of Octez `test/test_integration_worker.ml` (spec §14.3,
// scenarios 39–43), then the lifecycle guarantees of this port: shutdown leaks
// nothing, inputs are applied in order, bounded queues drop with a count.

import assert from "node:assert/strict";
import { DEFAULT_MAX_INPUT_QUEUE_LENGTH, isGossipsubWorkerError } from "../../lib/gossipsub/mod.ts";
import { collect, sleep } from "../support/async.ts";
import {
  collectBoth,
  eventLog,
  HEARTBEAT,
  nextHeartbeat,
  out,
  settle,
  stop,
  testWorker,
  trackTimers,
  untilTicks,
} from "./worker_fixture.ts";

Deno.test("worker §14.3.39: start with three topics, one heartbeat, no output, shutdown completes", async () => {
  const { worker } = testWorker();
  const collected = collectBoth(worker);
  worker.start(["1", "2", "3"]);
  await nextHeartbeat(worker);
  assert.equal(worker.status, "Running");
  assert.deepEqual(worker.view.joinedTopics(), ["1", "2", "3"]);
  await stop(worker, collected);
  assert.deepEqual(collected.p2p.items, []);
  assert.deepEqual(collected.app.items, []);
  assert.equal(worker.status, "Stopped");
});

Deno.test("worker §14.3.40: new connections get our Subscribe, a subscribed peer is grafted at the heartbeat", async () => {
  const { worker } = testWorker();
  const collected = collectBoth(worker);
  worker.start(["1"]);
  worker.p2pInput({
    kind: "NewConnection",
    peer: 33,
    direct: false,
    outbound: true,
    trusted: true,
  });
  worker.p2pInput({
    kind: "NewConnection",
    peer: 44,
    direct: false,
    outbound: true,
    trusted: true,
  });
  worker.p2pInput({
    kind: "InMessage",
    fromPeer: 33,
    p2pMessage: { kind: "Subscribe", topic: "1" },
  });
  await settle(worker);
  // Before any heartbeat: just the two Subscribes.
  assert.equal(worker.view.heartbeatTicks, 0);
  assert.deepEqual(collected.p2p.items, [
    out(33, { kind: "Subscribe", topic: "1" }),
    out(44, { kind: "Subscribe", topic: "1" }),
  ]);
  await nextHeartbeat(worker);
  await stop(worker, collected);
  assert.deepEqual(collected.p2p.items, [
    out(33, { kind: "Subscribe", topic: "1" }),
    out(44, { kind: "Subscribe", topic: "1" }),
    out(33, { kind: "Graft", topic: "1" }),
  ]);
  assert.deepEqual(collected.app.items, []);
  assert.deepEqual(worker.view.meshPeers("1"), [33]);
  assert.equal(worker.stats.countSentGrafts, 1);
  assert.equal(worker.stats.countConnections, 2);
});

Deno.test("worker §14.3.41: only full messages of joined topics reach the application", async () => {
  const { worker } = testWorker();
  const collected = collectBoth(worker);
  worker.start(["1"]);
  // Peer 33 is never connected: unknown peers pass the score gates (quirk §16.2).
  const from = 33;
  worker.p2pInput({
    kind: "InMessage",
    fromPeer: from,
    p2pMessage: { kind: "IHave", topic: "1", messageIds: [11] },
  });
  await settle(worker);
  assert.deepEqual(collected.p2p.items, [out(33, { kind: "IWant", messageIds: [11] })]);
  worker.p2pInput({
    kind: "InMessage",
    fromPeer: from,
    p2pMessage: { kind: "IHave", topic: "2", messageIds: [12] },
  });
  const first = { message: "Hello messages!", topic: "1", messageId: 11 };
  worker.p2pInput({
    kind: "InMessage",
    fromPeer: from,
    p2pMessage: { kind: "MessageWithHeader", ...first },
  });
  worker.p2pInput({
    kind: "InMessage",
    fromPeer: from,
    p2pMessage: {
      kind: "MessageWithHeader",
      message: "Hello message 2!",
      topic: "2",
      messageId: 12,
    },
  });
  await worker.whenIdle();
  await stop(worker, collected);
  assert.deepEqual(collected.p2p.items, [out(33, { kind: "IWant", messageIds: [11] })]);
  assert.deepEqual(collected.app.items, [first]);
  assert.equal(worker.stats.countRecvValidAppMessages, 1);
  assert.equal(worker.stats.countRecvIhaves, 1);
});

Deno.test("worker §14.3.42: isSubscribed is true once the Join is processed", async () => {
  const { worker } = testWorker();
  worker.start([]);
  assert.equal(worker.appInput({ kind: "Join", topic: "topic" }), true);
  // Octez (Lwt) applies the Join during the push; here the loop runs on a later turn.
  await worker.whenIdle();
  assert.equal(worker.isSubscribed("topic"), true);
  assert.equal(worker.isSubscribed("other"), false);
  assert.equal(worker.stats.countTopics, 1);
  await worker.shutdown();
});

Deno.test("worker §14.3.43: a flood of P2P messages into a stopped loop stays within the cap + 1", async () => {
  const cap = DEFAULT_MAX_INPUT_QUEUE_LENGTH;
  const { worker } = testWorker({ maxInputQueueLength: cap });
  let accepted = 0;
  for (let i = 0; i < cap + 10; i++) {
    const ok = worker.p2pInput({
      kind: "InMessage",
      fromPeer: -1,
      p2pMessage: { kind: "Subscribe", topic: "t" },
    });
    if (ok) accepted++;
  }
  assert.equal(accepted, cap);
  assert.ok(worker.inputQueueLength <= cap + 1, `queue length ${worker.inputQueueLength}`);
  assert.equal(worker.inputQueueLength, cap + 1); // the one P2pQueueDrop event
  assert.equal(worker.stats.countDroppedP2pInputs, 10);
  await worker.shutdown();
  assert.equal(worker.inputQueueLength, 0);
});

Deno.test("worker: a full input queue drops with one logged P2pQueueDrop, then drains in order", async () => {
  const log = eventLog();
  const { worker } = testWorker({ maxInputQueueLength: 4, eventsLogging: log.log });
  const collected = collectBoth(worker);
  const results = [];
  for (let i = 0; i < 7; i++) {
    results.push(worker.p2pInput({
      kind: "InMessage",
      fromPeer: i,
      p2pMessage: { kind: "IHave", topic: "1", messageIds: [i * 10 + 1] },
    }));
  }
  // Connection events and Join are never refused, even past the cap.
  assert.equal(
    worker.p2pInput({ kind: "NewConnection", peer: 9, direct: false, outbound: false }),
    true,
  );
  assert.equal(
    worker.appInput({ kind: "PublishMessage", topic: "1", messageId: 1, message: "m" }),
    false,
  );
  assert.deepEqual(results, [true, true, true, true, false, false, false]);
  worker.start(["1"]);
  await worker.whenIdle();
  await stop(worker, collected);
  assert.deepEqual(log.kinds.filter((k) => k !== "Heartbeat" && k !== "CheckUnknownMessages"), [
    "P2pInput",
    "P2pInput",
    "P2pInput",
    "P2pInput",
    "P2pQueueDrop",
    "P2pInput",
    "AppInput",
  ]);
  assert.deepEqual(log.events[4], { kind: "P2pQueueDrop", depth: 4 });
  assert.equal(worker.stats.countDroppedP2pInputs, 3);
  assert.equal(worker.stats.countDroppedAppInputs, 1);
});

Deno.test("worker: inputs are applied strictly in the order they were pushed", async () => {
  const log = eventLog();
  const { worker } = testWorker({ eventsLogging: log.log });
  const collected = collectBoth(worker);
  worker.start(["a"]);
  // 600 peers: more than one slice of the loop (256 events), interleaved with Joins.
  const expected = [];
  const joined = ["a"];
  for (let peer = 0; peer < 600; peer++) {
    worker.p2pInput({ kind: "NewConnection", peer, direct: false, outbound: false });
    for (const topic of [...joined].sort()) expected.push(out(peer, { kind: "Subscribe", topic }));
    if (peer % 100 === 99) {
      const topic = `b${peer}`;
      joined.push(topic);
      worker.appInput({ kind: "Join", topic });
      for (let p = 0; p <= peer; p++) expected.push(out(p, { kind: "Subscribe", topic }));
    }
  }
  await worker.whenIdle();
  await stop(worker, collected);
  assert.deepEqual(collected.p2p.items, expected);
  const inputs = log.events.filter((e) =>
    e.kind !== "Heartbeat" && e.kind !== "CheckUnknownMessages"
  );
  assert.equal(inputs.length, 1 + 600 + 6);
  assert.deepEqual(inputs[0], { kind: "AppInput", input: { kind: "Join", topic: "a" } });
});

Deno.test("worker: shutdown stops the loop and the timers, closes both streams, and is idempotent", async () => {
  const timers = trackTimers();
  try {
    await shutdownScenario();
  } finally {
    timers.restore();
  }
  // The heartbeat interval, the 10 s batch timer, and the loop's yields: all gone.
  assert.ok(timers.created() >= 2);
  assert.equal(timers.live(), 0);
});

async function shutdownScenario(): Promise<void> {
  const log = eventLog();
  const { worker } = testWorker({
    eventsLogging: log.log,
    messageHandling: { kind: "InBatches", timeInterval: 10_000 },
  });
  const p2p = worker.p2pOutputStream.getReader();
  const app = worker.appOutputStream.getReader();
  const pendingRead = app.read();
  worker.start(["1"]);
  worker.p2pInput({ kind: "NewConnection", peer: 1, direct: false, outbound: false });
  // Arms the 10 s batch timer: shutdown must clear it, or the sanitizer fails this test.
  worker.p2pInput({
    kind: "InMessage",
    fromPeer: 1,
    p2pMessage: { kind: "MessageWithHeader", topic: "1", messageId: 1, message: "x" },
  });
  await untilTicks(worker, 1);
  const shutdown = worker.shutdown();
  assert.equal(worker.shutdown(), shutdown);
  await shutdown;
  await worker.shutdown();
  await worker.done;
  assert.equal(worker.status, "Stopped");
  // Items queued before shutdown stay readable, then the stream ends.
  assert.deepEqual((await p2p.read()).value, out(1, { kind: "Subscribe", topic: "1" }));
  assert.deepEqual(await p2p.read(), { done: true, value: undefined });
  assert.deepEqual(await pendingRead, { done: true, value: undefined });
  // Nothing is accepted or processed any more.
  const processed = log.kinds.length;
  assert.equal(
    worker.p2pInput({ kind: "NewConnection", peer: 2, direct: false, outbound: false }),
    false,
  );
  assert.equal(worker.appInput({ kind: "Join", topic: "2" }), false);
  await sleep(3 * HEARTBEAT);
  assert.equal(log.kinds.length, processed);
  assert.equal(worker.inputQueueLength, 0);
  await worker.whenIdle();
  assert.throws(() => worker.start([]), TypeError);
}

Deno.test("worker: shutdown before start closes the streams", async () => {
  const { worker } = testWorker();
  const collected = collectBoth(worker);
  worker.p2pInput({ kind: "NewConnection", peer: 1, direct: false, outbound: false });
  await stop(worker, collected);
  assert.equal(worker.status, "Stopped");
  assert.equal(worker.inputQueueLength, 0);
  assert.deepEqual(collected.p2p.items, []);
});

Deno.test("worker: start twice is a TypeError", async () => {
  const { worker } = testWorker();
  worker.start([]);
  assert.throws(() => worker.start([]), /needs a Starting worker, it is Running/);
  await worker.shutdown();
});

Deno.test("worker: an exception in a validity callback crashes the worker with a typed error", async () => {
  const timers = trackTimers();
  const { worker, validities } = testWorker();
  validities.message = () => {
    throw new Error("validator exploded");
  };
  const app = collect(worker.appOutputStream);
  worker.start(["1"]);
  worker.p2pInput({
    kind: "InMessage",
    fromPeer: 5,
    p2pMessage: { kind: "MessageWithHeader", topic: "1", messageId: 1, message: "boom" },
  });
  const error = await worker.done.then(() => undefined, (e) => e);
  assert.ok(isGossipsubWorkerError(error));
  assert.equal(error.kind, "event_failed");
  assert.equal(error.eventKind, "P2pInput");
  assert.match(error.message, /validator exploded/);
  assert.equal(worker.status, "Crashed");
  await assert.rejects(app.done, (e) => e === error);
  await worker.shutdown(); // harmless after a crash
  assert.equal(worker.p2pInput({ kind: "Disconnection", peer: 5 }), false);
  timers.restore();
  assert.equal(timers.live(), 0); // the heartbeat timer went with the crash
});

Deno.test("worker: a stalled loop queues one heartbeat, and no tick is lost", async () => {
  // Count the heartbeat timer's firings.
  const setIntervalBefore = globalThis.setInterval;
  let fired = 0;
  globalThis.setInterval = ((callback: () => void, delay?: number) =>
    setIntervalBefore(() => {
      fired++;
      callback();
    }, delay)) as typeof setInterval;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  let first = true;
  const log = eventLog();
  const { worker } = testWorker({
    eventsLogging: (event) => {
      log.log(event);
      if (first && event.kind === "AppInput") {
        first = false;
        return gate; // the loop waits here while the timer keeps firing
      }
    },
  });
  try {
    worker.start(["1"]);
  } finally {
    globalThis.setInterval = setIntervalBefore;
  }
  await sleep(6 * HEARTBEAT);
  // One Heartbeat + CheckUnknownMessages pair waits; the other ticks wait in it.
  assert.equal(worker.inputQueueLength, 2);
  const late = worker.stats.countLateHeartbeats;
  assert.ok(late >= 2, `${late}`);
  assert.equal(fired, late + 1);
  const waiting = [...worker.inputEvents].map((e) => e.kind);
  assert.equal(worker.inputEvents.length, waiting.length);
  assert.deepEqual(
    waiting,
    Array.from({ length: late + 1 }, () => ["Heartbeat", "CheckUnknownMessages"]).flat(),
  );
  release();
  await worker.whenIdle();
  // Every firing so far has been applied: one tick each, in Octez's order.
  assert.equal(worker.view.heartbeatTicks, fired);
  const beats = log.kinds.filter((k) => k === "Heartbeat" || k === "CheckUnknownMessages");
  assert.deepEqual(
    beats,
    Array.from({ length: fired }, () => ["Heartbeat", "CheckUnknownMessages"]).flat(),
  );
  await worker.shutdown();
});

Deno.test("worker: an unread output stream drops past its bound and counts it", async () => {
  const log = eventLog();
  const { worker } = testWorker({ maxOutputQueueLength: 4, eventsLogging: log.log });
  worker.start(["1"]);
  for (let peer = 0; peer < 10; peer++) {
    worker.p2pInput({ kind: "NewConnection", peer, direct: false, outbound: false });
  }
  await worker.whenIdle();
  assert.equal(worker.stats.countDroppedP2pOutputs, 6);
  // One rate-limited OutputQueueDrop event for the six drops.
  assert.deepEqual(log.events.filter((e) => e.kind === "OutputQueueDrop"), [
    { kind: "OutputQueueDrop", stream: "p2p", depth: 4 },
  ]);
  const kept = collect(worker.p2pOutputStream);
  await worker.shutdown();
  await kept.done;
  assert.deepEqual(kept.items.map((o) => o.kind === "OutMessage" && o.toPeer), [0, 1, 2, 3]);
});

Deno.test("worker: Ping goes to every connected peer on ticks multiple of heartbeatPingInterval", async () => {
  const log = eventLog();
  const { worker } = testWorker({ limits: { heartbeatPingInterval: 2 }, eventsLogging: log.log });
  const collected = collectBoth(worker);
  worker.start([]);
  worker.p2pInput({ kind: "NewConnection", peer: 7, direct: false, outbound: false });
  worker.p2pInput({ kind: "NewConnection", peer: 3, direct: false, outbound: false });
  const pings = collected.p2p.items;
  await untilTicks(worker, 4);
  await stop(worker, collected);
  const ticks = worker.view.heartbeatTicks;
  // Ticks 2 and 4 (and 6 … if the machine was slow), peers in ascending order, none on odd ticks.
  assert.equal(pings.length, 2 * Math.floor(ticks / 2));
  for (let i = 0; i < pings.length; i += 2) {
    assert.deepEqual(pings[i], out(3, { kind: "Ping" }));
    assert.deepEqual(pings[i + 1], out(7, { kind: "Ping" }));
  }
  assert.equal(log.kinds.filter((k) => k === "Heartbeat").length, ticks);
});

Deno.test("worker: without heartbeatPingInterval no Ping is ever sent", async () => {
  const { worker } = testWorker({ limits: { heartbeatPingInterval: undefined } });
  const collected = collectBoth(worker);
  worker.start([]);
  worker.p2pInput({ kind: "NewConnection", peer: 1, direct: false, outbound: false });
  await untilTicks(worker, 3);
  await stop(worker, collected);
  assert.deepEqual(collected.p2p.items, []);
});

Deno.test("worker: invalid settings are RangeErrors", () => {
  assert.throws(() => testWorker({ limits: { heartbeatInterval: 0 } }), /heartbeatInterval/);
  assert.throws(() => testWorker({ maxInputQueueLength: 0 }), /maxInputQueueLength/);
  assert.throws(() => testWorker({ maxOutputQueueLength: 1.5 }), /maxOutputQueueLength/);
  assert.throws(() => testWorker({ dropEventInterval: -1 }), /dropEventInterval/);
  assert.throws(() => testWorker({ limits: { degreeLow: 100 } }), RangeError);
});

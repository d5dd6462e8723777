// The worker's building blocks against simple models: the input FIFO, the
// unknown-validity buffer (Octez `Bounded_message_map`), the bounded output
// channel, and the batch accumulator (payload equality, which receipt is kept).

import assert from "node:assert/strict";
import fc from "fast-check";
import { Fifo, OutputChannel } from "../../lib/base/mod.ts";
import { UnknownValidityBuffer } from "../../lib/gossipsub/worker/unknown_validity_buffer.ts";
import {
  BatchAccumulator,
  defaultMessageEquals,
} from "../../lib/gossipsub/worker/batch_accumulator.ts";
import type { BatchEntry, ReceiveMessage } from "../../lib/gossipsub/mod.ts";
import { initState } from "./fixture.ts";

Deno.test("Fifo behaves like an array queue under any push/shift sequence", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.integer(), fc.constant(null)), { maxLength: 5000, size: "large" }),
      (ops) => {
        const fifo = new Fifo<number>();
        const model: number[] = [];
        for (const op of ops) {
          if (op === null) assert.equal(fifo.shift(), model.shift());
          else {
            fifo.push(op);
            model.push(op);
          }
          assert.equal(fifo.length, model.length);
        }
      },
    ),
    { numRuns: 50 },
  );
});

Deno.test("Fifo compacts its consumed prefix", () => {
  const fifo = new Fifo<number>();
  for (let i = 0; i < 10_000; i++) fifo.push(i);
  for (let i = 0; i < 9_000; i++) assert.equal(fifo.shift(), i);
  assert.equal(fifo.length, 1000);
  fifo.clear();
  assert.equal(fifo.shift(), undefined);
});

type Msg = ReceiveMessage<number, string, number, string>;
const msg = (messageId: number): Msg => ({
  sender: 1,
  topic: "t",
  messageId,
  message: `m${messageId}`,
});

Deno.test("the unknown-validity buffer matches Octez Bounded_message_map", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 8 }),
      fc.array(fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constant(-1)), {
        maxLength: 200,
        size: "medium",
      }),
      (capacity, ops) => {
        const buffer = new UnknownValidityBuffer<number, string, number, string>(
          capacity,
          (a, b) => a - b,
          (id) => id,
        );
        // Model: a sorted set of ids; add evicts the current maximum when full.
        let model: number[] = [];
        for (const op of ops) {
          if (op === -1) {
            assert.equal(buffer.removeMin()?.messageId, model.shift());
            continue;
          }
          const evicted = buffer.add(msg(op));
          if (model.includes(op)) assert.equal(evicted, undefined);
          else if (capacity === 0) assert.equal(evicted?.messageId, op);
          else {
            if (model.length >= capacity) assert.equal(evicted?.messageId, model.pop());
            else assert.equal(evicted, undefined);
            model = [...model, op].sort((a, b) => a - b);
          }
          assert.equal(buffer.size, model.length);
          assert.equal(buffer.peekMin()?.messageId, model[0]);
        }
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("the unknown-validity buffer rejects a negative capacity", () => {
  assert.throws(
    () => new UnknownValidityBuffer(-1, (a: number, b: number) => a - b, (i) => i),
    RangeError,
  );
});

Deno.test("an output channel refuses items past its capacity and ends after close", async () => {
  const channel = new OutputChannel<number>(3);
  assert.deepEqual([1, 2, 3, 4].map((x) => channel.push(x)), [true, true, true, false]);
  assert.equal(channel.depth, 3);
  const reader = channel.stream.getReader();
  assert.deepEqual(await reader.read(), { done: false, value: 1 });
  assert.equal(channel.depth, 2);
  assert.equal(channel.push(5), true);
  channel.close();
  channel.close();
  assert.equal(channel.push(6), true); // discarded: closed
  const rest = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) rest.push(r.value);
  assert.deepEqual(rest, [2, 3, 5]);
});

Deno.test("an output channel hands items straight to a waiting reader", async () => {
  const channel = new OutputChannel<string>(1);
  const reader = channel.stream.getReader();
  const pending = [reader.read(), reader.read()];
  assert.equal(channel.push("a"), true);
  assert.equal(channel.push("b"), true); // the second read was waiting: nothing queued
  assert.equal(channel.depth, 0);
  assert.deepEqual((await Promise.all(pending)).map((r) => r.value), ["a", "b"]);
  channel.close();
});

Deno.test("a cancelled output channel discards pushes without counting them as refused", async () => {
  const channel = new OutputChannel<number>(1);
  await channel.stream.cancel();
  assert.equal(channel.open, false);
  assert.equal(channel.push(1), true);
  assert.equal(channel.push(2), true);
});

Deno.test("an errored output channel rejects its readers", async () => {
  const channel = new OutputChannel<number>(2);
  const reader = channel.stream.getReader();
  const read = reader.read();
  channel.error(new Error("crashed"));
  await assert.rejects(read, /crashed/);
});

Deno.test("batch payload equality compares bytes, else identity", () => {
  assert.ok(defaultMessageEquals(new Uint8Array([1, 2]), new Uint8Array([1, 2])));
  assert.ok(!defaultMessageEquals(new Uint8Array([1, 2]), new Uint8Array([1, 3])));
  assert.ok(!defaultMessageEquals(new Uint8Array([1]), new Uint8Array([1, 0])));
  assert.ok(defaultMessageEquals("a", "a"));
  assert.ok(!defaultMessageEquals({ a: 1 }, { a: 1 }));
});

type Receipt = { sender: number; toRoute: number[] };

/** Runs receipts of one message through a BatchAccumulator and returns the batch. */
async function accumulate(
  receipts: readonly Receipt[],
): Promise<BatchEntry<number, string, number, string>[]> {
  const { promise, resolve } = Promise.withResolvers<
    BatchEntry<number, string, number, string>[]
  >();
  const batch = new BatchAccumulator<number, string, number, string>(0, {
    peer: (p) => p,
    topic: { key: (t) => t, compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0) },
    messageId: { key: (i) => i, compare: (a, b) => a - b },
    messageEquals: defaultMessageEquals,
  }, resolve);
  for (const { sender, toRoute } of receipts) {
    batch.add({ message: { sender, topic: "t", messageId: 4, message: "m" }, toRoute });
  }
  return await promise;
}

Deno.test("a batch keeps the last receipt of a duplicate, as Octez's ReceiveMsgMap.update does", async () => {
  // Octez gossipsub_worker.ml 802-833: the key is rebound to the new receipt,
  // the peers become the intersection.
  const [entry] = await accumulate([
    { sender: 1, toRoute: [2, 3, 4] },
    { sender: 2, toRoute: [1, 3, 4] },
    { sender: 3, toRoute: [1, 2, 4] },
  ]);
  assert.equal(entry.message.sender, 3);
  assert.deepEqual(entry.toRoute, [4]);
});

Deno.test("a batch entry whose peer set is already empty keeps its receipt (OCaml Map.update keeps a physically equal value)", async () => {
  const [entry] = await accumulate([
    { sender: 1, toRoute: [2] },
    { sender: 2, toRoute: [1] }, // intersection empty: rebinds to 2
    { sender: 3, toRoute: [1, 2] }, // Empty ∩ s == Empty: binding kept
  ]);
  assert.equal(entry.message.sender, 2);
  assert.deepEqual(entry.toRoute, []);
});

Deno.test("a batch of duplicates credits the last sender with P2, or blames it with P4", async () => {
  for (const validity of ["Valid", "Invalid"] as const) {
    const { gs, env } = initState({
      peers: [1, 2, 3],
      topics: ["t"],
      messageHandling: { kind: "InBatches", timeInterval: 0 },
    });
    // The id alone is valid; the payload is judged when the batch is applied.
    env.validity = (message) => (message === undefined ? "Valid" : validity);
    const receipts: Receipt[] = [];
    for (const sender of [1, 2]) {
      const out = gs.handleReceiveMessage({ sender, topic: "t", messageId: 4, message: "m" });
      assert.ok(out.kind === "ToIncludeInBatch");
      receipts.push({ sender, toRoute: [...out.entry.toRoute] });
    }
    const batch = await accumulate(receipts);
    gs.applyBatch(batch);
    const topicScore = (p: number) => gs.view.scoreDetails(p)!.topics.find((s) => s.topic === "t");
    if (validity === "Valid") {
      assert.equal(topicScore(2)?.firstMessageDeliveries, 1);
      assert.equal(topicScore(1)?.firstMessageDeliveries ?? 0, 0);
    } else {
      assert.equal(topicScore(2)?.invalidMessages, 1);
      assert.equal(topicScore(1)?.invalidMessages ?? 0, 0);
    }
  }
});

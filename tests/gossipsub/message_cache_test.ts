// Octez `test/test_message_cache.ml` (spec §14.2, scenario 38) and the
// reference-model property of `test/test_pbt.ml` (spec §14.4, item 44).

import assert from "node:assert/strict";
import fc from "fast-check";
import { MessageCache } from "../../lib/gossipsub/mod.ts";

const keys = {
  peer: (p: number) => p,
  topic: (t: string) => t,
  messageId: (i: number) => i,
};

function cache(historySlots: number, gossipSlots: number, seenSlots: number) {
  return new MessageCache<number, string, number, string>(
    { historySlots, gossipSlots, seenSlots },
    keys,
  );
}

Deno.test("gossipsub §14.2.38: the message cache slides its history and gossip windows", () => {
  const m = cache(5, 3, 99);
  const topic = "topic";
  let next = 0;
  const batches = Array.from({ length: 6 }, () => Array.from({ length: 10 }, () => next++));
  const add = (batch: number[]) => {
    for (const id of batch) m.addMessage(undefined, id, `message${id}`, topic, 0);
  };
  add(batches[0]);
  assert.deepEqual(m.getMessageIdsToGossip(topic), batches[0]);
  m.shift();
  add(batches[1]);
  assert.deepEqual(m.getMessageIdsToGossip(topic), [...batches[0], ...batches[1]]);
  for (const batch of batches.slice(2)) {
    m.shift();
    add(batch);
  }
  assert.deepEqual(m.getMessageIdsToGossip(topic), [...batches[3], ...batches[4], ...batches[5]]);
  for (const id of batches[0]) {
    assert.equal(m.getMessageForPeer(99, id), undefined, `id ${id} expired`);
  }
  for (const id of batches.slice(1).flat()) {
    assert.equal(m.getMessageForPeer(99, id)?.message, `message${id}`, `id ${id} cached`);
  }
});

Deno.test("the message cache refuses window sizes Octez asserts against", () => {
  assert.throws(() => cache(5, 0, 10), RangeError);
  assert.throws(() => cache(5, 6, 10), RangeError);
  assert.throws(() => cache(5, 3, 0), RangeError);
  assert.throws(() => cache(5, 1.5, 10), RangeError);
});

Deno.test("the seen window keeps the first-seen time and accumulates senders", () => {
  const m = cache(2, 1, 3);
  m.addMessage(1, 7, "x", "t", 100);
  m.addMessage(2, 7, "y", "t", 200);
  const seen = m.getFirstSeenTimeAndSenders(7);
  assert.equal(seen?.firstSeen, 100);
  assert.deepEqual([...seen!.senders].sort(), [1, 2]);
  assert.equal(m.peekMessage(7), "x", "the first message is kept");
  m.shift();
  m.shift();
  assert.equal(m.peekMessage(7), undefined, "out of the 2-slot history");
  assert.equal(m.seenMessage(7), true, "still in the 3-slot seen window");
  m.shift();
  assert.equal(m.seenMessage(7), false);
});

type Op =
  | { kind: "add"; topic: string; id: number }
  | { kind: "shift" }
  | { kind: "gossip"; topic: string }
  | { kind: "get"; id: number };

/**
 * Naive reference: a list of slots (one per shift), each a list of
 * (topic, id); an id is present while some occurrence is in the last
 * `history` slots.
 */
class ReferenceCache {
  slots: [string, number][][] = [[]];
  messages = new Map<number, string>();
  constructor(readonly history: number, readonly gossip: number) {}
  add(topic: string, id: number): void {
    if (!this.has(id)) this.messages.set(id, `m${id}`);
    this.slots[this.slots.length - 1].push([topic, id]);
  }
  shift(): void {
    this.slots.push([]);
    const live = this.slots.slice(-this.history).flat().map(([, id]) => id);
    for (const id of [...this.messages.keys()]) if (!live.includes(id)) this.messages.delete(id);
  }
  has(id: number): boolean {
    return this.slots.slice(-this.history).some((slot) => slot.some(([, i]) => i === id));
  }
  gossipIds(topic: string): number[] {
    return this.slots.slice(-this.gossip).flat().filter(([t]) => t === topic).map(([, id]) => id);
  }
}

Deno.test("property (§14.4.44): the message cache behaves like a naive per-slot reference model", () => {
  const topic = fc.constantFrom("a", "b", "c");
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant("add" as const), topic, id: fc.integer({ min: 0, max: 30 }) }),
    fc.constant({ kind: "shift" as const }),
    fc.record({ kind: fc.constant("gossip" as const), topic }),
    fc.record({ kind: fc.constant("get" as const), id: fc.integer({ min: 0, max: 30 }) }),
  );
  const sizes = fc.integer({ min: 1, max: 8 }).chain((history) =>
    fc.record({ history: fc.constant(history), gossip: fc.integer({ min: 1, max: history }) })
  );
  fc.assert(
    fc.property(sizes, fc.array(op, { maxLength: 200 }), ({ history, gossip }, ops) => {
      const real = cache(history, gossip, history);
      const model = new ReferenceCache(history, gossip);
      for (const o of ops) {
        if (o.kind === "add") {
          // The model keeps the first message; the real cache must too.
          real.addMessage(undefined, o.id, model.has(o.id) ? "ignored" : `m${o.id}`, o.topic, 0);
          model.add(o.topic, o.id);
        } else if (o.kind === "shift") {
          real.shift();
          model.shift();
        } else if (o.kind === "gossip") {
          assert.deepEqual(real.getMessageIdsToGossip(o.topic), model.gossipIds(o.topic));
        } else {
          assert.equal(real.getMessageForPeer(0, o.id)?.message, model.messages.get(o.id));
        }
      }
      assert.equal(real.sizes().historyIds, model.messages.size);
    }),
    { seed: 44, numRuns: 300 },
  );
});

import assert from "node:assert/strict";
import { Rng } from "../../lib/gossipsub/mod.ts";

Deno.test("Rng gives the same stream for the same seed and another for another seed", () => {
  const a = new Rng(7), b = new Rng(7), c = new Rng(8);
  const sa = Array.from({ length: 8 }, () => a.nextU32());
  assert.deepEqual(sa, Array.from({ length: 8 }, () => b.nextU32()));
  assert.notDeepEqual(sa, Array.from({ length: 8 }, () => c.nextU32()));
  for (const x of sa) assert.ok(Number.isInteger(x) && x >= 0 && x < 2 ** 32);
});

Deno.test("Rng state round-trips through fromState and clone", () => {
  const a = new Rng(123);
  a.nextU32();
  const b = Rng.fromState(a.state());
  const c = a.clone();
  const next = (r: Rng) => Array.from({ length: 5 }, () => r.nextU32());
  const expected = next(a);
  assert.deepEqual(next(b), expected);
  assert.deepEqual(next(c), expected);
});

Deno.test("Rng.shuffle returns a permutation and a partial shuffle fills the prefix uniformly", () => {
  const rng = new Rng(1);
  const items = Array.from({ length: 50 }, (_, i) => i);
  assert.deepEqual([...rng.shuffle(items.slice())].sort((x, y) => x - y), items);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 20_000; i++) {
    counts[rng.shuffle(Array.from({ length: 10 }, (_, j) => j), 1)[0]]++;
  }
  for (const n of counts) {
    assert.ok(n > 1700 && n < 2300, `first-slot frequency ${n} far from 2000`);
  }
});

Deno.test("Rng.int stays in range and rejects bad bounds", () => {
  const rng = new Rng(5);
  for (let i = 0; i < 1000; i++) {
    const x = rng.int(7);
    assert.ok(Number.isInteger(x) && x >= 0 && x < 7);
  }
  assert.throws(() => rng.int(0), RangeError);
  assert.throws(() => rng.int(1.5), RangeError);
  assert.throws(() => new Rng(Number.NaN), RangeError);
});

import assert from "node:assert/strict";
import fc from "fast-check";
import { Arena } from "../../lib/base/arena.ts";

function overlap(a: Uint8Array, b: Uint8Array): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.length &&
    b.byteOffset < a.byteOffset + a.length;
}

Deno.test("a slab whose views were all freed is reused, zeroed", () => {
  const arena = new Arena(1024, 512, 1);
  const a = arena.allocate(512).fill(0xaa);
  const b = arena.allocate(512).fill(0xbb);
  arena.free(a);
  arena.free(b);
  // The slab is full: the next request retires it and, all its views freed, takes it again.
  const c = arena.allocate(512);
  assert.equal(c.buffer, a.buffer);
  assert.ok(c.every((x) => x === 0), "recycled bytes are zeroed");
  const d = arena.allocate(512);
  // Full once more, with c and d live: a fresh slab, and none waiting until both are freed.
  const e = arena.allocate(8);
  assert.notEqual(e.buffer, a.buffer);
  arena.free(c);
  assert.equal(arena.freeSlabs, 0);
  arena.free(d);
  assert.equal(arena.freeSlabs, 1, "the retired slab is free once its last view is");
});

Deno.test("a slab with a live view is never handed out again", () => {
  const arena = new Arena(1024, 512, 2);
  const kept = arena.allocate(512).fill(7);
  const freed = arena.allocate(512);
  arena.free(freed);
  for (let i = 0; i < 20; i++) arena.free(arena.allocate(512).fill(9));
  assert.ok(kept.every((x) => x === 7));
});

Deno.test("live views never overlap under any order of allocations and frees", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.nat({ max: 700 }), fc.nat()), { maxLength: 120 }),
      (steps) => {
        const arena = new Arena(2048, 1024, 2);
        const live: { view: Uint8Array; mark: number }[] = [];
        let mark = 0;
        for (const [allocate, length, pick] of steps) {
          if (allocate || live.length === 0) {
            mark = (mark + 1) & 0xff;
            const view = arena.allocate(length);
            assert.equal(view.length, length);
            assert.ok(view.every((x) => x === 0));
            live.push({ view: view.fill(mark), mark });
          } else {
            const [{ view }] = live.splice(pick % live.length, 1);
            arena.free(view);
          }
          for (const { view, mark } of live) assert.ok(view.every((x) => x === mark));
        }
        for (let i = 0; i < live.length; i++) {
          for (let j = i + 1; j < live.length; j++) assert.ok(!overlap(live[i].view, live[j].view));
        }
      },
    ),
  );
});

Deno.test("above maxAllocation a buffer of its own; freeing foreign memory is ignored", () => {
  const arena = new Arena(1024, 512);
  const big = arena.allocate(513);
  assert.equal(big.buffer.byteLength, 513);
  arena.free(big);
  arena.free(new Uint8Array(10));
  assert.equal(arena.freeSlabs, 0);
  assert.throws(() => new Arena(512, 1024), RangeError);
});

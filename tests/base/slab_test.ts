import assert from "node:assert/strict";
import fc from "fast-check";
import { allocateBytes, SLAB_MAX_ALLOCATION, SlabAllocator } from "../../lib/base/slab.ts";

// True when two views share at least one byte.
function overlap(a: Uint8Array, b: Uint8Array): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.length &&
    b.byteOffset < a.byteOffset + a.length;
}

Deno.test("small allocations are zeroed views of one shared slab", () => {
  const a = allocateBytes(70);
  const b = allocateBytes(70);
  assert.equal(a.length, 70);
  assert.equal(a.buffer, b.buffer);
  assert.ok(!overlap(a, b));
  assert.ok(a.every((x) => x === 0) && b.every((x) => x === 0));
});

Deno.test("an allocation above the slab limit gets a buffer of its own", () => {
  const big = allocateBytes(SLAB_MAX_ALLOCATION + 1);
  assert.equal(big.length, SLAB_MAX_ALLOCATION + 1);
  assert.equal(big.byteOffset, 0);
  assert.equal(big.buffer.byteLength, SLAB_MAX_ALLOCATION + 1);
});

Deno.test("writing one allocation never changes another, across slabs", () => {
  fc.assert(
    fc.property(fc.array(fc.nat({ max: 3000 }), { minLength: 1, maxLength: 80 }), (lengths) => {
      const slabs = new SlabAllocator(8192, 2048);
      const views = lengths.map((n, i) => slabs.allocate(n).fill(i + 1));
      for (let i = 0; i < views.length; i++) {
        assert.equal(views[i].length, lengths[i]);
        assert.ok(views[i].every((x) => x === ((i + 1) & 0xff)), `view ${i} was overwritten`);
        for (let j = i + 1; j < views.length; j++) assert.ok(!overlap(views[i], views[j]));
      }
    }),
  );
});

Deno.test("views start on 8-byte boundaries", () => {
  const slabs = new SlabAllocator(4096, 1024);
  for (const n of [1, 3, 7, 9, 15]) assert.equal(slabs.allocate(n).byteOffset % 8, 0);
});

Deno.test("an invalid length is a RangeError, as for new Uint8Array", () => {
  assert.throws(() => allocateBytes(-1), RangeError);
  assert.throws(() => allocateBytes(2 ** 53), RangeError);
  assert.throws(() => new SlabAllocator(1024, 2048), RangeError);
});

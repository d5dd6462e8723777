import assert from "node:assert/strict";
import { BufferPool } from "../../lib/base/buffer_pool.ts";

Deno.test("a pool hands out the next power of two and reuses what was given back", () => {
  const pool = new BufferPool({ minBytes: 4096, maxBytes: 65536 });
  const a = pool.take(5000);
  assert.equal(a.length, 8192);
  assert.equal(pool.take(100).length, 4096);
  pool.give(a);
  assert.equal(pool.idleBytes, 8192);
  assert.equal(pool.take(6000), a);
  assert.equal(pool.idleBytes, 0);
});

Deno.test("a view of a pooled buffer gives the whole buffer back", () => {
  const pool = new BufferPool({ minBytes: 4096, maxBytes: 65536 });
  const a = pool.take(5000);
  pool.give(a.subarray(0, 5000));
  const again = pool.take(5000);
  assert.equal(again.buffer, a.buffer);
  assert.equal(again.length, 8192);
});

Deno.test("requests above maxBytes are exact and never pooled", () => {
  const pool = new BufferPool({ minBytes: 4096, maxBytes: 8192 });
  const big = pool.take(10_000);
  assert.equal(big.length, 10_000);
  pool.give(big);
  assert.equal(pool.idleBytes, 0);
});

Deno.test("idle buffers are bounded per size and in total", () => {
  const perClass = new BufferPool({ minBytes: 4096, maxBytes: 65536, perClass: 2 });
  const three = [perClass.take(4096), perClass.take(4096), perClass.take(4096)];
  for (const b of three) perClass.give(b);
  assert.equal(perClass.idleBytes, 2 * 4096);
  const total = new BufferPool({ minBytes: 4096, maxBytes: 65536, maxIdleBytes: 70_000 });
  const two = [total.take(65536), total.take(65536)];
  for (const b of two) total.give(b);
  assert.equal(total.idleBytes, 65536);
});

Deno.test("a buffer the pool could not have made is dropped", () => {
  const pool = new BufferPool({ minBytes: 4096, maxBytes: 65536 });
  pool.give(new Uint8Array(5000));
  pool.give(new Uint8Array(1024));
  assert.equal(pool.idleBytes, 0);
  assert.throws(() => new BufferPool({ minBytes: 3000 }), RangeError);
  assert.throws(() => new BufferPool({ minBytes: 8192, maxBytes: 4096 }), RangeError);
});

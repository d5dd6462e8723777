// ByteQueue against the plain concatenation of what was pushed.

import assert from "node:assert/strict";
import fc from "fast-check";
import { ByteQueue } from "../../lib/cli/byte_queue.ts";

Deno.test("ByteQueue gives back the pushed bytes in order, whatever the piece and take sizes", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 20 }),
      fc.array(fc.nat({ max: 30 }), { maxLength: 40 }),
      (pieces, takes) => {
        const queue = new ByteQueue();
        for (const p of pieces) queue.push(p);
        const all = new Uint8Array(pieces.flatMap((p) => [...p]));
        assert.equal(queue.length, all.length);
        let at = 0;
        for (const wanted of takes) {
          const n = Math.min(wanted, queue.length);
          if (n > 0) assert.equal(queue.at(n - 1), all[at + n - 1]);
          assert.deepEqual([...queue.take(n)], [...all.subarray(at, at + n)]);
          at += n;
          assert.equal(queue.offset, at);
          assert.equal(queue.length, all.length - at);
        }
        assert.deepEqual([...queue.takeAll()], [...all.subarray(at)]);
      },
    ),
  );
});

Deno.test("ByteQueue refuses to take or peek past what it holds", () => {
  const queue = new ByteQueue();
  queue.push(new Uint8Array([1, 2, 3]));
  assert.throws(() => queue.take(4), RangeError);
  assert.throws(() => queue.at(3), RangeError);
  assert.throws(() => queue.take(-1), RangeError);
  assert.deepEqual([...queue.take(3)], [1, 2, 3]);
});

import assert from "node:assert/strict";
import fc from "fast-check";
import { fromHex } from "../../lib/encoding/mod.ts";
import { isDecodeError } from "../../lib/encoding/errors.ts";
import { MAX_P2P_MESSAGE_SIZE } from "../../lib/connection/mod.ts";
import { MessageAssembler, MIN_MESSAGE_CAPACITY } from "../../lib/connection/message_assembler.ts";
import { concat } from "../support/bytes.ts";

function framed(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

Deno.test("any cutting of a message stream gives back the same messages", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      fc.boolean(),
      (bodies, cuts, direct) => {
        const messages = bodies.map(framed);
        const stream = concat(messages);
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((x, y) => x - y);
        const assembler = new MessageAssembler();
        const out: Uint8Array[] = [];
        let from = 0;
        for (const to of [...points, stream.length]) {
          const piece = stream.slice(from, to);
          const room = assembler.room;
          if (direct && room > 0 && piece.length > 0 && piece.length <= room) {
            // What the reader does for the rest of a long message: write in place, then commit.
            assembler.reserve(piece.length).set(piece, assembler.fill);
            assembler.commit(piece.length, (m) => out.push(m));
          } else {
            assembler.push(piece, 0, piece.length, (m) => out.push(m));
          }
          piece.fill(0xee); // the caller may reuse its buffer
          from = to;
        }
        assert.deepEqual(out, messages);
        assert.ok(assembler.idle);
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("a length above 100 MiB - 4 is refused as soon as its 4 bytes are in", () => {
  const assembler = new MessageAssembler();
  const delivered: Uint8Array[] = [];
  assembler.push(fromHex("0640"), 0, 2, (m) => delivered.push(m));
  assert.throws(
    () => assembler.push(fromHex("0000"), 0, 2, (m) => delivered.push(m)),
    (e: unknown) => isDecodeError(e) && e.kind === "size_limit_exceeded",
  );
  const limit = MAX_P2P_MESSAGE_SIZE - 4; // 104 857 596 is still accepted
  const ok = new MessageAssembler();
  ok.push(framedHeader(limit), 0, 4, () => {});
  assert.equal(ok.room, limit);
  assert.equal(ok.capacity, MIN_MESSAGE_CAPACITY); // not the 100 MiB the prefix claims
  assert.equal(delivered.length, 0);
});

function framedHeader(length: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, length);
  return out;
}

Deno.test("a negative length is an invalid_int decode error", () => {
  assert.throws(
    () => new MessageAssembler().push(fromHex("ffffffff"), 0, 4, () => {}),
    (e: unknown) => isDecodeError(e) && e.kind === "invalid_int",
  );
});

// Small messages are views of a shared slab (lib/base/slab.ts), so the rule is "no overlap, no
// alias of the input", not "a buffer each"; ownership_test.ts keeps them under traffic.
Deno.test("delivered messages overlap neither each other nor the input", () => {
  const stream = concat([framed(fromHex("0002")), framed(fromHex("0001"))]);
  const out: Uint8Array[] = [];
  new MessageAssembler().push(stream, 0, stream.length, (m) => out.push(m));
  assert.equal(out.length, 2);
  assert.notEqual(out[0].buffer, stream.buffer);
  assert.notEqual(out[1].buffer, stream.buffer);
  const span = (m: Uint8Array) => [m.byteOffset, m.byteOffset + m.byteLength];
  const [a0, a1] = span(out[0]), [b0, b1] = span(out[1]);
  assert.ok(out[0].buffer !== out[1].buffer || a1 <= b0 || b1 <= a0, "the two messages overlap");
  stream.fill(0xee);
  assert.deepEqual([...out[0]], [0, 0, 0, 2, 0, 2]);
  assert.deepEqual([...out[1]], [0, 0, 0, 2, 0, 1]);
});

/**
 * Where encoders write and decoders cut text: small `encodeX` outputs share an 8 KiB buffer (as
 * Node's `Buffer.allocUnsafe`) yet never overlap, and survive a transferred buffer; from 4 KiB up
 * an output owns its buffer. `Reader.ascii` cuts a message's texts from one decoded run, right at
 * any offset, whatever bytes surround them. Codegen's `encodesAscii` is for strings only.
 */

import assert from "node:assert/strict";
import { conv, declare, fixedBytes, generate, string } from "../../lib/codegen/mod.ts";
import { EncodeError, Reader, Writer } from "../../lib/encoding/mod.ts";
import { encodeFitness } from "../../gen/shell.ts";
import { decodePoint, encodePoint } from "../../gen/base.ts";
import { decodeP2pMessage, encodeP2pMessage } from "../../gen/p2p_message.ts";
import { rawAppCodec } from "../../lib/encoding/mod.ts";
import { makePointId, parsePointId } from "../../lib/base/point_id.ts";

const te = new TextEncoder();

Deno.test("small encodings share a buffer but never a byte, and keep their bytes", () => {
  const points = Array.from({ length: 300 }, (_, i) => makePointId(`10.0.${i >> 8}.${i & 255}`, i));
  const encoded = points.map((p) => encodePoint(p));
  // Some share a buffer (that is the point of the pool)...
  assert.ok(new Set(encoded.map((e) => e.buffer)).size < encoded.length);
  // ...but no two overlap, and each decodes to its own point, even after every other was written.
  const regions = encoded
    .map((e) => ({ buffer: e.buffer, from: e.byteOffset, to: e.byteOffset + e.byteLength }))
    .sort((a, b) => a.from - b.from);
  for (let i = 1; i < regions.length; i++) {
    const [a, b] = [regions[i - 1], regions[i]];
    if (a.buffer === b.buffer) assert.ok(a.to <= b.from, "two encodings overlap");
  }
  encoded.forEach((e, i) => assert.deepEqual(decodePoint(e), points[i]));
  // Scribbling over one output changes no other.
  encoded[0].fill(0xff);
  encoded.slice(1).forEach((e, i) => assert.deepEqual(decodePoint(e), points[i + 1]));
});

Deno.test("an encoding of 4 KiB or more owns its whole buffer", () => {
  const points = Array.from(
    { length: 100 },
    (_, i) => makePointId(`2001:db8:1111:2222:3333:4444:5555:${i + 1}`, 9732),
  );
  const bytes = encodeP2pMessage({ kind: "Advertise", points }, rawAppCodec as never);
  assert.ok(bytes.length >= 4096, `${bytes.length}`);
  assert.equal(bytes.byteOffset, 0);
  assert.equal(bytes.buffer.byteLength, bytes.length);
});

Deno.test("transferring a small encoding's buffer away breaks no later encoding", () => {
  const a = encodePoint(makePointId("1.2.3.4", 1));
  const moved = structuredClone(a.buffer as ArrayBuffer, {
    transfer: [a.buffer as ArrayBuffer],
  });
  assert.equal(a.length, 0); // detached, as any view of a transferred buffer
  assert.ok(moved.byteLength > 0);
  for (let i = 0; i < 50; i++) {
    const p = makePointId(`5.6.7.${i}`, 1000 + i);
    const e = encodePoint(p);
    assert.equal(e.length, 4 + `5.6.7.${i}:${1000 + i}`.length);
    assert.deepEqual(decodePoint(e), p);
  }
});

Deno.test("a size that is not a number (a malformed value) leaves earlier outputs alone", () => {
  const a = encodePoint(makePointId("1.2.3.4", 1));
  const before = a.slice();
  // A fitness element that is not bytes: its size is NaN, and encoding throws EncodeError.
  assert.throws(() => encodeFitness([5 as unknown as Uint8Array]), EncodeError);
  assert.equal(new Writer(Number.NaN).bytes.length, 0);
  // Enough small outputs to cover a whole 8 KiB pool from its start, wherever `a` lies in it.
  for (let i = 0; i < 600; i++) encodePoint(makePointId(`9.9.9.${i % 256}`, 9999));
  assert.deepEqual(a, before);
  // An empty output after a transferred pool: its own empty buffer, no TypeError.
  const b = new Writer(8).bytes;
  structuredClone(b.buffer as ArrayBuffer, { transfer: [b.buffer as ArrayBuffer] });
  assert.equal(new Writer(0).bytes.length, 0);
});

Deno.test("Reader.ascii cuts texts at their offsets over runs longer than its 8 KiB chunk", () => {
  // 20,000 bytes: ASCII texts at known offsets, with non-ASCII bytes and multi-byte UTF-8 between
  // them (the run's fast decode then fails its length test and the run is built byte by byte).
  const bytes = new Uint8Array(20000);
  const texts: [number, string][] = [];
  for (let at = 3, k = 0; at + 40 < bytes.length; at += 97, k++) {
    const text = `[2001:db8::${k.toString(16)}]:${k}`;
    bytes.set(te.encode(text), at);
    texts.push([at, text]);
    bytes.set(k % 3 === 0 ? [0xc3, 0xa9] : k % 3 === 1 ? [0xff, 0x80] : [0, 1], at + 60);
  }
  const r = new Reader(bytes);
  for (const [at, text] of texts) assert.equal(r.ascii(at, at + text.length), text);
  // Backwards too (a cut before the current run decodes a new one).
  const back = new Reader(bytes);
  for (const [at, text] of texts.toReversed()) assert.equal(back.ascii(at, at + text.length), text);
  assert.equal(r.ascii(5, 5), "");
});

Deno.test("an Advertise's points keep their text when the input is reused", () => {
  const points = Array.from({ length: 100 }, (_, i) => makePointId(`2001:db8:${i}::${i + 1}`, i));
  const input = encodeP2pMessage({ kind: "Advertise", points }, rawAppCodec as never).slice();
  const decoded = decodeP2pMessage(input, rawAppCodec);
  input.fill(0x41);
  assert.deepEqual(decoded, { kind: "Advertise", points });
  // The decoded texts are the canonical texts parsePointId gives.
  for (const p of points) {
    assert.deepEqual(parsePointId(`[${p.addr}]:${p.port}`), p);
  }
});

Deno.test("encodesAscii is refused on a conversion over anything but a string", () => {
  const codec = {
    encode: "f",
    decode: "g",
    module: "m.ts",
    tsType: "T",
    errorKind: "invalid_conversion",
  } as const;
  const ok = declare("Text", "Text.", conv(string(), { ...codec, encodesAscii: true }));
  assert.match(
    generate([{ source: "t.ts", output: "t.ts", doc: "T.", decls: [ok] }], {
      runtime: "lib/encoding/mod.ts",
    }).get("t.ts")!,
    /size \+= 4 \+ c\.length;/,
  );
  const bad = declare("Raw", "Raw.", conv(fixedBytes(4), { ...codec, encodesAscii: true }));
  assert.throws(
    () =>
      generate([{ source: "t.ts", output: "t.ts", doc: "T.", decls: [bad] }], {
        runtime: "lib/encoding/mod.ts",
      }),
    /encodesAscii needs a conversion over a string/,
  );
  // Plain strings are still measured as UTF-8.
  assert.equal(encodePoint(makePointId("::1", 80)).length, 4 + "[::1]:80".length);
  assert.deepEqual(decodePoint(encodePoint(makePointId("::1", 80))), makePointId("::1", 80));
});

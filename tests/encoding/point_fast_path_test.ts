/**
 * The point decoder's fast path (`pointIdFromAscii`, used by the generated `readPoint`): whatever
 * it decides must be what `parsePointId` decides on the same text, canonical or not, and every
 * rejected text must fail with the same error kind as before.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  makePointId,
  parsePointId,
  pointIdFromAscii,
  pointIdToString,
} from "../../lib/base/point_id.ts";
import { DecodeError } from "../../lib/encoding/mod.ts";
import { decodePoint } from "../../gen/base.ts";

const te = new TextEncoder();

/** The wire form of a point text: 4-byte length, then the bytes. */
function wire(text: string | Uint8Array): Uint8Array {
  const body = typeof text === "string" ? te.encode(text) : text;
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

/** What `parsePointId` says of `text`: the point, or the error kind. */
function slow(text: string): string {
  try {
    return JSON.stringify(parsePointId(text));
  } catch (e) {
    return `error ${(e as { kind?: string }).kind}`;
  }
}

/** What the generated decoder says of the wire form of `text`: the point, or the error kind. */
function decoded(bytes: Uint8Array): string {
  try {
    return JSON.stringify(decodePoint(bytes));
  } catch (e) {
    assert.ok(e instanceof DecodeError, `not a DecodeError: ${e}`);
    return `error ${e.kind}`;
  }
}

const group = fc.oneof(
  fc.constant(0),
  fc.constant(0),
  fc.constant(0xffff),
  fc.integer({ min: 0, max: 0xffff }),
);
const groups = fc.array(group, { minLength: 8, maxLength: 8 });

/** Spellings of one IPv6 address: canonical, full, upper case, zero-padded, `::` on any run. */
function spellings(g: number[], cut: number): string[] {
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(":");
  const full = hex(g);
  const out = [full, full.toUpperCase(), g.map((x) => x.toString(16).padStart(4, "0")).join(":")];
  const z = g.findIndex((x, i) => i >= cut && x === 0);
  if (z >= 0) {
    let e = z;
    while (e < 8 && g[e] === 0) e++;
    out.push(`${hex(g.slice(0, z))}::${hex(g.slice(e))}`);
  }
  return out;
}

Deno.test("a canonical and a non-canonical spelling of a point decode to the same value", () => {
  fc.assert(
    fc.property(groups, fc.integer({ min: 0, max: 65535 }), fc.nat(8), (g, port, cut) => {
      const canonical = makePointId(g.map((x) => x.toString(16)).join(":"), port);
      const canonicalText = pointIdToString(canonical);
      const expected = JSON.stringify(canonical);
      assert.equal(decoded(wire(canonicalText)), expected);
      for (const a of spellings(g, cut)) {
        const text = `[${a}]:${port}`;
        assert.equal(decoded(wire(text)), expected, text);
        const b = te.encode(text);
        const fast = pointIdFromAscii(b, 0, b.length);
        // Every valid bracketed spelling is decided by the fast path, and equally.
        assert.equal(JSON.stringify(fast), expected, text);
      }
    }),
    { numRuns: 3000, seed: 5 },
  );
});

Deno.test("the fast path returns only what parsePointId returns, on arbitrary texts", () => {
  const v4 = fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constant("01")), {
    minLength: 3,
    maxLength: 5,
  }).map((x) => x.join("."));
  const v6 = fc.array(
    fc.oneof(
      fc.constant(""),
      fc.constant("0"),
      fc.constant("00"),
      fc.constant("1.2.3.4"),
      fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF"), maxLength: 5 }),
    ),
    { maxLength: 9 },
  ).map((x) => x.join(":"));
  const port = fc.oneof(
    fc.integer({ min: 0, max: 70000 }).map(String),
    fc.constant(""),
    fc.constant("09732"),
    fc.constant("80#tz"),
  );
  const text = fc.oneof(
    fc.tuple(fc.oneof(v4, v6), port).map(([a, p]) => `[${a}]:${p}`),
    fc.tuple(fc.oneof(v4, v6), port).map(([a, p]) => `${a}:${p}`),
    fc.tuple(fc.oneof(v4, v6), port, fc.string({ maxLength: 3 }), fc.nat(50)).map(
      ([a, p, junk, k]) => {
        const t = `[${a}]:${p}`;
        return t.slice(0, k) + junk + t.slice(k);
      },
    ),
    fc.string({ maxLength: 50 }),
  );
  let decidedHere = 0;
  fc.assert(
    fc.property(text, (t) => {
      const expected = slow(t);
      const b = te.encode(t);
      const fast = pointIdFromAscii(b, 0, b.length);
      if (fast !== undefined) {
        decidedHere++;
        assert.equal(JSON.stringify(fast), expected, t);
      }
      if (b.length <= 47) assert.equal(decoded(wire(t)), expected, t);
    }),
    { numRuns: 20000, seed: 9 },
  );
  assert.ok(decidedHere > 100, `the fast path decided only ${decidedHere} texts`);
});

Deno.test("rejected point texts keep their error kinds through the fast path", () => {
  const cases: [string | Uint8Array, string][] = [
    ["[::1]:", "error invalid_point"],
    ["[::1]:65536", "error invalid_point"],
    ["[::1]80", "error invalid_point"],
    ["::1:80", "error invalid_point"], // unbracketed IPv6: the address ends at the first ':'
    ["[1::2::3]:80", "error invalid_point"],
    ["[0:0:]:80", "error invalid_point"],
    ["1.2.3.04:80", "error invalid_point"],
    ["[::1]]:80", "error invalid_point"],
    ["[::1]:80#", "error invalid_point"],
    [new Uint8Array([0x5b, 0xff, 0x5d, 0x3a, 0x38, 0x30]), "error invalid_utf8"], // "[\xff]:80"
    ["[é]:80", "error invalid_point"],
  ];
  for (const [text, kind] of cases) {
    const bytes = typeof text === "string" ? te.encode(text) : text;
    assert.equal(pointIdFromAscii(bytes, 0, bytes.length), undefined, String(text));
    assert.equal(decoded(wire(text)), kind, String(text));
  }
  // A #peer_id suffix is left to parsePointId, which accepts and drops it, as before.
  const withId = "[::1]:80#idtz1abc";
  assert.equal(decoded(wire(withId)), JSON.stringify({ addr: "::1", port: 80 }));
});

Deno.test("a point decoded from a buffer later overwritten keeps its text (no stale reuse)", () => {
  const buffer = wire("[2001:db8::1]:9732");
  const first = decodePoint(buffer);
  // Same length, same hash slot candidates: the decoder must compare bytes, not trust the slot.
  buffer.set(te.encode("[2001:db8::2]:9732"), 4);
  const second = decodePoint(buffer);
  assert.deepEqual(first, { addr: "2001:db8::1", port: 9732 });
  assert.deepEqual(second, { addr: "2001:db8::2", port: 9732 });
  // Decoding the first text again gives an equal point, from the slow or the fast path alike.
  assert.deepEqual(decodePoint(wire("[2001:db8::1]:9732")), first);
  assert.deepEqual(decodePoint(wire("[2001:DB8:0::1]:9732")), first);
});

Deno.test("a canonical address is checked in one pass and its text cut, not printed anew", () => {
  // The decoder hands pointIdFromAscii a source of text: a canonical address (what Octez sends)
  // is cut from it as is; any other spelling is parsed and printed, and the source is not asked.
  let asked = 0;
  const source = {
    ascii(from: number, to: number): string {
      asked++;
      return String.fromCharCode(...bytesNow.subarray(from, to));
    },
  };
  let bytesNow = new Uint8Array();
  const decide = (text: string) => {
    bytesNow = te.encode(text);
    asked = 0;
    const p = pointIdFromAscii(bytesNow, 0, bytesNow.length, source);
    return { p, asked };
  };
  fc.assert(
    fc.property(groups, fc.integer({ min: 0, max: 65535 }), fc.nat(8), (g, port, cut) => {
      const canonical = makePointId(g.map((x) => x.toString(16)).join(":"), port);
      const text = pointIdToString(canonical);
      const { p, asked } = decide(text);
      assert.deepEqual(p, canonical, text);
      assert.equal(asked, 1, `canonical ${text} was printed anew`);
      for (const a of spellings(g, cut)) {
        const spelled = `[${a}]:${port}`;
        if (spelled === text) continue;
        const other = decide(spelled);
        assert.deepEqual(other.p, canonical, spelled);
        assert.equal(other.asked, 0, `${spelled} was taken as canonical`);
      }
    }),
    { numRuns: 3000, seed: 11 },
  );
  // IPv4-mapped text that looks canonical prints as a dotted quad.
  assert.deepEqual(decide("[::ffff:102:304]:1"), { p: { addr: "1.2.3.4", port: 1 }, asked: 0 });
  assert.deepEqual(decide("[::ffff]:1"), { p: { addr: "::ffff", port: 1 }, asked: 1 });
});

import assert from "node:assert/strict";
import fc from "fast-check";
import { parsePointIdWithPeerId } from "../../lib/crypto/peer_id.ts";
import {
  makePointId,
  parseAddrPortId,
  parsePointId,
  pointIdAddressBytes,
  PointIdError,
  pointIdToString,
} from "../../lib/base/point_id.ts";

const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
const groups = fc.array(group, { minLength: 8, maxLength: 8 });

/** WHATWG's IPv6 serializer compresses like RFC 5952 (it prints v4-mapped addresses in hex). */
function oracle(g: number[]): string {
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `${g[6] >> 8}.${g[6] & 0xff}.${g[7] >> 8}.${g[7] & 0xff}`;
  }
  return new URL(`http://[${g.map((x) => x.toString(16)).join(":")}]/`).hostname.slice(1, -1);
}

Deno.test("parsePointId() canonicalises IPv6 text as RFC 5952 (WHATWG URL as oracle)", () => {
  fc.assert(
    fc.property(groups, fc.integer({ min: 0, max: 65535 }), fc.boolean(), (g, port, upper) => {
      // Uncompressed, zero-padded, optionally upper-case: all non-canonical spellings.
      let text = g.map((x) => x.toString(16).padStart(4, "0")).join(":");
      if (upper) text = text.toUpperCase();
      const p = parsePointId(`[${text}]:${port}`);
      assert.equal(p.addr, oracle(g));
      assert.equal(p.port, port);
      assert.deepEqual(parsePointId(pointIdToString(p)), p);
      const bytes = pointIdAddressBytes(p);
      assert.deepEqual([...bytes], g.flatMap((x) => [x >> 8, x & 0xff]));
    }),
    { numRuns: 2000, seed: 11 },
  );
});

Deno.test("parsePointId() accepts every compressed spelling of the same address", () => {
  fc.assert(
    fc.property(
      groups,
      fc.integer({ min: 0, max: 7 }),
      fc.integer({ min: 2, max: 8 }),
      (g, at, len) => {
        const run = Math.min(len, 8 - at);
        if (run < 1) return;
        const zeroed = g.map((x, i) => (i >= at && i < at + run ? 0 : x));
        const hex = zeroed.map((x) => x.toString(16));
        const text = `${hex.slice(0, at).join(":")}::${hex.slice(at + run).join(":")}`;
        assert.equal(parsePointId(`[${text}]:1`).addr, oracle(zeroed));
      },
    ),
    { numRuns: 2000, seed: 12 },
  );
});

Deno.test("parsePointId() reads IPv4 and IPv4-mapped forms as the same point", () => {
  assert.deepEqual(parsePointId("[::ffff:1.2.3.4]:9732"), parsePointId("1.2.3.4:9732"));
  assert.deepEqual(parsePointId("[::FFFF:102:304]:9732"), { addr: "1.2.3.4", port: 9732 });
  assert.equal(parsePointId("[::1.2.3.4]:1").addr, "::102:304");
});

Deno.test("parsePointId() accepts and ignores a #peer_id suffix", () => {
  assert.deepEqual(parsePointId("1.2.3.4:9732#idqjq34sB6uHWdFzJDB97zwXAdHASb"), {
    addr: "1.2.3.4",
    port: 9732,
  });
});

for (
  const bad of [
    "",
    ":",
    "1.2.3.4",
    "1.2.3.4:",
    "1.2.3.4:65536",
    "1.2.3.4:123456",
    "1.2.3.4:-1",
    "01.2.3.4:1",
    "256.1.1.1:1",
    "1.2.3:1",
    "1.2.3.4.5:1",
    "localhost:9732",
    "::1:9732",
    "[::1]",
    "[::1]9732",
    "[::1:9732",
    "[1:2:3:4:5:6:7:8:9]:1",
    "[1::2::3]:1",
    "[12345::]:1",
    "[:1]:1",
    "[1:]:1",
    "[::ffff:1.2.3]:1",
    "1.2.3.4:1#",
    "1.2.3.4:1#id-x",
  ]
) {
  Deno.test(`parsePointId() rejects ${JSON.stringify(bad)}`, () => {
    assert.throws(() => parsePointId(bad), PointIdError);
  });
}

Deno.test("parsePointId() reads a port with leading zeros, as Octez's point parser does", () => {
  assert.deepEqual(parsePointId("1.2.3.4:000009732"), { addr: "1.2.3.4", port: 9732 });
  assert.deepEqual(parsePointId("[::1]:0000000000000001"), { addr: "::1", port: 1 });
  assert.throws(() => parsePointId("1.2.3.4:0000065536"), PointIdError);
});

// Whether the suffix is a peer id (base58check) is lib/crypto's to say: lib/base only checks its
// characters, as Octez's lexer does (src/lib_base/point_parser.mll 90).
Deno.test("parsePointIdWithPeerId() rejects a #peer_id suffix whose checksum is wrong", () => {
  const bad = "1.2.3.4:1#idqjq34sB6uHWdFzJDB97zwXAdHASc";
  assert.throws(() => parsePointIdWithPeerId(bad), PointIdError);
  assert.deepEqual(parseAddrPortId(bad), {
    point: { addr: "1.2.3.4", port: 1 },
    peerIdText: "idqjq34sB6uHWdFzJDB97zwXAdHASc",
  });
});

Deno.test("makePointId() and pointIdToString() refuse non-addresses", () => {
  assert.throws(() => makePointId("example.com", 1), PointIdError);
  assert.throws(() => makePointId("1.2.3.4", 70000), PointIdError);
  assert.throws(() => pointIdToString({ addr: "nope", port: 1 }), PointIdError);
});

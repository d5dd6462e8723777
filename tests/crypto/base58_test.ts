import assert from "node:assert/strict";
import fc from "fast-check";
import {
  base58CheckDecode,
  base58CheckEncode,
  base58Decode,
  base58Encode,
} from "../../lib/crypto/base58.ts";
import { isCryptoError } from "../../lib/crypto/errors.ts";
import { peerIdFromString } from "../../lib/crypto/peer_id.ts";
import { hex, toHex, vectors } from "../support/vectors.ts";

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

Deno.test("base58Encode() matches known Bitcoin-alphabet encodings", () => {
  assert.equal(base58Encode(new Uint8Array()), "");
  assert.equal(base58Encode(new Uint8Array([0])), "1");
  assert.equal(base58Encode(new Uint8Array([0, 0, 1])), "112");
  assert.equal(base58Encode(new TextEncoder().encode("Hello World!")), "2NEpo7TZRRrLZSi2U");
  assert.equal(base58Encode(new Uint8Array([0xff, 0xff])), "LUv");
  assert.equal(
    toHex(base58Decode("2NEpo7TZRRrLZSi2U")),
    toHex(new TextEncoder().encode("Hello World!")),
  );
});

Deno.test("base58Decode() inverts base58Encode() on random bytes, leading zeros included", () => {
  fc.assert(
    fc.property(fc.nat({ max: 5 }), fc.uint8Array({ maxLength: 64 }), (zeros, tail) => {
      const bytes = new Uint8Array(zeros + tail.length);
      bytes.set(tail, zeros);
      assert.deepEqual(base58Decode(base58Encode(bytes)), bytes);
    }),
  );
});

Deno.test("base58CheckDecode() inverts base58CheckEncode()", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 4 }), fc.uint8Array({ maxLength: 40 }), (p, payload) => {
      assert.deepEqual(
        base58CheckDecode(base58CheckEncode(p, payload), p, payload.length),
        payload,
      );
    }),
  );
});

Deno.test("base58check decomposition of a peer id matches the vector", () => {
  const [vector] = vectors("peer_id").filter((v) => v.hex !== undefined);
  const inputs = vector.inputs as { b58: string };
  const expected = vector.expected as Record<string, string | number>;
  const raw = base58Decode(inputs.b58);
  assert.equal(toHex(raw), vector.hex);
  assert.equal(raw.length, expected.total_bytes);
  assert.equal(inputs.b58.length, expected.b58_length);
  assert.equal(toHex(raw.subarray(0, 2)), expected.prefix);
  assert.equal(toHex(raw.subarray(18)), expected.checksum_first4_of_double_sha256);
  const payload = base58CheckDecode(inputs.b58, hex(expected.prefix), 16);
  assert.equal(toHex(payload), expected.payload_blake2b128_of_public_key);
  assert.equal(base58CheckEncode(hex(expected.prefix), payload), inputs.b58);
});

Deno.test("base58Decode() rejects a character outside the alphabet with its position", () => {
  for (const bad of ["0", "O", "I", "l", "+", "é", " "]) {
    assert.throws(
      () => base58Decode(`11${bad}2`),
      (e) => isCryptoError(e, "invalid_base58") && e.details.position === 2,
    );
  }
});

Deno.test("base58CheckDecode() tells a bad checksum, a bad prefix and a bad length apart", () => {
  const prefix = new Uint8Array([0x99, 0x67]);
  const good = base58CheckEncode(prefix, new Uint8Array(16).fill(7));
  // Change one character for another alphabet character: the checksum no longer matches.
  const i = 10;
  const swapped = good.slice(0, i) + (good[i] === "a" ? "b" : "a") + good.slice(i + 1);
  assert.throws(
    () => base58CheckDecode(swapped, prefix, 16),
    (e) => isCryptoError(e, "bad_checksum"),
  );
  assert.throws(() => base58CheckDecode("1", prefix, 16), (e) => isCryptoError(e, "bad_checksum"));
  const otherPrefix = base58CheckEncode(new Uint8Array([0x06, 0xa1]), new Uint8Array(16));
  assert.throws(
    () => base58CheckDecode(otherPrefix, prefix, 16),
    (e) =>
      isCryptoError(e, "bad_prefix") && e.details.expected === "9967" &&
      e.details.actual === "06a1",
  );
  const short = base58CheckEncode(prefix, new Uint8Array(15));
  assert.throws(
    () => base58CheckDecode(short, prefix, 16),
    (e) => isCryptoError(e, "bad_length") && e.details.expected === 16 && e.details.actual === 15,
  );
});

Deno.test("base58 decoders raise only CryptoError on random garbage", () => {
  const prefix = new Uint8Array([0x99, 0x67]);
  const onlyTypedErrors = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      assert.ok(isCryptoError(error), `unexpected ${error}`);
    }
  };
  const garbage = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 40 }),
    fc.string({ unit: fc.constantFrom(...ALPHABET), minLength: 30, maxLength: 30 }),
  );
  fc.assert(
    fc.property(garbage, (text) => {
      onlyTypedErrors(() => base58Decode(text));
      onlyTypedErrors(() => base58CheckDecode(text, prefix, 16));
      onlyTypedErrors(() => peerIdFromString(text));
    }),
    { numRuns: 2000 },
  );
});

import assert from "node:assert/strict";
import { blake2b } from "@noble/hashes/blake2.js";
import fc from "fast-check";
import { PowHasher, powTargetWords } from "../../lib/crypto/pow_hash.ts";
import { toHex } from "../support/vectors.ts";

const NEVER = powTargetWords(0n); // no hash is ≤ 0 in practice: search() only advances

function stampValue(stamp: Uint8Array): bigint {
  return BigInt("0x" + toHex(stamp));
}

function expectedHash(publicKey: Uint8Array, stamp: Uint8Array): Uint8Array {
  const input = new Uint8Array(56);
  input.set(publicKey, 0);
  input.set(stamp, 32);
  return blake2b(input, { dkLen: 32 });
}

// Stamps whose low bytes are 0xff, so that the next increments carry across message words.
const stampArb = fc.tuple(fc.uint8Array({ minLength: 24, maxLength: 24 }), fc.nat({ max: 24 })).map(
  ([bytes, ones]) => {
    const stamp = bytes.slice();
    stamp.fill(0xff, 24 - ones);
    return stamp;
  },
);
const keyArb = fc.uint8Array({ minLength: 32, maxLength: 32 });

Deno.test("PowHasher.digest() equals noble's BLAKE2b-256 of pk ‖ stamp on random inputs", () => {
  fc.assert(
    fc.property(keyArb, stampArb, (publicKey, stamp) => {
      assert.deepEqual(new PowHasher(publicKey, stamp).digest(), expectedHash(publicKey, stamp));
    }),
    { numRuns: 1000 },
  );
});

Deno.test("PowHasher.search() walks stamps as a 192-bit big-endian counter, hashes still exact", () => {
  fc.assert(
    fc.property(keyArb, stampArb, fc.integer({ min: 1, max: 300 }), (publicKey, stamp, steps) => {
      const hasher = new PowHasher(publicKey, stamp);
      assert.equal(hasher.search(NEVER, steps), false);
      assert.equal(hasher.attempts, steps);
      const next = hasher.stamp;
      assert.equal(stampValue(next), (stampValue(stamp) + BigInt(steps)) % (1n << 192n));
      assert.deepEqual(hasher.digest(), expectedHash(publicKey, next));
    }),
    { numRuns: 300 },
  );
});

Deno.test("PowHasher.search() wraps the stamp from ff…ff to 00…00", () => {
  const hasher = new PowHasher(new Uint8Array(32), new Uint8Array(24).fill(0xff));
  hasher.search(NEVER, 1);
  assert.deepEqual(hasher.stamp, new Uint8Array(24));
  assert.deepEqual(hasher.digest(), expectedHash(new Uint8Array(32), new Uint8Array(24)));
});

Deno.test("PowHasher.search() stops on the first stamp whose little-endian hash is ≤ target", () => {
  const publicKey = crypto.getRandomValues(new Uint8Array(32));
  const start = crypto.getRandomValues(new Uint8Array(24));
  // Target 2^248 - 1: the last hash byte must be zero.
  const hasher = new PowHasher(publicKey, start);
  assert.ok(hasher.search(powTargetWords((1n << 248n) - 1n), 100_000));
  const found = hasher.stamp;
  assert.equal(expectedHash(publicKey, found)[31], 0);
  // Every stamp before it fails.
  const walker = new PowHasher(publicKey, start);
  for (let i = 1; i < hasher.attempts; i++) {
    assert.notEqual(walker.digest()[31], 0);
    walker.search(NEVER, 1);
  }
  assert.deepEqual(walker.stamp, found);
});

Deno.test("PowHasher.search() compares every limb when the top limb ties the target", () => {
  const publicKey = new Uint8Array(32).fill(9);
  const stamp = new Uint8Array(24).fill(4);
  const hash = expectedHash(publicKey, stamp);
  let value = 0n;
  for (let i = 31; i >= 0; i--) value = (value << 8n) | BigInt(hash[i]);
  assert.ok(new PowHasher(publicKey, stamp).search(powTargetWords(value), 1)); // equal: accepted
  assert.ok(!new PowHasher(publicKey, stamp).search(powTargetWords(value - 1n), 1)); // one less
});

Deno.test("powTargetWords() splits little-endian and saturates at 2^256 - 1", () => {
  assert.deepEqual(
    Array.from(powTargetWords((1n << 230n) - 1n)),
    [...Array(7).fill(0xffffffff), 0x3f],
  );
  assert.deepEqual(Array.from(powTargetWords(1n << 300n)), Array(8).fill(0xffffffff));
  assert.throws(() => powTargetWords(-1n), RangeError);
});

Deno.test("PowHasher rejects wrong key and stamp lengths with RangeError", () => {
  assert.throws(() => new PowHasher(new Uint8Array(33)), RangeError);
  assert.throws(() => new PowHasher(new Uint8Array(32), new Uint8Array(25)), RangeError);
});

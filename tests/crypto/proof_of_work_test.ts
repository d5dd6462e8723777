import assert from "node:assert/strict";
import { isCryptoError } from "../../lib/crypto/errors.ts";
import { PowHasher } from "../../lib/crypto/pow_hash.ts";
import { makePowTarget } from "../../lib/crypto/pow_target.ts";
import {
  checkProofOfWork,
  expectedPowAttempts,
  generateProofOfWorkSync,
  powHashValue,
} from "../../lib/crypto/proof_of_work.ts";
import { hex, toHex, vectors } from "../support/vectors.ts";

for (const vector of vectors("pow_check")) {
  Deno.test(`proof of work: ${vector.name}`, () => {
    const expected = vector.expected as Record<string, string | boolean>;
    if (vector.hex !== undefined) {
      assert.equal(powHashValue(hex(vector.hex)), BigInt(expected.little_endian_integer as string));
      return;
    }
    const inputs = vector.inputs as {
      public_key: string;
      proof_of_work_stamp: string;
      target: number;
    };
    const publicKey = hex(inputs.public_key);
    const stamp = hex(inputs.proof_of_work_stamp);
    assert.equal(checkProofOfWork(publicKey, stamp, makePowTarget(inputs.target)), expected.ok);
    if (expected.hash_blake2b256 !== undefined) {
      const hash = new PowHasher(publicKey, stamp).digest();
      assert.equal(toHex(hash), expected.hash_blake2b256);
      assert.equal(
        powHashValue(hash).toString(16).padStart(64, "0"),
        expected.hash_as_little_endian_int_hex,
      );
    }
  });
}

for (const vector of vectors("identity")) {
  Deno.test(`proof of work of identity ${vector.name}`, () => {
    const inputs = vector.inputs as Record<string, string>;
    const expected = vector.expected as Record<string, string | number | boolean>;
    const publicKey = hex(inputs.public_key);
    const stamp = hex(inputs.proof_of_work_stamp);
    assert.equal(
      toHex(new PowHasher(publicKey, stamp).digest()),
      expected.pow_hash_blake2b256_of_pk_concat_stamp,
    );
    assert.equal(checkProofOfWork(publicKey, stamp, makePowTarget(24)), expected.check_pow_24);
    assert.equal(checkProofOfWork(publicKey, stamp, makePowTarget(26)), expected.check_pow_26);
    const highest = expected.highest_integer_pow_target_satisfied as number;
    assert.ok(checkProofOfWork(publicKey, stamp, makePowTarget(highest)));
    assert.ok(!checkProofOfWork(publicKey, stamp, makePowTarget(highest + 1)));
  });
}

Deno.test("generateProofOfWorkSync() finds a stamp that checkProofOfWork() accepts", () => {
  const publicKey = crypto.getRandomValues(new Uint8Array(32));
  for (const difficulty of [0, 4, 10, 12.5]) {
    const target = makePowTarget(difficulty);
    const stamp = generateProofOfWorkSync(publicKey, target);
    assert.equal(stamp.length, 24);
    assert.ok(checkProofOfWork(publicKey, stamp, target));
  }
});

Deno.test("generateProofOfWorkSync() returns the first stamp at or after the start that works", () => {
  const publicKey = crypto.getRandomValues(new Uint8Array(32));
  const start = crypto.getRandomValues(new Uint8Array(24));
  const target = makePowTarget(6);
  const stamp = generateProofOfWorkSync(publicKey, target, { startStamp: start });
  // Walk the same stamps with the general check: none before the result may pass.
  const value = (bytes: Uint8Array) => BigInt("0x" + toHex(bytes));
  const distance = value(stamp) - value(start);
  assert.ok(distance >= 0n && distance < 10_000n);
  const candidate = start.slice();
  for (let n = 0n; n < distance; n++) {
    assert.ok(!checkProofOfWork(publicKey, candidate, target));
    for (let i = 23; i >= 0; i--) {
      candidate[i] = (candidate[i] + 1) & 0xff;
      if (candidate[i] !== 0) break;
    }
  }
  assert.deepEqual(candidate, stamp);
});

Deno.test("generateProofOfWorkSync() gives up after maxAttempts with insufficient_pow", () => {
  const publicKey = new Uint8Array(32);
  assert.throws(
    () => generateProofOfWorkSync(publicKey, makePowTarget(200), { maxAttempts: 1000 }),
    (e) => isCryptoError(e, "insufficient_pow") && e.details.actual === 1000,
  );
});

Deno.test("checkProofOfWork() reads the hash little-endian: a zero last byte matters, not the first", () => {
  // Find, by brute force on the general check, one stamp whose hash ends with a zero byte and one
  // whose hash starts with a zero byte but does not end with one.
  const publicKey = new Uint8Array(32).fill(3);
  const target = makePowTarget(8);
  let endsWithZero: Uint8Array | undefined;
  let startsWithZero: Uint8Array | undefined;
  const stamp = new Uint8Array(24);
  for (let i = 0; i < 5000 && (!endsWithZero || !startsWithZero); i++) {
    stamp[23] = i & 0xff;
    stamp[22] = i >> 8;
    const hash = new PowHasher(publicKey, stamp).digest();
    if (hash[31] === 0) endsWithZero ??= stamp.slice();
    else if (hash[0] === 0) startsWithZero ??= stamp.slice();
  }
  assert.ok(endsWithZero && startsWithZero);
  assert.ok(checkProofOfWork(publicKey, endsWithZero, target));
  assert.ok(!checkProofOfWork(publicKey, startsWithZero, target));
});

Deno.test("expectedPowAttempts() is 2^d for an integer difficulty d", () => {
  assert.equal(expectedPowAttempts(makePowTarget(26)), 2 ** 26);
  assert.equal(expectedPowAttempts(makePowTarget(0)), 1);
});

Deno.test("checkProofOfWork() rejects wrong key and stamp lengths with RangeError", () => {
  assert.throws(() => checkProofOfWork(new Uint8Array(31), new Uint8Array(24), 0n), RangeError);
  assert.throws(() => checkProofOfWork(new Uint8Array(32), new Uint8Array(23), 0n), RangeError);
});

import assert from "node:assert/strict";
import fc from "fast-check";
import { makePowTarget } from "../../lib/crypto/pow_target.ts";
import { vectors } from "../support/vectors.ts";

for (const vector of vectors("pow_target")) {
  Deno.test(`makePowTarget() matches the vector ${vector.name}`, () => {
    const difficulty = (vector.inputs as { target: number }).target;
    const expected = vector.expected as { target_hex: string; target_decimal: string };
    const target = makePowTarget(difficulty);
    assert.equal(target, BigInt(expected.target_decimal));
    assert.equal(target.toString(16).padStart(64, "0"), expected.target_hex);
  });
}

// Reference values computed with Octez's formula and glibc's correctly rounded pow() (Python
// ctypes, libm.so.6), where V8's Math.pow differs for some of them.
const GLIBC_TARGETS: [number, string][] = [
  [0.1, "eedb4008bd5853ffffffffffffffffffffffffffffffffffffffffffffffffff"],
  [25.999, "400b5c471e6a91ffffffffffffffffffffffffffffffffffffffffffff"],
  [201.5, "5a827999fcef35"],
  [202.25, "35d13f32b5a75a"],
  [256, "0"],
  // 54 - frac rounds to 54 (m = 2^54, a target above 2^256) or to 53.
  [5e-324, "100000000000003ffffffffffffffffffffffffffffffffffffffffffffffffff"],
  [0.9999999999999999, "80000000000003ffffffffffffffffffffffffffffffffffffffffffffffffff"],
  [100.99999999999999, "80000000000163fffffffffffffffffffffffff"],
  [7.000000000000001, "200000000000007ffffffffffffffffffffffffffffffffffffffffffffffff"],
];

for (const [difficulty, targetHex] of GLIBC_TARGETS) {
  Deno.test(`makePowTarget(${difficulty}) matches glibc pow() rounding`, () => {
    assert.equal(makePowTarget(difficulty).toString(16), targetHex);
  });
}

Deno.test("makePowTarget() of an integer difficulty d is 2^(256-d) - 1", () => {
  for (let d = 0; d <= 256; d++) assert.equal(makePowTarget(d), (1n << BigInt(256 - d)) - 1n);
});

Deno.test("makePowTarget() mantissa is an even integer within one double ulp of Math.pow", () => {
  fc.assert(
    fc.property(fc.double({ min: 0, max: 201, noNaN: true }), (difficulty) => {
      const shift = Math.trunc(difficulty);
      const frac = difficulty - shift;
      fc.pre(frac !== 0);
      const mantissa = makePowTarget(difficulty) >> BigInt(202 - shift);
      const approx = BigInt(Math.pow(2, 54 - frac));
      const diff = mantissa > approx ? mantissa - approx : approx - mantissa;
      assert.ok(diff <= 2n, `difficulty ${difficulty}: ${mantissa} vs ${approx}`);
      assert.equal(mantissa % 2n, 0n);
    }),
  );
});

Deno.test("makePowTarget() rejects difficulties outside [0, 256] with RangeError", () => {
  for (const bad of [-1, -0.5, 256.5, NaN, Infinity]) {
    assert.throws(() => makePowTarget(bad), RangeError);
  }
});

/**
 * Proof-of-work targets from a difficulty given as a float (Octez `Crypto_box.make_pow_target`),
 * exact for fractional difficulties.
 *
 * @module
 */

/** The difficulty a default Octez node requires of its peers (`expected_pow`). */
export const DEFAULT_POW_DIFFICULTY = 26;

/**
 * The 256-bit PoW target for a difficulty `f` (Octez `make_pow_target`): with `shift` the integer
 * part and `frac` the fractional part of `f`,
 *
 * ```text
 * m      = frac == 0 ? 2^54 - 1 : trunc(double(2^(54 - frac)))
 * target = shift < 202 ? (m << (202 - shift)) | (2^(202 - shift) - 1) : m >> (shift - 202)
 * ```
 *
 * so an integer difficulty d gives 2^(256-d) - 1. Octez computes `2. ** (54. -. frac)` with the
 * correctly rounded glibc `pow`; V8's `Math.pow(2, 53.5)` is off by one unit in the last place
 * (…44 instead of …46), so the power is computed here with integer arithmetic and rounded to the
 * nearest double by hand.
 *
 * @param difficulty A number in [0, 256].
 * @returns The largest accepted little-endian hash value.
 * @throws {RangeError} When `difficulty` is not a number in [0, 256].
 */
export function makePowTarget(difficulty: number): bigint {
  if (!(difficulty >= 0 && difficulty <= 256)) {
    throw new RangeError(`PoW difficulty must be in [0, 256], got ${difficulty}`);
  }
  const shift = Math.trunc(difficulty);
  const frac = difficulty - shift; // exact, as OCaml's modf
  const m = frac === 0 ? (1n << 54n) - 1n : exp2Rounded(54 - frac);
  if (shift < 202) {
    const bits = BigInt(202 - shift);
    return (m << bits) | ((1n << bits) - 1n);
  }
  return m >> BigInt(shift - 202);
}

// Fixed-point precision of the square-root table: far more than the ~110 bits needed to round a
// 53-bit result correctly for any double exponent (no exact ties exist: 2^y is irrational for
// rational non-integer y).
const PRECISION = 256n;
const ONE = 1n << PRECISION;
let rootsOfTwo: bigint[] | undefined; // rootsOfTwo[j] = 2^(2^-(j+1)) · 2^PRECISION

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((n.toString(2).length >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/**
 * The double nearest to 2^x for 53 ≤ x ≤ 54 (the only range `makePowTarget` needs), as an integer.
 * Doubles in [2^53, 2^54] are the even integers, so the result is 2 · round(2^(x-1)).
 */
function exp2Rounded(x: number): bigint {
  // 54 - frac rounds to 54 for frac < 2^-48 (then Octez's m is 2^54, not 2^54 - 1) and to 53 for
  // frac > 1 - 2^-48.
  if (x === 54) return 1n << 54n;
  // x - 53 is exact (x has exponent 5, so it is a multiple of 2^-47) and lies in [0, 1).
  const y = x - 53;
  const numerator = BigInt(Math.round(y * 2 ** 47)); // y = numerator / 2^47, exactly
  rootsOfTwo ??= (() => {
    const table: bigint[] = [];
    let r = isqrt(2n * ONE * ONE);
    for (let j = 0; j < 47; j++) {
      table.push(r);
      r = isqrt(r * ONE);
    }
    return table;
  })();
  // 2^y = product of 2^(2^-(j+1)) over the set bits j+1 of y's binary expansion.
  let power = ONE;
  for (let j = 0; j < 47; j++) {
    if ((numerator >> BigInt(46 - j)) & 1n) power = (power * rootsOfTwo[j]) >> PRECISION;
  }
  // round(2^52 · 2^y), then double it.
  const scaled = power << 52n;
  const rounded = (scaled + (ONE >> 1n)) >> PRECISION;
  return rounded * 2n;
}

/**
 * A small seeded pseudo-random generator, used by the gossipsub automaton and
 * by the node's choice of points to dial and to advertise.
 *
 * The automaton shuffles candidate peers and message ids; the shuffles must be
 * reproducible from a seed so that the same inputs always give the same outputs.
 * Octez uses OCaml's `Random.State`; its stream cannot be reproduced bit for bit
 * and the Octez tests only assert cardinalities and membership, so any good
 * generator will do. This is xoshiro128** (Blackman and Vigna), seeded through
 * splitmix32 so that nearby seeds give unrelated streams. All arithmetic is on
 * unsigned 32-bit integers with `Math.imul`, so it is fast and exact in V8.
 *
 * @module
 */

/** Serialisable state of an {@linkcode Rng}: the four 32-bit words of xoshiro128**. */
export type RngState = readonly [number, number, number, number];

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const TWO_POW_32 = 4294967296;

/** Seeded xoshiro128** generator with the few operations the automaton and the node need. */
export class Rng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  /**
   * Creates a generator from an integer seed (only the low 32 bits are used).
   *
   * @example
   * ```ts
   * import { Rng } from "./rng.ts";
   * const a = new Rng(42), b = new Rng(42);
   * console.assert(a.nextU32() === b.nextU32());
   * ```
   */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) {
      throw new RangeError(`Rng seed must be a finite number, got ${seed}`);
    }
    const next = splitmix32(seed);
    this.#s0 = next();
    this.#s1 = next();
    this.#s2 = next();
    this.#s3 = next();
    // xoshiro must not start from the all-zero state.
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
  }

  /** Restores a generator from a state previously returned by {@linkcode Rng.state}. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    [rng.#s0, rng.#s1, rng.#s2, rng.#s3] = state.map((w) => w >>> 0) as [
      number,
      number,
      number,
      number,
    ];
    return rng;
  }

  /** The current internal state, for snapshots and determinism checks. */
  state(): RngState {
    return [this.#s0, this.#s1, this.#s2, this.#s3];
  }

  /** A copy of this generator that continues the same stream independently. */
  clone(): Rng {
    return Rng.fromState(this.state());
  }

  /** Next uniformly distributed unsigned 32-bit integer. */
  nextU32(): number {
    const s0 = this.#s0, s1 = this.#s1, s2 = this.#s2, s3 = this.#s3;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    let n2 = s2 ^ s0;
    let n3 = s3 ^ s1;
    const n1 = s1 ^ n2;
    const n0 = s0 ^ n3;
    n2 ^= t;
    n3 = (n3 << 11) | (n3 >>> 21);
    this.#s0 = n0 >>> 0;
    this.#s1 = n1 >>> 0;
    this.#s2 = n2 >>> 0;
    this.#s3 = n3 >>> 0;
    return result;
  }

  /** A float in [0, 1) with 32 bits of randomness. */
  float(): number {
    return this.nextU32() / TWO_POW_32;
  }

  /**
   * An integer in [0, bound). Uses the multiply-shift reduction; its bias is at
   * most bound / 2^32, irrelevant for shuffling lists of peers.
   */
  int(bound: number): number {
    if (!Number.isInteger(bound) || bound <= 0 || bound > TWO_POW_32) {
      throw new RangeError(`Rng.int bound must be an integer in [1, 2^32], got ${bound}`);
    }
    return Math.floor((this.nextU32() * bound) / TWO_POW_32);
  }

  /**
   * Shuffles `items` in place (Fisher–Yates) and returns it. With `count`, only
   * the first `count` positions are drawn (a uniformly random `count`-subset in
   * random order sits at the front), which is all a "shuffle then take n" needs
   * and costs O(count) instead of O(length).
   */
  shuffle<X>(items: X[], count: number = items.length): X[] {
    const n = items.length;
    const stop = Math.min(count, n - 1);
    for (let i = 0; i < stop; i++) {
      const j = i + Math.floor((this.nextU32() * (n - i)) / TWO_POW_32);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }
}

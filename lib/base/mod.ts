/**
 * General utilities shared by the layers of tzp2p, with no dependency on any of them:
 *
 * - {@linkcode Rng}: a seeded pseudo-random generator (xoshiro128**), so that every random
 *   choice of the gossipsub automaton and of the node is reproducible from a seed;
 * - {@linkcode OutputChannel}: a bounded `ReadableStream` its producer pushes into without ever
 *   waiting; past `capacity` unread items a push is refused, for the producer to count;
 * - {@linkcode Fifo}: a first-in first-out queue with O(1) `push` and `shift`;
 * - {@linkcode equalBytes} and {@linkcode compareBytes}: byte-array equality and order (not
 *   constant-time: for public data only);
 * - {@linkcode TzError}: the one error base of every layer (a literal `kind`, structured `details`,
 *   the standard `cause`), with its guard {@linkcode isTzError}; each layer's guard has the same
 *   shape, `isXError(value, kind?)`.
 *
 * @example Shuffle reproducibly, queue, push into a bounded stream that drops when full, tell errors.
 * ```ts
 * import { compareBytes, equalBytes, Fifo, isTzError, OutputChannel, Rng } from "./mod.ts";
 *
 * // The same seed gives the same shuffle.
 * const order = (seed: number) => new Rng(seed).shuffle([1, 2, 3, 4, 5]).join();
 * if (order(42) !== order(42)) throw new Error("a seed must fix the shuffle");
 *
 * const queue = new Fifo<string>();
 * queue.push("first");
 * queue.push("second");
 * if (queue.shift() !== "first") throw new Error("first in, first out");
 *
 * // Two unread items at most: the third push is refused, the reader still gets the first two.
 * const channel = new OutputChannel<number>(2);
 * const accepted = [1, 2, 3].map((n) => channel.push(n));
 * if (accepted.join() !== "true,true,false") throw new Error("the third push must be refused");
 * channel.close();
 * const read: number[] = [];
 * for await (const n of channel.stream) read.push(n);
 * if (read.join() !== "1,2") throw new Error("the reader gets what was accepted");
 *
 * const a = new Uint8Array([1, 2]), b = new Uint8Array([1, 2, 0]);
 * if (equalBytes(a, b) || compareBytes(a, b) >= 0) throw new Error("a proper prefix comes first");
 *
 * // A failure the caller can act on is a TzError with a literal kind; misuse is a RangeError.
 * let misuse: unknown;
 * try {
 *   new Rng(Number.NaN);
 * } catch (e) {
 *   misuse = e;
 * }
 * if (!(misuse instanceof RangeError) || isTzError(misuse)) throw new Error("misuse: RangeError");
 * ```
 *
 * @module
 */

export { compareBytes, equalBytes } from "./bytes.ts";
export { type ErrorGuard, guardOf, isTzError, TzError } from "./error.ts";
export { Fifo } from "./fifo.ts";
export { OutputChannel } from "./output_channel.ts";
export { Rng } from "./rng.ts";
export type { RngState } from "./rng.ts";

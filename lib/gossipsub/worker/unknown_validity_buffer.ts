/**
 * The buffer of received full messages whose validity was `Unknown` (Octez
 * `Bounded_message_map`, spec §11.6): at most `capacity` messages, one per
 * message id, ordered by id. When full, the buffered message with the
 * **largest** id is evicted and the new one inserted, whatever its id (as in
 * Octez); the worker retries from the **smallest** id after every heartbeat. In the DAL, id order is level order, so the largest id is the
 * furthest in the future and the least useful to keep.
 *
 * Kept as an id-sorted array plus a key set: insertion is a binary search and
 * one `splice` (a memmove of at most 10,000 pointers), removal of the smallest
 * is a head index, so a retry pass over n ready messages costs O(n), where the
 * O(n) scan per removal of an unsorted map would cost O(n²).
 *
 * @module
 */

import type { Key } from "../automaton/modules.ts";
import type { ReceiveMessage } from "../automaton/io.ts";

/** Id-ordered, bounded buffer of messages waiting for their validity to be known. */
export class UnknownValidityBuffer<P, T, I, M> {
  readonly #capacity: number;
  readonly #compare: (a: I, b: I) => number;
  readonly #key: (id: I) => Key;
  #sorted: ReceiveMessage<P, T, I, M>[] = [];
  #head = 0;
  readonly #keys = new Set<Key>();

  /** An empty buffer holding at most `capacity` messages, ordered by `compare` on ids. */
  constructor(capacity: number, compare: (a: I, b: I) => number, key: (id: I) => Key) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`unknown-validity capacity must be an integer ≥ 0, got ${capacity}`);
    }
    this.#capacity = capacity;
    this.#compare = compare;
    this.#key = key;
  }

  /** Messages buffered. */
  get size(): number {
    return this.#keys.size;
  }

  /**
   * Buffers `message` unless its id is already present. Returns the evicted
   * message when the buffer was full (`message` itself when the capacity is 0),
   * undefined otherwise.
   */
  add(message: ReceiveMessage<P, T, I, M>): ReceiveMessage<P, T, I, M> | undefined {
    const key = this.#key(message.messageId);
    if (this.#keys.has(key)) return undefined;
    if (this.#capacity === 0) return message;
    this.#compact();
    let evicted: ReceiveMessage<P, T, I, M> | undefined;
    if (this.#keys.size >= this.#capacity) {
      const largest = this.#sorted.pop()!;
      this.#keys.delete(this.#key(largest.messageId));
      evicted = largest;
    }
    let lo = 0;
    let hi = this.#sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#compare(this.#sorted[mid].messageId, message.messageId) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.#sorted.splice(lo, 0, message);
    this.#keys.add(key);
    return evicted;
  }

  /** The message with the smallest id, left in place. */
  peekMin(): ReceiveMessage<P, T, I, M> | undefined {
    return this.#head < this.#sorted.length ? this.#sorted[this.#head] : undefined;
  }

  /** Removes and returns the message with the smallest id. */
  removeMin(): ReceiveMessage<P, T, I, M> | undefined {
    if (this.#head >= this.#sorted.length) return undefined;
    const message = this.#sorted[this.#head++];
    this.#keys.delete(this.#key(message.messageId));
    if (this.#head === this.#sorted.length) {
      this.#sorted = [];
      this.#head = 0;
    }
    return message;
  }

  /** Drops every message. */
  clear(): void {
    this.#sorted = [];
    this.#head = 0;
    this.#keys.clear();
  }

  #compact(): void {
    if (this.#head > 0) {
      this.#sorted = this.#sorted.slice(this.#head);
      this.#head = 0;
    }
  }
}

/**
 * A sliding window of message ids grouped by heartbeat slot and topic, with one
 * value per id (Octez `Message_cache.Sliding_message_id_map`). Both the history
 * window and the seen window of the message cache are instances of it.
 *
 * Slots live in an array, oldest first, the last one being the current slot;
 * at most `windowSize` slots (current included) are kept. An id added in slot k
 * disappears at the `windowSize`-th shift after its **last** addition: every
 * addition bumps a store counter and every dropped occurrence decrements it.
 *
 * @module
 */

import type { Key } from "./modules.ts";

/** The ids added to one topic during one slot, in insertion order. */
export interface TopicSlot<T, I> {
  /** The topic. */
  readonly topic: T;
  /** The ids, oldest first; an id may appear several times. */
  readonly ids: I[];
}

interface Stored<V> {
  value: V;
  storeCounter: number;
}

/** A sliding window keyed by message id. */
export class SlidingWindow<T, I, V> {
  readonly #windowSize: number;
  readonly #topicKey: (topic: T) => Key;
  readonly #idKey: (id: I) => Key;
  readonly #values: Map<Key, Stored<V>> = new Map();
  readonly #slots: Map<Key, TopicSlot<T, I>>[] = [new Map()];

  /** An empty window of `windowSize` slots (≥ 1). */
  constructor(windowSize: number, topicKey: (topic: T) => Key, idKey: (id: I) => Key) {
    if (!Number.isInteger(windowSize) || windowSize < 1) {
      throw new RangeError(`window size must be an integer ≥ 1, got ${windowSize}`);
    }
    this.#windowSize = windowSize;
    this.#topicKey = topicKey;
    this.#idKey = idKey;
  }

  /**
   * Records `id` under `topic` in the current slot and sets its value to
   * `update(previous)` (`previous` is undefined for a new id).
   */
  add(topic: T, id: I, update: (previous: V | undefined) => V): void {
    const current = this.#slots[this.#slots.length - 1];
    const topicKey = this.#topicKey(topic);
    const slot = current.get(topicKey);
    if (slot === undefined) current.set(topicKey, { topic, ids: [id] });
    else slot.ids.push(id);
    const key = this.#idKey(id);
    const stored = this.#values.get(key);
    if (stored === undefined) this.#values.set(key, { value: update(undefined), storeCounter: 1 });
    else {
      stored.value = update(stored.value);
      stored.storeCounter += 1;
    }
  }

  /** The value stored for `id`, if it is still in the window. */
  get(id: I): V | undefined {
    return this.#values.get(this.#idKey(id))?.value;
  }

  /** Whether `id` is in the window. */
  has(id: I): boolean {
    return this.#values.has(this.#idKey(id));
  }

  /** Starts a new slot, dropping the oldest one once the window is full. */
  shift(): void {
    this.#slots.push(new Map());
    if (this.#slots.length <= this.#windowSize) return;
    const oldest = this.#slots.shift()!;
    for (const { ids } of oldest.values()) {
      for (const id of ids) {
        const key = this.#idKey(id);
        const stored = this.#values.get(key);
        if (stored === undefined) continue;
        if (stored.storeCounter === 1) this.#values.delete(key);
        else stored.storeCounter -= 1;
      }
    }
  }

  /**
   * The ids of `topic` in the `slots` most recent slots (current included),
   * oldest slot first, insertion order inside a slot, duplicates kept.
   */
  latestIds(topic: T, slots: number): I[] {
    const key = this.#topicKey(topic);
    const result: I[] = [];
    for (let i = Math.max(0, this.#slots.length - slots); i < this.#slots.length; i++) {
      const slot = this.#slots[i].get(key);
      if (slot !== undefined) { for (const id of slot.ids) result.push(id); }
    }
    return result;
  }

  /** Number of distinct ids in the window. */
  get size(): number {
    return this.#values.size;
  }

  /** Total id occurrences held in the slots (≥ size when ids were added twice). */
  occurrences(): number {
    let n = 0;
    for (const slot of this.#slots) for (const { ids } of slot.values()) n += ids.length;
    return n;
  }

  /** Number of slots currently held (current included). */
  get slotCount(): number {
    return this.#slots.length;
  }

  /** Every stored id with its value (for introspection and tests). */
  *entries(): IterableIterator<[Key, V]> {
    for (const [key, stored] of this.#values) yield [key, stored.value];
  }
}

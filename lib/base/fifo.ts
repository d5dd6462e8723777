/**
 * A first-in first-out queue with O(1) `push` and `shift` (an array with a moving head, compacted
 * now and then), shared by the connection queues and the gossipsub worker's input queue.
 * `Array.prototype.shift` is O(n): with 200 000 pending reads it made delivering them quadratic
 * (17 s instead of a fraction of a second).
 *
 * @module
 */

/** A FIFO queue. */
export class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  /** Number of queued items. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /**
   * Appends an item.
   *
   * @param item The item.
   */
  push(item: T): void {
    this.#items.push(item);
  }

  /**
   * The item `index` places after the first one, without removing it.
   *
   * @param index 0 for the first item.
   * @returns The item, or `undefined` past the end.
   */
  at(index: number): T | undefined {
    return this.#items[this.#head + index];
  }

  /**
   * Removes and returns the first item.
   *
   * @returns The item, or `undefined` when empty.
   */
  shift(): T | undefined {
    if (this.#head === this.#items.length) return undefined;
    const item = this.#items[this.#head];
    (this.#items as (T | undefined)[])[this.#head] = undefined; // let it be collected
    this.#head++;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /**
   * Removes every item.
   *
   * @returns The items, first first.
   */
  clear(): T[] {
    const items = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    return items;
  }
}

/**
 * The FIFO behind the worker's input queue. `shift` on a plain array is O(n)
 * once V8 leaves its fast path, so items are read from a moving head and the
 * array is compacted only when the consumed prefix dominates, which keeps both
 * ends O(1) amortised.
 *
 * @module
 */

/** A first-in first-out queue with O(1) amortised push and shift. */
export class Fifo<X> {
  #items: (X | undefined)[] = [];
  #head = 0;

  /** Items waiting. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Appends an item at the tail. */
  push(item: X): void {
    this.#items.push(item);
  }

  /** Removes and returns the head item, or undefined when empty. */
  shift(): X | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined; // let the item be collected now
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

  /** Drops every item. */
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}

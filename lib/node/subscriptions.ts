/**
 * The application side of a node: one `ReadableStream` per `subscribe` call, fed from the worker's
 * single app output stream. Delivery never waits for a reader: each stream buffers up to its
 * high-water mark and drops (and counts) beyond it, so a slow subscriber cannot stall routing for
 * the others or the worker.
 *
 * @module
 */

import type { AppOutput, Key } from "../gossipsub/mod.ts";

/** A message delivered to a subscriber: its topic, id and payload. */
export type Delivered<T, I, M> = AppOutput<T, I, M>;

interface Subscriber<T, I, M> {
  readonly controller: ReadableStreamDefaultController<Delivered<T, I, M>>;
}

/** Subscriber streams by topic key. */
export class Subscriptions<T, I, M> {
  readonly #byTopic = new Map<Key, Set<Subscriber<T, I, M>>>();
  readonly #bufferSize: number;
  /** Messages dropped because a subscriber's buffer was full. */
  dropped = 0;
  /** Messages delivered to at least one subscriber stream. */
  delivered = 0;

  /**
   * No subscribers yet.
   *
   * @param bufferSize Unread messages each stream holds before dropping.
   */
  constructor(bufferSize: number) {
    this.#bufferSize = bufferSize;
  }

  /**
   * A new stream of the messages of one topic. Cancelling it removes only this stream.
   *
   * @param topicKey The topic's key.
   * @returns The stream.
   */
  open(topicKey: Key): ReadableStream<Delivered<T, I, M>> {
    let subscriber!: Subscriber<T, I, M>;
    const set = this.#byTopic.get(topicKey) ?? new Set();
    this.#byTopic.set(topicKey, set);
    return new ReadableStream<Delivered<T, I, M>>({
      start: (controller) => {
        subscriber = { controller };
        set.add(subscriber);
      },
      cancel: () => {
        set.delete(subscriber);
        if (set.size === 0 && this.#byTopic.get(topicKey) === set) this.#byTopic.delete(topicKey);
      },
    }, new CountQueuingStrategy({ highWaterMark: this.#bufferSize }));
  }

  /**
   * Whether a topic has open streams.
   *
   * @param topicKey The topic's key.
   * @returns `true` if at least one stream is open.
   */
  has(topicKey: Key): boolean {
    return (this.#byTopic.get(topicKey)?.size ?? 0) > 0;
  }

  /**
   * Hands a message to every stream of its topic that has room.
   *
   * @param topicKey The topic's key.
   * @param message The message.
   */
  deliver(topicKey: Key, message: Delivered<T, I, M>): void {
    const set = this.#byTopic.get(topicKey);
    if (set === undefined || set.size === 0) return;
    this.delivered++;
    for (const { controller } of set) {
      const room = controller.desiredSize;
      if (room !== null && room > 0) controller.enqueue(message);
      else this.dropped++;
    }
  }

  /**
   * Ends every stream of a topic (readers get what is buffered, then the end).
   *
   * @param topicKey The topic's key.
   * @returns Whether the topic had streams.
   */
  close(topicKey: Key): boolean {
    const set = this.#byTopic.get(topicKey);
    this.#byTopic.delete(topicKey);
    if (set === undefined) return false;
    for (const { controller } of set) controller.close();
    return set.size > 0;
  }

  /** Ends every stream. */
  closeAll(): void {
    for (const key of [...this.#byTopic.keys()]) this.close(key);
  }
}

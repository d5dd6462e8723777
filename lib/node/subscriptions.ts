/**
 * The application side of a node: one `ReadableStream` per `subscribe` call, fed from the worker's
 * single app output stream. Delivery never waits for a reader: each stream buffers up to its
 * high-water mark and drops (and counts) beyond it, so a slow subscriber cannot stall routing for
 * the others or the worker: each stream is an {@linkcode OutputChannel}, as the worker's outputs.
 *
 * @module
 */

import type { AppOutput, Key } from "../gossipsub/mod.ts";
import { OutputChannel } from "../base/output_channel.ts";

/** A message delivered to a subscriber: its topic, id and payload. */
export type Delivered<T, I, M> = AppOutput<T, I, M> & {
  /** The peer that sent it to us first (16 bytes), when known. */
  readonly from?: Uint8Array;
};

/** Subscriber streams by topic key. */
export class Subscriptions<T, I, M> {
  readonly #byTopic = new Map<Key, Set<OutputChannel<Delivered<T, I, M>>>>();
  readonly #bufferSize: number;
  /** Messages dropped because a subscriber's buffer was full. */
  dropped = 0;
  /** Messages delivered to at least one subscriber stream. */
  delivered = 0;

  /**
   * No subscribers yet.
   *
   * @param bufferSize Unread messages each stream holds before dropping (an integer ≥ 1, checked
   *   when a stream is opened).
   */
  constructor(bufferSize: number) {
    this.#bufferSize = bufferSize;
  }

  /**
   * A new stream of the messages of one topic. Cancelling it removes only this stream.
   *
   * @param topicKey The topic's key.
   * @returns The stream.
   * @throws {RangeError} When the buffer size is not an integer ≥ 1.
   */
  open(topicKey: Key): ReadableStream<Delivered<T, I, M>> {
    const set = this.#byTopic.get(topicKey) ?? new Set();
    const channel = new OutputChannel<Delivered<T, I, M>>(this.#bufferSize, () => {
      set.delete(channel);
      if (set.size === 0 && this.#byTopic.get(topicKey) === set) this.#byTopic.delete(topicKey);
    });
    this.#byTopic.set(topicKey, set);
    set.add(channel);
    return channel.stream;
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
    for (const channel of set) if (!channel.push(message)) this.dropped++;
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
    for (const channel of set) channel.close();
    return set.size > 0;
  }

  /** Ends every stream. */
  closeAll(): void {
    for (const key of [...this.#byTopic.keys()]) this.close(key);
  }
}

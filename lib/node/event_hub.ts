/**
 * Where a node's events go: the `onEvent` callback of its options and any number of event
 * streams (`node.events()`). Events are built only while someone listens, handed over
 * synchronously and in order, and never block the node: each stream holds a bounded number of
 * unread events and drops (and counts) beyond it, and a failing callback is ignored.
 *
 * @module
 */

import { OutputChannel } from "../base/output_channel.ts";
import type { NodeEvent } from "./events.ts";

/** Unread events an event stream holds before it drops. */
export const EVENT_STREAM_CAPACITY = 4096;

/** The callback and streams of one node's events. */
export class EventHub {
  readonly #callback: ((event: NodeEvent) => void) | undefined;
  readonly #streams = new Set<OutputChannel<NodeEvent>>();
  /** Events a full stream dropped. */
  dropped = 0;

  /**
   * A hub around the options' callback.
   *
   * @param callback The `onEvent` option, if any.
   */
  constructor(callback: ((event: NodeEvent) => void) | undefined) {
    this.#callback = callback;
  }

  /** Whether anyone listens (events are not even built otherwise). */
  get listening(): boolean {
    return this.#callback !== undefined || this.#streams.size > 0;
  }

  /**
   * Hands an event to every listener.
   *
   * @param event The event, or a function building it (called only when someone listens).
   */
  emit(event: NodeEvent | (() => NodeEvent)): void {
    if (!this.listening) return;
    const built = typeof event === "function" ? event() : event;
    try {
      this.#callback?.(built);
    } catch {
      // A failing observer must not stop the node.
    }
    for (const stream of this.#streams) if (!stream.push(built)) this.dropped++;
  }

  /**
   * A new stream of the events from now on; cancelling it stops it.
   *
   * @param capacity Unread events it holds before dropping.
   * @returns The stream.
   */
  stream(capacity: number = EVENT_STREAM_CAPACITY): ReadableStream<NodeEvent> {
    const channel: OutputChannel<NodeEvent> = new OutputChannel(
      capacity,
      () => this.#streams.delete(channel),
    );
    this.#streams.add(channel);
    return channel.stream;
  }

  /** Ends every stream (their unread events stay readable). */
  close(): void {
    for (const stream of this.#streams) stream.close();
    this.#streams.clear();
  }
}

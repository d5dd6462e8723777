/**
 * A bounded output: a `ReadableStream` its producer pushes into without ever
 * waiting. The gossipsub worker's two output streams and each subscriber
 * stream of a node are one of these.
 *
 * Octez's output streams are unbounded, so a consumer that stops reading makes
 * the node grow until it dies. Here each stream holds at most `capacity`
 * unread items (its `highWaterMark`); past that, `push` refuses the item and
 * the producer counts the drop. Waiting for the consumer instead (back-pressure)
 * was rejected: the worker's event loop would stall, and a P2P consumer that
 * feeds the worker's input in turn could deadlock it. Dropping a gossipsub
 * control message is survivable: gossip repairs lost messages and the
 * heartbeat repairs meshes.
 *
 * @module
 */

/** A bounded, non-blocking source for one `ReadableStream`. */
export class OutputChannel<X> {
  /** The stream consumers read. */
  readonly stream: ReadableStream<X>;
  readonly #capacity: number;
  #controller!: ReadableStreamDefaultController<X>;
  #open = true;

  /**
   * A channel holding at most `capacity` unread items.
   *
   * @param capacity Unread items held before `push` refuses (an integer ≥ 1).
   * @param onCancel Called once when the consumer cancels the stream.
   * @throws {RangeError} When `capacity` is not an integer ≥ 1.
   */
  constructor(capacity: number, onCancel?: () => void) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`output queue length must be an integer ≥ 1, got ${capacity}`);
    }
    this.#capacity = capacity;
    this.stream = new ReadableStream<X>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        cancel: () => {
          // The consumer is gone: later pushes are discarded without counting.
          this.#open = false;
          onCancel?.();
        },
      },
      new CountQueuingStrategy({ highWaterMark: capacity }),
    );
  }

  /** Unread items. */
  get depth(): number {
    const desired = this.#controller.desiredSize;
    return desired === null ? 0 : this.#capacity - desired;
  }

  /** Whether the channel still accepts items (not closed, errored or cancelled). */
  get open(): boolean {
    return this.#open;
  }

  /**
   * Queues `item`, or hands it to a waiting reader. Returns false, dropping the
   * item, when `capacity` items are unread; returns true (and discards the
   * item) once the channel is closed or cancelled.
   */
  push(item: X): boolean {
    if (!this.#open) return true;
    const desired = this.#controller.desiredSize;
    if (desired === null || desired <= 0) return false;
    this.#controller.enqueue(item);
    return true;
  }

  /** Ends the stream: readers get the items still queued, then `done`. Idempotent. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#controller.close();
  }

  /** Ends the stream with an error: pending and later reads reject with `reason`. */
  error(reason: unknown): void {
    if (!this.#open) return;
    this.#open = false;
    this.#controller.error(reason);
  }
}

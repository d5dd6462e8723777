/**
 * A pool of reusable byte buffers in power-of-two size classes, for buffers whose owner knows when
 * it is done with them: e.g. the buffer a connection seals a batch of chunks into, given back once
 * the socket write that carried it resolved. Unlike {@link allocateBytes} (`slab.ts`), a buffer
 * taken from here is handed out again after {@link BufferPool.give}, so its previous owner must
 * hold no view of it any more.
 *
 * One pool serves every connection of the process: a connection keeps no buffer between writes, so
 * an idle connection holds none, while a busy process reuses the same few buffers. Each size class
 * keeps at most {@link BufferPoolOptions.perClass} idle buffers; more are left to the garbage
 * collector, and so are buffers past {@link BufferPoolOptions.maxIdleBytes} in all.
 *
 * @module
 */

/** Options of {@link BufferPool}. */
export interface BufferPoolOptions {
  /** Smallest buffer handed out, a power of two (4 KiB when omitted). */
  readonly minBytes?: number;
  /** Largest pooled buffer, a power of two (1 MiB when omitted); larger requests are not pooled. */
  readonly maxBytes?: number;
  /** Idle buffers kept per size class (4 when omitted). */
  readonly perClass?: number;
  /** Idle bytes kept in all, at most (1 MiB when omitted). */
  readonly maxIdleBytes?: number;
}

/**
 * Buffers of 2^k bytes, taken and given back.
 *
 * ```ts
 * import { BufferPool } from "./buffer_pool.ts";
 *
 * const pool = new BufferPool();
 * const a = pool.take(5000);
 * console.log(a.length); // 8192: the next power of two
 * pool.give(a);
 * console.log(pool.take(6000) === a); // true: the same buffer again
 * ```
 */
export class BufferPool {
  readonly #minShift: number;
  readonly #maxShift: number;
  readonly #perClass: number;
  readonly #maxIdleBytes: number;
  /** Idle buffers by size class: index k holds buffers of 2^k bytes. */
  readonly #idle: Uint8Array[][] = [];
  #idleBytes = 0;

  /**
   * An empty pool.
   *
   * @param options Size bounds and how many idle buffers to keep.
   * @throws {RangeError} When a bound is not a power of two or `minBytes` > `maxBytes`.
   */
  constructor(options: BufferPoolOptions = {}) {
    const shift = (bytes: number, what: string) => {
      const k = Math.log2(bytes);
      if (!Number.isInteger(k) || k < 0 || k > 30) {
        throw new RangeError(`BufferPool: ${what} ${bytes} is not a power of two up to 2^30`);
      }
      return k;
    };
    this.#minShift = shift(options.minBytes ?? 4096, "minBytes");
    this.#maxShift = shift(options.maxBytes ?? 1024 * 1024, "maxBytes");
    if (this.#minShift > this.#maxShift) throw new RangeError("BufferPool: minBytes > maxBytes");
    this.#perClass = options.perClass ?? 4;
    this.#maxIdleBytes = options.maxIdleBytes ?? 1024 * 1024;
    for (let k = 0; k <= this.#maxShift; k++) this.#idle.push([]);
  }

  /** Bytes held by idle buffers. */
  get idleBytes(): number {
    return this.#idleBytes;
  }

  /**
   * A buffer of at least `length` bytes: the next power of two (at least `minBytes`), reused when
   * one is idle; a buffer of exactly `length` bytes, not pooled, above `maxBytes`. Its contents are
   * unspecified (what its last owner left).
   *
   * @param length Bytes needed.
   * @returns The buffer; write only `subarray(0, length)` if the exact length matters.
   */
  take(length: number): Uint8Array {
    const k = Math.max(this.#minShift, Math.ceil(Math.log2(Math.max(1, length))));
    if (k > this.#maxShift) return new Uint8Array(length);
    const buffer = this.#idle[k].pop();
    if (buffer === undefined) return new Uint8Array(2 ** k);
    this.#idleBytes -= buffer.length;
    return buffer;
  }

  /**
   * Gives back a buffer {@link BufferPool.take} returned, or a view of one (its whole
   * `ArrayBuffer` goes back); its giver must keep no view of it. A buffer of another size, one more than `perClass` of its class, or one that would bring the idle
   * bytes over `maxIdleBytes`, is dropped.
   *
   * @param buffer The buffer, or any view of it.
   */
  give(buffer: Uint8Array): void {
    const bytes = buffer.buffer.byteLength;
    const k = Math.log2(bytes);
    if (!Number.isInteger(k) || k < this.#minShift || k > this.#maxShift) return;
    const idle = this.#idle[k];
    if (idle.length >= this.#perClass) return;
    if (this.#idleBytes + bytes > this.#maxIdleBytes) return;
    idle.push(
      buffer.byteOffset === 0 && buffer.length === bytes ? buffer : new Uint8Array(buffer.buffer),
    );
    this.#idleBytes += bytes;
  }
}

/**
 * A recycling slab allocator for buffers whose owner frees them explicitly: views are carved out
 * of `slabSize`-byte slabs as in `slab.ts`, each slab counts its live views, and a slab whose views
 * were all {@link Arena.free}d goes to a free list and is handed out again, instead of being left to
 * the garbage collector. For short-lived buffers that never leave their owner, e.g. the encoded
 * messages of a connection's outgoing queue (freed once sealed; the transport only sees the sealed
 * copy).
 *
 * Why: a fresh 1 MiB slab is mapped by the allocator and faulted in page by page on first write;
 * with native crypto, copying a 64 KiB message into fresh slabs was 11% of a 64 KiB transfer's CPU
 * profile, and creating the slabs 4% more. A recycled slab is already resident.
 *
 * A view that is never freed (its owner failed) only keeps its slab out of the free list; the
 * garbage collector takes the slab once nothing refers to it.
 *
 * @module
 */

const ALIGN = 8;

interface Slab {
  readonly bytes: Uint8Array;
  live: number;
  /** Recycled: holds what earlier owners wrote (a fresh slab is zeroed by its constructor). */
  dirty: boolean;
}

/**
 * Allocate, free, reuse.
 *
 * ```ts
 * import { Arena } from "./arena.ts";
 *
 * const arena = new Arena(1024 * 1024, 128 * 1024);
 * const a = arena.allocate(65542);
 * arena.free(a);
 * console.log(arena.allocate(65542).length); // 65542, zeroed
 * ```
 */
export class Arena {
  /** Bytes of one slab. */
  readonly slabSize: number;
  /** Largest request served from a slab; larger ones get a buffer of their own. */
  readonly maxAllocation: number;
  readonly #maxFree: number;
  readonly #slabs = new WeakMap<ArrayBufferLike, Slab>();
  readonly #free: Slab[] = [];
  #current: Slab | undefined;
  #used = 0;

  /**
   * An arena with no slab yet.
   *
   * @param slabSize Bytes of one slab.
   * @param maxAllocation Largest request served from a slab, at most `slabSize`.
   * @param maxFree Empty slabs kept for reuse (2 when omitted); more are left to the collector.
   * @throws {RangeError} When the sizes are not integers with 0 < `maxAllocation` ≤ `slabSize`.
   */
  constructor(slabSize: number, maxAllocation: number, maxFree = 2) {
    if (
      !Number.isInteger(slabSize) || !Number.isInteger(maxAllocation) || maxAllocation <= 0 ||
      maxAllocation > slabSize
    ) {
      throw new RangeError(`Arena: need 0 < maxAllocation ≤ slabSize, got ${maxAllocation}`);
    }
    this.slabSize = slabSize;
    this.maxAllocation = maxAllocation;
    this.#maxFree = maxFree;
  }

  /** Empty slabs waiting for reuse. */
  get freeSlabs(): number {
    return this.#free.length;
  }

  /**
   * `length` zeroed bytes, a view into a slab when `length` ≤ `maxAllocation`, else a buffer of its
   * own. No live view shares memory with another.
   *
   * @param length Bytes wanted, a non-negative integer.
   * @returns The bytes; give them to {@link Arena.free} when done.
   * @throws {RangeError} When `length` is not a valid array length.
   */
  allocate(length: number): Uint8Array {
    if (length > this.maxAllocation || (length >>> 0) !== length) return new Uint8Array(length);
    let slab = this.#current;
    if (slab === undefined || this.#used + length > slab.bytes.length) {
      if (slab !== undefined) this.#retire(slab);
      slab = this.#free.pop() ?? this.#fresh();
      this.#current = slab;
      this.#used = 0;
    }
    const view = slab.bytes.subarray(this.#used, this.#used + length);
    this.#used = (this.#used + length + ALIGN - 1) & ~(ALIGN - 1);
    slab.live++;
    return slab.dirty ? view.fill(0) : view;
  }

  /**
   * Frees a view {@link Arena.allocate} returned; its owner must keep no reference to it. Views of
   * other memory are ignored.
   *
   * @param view The bytes.
   */
  free(view: Uint8Array): void {
    const slab = this.#slabs.get(view.buffer);
    if (slab === undefined || slab.live === 0) return;
    slab.live--;
    if (slab.live === 0 && slab !== this.#current) this.#recycle(slab);
  }

  #fresh(): Slab {
    const slab = { bytes: new Uint8Array(this.slabSize), live: 0, dirty: false };
    this.#slabs.set(slab.bytes.buffer, slab);
    return slab;
  }

  // The current slab is full: it is recycled now if nothing in it is live, else on its last free.
  #retire(slab: Slab): void {
    if (slab.live === 0) this.#recycle(slab);
  }

  #recycle(slab: Slab): void {
    slab.dirty = true;
    if (this.#free.length < this.#maxFree) this.#free.push(slab);
    else this.#slabs.delete(slab.bytes.buffer);
  }
}

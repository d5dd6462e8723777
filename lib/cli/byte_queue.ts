/**
 * A FIFO of bytes that arrive in arbitrary pieces (socket reads, chunk plaintexts) and are consumed
 * in frames that need not line up with the pieces.
 *
 * @module
 */

/**
 * Bytes pushed in pieces and read back at any granularity. Absolute offsets count from the first
 * byte ever pushed, so a consumer can say where in its stream a frame started.
 *
 * Pieces are kept as they are (no copy on push); {@link ByteQueue.take} copies only when the
 * requested span crosses a piece boundary, so a frame inside one piece is a view, and a message
 * spread over n pieces costs one copy of its bytes, not n.
 */
export class ByteQueue {
  #pieces: Uint8Array[] = [];
  /** Bytes already consumed from `#pieces[0]`. */
  #head = 0;
  #length = 0;
  #consumed = 0;

  /** Bytes available to read. */
  get length(): number {
    return this.#length;
  }

  /** Absolute offset of the next byte to read (bytes consumed so far). */
  get offset(): number {
    return this.#consumed;
  }

  /** Appends `bytes` (kept by reference: do not modify them afterwards). */
  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#pieces.push(bytes);
    this.#length += bytes.length;
  }

  /**
   * The byte at `index` from the read position.
   *
   * @throws {RangeError} When fewer than `index + 1` bytes are available.
   */
  at(index: number): number {
    if (!(index >= 0 && index < this.#length)) {
      throw new RangeError(`ByteQueue.at(${index}) with ${this.#length} bytes available`);
    }
    let i = index + this.#head;
    for (const piece of this.#pieces) {
      if (i < piece.length) return piece[i];
      i -= piece.length;
    }
    throw new RangeError("unreachable: ByteQueue length out of sync");
  }

  /**
   * Removes and returns the next `n` bytes (a view when they lie in one piece, else a copy).
   *
   * @throws {RangeError} When fewer than `n` bytes are available.
   */
  take(n: number): Uint8Array {
    if (!(Number.isInteger(n) && n >= 0 && n <= this.#length)) {
      throw new RangeError(`ByteQueue.take(${n}) with ${this.#length} bytes available`);
    }
    this.#length -= n;
    this.#consumed += n;
    const first = this.#pieces[0];
    if (n === 0) return new Uint8Array(0);
    if (first.length - this.#head >= n) {
      const view = first.subarray(this.#head, this.#head + n);
      this.#advance(n);
      return view;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const piece = this.#pieces[0];
      const count = Math.min(piece.length - this.#head, n - filled);
      out.set(piece.subarray(this.#head, this.#head + count), filled);
      filled += count;
      this.#advance(count);
    }
    return out;
  }

  /** Removes every available byte and returns them. */
  takeAll(): Uint8Array {
    return this.take(this.#length);
  }

  #advance(count: number): void {
    this.#head += count;
    if (this.#head === this.#pieces[0].length) {
      this.#pieces.shift();
      this.#head = 0;
    }
  }
}

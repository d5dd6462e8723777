/**
 * The cursor that generated decoders read from. It enforces the two kinds of bounds of Octez
 * data-encoding: the hard end of a size-delimited region (`dynamic_size`, the whole input) and the
 * soft allowance of `check_size`. Byte fields are returned as views into the input (zero copy).
 *
 * The byte views are made by {@link Reader.view}; fixed-layout types are read at their offset in
 * one bounds-checked run (the generated `readXAt`).
 *
 * @module
 */

import { DecodeError, type DecodeErrorKind } from "./errors.ts";

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The decoder of {@link Reader.ascii}'s runs. Lenient UTF-8 turns each byte of a run into one
 * character exactly when the run holds no multi-byte sequence: a valid sequence, or an invalid
 * prefix of one, of n > 1 bytes gives fewer than n characters, and no byte gives more than one (a
 * stray byte gives one U+FFFD; the BOM is kept). So a result as long as the run has its offsets. It is the runtime's fastest decode (6 times
 * a "latin1" decoder on an Advertise, Deno 2.9.6); a run that fails the test is built by hand.
 */
const lenientUtf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * Bytes decoded at once by {@link Reader.ascii}: an Advertise of 100 points is at most 100 x 51
 * bytes, so one decode serves a whole message.
 */
const ASCII_CHUNK = 8192;

/**
 * A bounded cursor over a byte array.
 *
 * Bounds are checked before anything is allocated: a length read from the input is compared with
 * the `check_size` allowance first and with the bytes actually present second, so a hostile
 * 100 MiB length prefix fails with `size_limit_exceeded` without waiting or allocating. (Octez's
 * whole-buffer reader checks presence first; its streaming reader, the one facing the network,
 * checks the allowance first, as here. Only the error kind differs when both checks fail.)
 */
export class Reader {
  /** The whole input. */
  readonly bytes: Uint8Array;
  /** The input's buffer and the input's offset in it, for {@link Reader.view}. */
  readonly #buffer: ArrayBufferLike;
  readonly #base: number;
  /** Offset of the next byte to read. */
  pos: number;
  /** Hard end of the current region: reading past it is `not_enough_data`. */
  end: number;
  /** Soft end set by `check_size`: reading past it is `size_limit_exceeded`. */
  limit: number;
  /** Schema path of the field being read, set by generated code for error reports. */
  at = "";
  /** {@link Reader.ascii}'s decoded run of the input, and the input offsets it covers. */
  #text = "";
  #textStart = 0;
  #textEnd = 0;

  /** Reads `bytes[start, end)`. */
  constructor(bytes: Uint8Array, start = 0, end: number = bytes.length) {
    if (start < 0 || end > bytes.length || start > end) {
      throw new RangeError(`Reader: bad bounds [${start}, ${end}) for ${bytes.length} bytes`);
    }
    this.bytes = bytes;
    this.#buffer = bytes.buffer;
    this.#base = bytes.byteOffset;
    this.pos = start;
    this.end = end;
    this.limit = Number.POSITIVE_INFINITY;
  }

  /** Number of bytes left in the current region. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** A {@link DecodeError} at the current field and offset. */
  error(kind: DecodeErrorKind, detail?: string, offset: number = this.pos): DecodeError {
    return DecodeError.at(kind, this.at, offset, detail);
  }

  /** Checks that `n` more bytes may be read; returns the start offset and advances. */
  take(n: number): number {
    const start = this.pos;
    const stop = start + n;
    if (stop > this.limit) throw this.error("size_limit_exceeded", `needs ${n} bytes`);
    if (stop > this.end) {
      throw this.error("not_enough_data", `needs ${n} bytes, has ${this.end - start}`);
    }
    this.pos = stop;
    return start;
  }

  /** Reads an unsigned 8-bit integer. */
  u8(): number {
    return this.bytes[this.take(1)];
  }

  // Big-endian reads are done by hand: a DataView per message costs more (~70 ns to create)
  // than decoding a whole connection message.

  /** Reads a signed 8-bit integer. */
  i8(): number {
    return (this.bytes[this.take(1)] << 24) >> 24;
  }

  /** Reads an unsigned big-endian 16-bit integer. */
  u16(): number {
    const o = this.take(2);
    const b = this.bytes;
    return (b[o] << 8) | b[o + 1];
  }

  /** Reads a signed big-endian 16-bit integer. */
  i16(): number {
    const o = this.take(2);
    const b = this.bytes;
    return ((b[o] << 24) | (b[o + 1] << 16)) >> 16;
  }

  /** Reads a signed big-endian 32-bit integer. */
  i32(): number {
    const o = this.take(4);
    const b = this.bytes;
    return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
  }

  /** Reads an `int31`: 4 bytes, value in [-2^30, 2^30 - 1]. */
  i31(): number {
    const start = this.pos;
    const v = this.i32();
    if (v < -0x40000000 || v > 0x3fffffff) throw this.error("invalid_int", `int31 ${v}`, start);
    return v;
  }

  /** Reads a `uint30`: 4 bytes, value in [0, 2^30 - 1]. */
  u30(): number {
    const start = this.pos;
    const v = this.i32();
    if (v < 0 || v > 0x3fffffff) throw this.error("invalid_int", `uint30 ${v}`, start);
    return v;
  }

  /** Reads a signed big-endian 64-bit integer. */
  i64(): bigint {
    const o = this.take(8);
    const b = this.bytes;
    const hi = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
    const lo = ((b[o + 4] << 24) | (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7]) >>> 0;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Reads an `int31` at offset `o` (already bounds-checked by {@link Reader.take}). */
  i31At(o: number): number {
    const b = this.bytes;
    const v = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
    if (v < -0x40000000 || v > 0x3fffffff) throw this.error("invalid_int", `int31 ${v}`, o);
    return v;
  }

  /** Reads a `uint30` at offset `o` (already bounds-checked). */
  u30At(o: number): number {
    const b = this.bytes;
    const v = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
    if (v < 0 || v > 0x3fffffff) throw this.error("invalid_int", `uint30 ${v}`, o);
    return v;
  }

  /** Reads an int64 at offset `o` (already bounds-checked). */
  i64At(o: number): bigint {
    const saved = this.pos;
    this.pos = o;
    const v = this.i64();
    this.pos = saved;
    return v;
  }

  /** Throws the `unexpected_tag` error of a union read at a fixed offset. */
  unexpectedTag(tag: number, offset: number, path: string): never {
    this.at = path;
    throw this.error("unexpected_tag", `tag ${tag}`, offset);
  }

  /** Reads a bool: `0x00` is false, any other byte is true (as Octez reads it). */
  bool(): boolean {
    return this.bytes[this.take(1)] !== 0;
  }

  /** Reads `n` bytes as a view into the input. */
  fixed(n: number): Uint8Array {
    return this.view(this.take(n), n);
  }

  /**
   * A view of the `n` bytes at offset `o` of the input (already bounds-checked).
   *
   * Built with the `Uint8Array` constructor over the input's buffer, not with `subarray`, which
   * looks up the species constructor on every call: 1,000 48-byte views cost about 1.5x less
   * this way (measured with deno bench, Deno 2.9.6), and an IHave of 1,000 DAL ids makes 1,000
   * to 2,000 of them. The view is a plain `Uint8Array` even when the input is a subclass.
   */
  view(o: number, n: number): Uint8Array {
    return new Uint8Array(this.#buffer, this.#base + o, n);
  }

  /** Reads every byte up to the end of the current region, as a view. */
  rest(): Uint8Array {
    return this.fixed(this.end - this.pos);
  }

  /**
   * The text of `bytes[start, end)`, which the caller has checked to be ASCII (any other byte gives
   * some one character). Nothing is consumed.
   *
   * Texts are cut from one string decoded per run of up to 8 KiB of input, so the texts of one
   * message (the 100 point addresses of an Advertise) cost one decode, not one each: building a
   * 30-character string one at a time costs about as much as protobuf's whole decode of a peer
   * record. Like a byte view, a text of 13 characters or more may share memory with the run it
   * was cut from (at most 8 KiB), for as long as it is kept.
   */
  ascii(start: number, end: number): string {
    if (start < this.#textStart || end > this.#textEnd) {
      const stop = Math.max(end, Math.min(this.end, start + ASCII_CHUNK));
      const run = this.bytes.subarray(start, stop);
      let text = lenientUtf8.decode(run);
      if (text.length !== run.length) {
        text = String.fromCharCode.apply(null, run as unknown as number[]);
      }
      this.#text = text;
      this.#textStart = start;
      this.#textEnd = stop;
    }
    return this.#text.slice(start - this.#textStart, end - this.#textStart);
  }

  /** Reads `n` bytes of UTF-8 text. */
  utf8(n: number): string {
    const start = this.take(n);
    return decodeUtf8(this.bytes, start, start + n, this);
  }

  /**
   * Enters a region of `length` bytes (a `dynamic_size` body). Returns the outer end, to give back
   * to {@link Reader.closeRegion}.
   */
  openRegion(length: number): number {
    const stop = this.pos + length;
    if (stop > this.limit) throw this.error("size_limit_exceeded", `length ${length}`);
    if (stop > this.end) {
      throw this.error("not_enough_data", `length ${length}, has ${this.end - this.pos}`);
    }
    const outer = this.end;
    this.end = stop;
    return outer;
  }

  /** Leaves a region: every byte of it must have been consumed. */
  closeRegion(outerEnd: number): void {
    if (this.pos !== this.end) throw this.error("extra_bytes", `${this.end - this.pos} left`);
    this.end = outerEnd;
  }

  /** Enters a `check_size` allowance of `max` bytes. Returns the outer limit. */
  openLimit(max: number): number {
    const outer = this.limit;
    const stop = this.pos + max;
    if (stop < outer) this.limit = stop;
    return outer;
  }

  /** Checks that no byte is left in the input. */
  expectEnd(): void {
    if (this.pos !== this.end) throw this.error("extra_bytes", `${this.end - this.pos} left`);
  }

  /** True when the next bytes equal `expected` (nothing is consumed). */
  peekEquals(expected: Uint8Array): boolean {
    const n = expected.length;
    if (this.pos + n > this.end) return false;
    const b = this.bytes;
    for (let i = 0, p = this.pos; i < n; i++, p++) if (b[p] !== expected[i]) return false;
    return true;
  }

  /** Runs a named conversion, turning any failure into a {@link DecodeError} of `kind`. */
  convert<A, B>(fn: (a: A) => B, value: A, kind: DecodeErrorKind, start: number): B {
    try {
      return fn(value);
    } catch (e) {
      throw this.error(kind, e instanceof Error ? e.message : String(e), start);
    }
  }
}

/**
 * Decodes UTF-8 from `bytes[start, stop)`. Short ASCII (the common case: chain names, points) is
 * built directly; anything else goes through a fatal TextDecoder.
 */
function decodeUtf8(bytes: Uint8Array, start: number, stop: number, r: Reader): string {
  const n = stop - start;
  if (n <= 64) {
    let ascii = true;
    for (let i = start; i < stop; i++) {
      if (bytes[i] > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      // One call for the whole run: char-by-char concatenation was 2x slower on point texts.
      return String.fromCharCode.apply(
        null,
        bytes.subarray(start, stop) as unknown as number[],
      );
    }
  }
  try {
    return fatalUtf8.decode(bytes.subarray(start, stop));
  } catch {
    throw r.error("invalid_utf8", undefined, start);
  }
}

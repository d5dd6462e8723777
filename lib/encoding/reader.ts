/**
 * The cursor that generated decoders read from. It enforces the two kinds of bounds of Octez
 * data-encoding: the hard end of a size-delimited region (`dynamic_size`, the whole input) and the
 * soft allowance of `check_size`. Byte fields are returned as views into the input (zero copy).
 *
 * It also interns values of declared fixed-size types (`declare(…, { intern: true })`): a value
 * read right after equal bytes of the same input is the value read the first time. Interned values
 * are shared: like every decoded value they are read-only (their byte fields are views into the
 * input, which must not change either). The project's schemas intern nothing today: with views
 * made by {@link Reader.view}, a new key hash or commitment costs no more than the compare (see
 * schema/gossipsub.ts).
 *
 * @module
 */

import { DecodeError, type DecodeErrorKind } from "./errors.ts";

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

let internSlots = 0;

// Interning gives up on a slot after this many misses in a row (reset by each hit): an input whose
// values do not repeat, e.g. an IHave of 1,000 ids of 1,000 topics, then pays 16 compares, not
// 1,000.
const INTERN_MISSES = 16;

/**
 * The value remembered in one interning slot of one Reader: the last one read, with the offset of
 * its bytes in the input.
 *
 * One value, not a small set: an IHave carries the ids of one topic
 * (`Message_cache.get_message_ids_to_gossip topic`, src/lib_gossipsub/gossipsub_automaton.ml
 * 2299-2300), so every id repeats the key hash just read. A lookup is then one compare of the bytes,
 * four at a time through a DataView (`getInt32`, which V8 compiles to plain loads). Measured with
 * deno bench on the 1,000 ids of such an IHave, with the key hash interned: 4 remembered values
 * found by a 3-byte key, 31-32 µs a message; this one value, 27-28 µs; no interning, 27-28 µs.
 */
class InternSlot {
  /** Where the value's bytes start in the input; -1 while empty. */
  start = -1;
  /** The value. */
  value: unknown = undefined;
  /** Misses left before interning stops for this slot and input. */
  misses = INTERN_MISSES;
}

/**
 * A new interning slot for {@link Reader.recall} and {@link Reader.remember}: generated code takes
 * one per interned type when its module loads.
 *
 * @returns A small integer, distinct for each call.
 */
export function internSlot(): number {
  return internSlots++;
}

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
  /** Interned values, by slot. */
  #interned: (InternSlot | undefined)[] | undefined = undefined;
  /** A DataView over the input, made on the first comparison of interned bytes. */
  #data: DataView | undefined = undefined;

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

  /**
   * A value remembered in `slot` whose bytes equal the next `n` bytes; the bytes are then
   * consumed. `undefined` (nothing consumed) otherwise, and when the `n` bytes are not all there or
   * not all allowed: the caller then reads them normally, which reports the error.
   *
   * Only a fixed-size value read without context may be interned: equal bytes then decode to an
   * equal value, so returning the first one changes no result and skips no check.
   */
  recall(slot: number, n: number): unknown {
    const p = this.pos;
    const stop = p + n;
    if (stop > this.end || stop > this.limit) return undefined;
    const v = this.recallAt(slot, p, n);
    if (v !== undefined) this.pos = stop;
    return v;
  }

  /**
   * A value remembered in `slot` whose bytes equal the `n` bytes at offset `o`, which the caller
   * has bounds-checked ({@link Reader.take}); `undefined` if none. Nothing is consumed.
   */
  recallAt(slot: number, o: number, n: number): unknown {
    const s = this.#interned?.[slot];
    if (s === undefined || s.misses === 0) return undefined;
    if (this.#same(s.start, o, n)) {
      s.misses = INTERN_MISSES;
      return s.value;
    }
    s.misses--;
    return undefined;
  }

  /** True when the `n` bytes at `a` equal those at `p` (both in the input; `a` may be -1). */
  #same(a: number, p: number, n: number): boolean {
    if (a < 0) return false;
    const b = this.bytes;
    const d = this.#data ??= new DataView(b.buffer, b.byteOffset, b.byteLength);
    let i = 0;
    for (; i + 4 <= n; i += 4) if (d.getInt32(a + i) !== d.getInt32(p + i)) return false;
    for (; i < n; i++) if (b[a + i] !== b[p + i]) return false;
    return true;
  }

  /**
   * Remembers `value`, read from the `n` bytes at `start`, in `slot` (see {@link Reader.recall}),
   * in place of the value remembered before.
   */
  remember(slot: number, start: number, _n: number, value: unknown): void {
    const s = this.#interned?.[slot];
    if (s === undefined) this.#newSlot(slot, start, value);
    else if (s.misses !== 0) {
      s.start = start;
      s.value = value;
    }
  }

  #newSlot(slot: number, start: number, value: unknown): void {
    const s = new InternSlot();
    s.start = start;
    s.value = value;
    (this.#interned ??= [])[slot] = s;
  }

  /**
   * A view of the `n` bytes at offset `o` (already bounds-checked), or the view remembered in
   * `slot` when its bytes are equal; a new view is remembered in `slot`.
   */
  internedView(slot: number, o: number, n: number): Uint8Array {
    const same = this.recallAt(slot, o, n);
    if (same !== undefined) return same as Uint8Array;
    const v = this.view(o, n);
    this.remember(slot, o, n, v);
    return v;
  }

  /** Reads every byte up to the end of the current region, as a view. */
  rest(): Uint8Array {
    return this.fixed(this.end - this.pos);
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

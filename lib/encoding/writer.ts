/**
 * The cursor that generated encoders write into. Generated `encodeX` functions compute the exact
 * size first (`sizeOfX`), allocate once, and write; length prefixes are back-patched, so no inner
 * size is computed twice and every payload byte is copied exactly once.
 *
 * @module
 */

import { EncodeError, type EncodeErrorKind } from "./errors.ts";

const utf8Encoder = new TextEncoder();

// Fresh output buffers below 4 KiB are cut from a shared 8 KiB buffer, as Node's
// `Buffer.allocUnsafe` does (and with it the protobuf codec of js-libp2p). In Deno 2.9.6 every
// `new Uint8Array(n)`, even of 16 bytes, costs 1.3-1.5 µs once the garbage collector's share is
// counted (deno bench, 1,000 allocations an iteration): more than encoding a connection message.
// Regions are never handed out twice. A pool whose buffer was transferred away (detached, so its
// length reads 0) is replaced, never written.
const POOL_SIZE = 8192;
let pool = new Uint8Array(0);
let poolUsed = 0;

/**
 * `n` zeroed bytes of their own: a region of the shared pool from 1 byte to 4 KiB, else a new
 * buffer. Anything else goes to `new Uint8Array` as before: 0, 4 KiB and up, and a size that is not
 * a number (a `sizeOfX` of a malformed value is NaN before the encoder throws), which must never
 * move the pool's cursor.
 */
function allocate(n: number): Uint8Array {
  if (!(n > 0 && n < POOL_SIZE >>> 1)) return new Uint8Array(n);
  if (poolUsed + n > pool.length) {
    pool = new Uint8Array(POOL_SIZE);
    poolUsed = 0;
  }
  const out = new Uint8Array(pool.buffer, poolUsed, n);
  poolUsed = (poolUsed + n + 7) & ~7; // the next region starts 8-byte aligned
  return out;
}

/** A cursor over a buffer of known size. */
export class Writer {
  /** The output buffer. */
  readonly bytes: Uint8Array;
  /** Offset of the next byte to write. */
  pos = 0;
  /** Schema path of the field being written, set by generated code for error reports. */
  at = "";

  /**
   * Writes into `bytes`, or into that many fresh zeroed bytes. Fresh bytes below 4 KiB are a view
   * of a buffer shared with other outputs, as Node's `Buffer.allocUnsafe` gives (mind `byteOffset`,
   * and `slice()` before transferring `.buffer`); from 4 KiB up they own their buffer.
   */
  constructor(bytes: Uint8Array | number) {
    this.bytes = typeof bytes === "number" ? allocate(bytes) : bytes;
  }

  /** An {@link EncodeError} at the current field. */
  error(kind: EncodeErrorKind, detail?: string): EncodeError {
    return EncodeError.at(kind, this.at, detail);
  }

  /** Returns the written bytes (the whole buffer when the size pass was exact). */
  finish(): Uint8Array {
    return this.pos === this.bytes.length ? this.bytes : this.bytes.subarray(0, this.pos);
  }

  /** Throws `invalid_int` unless `v` is an integer in [min, max]. */
  private int(v: number, min: number, max: number, type: string): void {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw this.error("invalid_int", `${type} ${v} outside [${min}, ${max}]`);
    }
  }

  /** Writes an unsigned 8-bit integer. */
  u8(v: number): void {
    this.int(v, 0, 0xff, "uint8");
    this.bytes[this.pos++] = v;
  }

  /** Writes a signed 8-bit integer. */
  i8(v: number): void {
    this.int(v, -0x80, 0x7f, "int8");
    this.bytes[this.pos++] = v & 0xff;
  }

  /** Writes 16 bits big-endian, unchecked. */
  private put16(v: number): void {
    const b = this.bytes;
    b[this.pos++] = (v >>> 8) & 0xff;
    b[this.pos++] = v & 0xff;
  }

  /** Writes 32 bits big-endian, unchecked. */
  private put32(v: number): void {
    const b = this.bytes;
    b[this.pos++] = (v >>> 24) & 0xff;
    b[this.pos++] = (v >>> 16) & 0xff;
    b[this.pos++] = (v >>> 8) & 0xff;
    b[this.pos++] = v & 0xff;
  }

  /** Writes an unsigned big-endian 16-bit integer. */
  u16(v: number): void {
    this.int(v, 0, 0xffff, "uint16");
    this.put16(v);
  }

  /** Writes a signed big-endian 16-bit integer. */
  i16(v: number): void {
    this.int(v, -0x8000, 0x7fff, "int16");
    this.put16(v);
  }

  /** Writes a signed big-endian 32-bit integer. */
  i32(v: number): void {
    this.int(v, -0x80000000, 0x7fffffff, "int32");
    this.put32(v);
  }

  /** Writes an `int31`. */
  i31(v: number): void {
    this.int(v, -0x40000000, 0x3fffffff, "int31");
    this.put32(v);
  }

  /** Writes a `uint30`. */
  u30(v: number): void {
    this.int(v, 0, 0x3fffffff, "uint30");
    this.put32(v);
  }

  /** Writes a signed big-endian 64-bit integer. */
  i64(v: bigint): void {
    if (typeof v !== "bigint" || v < -0x8000000000000000n || v > 0x7fffffffffffffffn) {
      throw this.error("invalid_int", `int64 ${v}`);
    }
    this.put32(Number((v >> 32n) & 0xffffffffn));
    this.put32(Number(v & 0xffffffffn));
  }

  /** Writes a bool as `0xFF` (true) or `0x00` (false), as Octez writes it. */
  bool(v: boolean): void {
    this.bytes[this.pos++] = v ? 0xff : 0x00;
  }

  /** Writes bytes that must be exactly `n` long. */
  fixed(v: Uint8Array, n: number): void {
    if (!(v instanceof Uint8Array) || v.length !== n) {
      throw this.error("invalid_size", `expected ${n} bytes, got ${v?.length}`);
    }
    this.bytes.set(v, this.pos);
    this.pos += n;
  }

  /** Writes raw bytes. */
  raw(v: Uint8Array): void {
    this.bytes.set(v, this.pos);
    this.pos += v.length;
  }

  /** Writes a string as UTF-8; `size` is its byte length from {@link utf8Length}. */
  utf8(s: string, size: number): void {
    if (size === s.length) {
      // ASCII: every UTF-16 unit is one byte.
      const b = this.bytes;
      let p = this.pos;
      for (let i = 0; i < size; i++) b[p++] = s.charCodeAt(i);
      this.pos = p;
    } else {
      utf8Encoder.encodeInto(s, this.bytes.subarray(this.pos, this.pos + size));
      this.pos += size;
    }
  }

  /** Reserves `n` bytes for a length prefix to back-patch; returns its offset. */
  reserve(n: number): number {
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /**
   * Back-patches the length prefix reserved at `at` (of `prefixSize` bytes: 1, 2 or 4) with the
   * number of bytes written since the prefix.
   */
  patchLength(at: number, prefixSize: 1 | 2 | 4): void {
    const length = this.pos - at - prefixSize;
    const b = this.bytes;
    if (prefixSize === 4) {
      if (length > 0x3fffffff) throw this.error("size_limit_exceeded", `length ${length}`);
      b[at] = length >>> 24;
      b[at + 1] = (length >>> 16) & 0xff;
      b[at + 2] = (length >>> 8) & 0xff;
      b[at + 3] = length & 0xff;
    } else if (prefixSize === 2) {
      if (length > 0xffff) throw this.error("size_limit_exceeded", `length ${length} > 65535`);
      b[at] = length >>> 8;
      b[at + 1] = length & 0xff;
    } else {
      if (length > 0xff) throw this.error("size_limit_exceeded", `length ${length} > 255`);
      this.bytes[at] = length;
    }
  }

  /** Checks a `check_size` limit on what was written since `start`. */
  checkLimit(start: number, limit: number): void {
    if (this.pos - start > limit) {
      throw this.error("size_limit_exceeded", `${this.pos - start} bytes > limit ${limit}`);
    }
  }

  /** Runs a named conversion, turning any failure into an {@link EncodeError}. */
  convert<A, B>(fn: (a: A) => B, value: A): B {
    try {
      return fn(value);
    } catch (e) {
      throw this.error("invalid_conversion", e instanceof Error ? e.message : String(e));
    }
  }
}

/** Number of bytes of the UTF-8 encoding of `s` (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  const n = s.length;
  let size = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) size += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        size += 2; // 4 bytes for 2 UTF-16 units
        i++;
      } else size += 2;
    } else size += 2;
  }
  return size;
}

/** Runs a named conversion during a size pass, turning any failure into an {@link EncodeError}. */
export function convertForEncode<A, B>(fn: (a: A) => B, value: A, path: string): B {
  try {
    return fn(value);
  } catch (e) {
    throw EncodeError.at("invalid_conversion", path, e instanceof Error ? e.message : String(e));
  }
}

/**
 * The two errors of the codec layer. Every decoder throws only {@link DecodeError}; every encoder
 * throws only {@link EncodeError}. Both carry a literal `kind`, the schema path of the field being
 * processed and the byte offset, so a reader never needs `instanceof` or message parsing.
 *
 * @module
 */

/** Why decoding failed. The names follow Octez data-encoding's `read_error`. */
export type DecodeErrorKind =
  /** The input ended before the value did. */
  | "not_enough_data"
  /** Bytes were left over at the end of the input or of a size-delimited region. */
  | "extra_bytes"
  /** A union tag that no case declares. */
  | "unexpected_tag"
  /** A list holds more elements than its declared maximum. */
  | "list_too_long"
  /** A `check_size` limit (or the 100 MiB message cap) would be exceeded. */
  | "size_limit_exceeded"
  /** An integer outside its declared range (e.g. a negative uint30 length). */
  | "invalid_int"
  /** A point text that does not parse as `addr:port`. */
  | "invalid_point"
  /** String bytes that are not valid UTF-8. */
  | "invalid_utf8"
  /** A named conversion rejected the decoded value. */
  | "invalid_conversion";

/** Why encoding failed. */
export type EncodeErrorKind =
  /** An integer outside the range of its wire type. */
  | "invalid_int"
  /** A value longer than its `check_size` limit or its length prefix allows. */
  | "size_limit_exceeded"
  /** A list with more elements than its declared maximum. */
  | "list_too_long"
  /** Fixed-size bytes of the wrong length. */
  | "invalid_size"
  /** A union value whose `kind` no case declares (or an application message with no codec). */
  | "unexpected_case"
  /** A named conversion rejected the value. */
  | "invalid_conversion";

/** Thrown by every generated decoder, and only by them, on malformed or hostile input. */
export class DecodeError extends Error {
  /** What went wrong. */
  readonly kind: DecodeErrorKind;
  /** Schema path of the field being read, e.g. `"ConnectionMessage.version.chainName"`. */
  readonly path: string;
  /** Byte offset in the input where the failing read started. */
  readonly offset: number;

  /** Builds a decode error; `detail` completes the message. */
  constructor(kind: DecodeErrorKind, path: string, offset: number, detail?: string) {
    super(`${kind} at ${path || "<top>"} (offset ${offset})${detail ? `: ${detail}` : ""}`);
    this.name = "DecodeError";
    this.kind = kind;
    this.path = path;
    this.offset = offset;
  }
}

/** Thrown by every generated encoder when a value cannot be encoded; nothing is ever truncated. */
export class EncodeError extends Error {
  /** What went wrong. */
  readonly kind: EncodeErrorKind;
  /** Schema path of the field being written. */
  readonly path: string;

  /** Builds an encode error; `detail` completes the message. */
  constructor(kind: EncodeErrorKind, path: string, detail?: string) {
    super(`${kind} at ${path || "<top>"}${detail ? `: ${detail}` : ""}`);
    this.name = "EncodeError";
    this.kind = kind;
    this.path = path;
  }
}

/** True when `e` is a {@link DecodeError}. */
export function isDecodeError(e: unknown): e is DecodeError {
  return e instanceof DecodeError;
}

/** True when `e` is an {@link EncodeError}. */
export function isEncodeError(e: unknown): e is EncodeError {
  return e instanceof EncodeError;
}

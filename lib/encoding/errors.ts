/**
 * The two errors of the codec layer. Every decoder throws only {@link DecodeError}; every encoder
 * throws only {@link EncodeError}. Both carry a literal `kind`, the schema path of the field being
 * processed and the byte offset (in `details`, with `path` and `offset` getters), so a reader
 * never needs `instanceof` or message parsing. Both extend the one error base of tzp2p,
 * {@link TzError}.
 *
 * @module
 */

import { TzError } from "../base/error.ts";

export { isTzError, TzError } from "../base/error.ts";

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

/** Structured context of a {@link DecodeError}. */
export interface DecodeErrorDetails {
  /** Schema path of the field being read, e.g. `"ConnectionMessage.version.chainName"`. */
  readonly path: string;
  /** Byte offset in the input where the failing read started. */
  readonly offset: number;
}

/** Structured context of an {@link EncodeError}. */
export interface EncodeErrorDetails {
  /** Schema path of the field being written. */
  readonly path: string;
}

function where(path: string): string {
  return path || "<top>";
}

/** Thrown by every generated decoder, and only by them, on malformed or hostile input. */
export class DecodeError extends TzError<DecodeErrorKind, DecodeErrorDetails> {
  /** Always `"DecodeError"`. */
  override readonly name = "DecodeError";

  /**
   * Creates a decode error.
   *
   * @param kind What went wrong.
   * @param message A human-readable explanation.
   * @param details Where: the schema path and the byte offset.
   * @param options Standard error options (`cause`).
   */
  constructor(
    kind: DecodeErrorKind,
    message: string,
    details: DecodeErrorDetails,
    options?: ErrorOptions,
  ) {
    super(kind, message, details, options);
  }

  /**
   * The codec runtime's form: the message names the kind, the path and the offset, then
   * `detail`, e.g. `"extra_bytes at Ack (offset 1): 2 bytes left"`.
   *
   * @param kind What went wrong.
   * @param path Schema path of the field being read.
   * @param offset Byte offset where the failing read started.
   * @param detail What completes the message.
   * @returns The error.
   */
  static at(kind: DecodeErrorKind, path: string, offset: number, detail?: string): DecodeError {
    return new DecodeError(kind, decodeMessage(kind, path, offset, detail), { path, offset });
  }

  /** Schema path of the field being read (`details.path`). */
  get path(): string {
    return this.details.path;
  }

  /** Byte offset in the input where the failing read started (`details.offset`). */
  get offset(): number {
    return this.details.offset;
  }
}

function decodeMessage(kind: string, path: string, offset: number, detail?: string): string {
  return `${kind} at ${where(path)} (offset ${offset})${detail ? `: ${detail}` : ""}`;
}

/** Thrown by every generated encoder when a value cannot be encoded; nothing is ever truncated. */
export class EncodeError extends TzError<EncodeErrorKind, EncodeErrorDetails> {
  /** Always `"EncodeError"`. */
  override readonly name = "EncodeError";

  /**
   * Creates an encode error.
   *
   * @param kind What went wrong.
   * @param message A human-readable explanation.
   * @param details Where: the schema path.
   * @param options Standard error options (`cause`).
   */
  constructor(
    kind: EncodeErrorKind,
    message: string,
    details: EncodeErrorDetails,
    options?: ErrorOptions,
  ) {
    super(kind, message, details, options);
  }

  /**
   * The codec runtime's form: the message names the kind and the path, then `detail`, e.g.
   * `"invalid_int at Ack.length: 70000 is not a uint16"`.
   *
   * @param kind What went wrong.
   * @param path Schema path of the field being written.
   * @param detail What completes the message.
   * @returns The error.
   */
  static at(kind: EncodeErrorKind, path: string, detail?: string): EncodeError {
    return new EncodeError(kind, encodeMessage(kind, path, detail), { path });
  }

  /** Schema path of the field being written (`details.path`). */
  get path(): string {
    return this.details.path;
  }
}

function encodeMessage(kind: string, path: string, detail?: string): string {
  return `${kind} at ${where(path)}${detail ? `: ${detail}` : ""}`;
}

/**
 * Whether `value` is a {@link DecodeError}, optionally of one given kind.
 *
 * @param value Anything caught.
 * @param kind When given, also require this kind.
 * @returns `true` when `value` is a `DecodeError` (of `kind`, if given).
 */
export function isDecodeError(value: unknown, kind?: DecodeErrorKind): value is DecodeError {
  return value instanceof DecodeError && (kind === undefined || value.kind === kind);
}

/**
 * Whether `value` is an {@link EncodeError}, optionally of one given kind.
 *
 * @param value Anything caught.
 * @param kind When given, also require this kind.
 * @returns `true` when `value` is an `EncodeError` (of `kind`, if given).
 */
export function isEncodeError(value: unknown, kind?: EncodeErrorKind): value is EncodeError {
  return value instanceof EncodeError && (kind === undefined || value.kind === kind);
}

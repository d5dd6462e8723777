/**
 * The error class of `lib/node`: {@link NodeError} with a literal {@link NodeErrorKind} and the
 * type guard {@link isNodeError}. Connection failures keep their `P2pError` as `cause`.
 *
 * @module
 */

/** What went wrong. */
export type NodeErrorKind =
  /** The node is closed (or closing): nothing more can be done with it. */
  | "closed"
  /** A dial was not attempted: own point, already connected or being dialled, banned, or full. */
  | "dial_refused"
  /** A dial failed: TCP, handshake, Nack, duplicate or ban check (see `cause`). */
  | "dial_failed"
  /** The gossipsub worker refused a publication: its input queue is full. */
  | "overloaded";

/** Structured context of a {@link NodeError}. */
export interface NodeErrorDetails {
  /** The point involved, as text. */
  readonly point?: string;
  /** The peer involved, as text (base58). */
  readonly peer?: string;
}

/** An error of the node layer. */
export class NodeError extends Error {
  /** What went wrong. */
  readonly kind: NodeErrorKind;
  /** Structured context. */
  readonly details: NodeErrorDetails;

  /**
   * Creates a node error.
   *
   * @param kind What went wrong.
   * @param message A human-readable explanation.
   * @param details Structured context.
   * @param options Standard error options (`cause`).
   */
  constructor(
    kind: NodeErrorKind,
    message: string,
    details: NodeErrorDetails = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "NodeError";
    this.kind = kind;
    this.details = details;
  }
}

/**
 * Whether `value` is a {@link NodeError}, optionally of one kind.
 *
 * @param value Anything caught.
 * @param kind When given, also require this kind.
 * @returns `true` when `value` is a `NodeError` (of `kind`, if given).
 */
export function isNodeError(value: unknown, kind?: NodeErrorKind): value is NodeError {
  return value instanceof NodeError && (kind === undefined || value.kind === kind);
}

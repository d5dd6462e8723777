/**
 * The error class of `lib/node`: {@link NodeError} with a literal {@link NodeErrorKind} and the
 * type guard {@link isNodeError}. Connection failures keep their `P2pError` as `cause`, a point
 * text that does not parse its `PointIdError`. It extends the one error base of tzp2p,
 * {@link TzError}.
 *
 * @module
 */

import { type ErrorGuard, guardOf, TzError } from "../base/error.ts";

export { type ErrorGuard, isTzError, TzError } from "../base/error.ts";

/** What went wrong. */
export type NodeErrorKind =
  /** The node is closed (or closing): nothing more can be done with it. */
  | "closed"
  /** A point given as text does not parse (`cause`: the `PointIdError`). */
  | "invalid_point"
  /** A dial was not attempted: own point, already connected or being dialled, banned, or full. */
  | "dial_refused"
  /** A dial failed: TCP, handshake, Nack, duplicate or ban check (see `cause`). */
  | "dial_failed"
  /** The gossipsub worker refused a publication: its input queue is full. */
  | "overloaded"
  /** A publication reached no peer (no mesh, fanout or direct peer on its topic). */
  | "no_peers_subscribed"
  /** A publication's message id was already published or seen. */
  | "already_published"
  /**
   * A data-directory file (`peers.json`, `config.json`) cannot be read, is not what it should be
   * (not JSON, wrong shape), or cannot be written (`details.path`; `cause`: the underlying error).
   */
  | "data_file";

/** Structured context of a {@link NodeError}. */
export interface NodeErrorDetails {
  /** The point involved, as text. */
  readonly point?: string;
  /** The peer involved, as text (base58). */
  readonly peer?: string;
  /** The file involved. */
  readonly path?: string;
}

/** An error of the node layer. */
export class NodeError extends TzError<NodeErrorKind, NodeErrorDetails> {
  /** Always `"NodeError"`. */
  override readonly name = "NodeError";
}

/** Whether `value` is a {@link NodeError}, optionally of one kind. */
export const isNodeError: ErrorGuard<NodeError> = guardOf(NodeError);

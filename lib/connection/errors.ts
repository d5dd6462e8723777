/**
 * The one error class of `lib/connection`: {@link P2pError} with a literal {@link P2pErrorKind}
 * (one per condition of Octez `P2p_errors` that this layer raises), structured fields, and the
 * type guard {@link isP2pError}. It extends the one error base of tzp2p, {@link TzError}.
 *
 * @module
 */

import { type ErrorGuard, guardOf, TzError } from "../base/error.ts";
import type { PointId } from "../base/point_id.ts";
import type { RejectionMotiveCode } from "../base/rejection.ts";
import type { DecodeError, EncodeError } from "../encoding/errors.ts";

export { isTzError, TzError } from "../base/error.ts";

/** What went wrong, as a literal a caller can switch on. */
export type P2pErrorKind =
  /** The remote proof-of-work stamp does not reach our target (`Not_enough_proof_of_work`). */
  | "not_enough_proof_of_work"
  /** The remote peer has our own peer id (`Myself`). */
  | "myself"
  /** End of stream, socket error, or the connection was closed (`Connection_closed`). */
  | "connection_closed"
  /** A chunk failed Poly1305 authentication (`Decipher_error`). */
  | "decipher_error"
  /** The Ack chunk failed authentication (`Invalid_auth`, wraps a decipher error). */
  | "invalid_auth"
  /** The remote refused the connection with a Nack or Nack_v_0 (`Rejected_by_nack`). */
  | "rejected_by_nack"
  /** The remote closed the socket during the Ack exchange (`Rejected_socket_connection`). */
  | "rejected_socket_connection"
  /** Malformed connection message, metadata, Ack or P2P message (`Decoding_error`). */
  | "decoding_error"
  /** A local message could not be encoded (`Encoding_error`); nothing was sent. */
  | "encoding_error"
  /** A chunk of more than 65 517 plaintext bytes was about to be sent (`Invalid_message_size`). */
  | "invalid_message_size"
  /** A received chunk announces fewer than 16 bytes (`Invalid_incoming_ciphertext_size`). */
  | "invalid_incoming_ciphertext_size"
  /** `binaryChunksSize` outside [19, 65535] (`Invalid_chunks_size`). */
  | "invalid_chunks_size"
  /** The handshake did not finish in time. */
  | "timeout"
  /** The handshake was cancelled through its AbortSignal. */
  | "canceled";

/** Structured context of a {@link P2pError}; which fields are set depends on the kind. */
export interface P2pErrorDetails {
  /** The remote peer id (16 bytes), when known. */
  readonly peerId?: Uint8Array;
  /** The remote point, when known (`myself`, `not_enough_proof_of_work`). */
  readonly point?: PointId;
  /** The rejection motive of a Nack (`rejected_by_nack`; 0 for Nack_v_0). */
  readonly motive?: RejectionMotiveCode;
  /** Points proposed by a Nack; `undefined` for Nack_v_0. */
  readonly alternativePoints?: readonly PointId[];
  /** The offending size (`invalid_message_size`, `invalid_incoming_ciphertext_size`, `invalid_chunks_size`). */
  readonly value?: number;
  /** Smallest accepted value (`invalid_chunks_size`). */
  readonly min?: number;
  /** Largest accepted value (`invalid_chunks_size`, `invalid_message_size`). */
  readonly max?: number;
  /** The timeout that expired, in milliseconds (`timeout`). */
  readonly timeoutMs?: number;
  /** The codec error behind `decoding_error` / `encoding_error`. */
  readonly codecError?: DecodeError | EncodeError;
}

/** An error of the connection layer. */
export class P2pError extends TzError<P2pErrorKind, P2pErrorDetails> {
  /** Always `"P2pError"`. */
  override readonly name = "P2pError";
}

/** Whether `value` is a {@link P2pError}, optionally of one kind. */
export const isP2pError: ErrorGuard<P2pError> = guardOf(P2pError);

/** A `connection_closed` error, with the underlying cause when there is one. */
export function connectionClosed(why: string, cause?: unknown): P2pError {
  return new P2pError(
    "connection_closed",
    `connection closed: ${why}`,
    {},
    cause === undefined ? undefined : { cause },
  );
}

/**
 * The one error class of `lib/crypto`: {@link CryptoError} with a literal
 * {@link CryptoErrorKind}, and its type guard {@link isCryptoError}. It extends the one error base
 * of tzp2p, {@link TzError}.
 *
 * @module
 */

import { TzError } from "../base/error.ts";

export { isTzError, TzError } from "../base/error.ts";

/** What went wrong, as a literal a caller can switch on. */
export type CryptoErrorKind =
  /** A character outside the Bitcoin base58 alphabet. */
  | "invalid_base58"
  /** The 4-byte base58check checksum does not match SHA256d(prefix ‖ payload). */
  | "bad_checksum"
  /** The decoded bytes do not start with the expected version prefix. */
  | "bad_prefix"
  /** The decoded payload, key, nonce or stamp has the wrong number of bytes. */
  | "bad_length"
  /** An identity's peer id is not H128 of its public key. */
  | "identity_mismatch"
  /** An identity's public key is not X25519-base(secret key). */
  | "identity_keys_mismatch"
  /** A proof-of-work stamp does not reach the required target. */
  | "insufficient_pow"
  /** An identity file is not valid JSON or a field is missing or malformed. */
  | "invalid_identity_file"
  /** The identity file to read does not exist. */
  | "no_identity_file"
  /** Writing an identity file would overwrite an existing one. */
  | "identity_file_exists"
  /** X25519 with the remote public key gave the all-zero point (low-order key). */
  | "low_order_key"
  /** Poly1305 authentication of a box failed. */
  | "decipher_error"
  /** A proof-of-work search was cancelled through its AbortSignal. */
  | "aborted"
  /** A proof-of-work worker failed (could not start, or threw). */
  | "worker_failed"
  /** The crypto backend asked for cannot load here (unknown name, or a permission is missing). */
  | "backend_unavailable";

/** Structured context of a {@link CryptoError}; which fields are set depends on the kind. */
export interface CryptoErrorDetails {
  /** The identity field or JSON key concerned (`"peer_id"`, `"public_key"`, ...). */
  readonly field?: string;
  /** The file concerned, for identity file errors. */
  readonly path?: string;
  /** The expected value (a length, a prefix in hex, a peer id, a PoW difficulty). */
  readonly expected?: string | number;
  /** The value found instead. */
  readonly actual?: string | number;
  /** Position of the offending character, for base58 errors. */
  readonly position?: number;
}

/** An error raised by identity, proof-of-work or box operations. */
export class CryptoError extends TzError<CryptoErrorKind, CryptoErrorDetails> {
  /** Always `"CryptoError"`. */
  override readonly name = "CryptoError";

  /**
   * Creates a crypto error.
   *
   * @param kind What went wrong.
   * @param message A human-readable explanation.
   * @param details Structured context.
   * @param options Standard error options (`cause`).
   */
  constructor(
    kind: CryptoErrorKind,
    message: string,
    details: CryptoErrorDetails = {},
    options?: ErrorOptions,
  ) {
    super(kind, message, details, options);
  }
}

/**
 * Whether `value` is a {@link CryptoError}, optionally of one given kind.
 *
 * @param value Anything caught.
 * @param kind When given, also require this kind.
 * @returns `true` when `value` is a `CryptoError` (of `kind`, if given).
 */
export function isCryptoError(value: unknown, kind?: CryptoErrorKind): value is CryptoError {
  return value instanceof CryptoError && (kind === undefined || value.kind === kind);
}

/**
 * The error a gossipsub worker fails with when applying an event throws (for
 * instance a validity callback of the application): the worker stops, as Octez
 * sets `Crashed` and rejects its main-loop promise. It extends the one error base
 * of tzp2p, {@linkcode TzError}.
 *
 * @module
 */

import { TzError } from "../../base/error.ts";

export { isTzError, TzError } from "../../base/error.ts";

/** What went wrong. */
export type GossipsubWorkerErrorKind =
  /** Applying an event threw; the worker stopped (`cause`: what was thrown). */
  "event_failed";

/** Structured context of a {@linkcode GossipsubWorkerError}. */
export interface GossipsubWorkerErrorDetails {
  /** The `kind` of the event being applied. */
  readonly eventKind: string;
}

/** A worker stopped because applying an event threw. */
export class GossipsubWorkerError
  extends TzError<GossipsubWorkerErrorKind, GossipsubWorkerErrorDetails> {
  /** Always `"GossipsubWorkerError"`. */
  override readonly name = "GossipsubWorkerError";

  /**
   * Creates a worker error.
   *
   * @param kind What went wrong.
   * @param message A human-readable explanation.
   * @param details The event being applied.
   * @param options Standard error options (`cause`: the exception thrown while applying it).
   */
  constructor(
    kind: GossipsubWorkerErrorKind,
    message: string,
    details: GossipsubWorkerErrorDetails,
    options?: ErrorOptions,
  ) {
    super(kind, message, details, options);
  }

  /** The `kind` of the event being applied (`details.eventKind`). */
  get eventKind(): string {
    return this.details.eventKind;
  }
}

/**
 * Whether `value` is a {@linkcode GossipsubWorkerError}, optionally of one given kind.
 *
 * @param value Anything caught.
 * @param kind When given, also require this kind.
 * @returns `true` when `value` is a `GossipsubWorkerError` (of `kind`, if given).
 */
export function isGossipsubWorkerError(
  value: unknown,
  kind?: GossipsubWorkerErrorKind,
): value is GossipsubWorkerError {
  return value instanceof GossipsubWorkerError && (kind === undefined || value.kind === kind);
}

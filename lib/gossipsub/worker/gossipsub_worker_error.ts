/**
 * The error a gossipsub worker fails with when applying an event throws (for
 * instance a validity callback of the application): the worker stops, as Octez
 * sets `Crashed` and rejects its main-loop promise.
 *
 * @module
 */

/** What went wrong. */
export type GossipsubWorkerErrorKind = "EventFailed";

/** A worker stopped because applying an event threw. */
export class GossipsubWorkerError extends Error {
  /** What went wrong. */
  readonly kind: GossipsubWorkerErrorKind;
  /** The `kind` of the event being applied. */
  readonly eventKind: string;

  /** Wraps the exception `cause` thrown while applying an event of kind `eventKind`. */
  constructor(kind: GossipsubWorkerErrorKind, eventKind: string, cause: unknown) {
    super(
      `gossipsub worker: applying a ${eventKind} event failed: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { cause },
    );
    this.name = "GossipsubWorkerError";
    this.kind = kind;
    this.eventKind = eventKind;
  }
}

/** Whether `value` is a {@linkcode GossipsubWorkerError}. */
export function isGossipsubWorkerError(value: unknown): value is GossipsubWorkerError {
  return value instanceof GossipsubWorkerError;
}

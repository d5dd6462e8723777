/**
 * The error of the simulator: {@linkcode SimError} with a literal
 * {@linkcode SimErrorKind}, and its guard {@linkcode isSimError}. It extends
 * the one error base of tzp2p, {@linkcode TzError}.
 *
 * @module
 */

import { type ErrorGuard, guardOf, TzError } from "../base/error.ts";

/** What went wrong, as a literal a caller can switch on. */
export type SimErrorKind =
  /** A configuration value out of range or inconsistent (e.g. a degree above the node count). */
  | "invalid_config"
  /** A topology or limits file that is not what the simulator reads. */
  | "invalid_input"
  /** A scenario name the simulator does not know. */
  | "unknown_scenario";

/** Structured context of a {@linkcode SimError}. */
export interface SimErrorDetails {
  /** The configuration field concerned, when there is one. */
  readonly field?: string;
}

/** A simulator failure: a bad configuration or input, never a crash of the loop. */
export class SimError extends TzError<SimErrorKind, SimErrorDetails> {
  /** Always `"SimError"`. */
  override readonly name = "SimError";

  /** The configuration field concerned (`details.field`). */
  get field(): string | undefined {
    return this.details.field;
  }
}

/** Whether `value` is a {@linkcode SimError}, optionally of one kind. */
export const isSimError: ErrorGuard<SimError> = guardOf(SimError);

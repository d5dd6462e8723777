/**
 * The error of the command line: {@link CliError} with a literal {@link CliErrorKind} that decides
 * the exit code, and its guard {@link isCliError}. It extends the one error base of tzp2p,
 * {@link TzError}.
 *
 * @module
 */

import { type ErrorGuard, guardOf, TzError } from "../base/error.ts";

export { type ErrorGuard, isTzError, TzError } from "../base/error.ts";

/** What went wrong, as a literal a caller can switch on. */
export type CliErrorKind =
  /** Bad arguments: unknown command or option, missing or malformed value (exit code 2). */
  | "usage"
  /** An input file that is not what the command reads, e.g. a malformed conversation line. */
  | "invalid_input"
  /** An identity file that cannot be read, parsed or checked. */
  | "identity"
  /** A file that cannot be read or written. */
  | "io"
  /** The user interrupted the command (Ctrl-C). */
  | "interrupted";

/** Structured context of a {@link CliError}. */
export interface CliErrorDetails {
  /** 1-based line of the input file concerned, when there is one. */
  readonly line?: number;
}

/** A failure the command line reports as one message and an exit code, without a stack. */
export class CliError extends TzError<CliErrorKind, CliErrorDetails> {
  /** Always `"CliError"`. */
  override readonly name = "CliError";

  /** 1-based line of the input file concerned, when there is one (`details.line`). */
  get line(): number | undefined {
    return this.details.line;
  }

  /** The process exit code of this error: 2 for usage errors, 130 when interrupted, else 1. */
  get exitCode(): number {
    return this.kind === "usage" ? 2 : this.kind === "interrupted" ? 130 : 1;
  }
}

/** Whether `value` is a {@link CliError}, optionally of one kind. */
export const isCliError: ErrorGuard<CliError> = guardOf(CliError);

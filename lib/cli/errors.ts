/**
 * The error of the command line: {@link CliError} with a literal {@link CliErrorKind} that decides
 * the exit code, and its guard {@link isCliError}.
 *
 * @module
 */

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

/** A failure the command line reports as one message and an exit code, without a stack. */
export class CliError extends Error {
  /** What went wrong. */
  readonly kind: CliErrorKind;
  /** 1-based line of the input file concerned, when there is one. */
  readonly line?: number;

  /** Builds the error; `line` is the 1-based input line concerned. */
  constructor(
    kind: CliErrorKind,
    message: string,
    options: { line?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CliError";
    this.kind = kind;
    if (options.line !== undefined) this.line = options.line;
  }

  /** The process exit code of this error: 2 for usage errors, 130 when interrupted, else 1. */
  get exitCode(): number {
    return this.kind === "usage" ? 2 : this.kind === "interrupted" ? 130 : 1;
  }
}

/** True when `value` is a {@link CliError} (of `kind`, if given). */
export function isCliError(value: unknown, kind?: CliErrorKind): value is CliError {
  return value instanceof CliError && (kind === undefined || value.kind === kind);
}

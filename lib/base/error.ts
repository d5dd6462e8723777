/**
 * The one error base of tzp2p: {@linkcode TzError}, a standard `Error` with a literal `kind`,
 * structured `details` and the standard `cause`. Every layer subclasses it once or twice
 * (`DecodeError`, `CryptoError`, `P2pError`, `NodeError`, …), names its kinds as a union of
 * snake_case literals, and exports one guard of the same shape,
 * `isXError(value: unknown, kind?: XErrorKind): value is XError`, so a caller switches on
 * `error.kind` and never parses a message. {@linkcode isTzError} is the guard of the base.
 *
 * The model is protobuf-es `FieldError` / `isFieldError` (`packages/protobuf/src/reflect/error.ts`):
 * a named class, a guard, and the data a caller needs as fields rather than text.
 *
 * @module
 */

/**
 * Base of every error tzp2p throws on purpose. Argument misuse by the caller is a `TypeError` or
 * `RangeError` instead; anything else escaping the library is a bug.
 *
 * Every subclass has one constructor shape, `(kind, message, details?, options?)`, and a `name`
 * of its own (`"DecodeError"`, `"NodeError"`, …), so a logged error says which layer raised it.
 *
 * @typeParam K The layer's kinds: a union of snake_case string literals.
 * @typeParam D The layer's structured details; which fields are set depends on the kind.
 *
 * @example Catch any tzp2p error, then narrow by layer and kind.
 * ```ts
 * import { isTzError, TzError } from "./error.ts";
 *
 * class DemoError extends TzError<"too_big" | "too_small", { readonly value?: number }> {
 *   override readonly name = "DemoError";
 * }
 *
 * try {
 *   throw new DemoError("too_big", "value 7 is over 5", { value: 7 });
 * } catch (e) {
 *   if (!isTzError(e, "too_big") || e.name !== "DemoError") throw e;
 * }
 * ```
 */
export abstract class TzError<K extends string = string, D extends object = object> extends Error {
  /** What went wrong, as a literal a caller can switch on. */
  readonly kind: K;
  /** Structured context of the failure: the values a caller may act on or log. */
  readonly details: D;

  /**
   * Creates an error.
   *
   * @param kind What went wrong.
   * @param message A human-readable explanation.
   * @param details Structured context (none by default).
   * @param options Standard error options (`cause`: the underlying error, if any).
   */
  constructor(kind: K, message: string, details: D = {} as D, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
    this.details = details;
  }
}

/** The guard of one error class: whether a value is one of its errors, optionally of one kind. */
export type ErrorGuard<E extends TzError> = (value: unknown, kind?: E["kind"]) => value is E;

/**
 * The guard of an error class, the one shape every layer exports as `isXError`.
 *
 * @param errorClass The class.
 * @returns `(value, kind?) => value is E`.
 */
export function guardOf<E extends TzError>(
  // deno-lint-ignore no-explicit-any
  errorClass: abstract new (...args: any[]) => E,
): ErrorGuard<E> {
  return (value: unknown, kind?: E["kind"]): value is E =>
    value instanceof errorClass && (kind === undefined || value.kind === kind);
}

/**
 * Whether `value` is an error of tzp2p (any layer), optionally of one given kind.
 *
 * @param value Anything caught.
 * @param kind When given, also require this kind.
 * @returns `true` when `value` is a {@linkcode TzError} (of `kind`, if given).
 */
export function isTzError(value: unknown, kind?: string): value is TzError {
  return value instanceof TzError && (kind === undefined || value.kind === kind);
}

/**
 * The abstract "modules" the gossipsub automaton is generic over, mirroring the
 * OCaml functor arguments of Octez `gossipsub_intf.ml` (`Peer`, `Topic`,
 * `Message_id`, `Message`), plus the time conventions.
 *
 * Time: every instant ({@linkcode Time}) and duration ({@linkcode Span}) is a
 * plain number of **milliseconds**. Instants come from an injected clock and
 * only need to be monotonic and comparable; the automaton never looks at the
 * wall clock itself. Octez's unit tests use the same millisecond convention.
 *
 * @module
 */

/** An absolute instant in milliseconds, as returned by the injected clock. */
export type Time = number;

/** A duration in milliseconds. */
export type Span = number;

/** The injected clock: returns the current instant in milliseconds. */
export type Clock = () => Time;

/**
 * A map key derived from a value. Two values with the same key are the same
 * peer / topic / message id for the automaton (like `compare = 0` in OCaml).
 */
export type Key = string | number;

/** How the automaton identifies and orders a type: the `compare` / `Map` of an OCaml module. */
export interface KeyModule<X> {
  /** A key with `key(a) === key(b)` exactly when `a` and `b` are equal. */
  key(value: X): Key;
  /** A total order consistent with `key` (used where Octez specifies an order). */
  compare(a: X, b: X): number;
}

/** Peer module: identity and order of remote peers. */
export type PeerModule<P> = KeyModule<P>;

/** Topic module: identity and order of topics. */
export type TopicModule<T> = KeyModule<T>;

/**
 * The application's verdict on a message or message id.
 * - `Valid`: accept now.
 * - `Invalid`: never valid; the sender is penalised (score P4).
 * - `Outdated`: too old to matter; dropped without penalty.
 * - `Unknown`: cannot decide yet; dropped without penalty (a worker may retry later).
 */
export type Validity = "Valid" | "Unknown" | "Outdated" | "Invalid";

/** Message-id module: identity, order, the topic an id belongs to, and id-only validity. */
export interface MessageIdModule<I, T> extends KeyModule<I> {
  /** The topic of a message, computed from its id (`Message_id.get_topic`). */
  getTopic(messageId: I): T;
  /** Validity of an id alone; consulted on IHave ids and first on every full message. */
  valid(messageId: I): Validity;
}

/** One entry handed to {@linkcode MessageModule.validBatch}. */
export interface BatchValidationEntry<P, T, I, M> {
  /** The peer that sent the message. */
  readonly sender: P;
  /** The topic the message was received on. */
  readonly topic: T;
  /** The message id. */
  readonly messageId: I;
  /** The message payload. */
  readonly message: M;
  /** The peers the message will be routed to if valid. */
  readonly toRoute: readonly P[];
}

/** Message module: full-message validity, one at a time or in batches. */
export interface MessageModule<P, T, I, M> {
  /**
   * Validity of a message with its id (`Message.valid ?message ~message_id`).
   * Called in sequential mode only.
   */
  valid(message: M, messageId: I): Validity;
  /**
   * Validity of a whole batch, one result per entry in the same order
   * (`Message.valid_batch`). Called in batch mode only. When absent, each entry
   * is checked with {@linkcode MessageModule.valid}. A result list of the wrong
   * length turns every entry into `UnknownValidity`, as in Octez.
   */
  validBatch?(batch: readonly BatchValidationEntry<P, T, I, M>[]): readonly Validity[];
}

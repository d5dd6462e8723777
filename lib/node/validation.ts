/**
 * Per-topic validators of a gossip node: the application's say on a received message, after the
 * instance's own structural checks (e.g. the DAL's curve checks). A validator answers at once
 * (`Valid`, `Invalid`, `Outdated`, `Unknown`) or with a promise; it may also answer `Unknown` and
 * report later with {@link TopicValidators.report}.
 *
 * While an answer is pending the message's validity is `Unknown`: the gossipsub worker keeps it
 * in its unknown-validity buffer and asks again after every heartbeat (Octez's
 * `Check_unknown_messages`), when the answer is there. So an asynchronous verdict costs up to one
 * heartbeat of latency. A validator that has not answered within `timeoutMs` leaves the message
 * `Unknown` for good: it is neither delivered nor forwarded, and leaves the buffer when evicted.
 *
 * @module
 */

import type {
  Key,
  MessageIdModule,
  MessageModule,
  TopicModule,
  Validity,
} from "../gossipsub/mod.ts";

/** What a validator is shown. */
export interface ValidationRequest<T, I, M> {
  /** The topic. */
  readonly topic: T;
  /** The message id. */
  readonly messageId: I;
  /** The payload. */
  readonly message: M;
  /** The peer that sent it to us first (16 bytes), when known. */
  readonly from: Uint8Array | undefined;
}

/** A topic's validator. */
export type TopicValidator<T, I, M> = (
  request: ValidationRequest<T, I, M>,
) => Validity | Promise<Validity>;

const VALIDITIES: ReadonlySet<string> = new Set(["Valid", "Invalid", "Outdated", "Unknown"]);

// Answers kept for messages the worker has not asked about again yet.
const MAX_VERDICTS = 16_384;

type Verdict = { readonly kind: "pending" } | {
  readonly kind: "final";
  readonly validity: Validity;
};

/** The validators of one node, by topic key, and the answers they owe. */
export class TopicValidators<T, I, M> {
  readonly #byTopic = new Map<Key, TopicValidator<T, I, M>>();
  readonly #verdicts = new Map<Key, Verdict>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #timeoutMs: number;
  #closed = false;

  /**
   * No validators yet.
   *
   * @param timeoutMs How long an asynchronous answer is awaited.
   */
  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** Number of topics with a validator. */
  get size(): number {
    return this.#byTopic.size;
  }

  /**
   * Sets or removes the validator of a topic.
   *
   * @param topicKey The topic's key.
   * @param validator The validator; `undefined` removes it.
   */
  set(topicKey: Key, validator: TopicValidator<T, I, M> | undefined): void {
    if (validator === undefined) this.#byTopic.delete(topicKey);
    else if (typeof validator !== "function") {
      throw new TypeError("setTopicValidator: the validator must be a function");
    } else this.#byTopic.set(topicKey, validator);
  }

  /**
   * The validity of a message that passed the instance's checks.
   *
   * @param topicKey The topic's key.
   * @param idKey The message id's key.
   * @param request What the validator is shown (built only when it is called).
   * @returns `Valid` without a validator; else the validator's answer, `Unknown` while pending.
   */
  validity(topicKey: Key, idKey: Key, request: () => ValidationRequest<T, I, M>): Validity {
    const validator = this.#byTopic.get(topicKey);
    if (validator === undefined) return "Valid";
    const known = this.#verdicts.get(idKey);
    if (known !== undefined) {
      if (known.kind === "pending") return "Unknown";
      this.#verdicts.delete(idKey);
      return known.validity;
    }
    let answer: Validity | Promise<Validity>;
    try {
      answer = validator(request());
    } catch {
      return "Invalid"; // a validator that throws refuses the message
    }
    if (typeof answer === "string") {
      if (!VALIDITIES.has(answer)) return "Invalid";
      if (answer === "Unknown") this.#remember(idKey, { kind: "pending" });
      return answer;
    }
    this.#remember(idKey, { kind: "pending" });
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#settle(idKey, "Unknown");
    }, this.#timeoutMs);
    this.#timers.add(timer);
    Promise.resolve(answer).then(
      (validity) => this.#settle(idKey, VALIDITIES.has(validity) ? validity : "Invalid"),
      () => this.#settle(idKey, "Invalid"),
    ).finally(() => {
      clearTimeout(timer);
      this.#timers.delete(timer);
    });
    return "Unknown";
  }

  /**
   * Reports a deferred answer (the validator answered `Unknown`). Ignored for a message whose
   * answer is not owed.
   *
   * @param idKey The message id's key.
   * @param validity The answer.
   * @returns Whether an answer was owed.
   */
  report(idKey: Key, validity: Validity): boolean {
    if (!VALIDITIES.has(validity)) {
      throw new RangeError(`reportValidation: ${validity} is not a validity`);
    }
    if (this.#verdicts.get(idKey)?.kind !== "pending") return false;
    this.#settle(idKey, validity);
    return true;
  }

  #settle(idKey: Key, validity: Validity): void {
    if (this.#closed || this.#verdicts.get(idKey)?.kind !== "pending") return;
    this.#verdicts.set(idKey, { kind: "final", validity });
  }

  #remember(idKey: Key, verdict: Verdict): void {
    if (this.#verdicts.size >= MAX_VERDICTS) {
      this.#verdicts.delete(this.#verdicts.keys().next().value!);
    }
    this.#verdicts.set(idKey, verdict);
  }

  /** Clears the timers; answers arriving later are ignored. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#verdicts.clear();
  }
}

/**
 * A message module that asks the instance's own checks first, then the topic's validator.
 *
 * @param base The instance's message module.
 * @param validators The topic validators.
 * @param topic The topic module.
 * @param messageId The message-id module.
 * @param senderOf The first sender of a message, by id key.
 * @returns The combined module.
 */
export function validatedMessages<P, T, I, M>(
  base: MessageModule<P, T, I, M>,
  validators: TopicValidators<T, I, M>,
  topic: TopicModule<T>,
  messageId: MessageIdModule<I, T>,
  senderOf: (idKey: Key) => Uint8Array | undefined,
): MessageModule<P, T, I, M> {
  const validity = (verdict: Validity, message: M, id: I): Validity => {
    // Without any validator, no topic or key is worth computing (the simple instance decodes the
    // topic out of the id: a UTF-8 decode per received message).
    if (verdict !== "Valid" || validators.size === 0) return verdict;
    const t = messageId.getTopic(id);
    const idKey = messageId.key(id);
    return validators.validity(topic.key(t), idKey, () => ({
      topic: t,
      messageId: id,
      message,
      from: senderOf(idKey),
    }));
  };
  const validBatch = base.validBatch;
  return {
    valid: (message, id) => validity(base.valid(message, id), message, id),
    validBatch: validBatch === undefined ? undefined : (batch) => {
      const results = validBatch(batch);
      if (results.length !== batch.length) return results; // the worker handles the mismatch
      return results.map((v, i) => validity(v, batch[i].message, batch[i].messageId));
    },
  };
}

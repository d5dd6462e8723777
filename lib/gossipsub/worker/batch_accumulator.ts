/**
 * Batch accumulation of received full messages (Octez v24 `batch_accumulator`,
 * spec §11.7). The first `ToIncludeInBatch` output starts a timer; messages
 * arriving before it fires join the batch; when it fires the batch, sorted by
 * (topic, id), is handed to the worker, which queues it as one `ProcessBatch`
 * event.
 *
 * The same message (same topic, id and payload) received from several peers
 * is kept once, routed to the intersection of the peer sets, so it is never
 * sent back to any of its senders. The receipt kept, whose sender the
 * validation credits (P2) or blames (P4), is the last one, as in Octez
 * (`gossipsub_worker.ml` `batch_accumulator`, 802-833): `ReceiveMsgMap.update`
 * rebinds the key to the receipt being added, except when the previous peer
 * set was already empty. OCaml's `Map.update` keeps the old binding when the
 * new value is physically the old one, and `Peer.Set.inter` of anything with
 * the empty set returns that same empty constant, so an entry whose
 * intersection is already empty keeps the receipt that emptied it.
 *
 * The batch is per worker, not shared by every worker of the process as in
 * Octez (quirk §16.14, deviation).
 *
 * @module
 */

import { equalBytes } from "../../base/bytes.ts";
import type { Key, Span } from "../automaton/modules.ts";
import type { BatchEntry } from "../automaton/io.ts";

/** How the accumulator identifies and orders messages. */
export interface BatchKeys<P, T, I, M> {
  /** Peer key. */
  readonly peer: (peer: P) => Key;
  /** Topic key and order. */
  readonly topic: { key(topic: T): Key; compare(a: T, b: T): number };
  /** Message-id key and order. */
  readonly messageId: { key(id: I): Key; compare(a: I, b: I): number };
  /** Payload equality: two receipts of one id with different payloads are validated separately. */
  readonly messageEquals: (a: M, b: M) => boolean;
}

/** Accumulates batch entries for `interval` ms after the first one. */
export class BatchAccumulator<P, T, I, M> {
  readonly #interval: Span;
  readonly #keys: BatchKeys<P, T, I, M>;
  readonly #onReady: (batch: BatchEntry<P, T, I, M>[]) => void;
  // topic key → id key → the distinct payloads received with that id
  #pending: Map<Key, Map<Key, BatchEntry<P, T, I, M>[]>> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Calls `onReady` with each batch, `interval` ms after its first entry. */
  constructor(
    interval: Span,
    keys: BatchKeys<P, T, I, M>,
    onReady: (batch: BatchEntry<P, T, I, M>[]) => void,
  ) {
    this.#interval = interval;
    this.#keys = keys;
    this.#onReady = onReady;
  }

  /** Whether a batch is accumulating (its timer is armed). */
  get pending(): boolean {
    return this.#pending !== undefined;
  }

  /** Adds an entry, starting a batch and its timer if none is pending. */
  add(entry: BatchEntry<P, T, I, M>): void {
    if (this.#pending === undefined) {
      this.#pending = new Map();
      this.#timer = setTimeout(() => this.#fire(), this.#interval);
    }
    const { topic, messageId, message } = entry.message;
    const topicKey = this.#keys.topic.key(topic);
    let byId = this.#pending.get(topicKey);
    if (byId === undefined) this.#pending.set(topicKey, byId = new Map());
    const idKey = this.#keys.messageId.key(messageId);
    const same = byId.get(idKey);
    if (same === undefined) {
      byId.set(idKey, [entry]);
      return;
    }
    const index = same.findIndex((e) => this.#keys.messageEquals(e.message.message, message));
    if (index < 0) {
      same.push(entry);
      return;
    }
    const previous = same[index];
    if (previous.toRoute.length === 0) return;
    const keep = new Set<Key>(entry.toRoute.map(this.#keys.peer));
    same[index] = {
      message: entry.message,
      toRoute: previous.toRoute.filter((p) => keep.has(this.#keys.peer(p))),
    };
  }

  /** Disarms the timer and forgets the pending batch. */
  cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = undefined;
  }

  #fire(): void {
    const pending = this.#pending;
    this.#timer = undefined;
    this.#pending = undefined;
    if (pending === undefined) return;
    const batch: BatchEntry<P, T, I, M>[] = [];
    for (const byId of pending.values()) {
      for (const entries of byId.values()) batch.push(...entries);
    }
    const { topic, messageId } = this.#keys;
    batch.sort((a, b) =>
      topic.compare(a.message.topic, b.message.topic) ||
      messageId.compare(a.message.messageId, b.message.messageId)
    );
    this.#onReady(batch);
  }
}

/**
 * Default payload equality: byte equality for byte arrays, `===` otherwise
 * (strings, numbers, and objects by identity).
 */
export function defaultMessageEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return a instanceof Uint8Array && b instanceof Uint8Array && equalBytes(a, b);
}

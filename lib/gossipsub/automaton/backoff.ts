/**
 * Graft backoffs per topic and peer (Octez `state.backoff`). While an entry
 * exists we do not graft the peer on that topic, and Grafts it sends before the
 * expiry are penalised.
 *
 * Octez quirk kept on purpose (spec §16.3): "backed off" means "an entry
 * exists", not "not yet expired". Entries leave only through
 * {@linkcode Backoffs.cleanup}, run every `backoffCleanupTicks` heartbeats with
 * a slack of two heartbeat intervals; the unit tests "no regraft during
 * backoff" and "unsubscribe backoff" depend on that exact timing.
 *
 * @module
 */

import type { Key, Span, Time } from "./modules.ts";

/** Backoff expiries, topic → peer → expiry time. */
export class Backoffs {
  readonly #byTopic: Map<Key, Map<Key, Time>> = new Map();

  /**
   * Sets the backoff of (`topicKey`, `peerKey`) to `now + duration`, keeping a
   * later existing expiry (a backoff is only ever extended). `duration` may be
   * zero or negative (a received Prune's backoff is used as is, quirk §16.10).
   */
  add(topicKey: Key, peerKey: Key, now: Time, duration: Span): void {
    const expiry = now + duration;
    let peers = this.#byTopic.get(topicKey);
    if (peers === undefined) this.#byTopic.set(topicKey, peers = new Map());
    const previous = peers.get(peerKey);
    if (previous === undefined || previous < expiry) peers.set(peerKey, expiry);
  }

  /** The expiry of (`topicKey`, `peerKey`), if an entry exists (expired or not). */
  get(topicKey: Key, peerKey: Key): Time | undefined {
    return this.#byTopic.get(topicKey)?.get(peerKey);
  }

  /** Whether an entry exists, regardless of its expiry (Octez `exists_backoff`). */
  has(topicKey: Key, peerKey: Key): boolean {
    return this.#byTopic.get(topicKey)?.has(peerKey) ?? false;
  }

  /** The live peer → expiry map of a topic, for hot loops (do not mutate). */
  topic(topicKey: Key): ReadonlyMap<Key, Time> | undefined {
    return this.#byTopic.get(topicKey);
  }

  /** Keeps only entries with `expiry > threshold`; drops topics left empty. */
  cleanup(threshold: Time): void {
    for (const [topicKey, peers] of this.#byTopic) {
      for (const [peerKey, expiry] of peers) if (!(expiry > threshold)) peers.delete(peerKey);
      if (peers.size === 0) this.#byTopic.delete(topicKey);
    }
  }

  /** Number of entries. */
  get size(): number {
    let n = 0;
    for (const peers of this.#byTopic.values()) n += peers.size;
    return n;
  }

  /** Every entry as [topic key, peer key, expiry]. */
  *entries(): IterableIterator<[Key, Key, Time]> {
    for (const [topicKey, peers] of this.#byTopic) {
      for (const [peerKey, expiry] of peers) yield [topicKey, peerKey, expiry];
    }
  }
}

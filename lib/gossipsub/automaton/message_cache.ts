/**
 * The gossipsub message cache (Octez `message_cache.ml`): a history window of
 * full messages served to IWant and advertised in IHave, and a longer seen
 * window recording, per id, when it was first seen and who sent it.
 *
 * Only validated messages and our own publications are added, so an invalid
 * or unknown-validity message is never "seen" and a re-delivery is validated
 * (and penalised) again, as in Octez.
 *
 * @module
 */

import type { Key, Time } from "./modules.ts";
import { SlidingWindow } from "./sliding_window.ts";

/** A cached message with the number of times each peer fetched it through IWant. */
export interface CachedMessage<M> {
  /** The message (kept from the first addition). */
  readonly message: M;
  /** IWant accesses per peer key. */
  readonly accessCounters: Map<Key, number>;
}

/** What the seen window remembers of an id. */
export interface SeenEntry {
  /** When the id was first added. */
  readonly firstSeen: Time;
  /** Keys of the peers that delivered it (validated deliveries only; none for our publications). */
  readonly senders: Set<Key>;
}

/** Sizes of the cache, for metrics. */
export interface MessageCacheSizes {
  /** Distinct ids in the history window. */
  readonly historyIds: number;
  /** Distinct ids in the seen window. */
  readonly seenIds: number;
  /** Id occurrences held by the history slots. */
  readonly historyOccurrences: number;
  /** Id occurrences held by the seen slots. */
  readonly seenOccurrences: number;
}

/** History and seen windows of message ids. */
export class MessageCache<P, T, I, M> {
  readonly #gossipSlots: number;
  readonly #peerKey: (peer: P) => Key;
  readonly #history: SlidingWindow<T, I, CachedMessage<M>>;
  readonly #seen: SlidingWindow<T, I, SeenEntry>;

  /**
   * Creates a cache. Throws a RangeError unless
   * `0 < gossipSlots ≤ historySlots` and `seenSlots > 0`.
   */
  constructor(
    sizes: { historySlots: number; gossipSlots: number; seenSlots: number },
    keys: { peer: (peer: P) => Key; topic: (topic: T) => Key; messageId: (id: I) => Key },
  ) {
    const { historySlots, gossipSlots, seenSlots } = sizes;
    if (!Number.isInteger(gossipSlots) || gossipSlots < 1 || gossipSlots > historySlots) {
      throw new RangeError(
        `message cache: gossipSlots must be an integer in [1, historySlots=${historySlots}], got ${gossipSlots}`,
      );
    }
    if (!Number.isInteger(seenSlots) || seenSlots < 1) {
      throw new RangeError(`message cache: seenSlots must be an integer ≥ 1, got ${seenSlots}`);
    }
    this.#gossipSlots = gossipSlots;
    this.#peerKey = keys.peer;
    this.#history = new SlidingWindow(historySlots, keys.topic, keys.messageId);
    this.#seen = new SlidingWindow(seenSlots, keys.topic, keys.messageId);
  }

  /**
   * Adds a message to both windows. `sender` is undefined for our own
   * publication. The first addition fixes the message and the first-seen time.
   */
  addMessage(sender: P | undefined, messageId: I, message: M, topic: T, now: Time): void {
    this.#history.add(
      topic,
      messageId,
      (previous) => previous ?? { message, accessCounters: new Map() },
    );
    const senderKey = sender === undefined ? undefined : this.#peerKey(sender);
    this.#seen.add(topic, messageId, (previous) => {
      const entry = previous ?? { firstSeen: now, senders: new Set<Key>() };
      if (senderKey !== undefined) entry.senders.add(senderKey);
      return entry;
    });
  }

  /**
   * If `messageId` is in the history window, increments `peer`'s access counter
   * and returns the message with the new counter value.
   */
  getMessageForPeer(peer: P, messageId: I): { message: M; accessCount: number } | undefined {
    const cached = this.#history.get(messageId);
    if (cached === undefined) return undefined;
    const key = this.#peerKey(peer);
    const accessCount = (cached.accessCounters.get(key) ?? 0) + 1;
    cached.accessCounters.set(key, accessCount);
    return { message: cached.message, accessCount };
  }

  /** The message stored for `messageId` in the history window, without touching counters. */
  peekMessage(messageId: I): M | undefined {
    return this.#history.get(messageId)?.message;
  }

  /**
   * Ids of `topic` to advertise: the current slot and the `gossipSlots − 1`
   * previous ones, oldest first, insertion order, duplicates kept.
   */
  getMessageIdsToGossip(topic: T): I[] {
    return this.#history.latestIds(topic, this.#gossipSlots);
  }

  /** First-seen time and senders of `messageId`, if it is in the seen window. */
  getFirstSeenTimeAndSenders(messageId: I): SeenEntry | undefined {
    return this.#seen.get(messageId);
  }

  /** Whether `messageId` is in the seen window. */
  seenMessage(messageId: I): boolean {
    return this.#seen.has(messageId);
  }

  /** Shifts both windows by one slot (once per heartbeat). */
  shift(): void {
    this.#history.shift();
    this.#seen.shift();
  }

  /** Current sizes, for metrics. */
  sizes(): MessageCacheSizes {
    return {
      historyIds: this.#history.size,
      seenIds: this.#seen.size,
      historyOccurrences: this.#history.occurrences(),
      seenOccurrences: this.#seen.occurrences(),
    };
  }

  /** Every history entry's access counters, keyed by message-id key (introspection, tests). */
  *accessCounters(): IterableIterator<[Key, ReadonlyMap<Key, number>]> {
    for (const [key, cached] of this.#history.entries()) yield [key, cached.accessCounters];
  }
}

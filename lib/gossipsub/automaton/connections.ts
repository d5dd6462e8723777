/**
 * Connected peers and the topics each told us it subscribes to, as a
 * bidirectional index (Octez `Connections`): `topic ∈ connection(p).topics` ⇔
 * `p ∈ peersInTopic(topic)`. Topics with no subscriber are removed from the
 * reverse index so it cannot grow without bound.
 *
 * @module
 */

import type { Key } from "./modules.ts";

/** One connected peer. */
export interface ConnectedPeer<P, T> {
  /** The peer. */
  readonly peer: P;
  /** The peer's key. */
  readonly key: Key;
  /** Topics the peer subscribed to, by topic key. */
  readonly topics: Map<Key, T>;
  /** Direct (explicit) peer: always receives our messages, never in a mesh. */
  readonly direct: boolean;
  /** Outbound connection (in Octez ≥ v19 the worker passes `trusted` here). */
  readonly outbound: boolean;
  /** Bootstrap peer (Octez v21+): the worker never sends it full messages or gossip. */
  readonly bootstrap: boolean;
}

/** Result of {@linkcode Connections.subscribe}. */
export type SubscribeResult = "Subscribed" | "UnknownPeer" | "TopicLimitExceeded";

/** Connected peers with a topic → peers reverse index. */
export class Connections<P, T> {
  readonly #peerKey: (peer: P) => Key;
  readonly #topicKey: (topic: T) => Key;
  readonly #byPeer: Map<Key, ConnectedPeer<P, T>> = new Map();
  readonly #byTopic: Map<Key, Map<Key, ConnectedPeer<P, T>>> = new Map();
  // Direct peers per topic, so routing a message does not scan every subscriber.
  readonly #directByTopic: Map<Key, Map<Key, P>> = new Map();

  /** An empty index using the modules' key functions. */
  constructor(peerKey: (peer: P) => Key, topicKey: (topic: T) => Key) {
    this.#peerKey = peerKey;
    this.#topicKey = topicKey;
  }

  /** The connection of `peer`, if connected. */
  find(peer: P): ConnectedPeer<P, T> | undefined {
    return this.#byPeer.get(this.#peerKey(peer));
  }

  /** The connection of the peer with key `key`, if connected. */
  findByKey(key: Key): ConnectedPeer<P, T> | undefined {
    return this.#byPeer.get(key);
  }

  /** Whether `peer` is connected. */
  has(peer: P): boolean {
    return this.#byPeer.has(this.#peerKey(peer));
  }

  /** Adds a connection; returns false (and changes nothing) if the peer is already known. */
  add(peer: P, flags: { direct: boolean; outbound: boolean; bootstrap: boolean }): boolean {
    const key = this.#peerKey(peer);
    if (this.#byPeer.has(key)) return false;
    this.#byPeer.set(key, { peer, key, topics: new Map(), ...flags });
    return true;
  }

  /**
   * Records that `peer` subscribes to `topic` (idempotent). With a cap, a new
   * topic beyond `maxTopics` distinct ones is refused.
   */
  subscribe(peer: P, topic: T, maxTopics?: number): SubscribeResult {
    const key = this.#peerKey(peer);
    const connection = this.#byPeer.get(key);
    if (connection === undefined) return "UnknownPeer";
    const topicKey = this.#topicKey(topic);
    if (connection.topics.has(topicKey)) return "Subscribed";
    if (maxTopics !== undefined && connection.topics.size >= maxTopics) return "TopicLimitExceeded";
    connection.topics.set(topicKey, topic);
    let peers = this.#byTopic.get(topicKey);
    if (peers === undefined) this.#byTopic.set(topicKey, peers = new Map());
    peers.set(key, connection);
    if (connection.direct) {
      let direct = this.#directByTopic.get(topicKey);
      if (direct === undefined) this.#directByTopic.set(topicKey, direct = new Map());
      direct.set(key, peer);
    }
    return "Subscribed";
  }

  /** Removes `topic` from `peer`'s subscriptions; false if the peer is unknown. */
  unsubscribe(peer: P, topic: T): boolean {
    const key = this.#peerKey(peer);
    const connection = this.#byPeer.get(key);
    if (connection === undefined) return false;
    const topicKey = this.#topicKey(topic);
    connection.topics.delete(topicKey);
    this.#dropFromTopic(topicKey, key);
    return true;
  }

  /** Removes `peer` and its subscriptions (no-op for an unknown peer). */
  remove(peer: P): void {
    const key = this.#peerKey(peer);
    const connection = this.#byPeer.get(key);
    if (connection === undefined) return;
    this.#byPeer.delete(key);
    for (const topicKey of connection.topics.keys()) this.#dropFromTopic(topicKey, key);
  }

  #dropFromTopic(topicKey: Key, peerKey: Key): void {
    const peers = this.#byTopic.get(topicKey);
    if (peers !== undefined) {
      peers.delete(peerKey);
      if (peers.size === 0) this.#byTopic.delete(topicKey);
    }
    const direct = this.#directByTopic.get(topicKey);
    if (direct !== undefined) {
      direct.delete(peerKey);
      if (direct.size === 0) this.#directByTopic.delete(topicKey);
    }
  }

  /** Connections subscribed to the topic with key `topicKey` (live view; do not mutate). */
  subscribers(topicKey: Key): ReadonlyMap<Key, ConnectedPeer<P, T>> | undefined {
    return this.#byTopic.get(topicKey);
  }

  /** Direct peers subscribed to the topic with key `topicKey` (live view; do not mutate). */
  directSubscribers(topicKey: Key): ReadonlyMap<Key, P> | undefined {
    return this.#directByTopic.get(topicKey);
  }

  /** Every connection, by peer key. */
  entries(): IterableIterator<[Key, ConnectedPeer<P, T>]> {
    return this.#byPeer.entries();
  }

  /** Number of connected peers. */
  get size(): number {
    return this.#byPeer.size;
  }

  /** Number of topics with at least one subscriber. */
  get topicCount(): number {
    return this.#byTopic.size;
  }

  /** Topic keys of the reverse index with their subscriber keys (tests check the invariant). */
  *topicIndex(): IterableIterator<[Key, ReadonlySet<Key>]> {
    for (const [topicKey, peers] of this.#byTopic) yield [topicKey, new Set(peers.keys())];
  }
}

/**
 * A read-only view of the automaton state for tests, debugging and metrics
 * (Octez `Introspection`): meshes, fanouts, subscriptions, scores, backoffs,
 * counters and cache sizes, plus a plain-data snapshot for determinism checks.
 *
 * Lists of peers and topics are sorted with the modules' `compare`, so they do
 * not depend on insertion order.
 *
 * @module
 */

import type { Key, Time } from "./modules.ts";
import type { Limits } from "./limits.ts";
import type { MessageCacheSizes } from "./message_cache.ts";
import type { TopicScoreStatus } from "./score.ts";
import type { GossipsubState } from "./state.ts";

/** Counts for metrics. */
export interface GossipsubMetrics {
  /** Heartbeats processed. */
  readonly heartbeatTicks: number;
  /** Connected peers. */
  readonly connections: number;
  /** Score records (connected and retained). */
  readonly scores: number;
  /** Backoff entries. */
  readonly backoffs: number;
  /** Joined topics with their mesh sizes, by topic key. */
  readonly meshSizes: ReadonlyMap<Key, number>;
  /** Fanout topics with their sizes, by topic key. */
  readonly fanoutSizes: ReadonlyMap<Key, number>;
  /** Message cache sizes. */
  readonly cache: MessageCacheSizes;
}

/** Read-only view of one automaton's state. */
export class GossipsubView<P, T, I, M> {
  readonly #state: GossipsubState<P, T, I, M>;

  /** Wraps a state (use `GossipsubAutomaton.view`). */
  constructor(state: GossipsubState<P, T, I, M>) {
    this.#state = state;
  }

  #sortPeers(peers: Iterable<P>): P[] {
    const compare = this.#state.peerModule.compare;
    return [...peers].sort(compare);
  }

  #sortTopics(topics: Iterable<T>): T[] {
    const compare = this.#state.topicModule.compare;
    return [...topics].sort(compare);
  }

  /** The limits in force. */
  get limits(): Limits<T> {
    return this.#state.limits;
  }

  /** Heartbeats processed so far. */
  get heartbeatTicks(): number {
    return this.#state.heartbeatTicks;
  }

  /** Connected peers, optionally only those passing `filter`. */
  connectedPeers(
    filter?: (
      info: { direct: boolean; outbound: boolean; bootstrap: boolean; score: number },
    ) => boolean,
  ): P[] {
    const out: P[] = [];
    for (const [key, c] of this.#state.connections.entries()) {
      if (
        filter === undefined ||
        filter({
          direct: c.direct,
          outbound: c.outbound,
          bootstrap: c.bootstrap,
          score: this.#state.scoreOf(key),
        })
      ) out.push(c.peer);
    }
    return this.#sortPeers(out);
  }

  /** Topics we joined. */
  joinedTopics(): T[] {
    return this.#sortTopics([...this.#state.mesh.values()].map((e) => e.topic));
  }

  /** Whether we joined `topic`. */
  hasJoined(topic: T): boolean {
    return this.#state.mesh.has(this.#state.topicKey(topic));
  }

  /** Our mesh peers for `topic` (empty if not joined). */
  meshPeers(topic: T): P[] {
    const entry = this.#state.mesh.get(this.#state.topicKey(topic));
    return entry === undefined ? [] : this.#sortPeers(entry.peers.values());
  }

  /** Whether `peer` is in our mesh for `topic`. */
  inMesh(topic: T, peer: P): boolean {
    return this.#state.mesh.get(this.#state.topicKey(topic))?.peers.has(
      this.#state.peerKey(peer),
    ) ?? false;
  }

  /** Topics with a fanout entry. */
  fanoutTopics(): T[] {
    return this.#sortTopics([...this.#state.fanout.values()].map((e) => e.topic));
  }

  /** Fanout peers of `topic` (empty if none). */
  fanoutPeers(topic: T): P[] {
    const entry = this.#state.fanout.get(this.#state.topicKey(topic));
    return entry === undefined ? [] : this.#sortPeers(entry.peers.values());
  }

  /** Last publish time of the fanout entry of `topic`. */
  fanoutLastPublished(topic: T): Time | undefined {
    return this.#state.fanout.get(this.#state.topicKey(topic))?.lastPublishedTime;
  }

  /** Topics `peer` told us it subscribes to (empty for an unknown peer). */
  subscribedTopics(peer: P): T[] {
    const connection = this.#state.connections.find(peer);
    return connection === undefined ? [] : this.#sortTopics(connection.topics.values());
  }

  /** Subscribers of `topic`. */
  topicSubscribers(topic: T): P[] {
    const subscribers = this.#state.connections.subscribers(this.#state.topicKey(topic));
    return subscribers === undefined
      ? []
      : this.#sortPeers([...subscribers.values()].map((c) => c.peer));
  }

  /** Whether `peer` is connected. */
  isConnected(peer: P): boolean {
    return this.#state.connections.has(peer);
  }

  /** Whether `peer` is a connected direct peer. */
  isDirect(peer: P): boolean {
    return this.#state.connections.find(peer)?.direct ?? false;
  }

  /** Whether `peer` is connected through an outbound connection. */
  isOutbound(peer: P): boolean {
    return this.#state.connections.find(peer)?.outbound ?? false;
  }

  /** Whether `peer` is a connected bootstrap peer. */
  isBootstrap(peer: P): boolean {
    return this.#state.connections.find(peer)?.bootstrap ?? false;
  }

  /** Score of `peer`, 0 without a record. */
  peerScore(peer: P): number {
    return this.#state.scoreOf(this.#state.peerKey(peer));
  }

  /** Whether `peer` has a score record (connected, or retained after disconnection). */
  hasScore(peer: P): boolean {
    return this.#state.scores.has(this.#state.peerKey(peer));
  }

  /** Whether `peer`'s score record says it is in our mesh for `topic` (score status Active). */
  scoreInMesh(peer: P, topic: T): boolean {
    return this.#state.scores.get(this.#state.peerKey(peer))?.isActive(
      this.#state.topicKey(topic),
    ) ?? false;
  }

  /** When `peer`'s retained record expires; undefined when connected or without record. */
  scoreExpires(peer: P): Time | undefined {
    return this.#state.scores.get(this.#state.peerKey(peer))?.disconnectedExpires;
  }

  /** IHave messages received from `peer` since the last heartbeat. */
  ihaveCount(peer: P): number {
    return this.#state.ihavePerHeartbeat.get(this.#state.peerKey(peer)) ?? 0;
  }

  /** Message ids requested from `peer` since the last heartbeat. */
  iwantCount(peer: P): number {
    return this.#state.iwantPerHeartbeat.get(this.#state.peerKey(peer)) ?? 0;
  }

  /** Backoff expiry of (`topic`, `peer`), if an entry exists (even expired). */
  backoff(topic: T, peer: P): Time | undefined {
    return this.#state.backoffs.get(this.#state.topicKey(topic), this.#state.peerKey(peer));
  }

  /** The cached message of `messageId` in the history window, without counting an access. */
  cachedMessage(messageId: I): M | undefined {
    return this.#state.messageCache.peekMessage(messageId);
  }

  /** Whether `messageId` is in the seen window. */
  seen(messageId: I): boolean {
    return this.#state.messageCache.seenMessage(messageId);
  }

  /** Ids the next IHave gossip would advertise for `topic`. */
  gossipIds(topic: T): I[] {
    return this.#state.messageCache.getMessageIdsToGossip(topic);
  }

  /** Message cache sizes. */
  cacheSizes(): MessageCacheSizes {
    return this.#state.messageCache.sizes();
  }

  /** Counts for metrics. */
  metrics(): GossipsubMetrics {
    const s = this.#state;
    const meshSizes = new Map<Key, number>();
    for (const [key, e] of s.mesh) meshSizes.set(key, e.peers.size);
    const fanoutSizes = new Map<Key, number>();
    for (const [key, e] of s.fanout) fanoutSizes.set(key, e.peers.size);
    return {
      heartbeatTicks: s.heartbeatTicks,
      connections: s.connections.size,
      scores: s.scores.size,
      backoffs: s.backoffs.size,
      meshSizes,
      fanoutSizes,
      cache: s.messageCache.sizes(),
    };
  }

  /** Score counters of `peer` (copies), if it has a record. */
  scoreDetails(peer: P):
    | {
      readonly value: number;
      readonly behaviourPenalty: number;
      readonly applicationScore: number;
      readonly disconnectedExpires: Time | undefined;
      readonly topics: readonly Readonly<TopicScoreStatus<T>>[];
    }
    | undefined {
    const r = this.#state.scores.get(this.#state.peerKey(peer));
    if (r === undefined) return undefined;
    return {
      value: r.value(),
      behaviourPenalty: r.behaviourPenalty,
      applicationScore: r.applicationScore,
      disconnectedExpires: r.disconnectedExpires,
      topics: [...r.topics.values()].map((t) => ({ ...t })),
    };
  }

  /** Every backoff entry as topic key, peer key and expiry. */
  backoffEntries(): { topicKey: Key; peerKey: Key; expiry: Time }[] {
    return [...this.#state.backoffs.entries()].map(([topicKey, peerKey, expiry]) => ({
      topicKey,
      peerKey,
      expiry,
    }));
  }

  /**
   * Checks the state invariants Octez documents and tests (spec §5, §14.4) and
   * returns a description of each violation (empty when consistent):
   * the subscription index is bidirectional; every connected peer has a score
   * record; mesh and fanout peers are connected, subscribed and not direct; no
   * topic is both joined and in the fanout; a peer is in a mesh exactly when its
   * score record says so.
   */
  invariantViolations(): string[] {
    const s = this.#state;
    const errors: string[] = [];
    const index = new Map<Key, ReadonlySet<Key>>(s.connections.topicIndex());
    for (const [key, c] of s.connections.entries()) {
      for (const topicKey of c.topics.keys()) {
        if (!index.get(topicKey)?.has(key)) {
          errors.push(`peer ${key} subscribes to ${topicKey} but is not indexed`);
        }
      }
      const record = s.scores.get(key);
      if (record === undefined) errors.push(`connected peer ${key} has no score record`);
      else if (record.disconnectedExpires !== undefined) {
        errors.push(`connected peer ${key} has a disconnected record`);
      }
    }
    for (const [topicKey, peers] of index) {
      for (const key of peers) {
        if (!s.connections.findByKey(key)?.topics.has(topicKey)) {
          errors.push(`index lists ${key} under ${topicKey} without its subscription`);
        }
      }
    }
    const checkMembers = (what: string, topicKey: Key, peers: ReadonlyMap<Key, P>) => {
      for (const key of peers.keys()) {
        const c = s.connections.findByKey(key);
        if (c === undefined) errors.push(`${what}[${topicKey}] holds disconnected peer ${key}`);
        else if (!c.topics.has(topicKey)) {
          errors.push(`${what}[${topicKey}] holds unsubscribed peer ${key}`);
        } else if (c.direct && what === "mesh") {
          errors.push(`mesh[${topicKey}] holds direct peer ${key}`);
        }
      }
    };
    for (const [topicKey, e] of s.mesh) {
      checkMembers("mesh", topicKey, e.peers);
      if (s.fanout.has(topicKey)) errors.push(`topic ${topicKey} is both joined and in the fanout`);
    }
    for (const [topicKey, e] of s.fanout) checkMembers("fanout", topicKey, e.peers);
    for (const [key, record] of s.scores) {
      for (const [topicKey, status] of record.topics) {
        const inMesh = s.mesh.get(topicKey)?.peers.has(key) ?? false;
        if (status.inMesh !== inMesh) {
          errors.push(
            `peer ${key} topic ${topicKey}: score says inMesh=${status.inMesh}, mesh says ${inMesh}`,
          );
        }
      }
    }
    for (const [topicKey, e] of s.mesh) {
      for (const key of e.peers.keys()) {
        if (!s.scores.get(key)?.isActive(topicKey)) {
          errors.push(`mesh[${topicKey}] peer ${key} not active in score`);
        }
      }
    }
    return errors;
  }

  /** Every peer key mentioned anywhere in the state, with where (tests: nothing leaks). */
  peerKeyLocations(): Map<Key, string[]> {
    const s = this.#state;
    const where = new Map<Key, string[]>();
    const note = (key: Key, place: string) => {
      const list = where.get(key);
      if (list === undefined) where.set(key, [place]);
      else list.push(place);
    };
    for (const [key] of s.connections.entries()) note(key, "connections");
    for (const [, subscribers] of s.connections.topicIndex()) {
      for (const key of subscribers) note(key, "topicIndex");
    }
    for (const key of s.scores.keys()) note(key, "scores");
    for (const key of s.ihavePerHeartbeat.keys()) note(key, "ihavePerHeartbeat");
    for (const key of s.iwantPerHeartbeat.keys()) note(key, "iwantPerHeartbeat");
    for (const [topicKey, peerKey] of s.backoffs.entries()) note(peerKey, `backoff[${topicKey}]`);
    for (const [topicKey, e] of s.mesh) {
      for (const key of e.peers.keys()) note(key, `mesh[${topicKey}]`);
    }
    for (const [topicKey, e] of s.fanout) {
      for (const key of e.peers.keys()) note(key, `fanout[${topicKey}]`);
    }
    for (const [idKey, counters] of s.messageCache.accessCounters()) {
      for (const key of counters.keys()) note(key, `cache[${idKey}]`);
    }
    return where;
  }

  /**
   * A plain-data copy of the whole state (keys sorted), equal for two
   * automata that went through the same inputs with the same seed.
   */
  snapshot(): unknown {
    const s = this.#state;
    const sortKeys = (a: [Key, unknown], b: [Key, unknown]) =>
      String(a[0]).localeCompare(String(b[0]));
    const keysOf = (m: ReadonlyMap<Key, unknown>) => [...m.keys()].map(String).sort();
    return {
      tick: s.heartbeatTicks,
      rng: s.rng.state(),
      connections: [...s.connections.entries()].map(([key, c]) =>
        [key, {
          direct: c.direct,
          outbound: c.outbound,
          bootstrap: c.bootstrap,
          topics: keysOf(c.topics),
        }] as [
          Key,
          unknown,
        ]
      ).sort(sortKeys),
      scores: [...s.scores.entries()].map(([key, r]) =>
        [key, {
          value: r.value(),
          behaviourPenalty: r.behaviourPenalty,
          applicationScore: r.applicationScore,
          expires: r.disconnectedExpires ?? null,
          topics: [...r.topics.entries()].map(([k, t]) =>
            [k, { ...t, topic: undefined }] as [Key, unknown]
          )
            .sort(sortKeys),
        }] as [Key, unknown]
      ).sort(sortKeys),
      ihave: [...s.ihavePerHeartbeat.entries()].sort(sortKeys),
      iwant: [...s.iwantPerHeartbeat.entries()].sort(sortKeys),
      mesh: [...s.mesh.entries()].map(([k, e]) => [k, keysOf(e.peers)] as [Key, unknown]).sort(
        sortKeys,
      ),
      fanout: [...s.fanout.entries()].map(([k, e]) =>
        [k, { peers: keysOf(e.peers), last: e.lastPublishedTime }] as [Key, unknown]
      ).sort(sortKeys),
      backoffs: [...s.backoffs.entries()].map(([t, p, e]) => `${t}/${p}/${e}`).sort(),
      cache: s.messageCache.sizes(),
    };
  }
}

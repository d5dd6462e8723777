/**
 * The automaton state (Octez `gossipsub_automaton.ml` `state`) and the helpers
 * every handler shares: score lookup and the `select` primitive that picks
 * random subscribers of a topic.
 *
 * The state is a mutable object driven by the handler functions; see
 * `gossipsub_automaton.ts` for why it is not an immutable value as in OCaml.
 *
 * @module
 */

import { Backoffs } from "./backoff.ts";
import { type ConnectedPeer, Connections } from "./connections.ts";
import { checkLimits, type Limits } from "./limits.ts";
import { MessageCache } from "./message_cache.ts";
import type {
  Key,
  MessageIdModule,
  MessageModule,
  PeerModule,
  Span,
  Time,
  TopicModule,
} from "./modules.ts";
import { acceptAllPeers, type PeerFilter } from "./peer_filter.ts";
import { Rng } from "../../base/rng.ts";
import { type PeerScore, ScoreParameters } from "./score.ts";

/**
 * How full messages are validated: one at a time, or accumulated by the worker
 * for `timeInterval` ms and validated together (Octez v24 `In_batches`).
 */
export type MessageHandling =
  | { readonly kind: "Sequentially" }
  | { readonly kind: "InBatches"; readonly timeInterval: Span };

/** Everything needed to build an automaton. */
export interface GossipsubConfig<P, T, I, M> {
  /** Limits; validated at construction (RangeError on violation). */
  readonly limits: Limits<T>;
  /** Peer module. */
  readonly peer: PeerModule<P>;
  /** Topic module. */
  readonly topic: TopicModule<T>;
  /** Message-id module (topic of an id, id-only validity). */
  readonly messageId: MessageIdModule<I, T>;
  /** Message module (full-message validity). */
  readonly message: MessageModule<P, T, I, M>;
  /** The clock, in ms; read once at the start of every input. */
  readonly now: () => Time;
  /** A generator, or a seed for a new one. */
  readonly rng: Rng | number;
  /** The peer filter hook; defaults to accepting everything. */
  readonly peerFilter?: PeerFilter<P, I>;
  /** Validation mode; defaults to sequential. */
  readonly messageHandling?: MessageHandling;
}

/** Our mesh for one joined topic. */
export interface MeshEntry<P, T> {
  /** The topic. */
  readonly topic: T;
  /** Mesh peers by key. */
  readonly peers: Map<Key, P>;
}

/** Fanout peers of a topic we publish to without having joined it. */
export interface FanoutEntry<P, T> {
  /** The topic. */
  readonly topic: T;
  /** Fanout peers by key. */
  readonly peers: Map<Key, P>;
  /** Last time we published on the topic. */
  lastPublishedTime: Time;
}

/** Candidate filter of {@linkcode GossipsubState.select}. */
export type SelectFilter<P, T> = (connection: ConnectedPeer<P, T>, score: number) => boolean;

/** The mutable state of one automaton. */
export class GossipsubState<P, T, I, M> {
  /** Limits (immutable). */
  readonly limits: Limits<T>;
  /** The peer filter hook. */
  readonly peerFilter: PeerFilter<P, I>;
  /** Validation mode. */
  readonly messageHandling: MessageHandling;
  /** Peer module. */
  readonly peerModule: PeerModule<P>;
  /** Topic module. */
  readonly topicModule: TopicModule<T>;
  /** Message-id module. */
  readonly messageIdModule: MessageIdModule<I, T>;
  /** Message module. */
  readonly messageModule: MessageModule<P, T, I, M>;
  /** Peer key function. */
  readonly peerKey: (peer: P) => Key;
  /** Topic key function. */
  readonly topicKey: (topic: T) => Key;
  /** Message-id key function. */
  readonly messageIdKey: (id: I) => Key;
  /** Connected peers and their subscriptions. */
  readonly connections: Connections<P, T>;
  /** Score parameters shared by all records. */
  readonly scoreParameters: ScoreParameters<T>;
  /** Score records by peer key: every connected peer, plus retained disconnected ones. */
  readonly scores: Map<Key, PeerScore<T>> = new Map();
  /** IHave messages received per peer since the last heartbeat. */
  readonly ihavePerHeartbeat: Map<Key, number> = new Map();
  /** Message ids requested (IWant) per peer since the last heartbeat. */
  readonly iwantPerHeartbeat: Map<Key, number> = new Map();
  /** Joined topics and their meshes. */
  readonly mesh: Map<Key, MeshEntry<P, T>> = new Map();
  /** Fanout topics. A topic is never both joined and in the fanout. */
  readonly fanout: Map<Key, FanoutEntry<P, T>> = new Map();
  /** Graft backoffs. */
  readonly backoffs: Backoffs = new Backoffs();
  /** History and seen windows. */
  readonly messageCache: MessageCache<P, T, I, M>;
  /** The seeded generator behind every shuffle. */
  readonly rng: Rng;
  /** Heartbeats processed so far (the first heartbeat is tick 1). */
  heartbeatTicks = 0;

  /** Validates the limits and builds an empty state. */
  constructor(config: GossipsubConfig<P, T, I, M>) {
    checkLimits(config.limits);
    this.limits = config.limits;
    this.peerFilter = config.peerFilter ?? acceptAllPeers;
    this.messageHandling = config.messageHandling ?? { kind: "Sequentially" };
    if (this.messageHandling.kind === "InBatches" && !(this.messageHandling.timeInterval >= 0)) {
      throw new RangeError(
        `messageHandling.timeInterval must be ≥ 0 ms, got ${this.messageHandling.timeInterval}`,
      );
    }
    this.peerModule = config.peer;
    this.topicModule = config.topic;
    this.messageIdModule = config.messageId;
    this.messageModule = config.message;
    this.peerKey = (p) => config.peer.key(p);
    this.topicKey = (t) => config.topic.key(t);
    this.messageIdKey = (i) => config.messageId.key(i);
    this.connections = new Connections(this.peerKey, this.topicKey);
    this.scoreParameters = new ScoreParameters(config.limits.scoreLimits, this.topicKey);
    this.messageCache = new MessageCache(
      {
        historySlots: config.limits.historyLength,
        gossipSlots: config.limits.historyGossipLength,
        seenSlots: config.limits.seenHistoryLength,
      },
      { peer: this.peerKey, topic: this.topicKey, messageId: this.messageIdKey },
    );
    this.rng = typeof config.rng === "number" ? new Rng(config.rng) : config.rng;
  }

  /** Score of the peer with key `peerKey`, or 0 without a record (Octez `get_score_or_zero`). */
  scoreOf(peerKey: Key): number {
    const record = this.scores.get(peerKey);
    return record === undefined ? 0 : record.value();
  }

  /** The subscribers of the topic with key `topicKey` accepted by `filter`, in index order. */
  candidates(topicKey: Key, filter: SelectFilter<P, T>): ConnectedPeer<P, T>[] {
    const subscribers = this.connections.subscribers(topicKey);
    const candidates: ConnectedPeer<P, T>[] = [];
    if (subscribers === undefined) return candidates;
    for (const connection of subscribers.values()) {
      if (filter(connection, this.scoreOf(connection.key))) candidates.push(connection);
    }
    return candidates;
  }

  /**
   * Octez `select_connections_peers`: the subscribers of the topic with key
   * `topicKey` accepted by `filter`, shuffled, at most `max` of them.
   */
  select(topicKey: Key, filter: SelectFilter<P, T>, max: number = Infinity): ConnectedPeer<P, T>[] {
    if (max <= 0) return [];
    const candidates = this.candidates(topicKey, filter);
    if (candidates.length > max) {
      this.rng.shuffle(candidates, max);
      candidates.length = max;
    } else {
      this.rng.shuffle(candidates);
    }
    return candidates;
  }

  /** Direct peers subscribed to the topic (Octez `get_direct_peers`). */
  directPeers(topicKey: Key): ReadonlyMap<Key, P> | undefined {
    return this.connections.directSubscribers(topicKey);
  }

  /** Whether an entry exists in the backoff table (expired or not; quirk §16.3). */
  backedOff(topicKey: Key, peerKey: Key): boolean {
    return this.backoffs.has(topicKey, peerKey);
  }
}

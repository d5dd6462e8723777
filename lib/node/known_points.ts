/**
 * The node's table of known points (Octez `P2p_pool` points part, spec §15.1): where peers listen,
 * learnt from the configuration, from connections (an incoming peer advertises its port, spec
 * §5.2), from Advertise and Nack lists, and from Prune peer exchange. It answers three questions:
 * which points to advertise (`list`, ≤ 50 as Octez), which to dial (`connectable`), and where a
 * gossipsub peer listens (`pointOfPeer`, for PX and `Connect`).
 *
 * @module
 */

import { ownCopy, ownPointId } from "../base/own_text.ts";
import { type PointId, pointIdToString } from "../base/point_id.ts";
import type { Rng } from "../base/rng.ts";

/** How a point became known. */
export type PointSource = "config" | "connection" | "advertise" | "nack" | "px";

/** What the node knows about one point. */
export interface KnownPoint {
  /** The point. */
  readonly point: PointId;
  /** Its text form, the table key. */
  readonly text: string;
  /** How it was first learnt. */
  readonly source: PointSource;
  /**
   * Trusted (Octez `P2p_point_state.Info.trusted`): never collected from the table, and the only
   * points a node in private mode dials or accepts. Set by {@link KnownPoints.setTrusted} (the
   * node trusts its bootstrap and trusted points, and those saved as trusted).
   */
  trusted: boolean;
  /**
   * Key of the peer that must answer at this point (an `addr#peer_id` point, Octez
   * `expected_peer_id`): a connection with another peer there is closed after authentication.
   */
  expectedPeerKey: string | undefined;
  /** Key of the peer last seen (or announced by PX) at this point. */
  peerKey: string | undefined;
  /** Id of that peer. */
  peerId: Uint8Array | undefined;
  /** A connection to it is running. */
  connected: boolean;
  /** It passed authentication with a non-private peer at least once ("known public"). */
  public: boolean;
  /** Last time a connection with it was established or ended (ms, `performance.now()`). */
  lastSeen: number | undefined;
  /**
   * Last time a dial failed or a running connection ended (ms; Octez `P2p_point_state.Info.last_miss`,
   * p2p_point_state.ml 125-130): the maintenance dials the points never missed first, then the
   * ones missed longest ago.
   */
  lastMiss: number | undefined;
  /** Earliest time to dial it again (ms). */
  nextAttempt: number;
  /** Current reconnection delay (ms), multiplied by the schedule's factor after each failure. */
  retryDelay: number;
}

/** Bounds of the table (Octez defaults: 400, collected down to 300). */
export interface KnownPointsLimits {
  /** Points kept before a collection. */
  readonly maxKnownPoints: number;
  /** Points left after a collection. */
  readonly targetKnownPoints: number;
  /** First reconnection delay after a failure (ms). */
  readonly initialRetryDelay: number;
  /** Largest reconnection delay (ms). */
  readonly maxRetryDelay: number;
  /** Factor of the reconnection delay after each failure (Octez: 1.2 on L1, 1.05 on the DAL). */
  readonly retryFactor: number;
}

/** The table of known points. */
export class KnownPoints {
  readonly #points = new Map<string, KnownPoint>();
  readonly #byPeer = new Map<string, string>();
  readonly #own = new Set<string>();
  readonly #limits: KnownPointsLimits;
  readonly #newPointListeners = new Set<() => void>();

  /**
   * An empty table.
   *
   * @param limits Size bounds and reconnection delays.
   */
  constructor(limits: KnownPointsLimits) {
    this.#limits = limits;
  }

  /**
   * Calls `listener` each time a point is added to the table (not when a known one is named
   * again): Octez's `new_point` trigger (`P2p_trigger.broadcast_new_point`, p2p_pool.ml 157).
   *
   * @param listener Called synchronously after the point is added.
   * @returns A function that removes the listener.
   */
  onNewPoint(listener: () => void): () => void {
    this.#newPointListeners.add(listener);
    return () => this.#newPointListeners.delete(listener);
  }

  /** Every known point, in table order. */
  entries(): IterableIterator<KnownPoint> {
    return this.#points.values();
  }

  /** Number of known points. */
  get size(): number {
    return this.#points.size;
  }

  /**
   * Marks a point as one of this node's own: it is never registered, dialled or advertised.
   *
   * @param point The point.
   */
  addOwn(point: PointId): void {
    const text = pointIdToString(point);
    this.#own.add(text);
    this.#forget(text);
  }

  /**
   * Whether `point` is one of this node's own.
   *
   * @param text The point's text.
   * @returns `true` for an own point.
   */
  isOwn(text: string): boolean {
    return this.#own.has(text);
  }

  /**
   * Registers a point (no-op for own points; an existing entry keeps its source).
   *
   * @param point The point.
   * @param source How it was learnt.
   * @param now The current time (ms).
   * @returns The entry, or `undefined` for an own point or a port 0.
   */
  add(point: PointId, source: PointSource, now: number): KnownPoint | undefined {
    if (point.port === 0) return undefined;
    let text = pointIdToString(point);
    if (this.#own.has(text)) return undefined;
    let entry = this.#points.get(text);
    if (entry === undefined) {
      // The table outlives the message the point came from: copies of its texts, not slices of the
      // message's text (`Reader.ascii`), which would keep the whole message alive.
      text = ownCopy(text);
      entry = {
        point: ownPointId(point),
        text,
        source,
        trusted: false,
        expectedPeerKey: undefined,
        peerKey: undefined,
        peerId: undefined,
        connected: false,
        public: false,
        lastSeen: undefined,
        lastMiss: undefined,
        nextAttempt: now,
        retryDelay: this.#limits.initialRetryDelay,
      };
      this.#points.set(text, entry);
      if (this.#points.size > this.#limits.maxKnownPoints) this.#collect();
      // Octez `register_point` broadcasts `new_point` for a point it did not know (p2p_pool.ml
      // 157): the maintenance waiting for new points wakes up.
      for (const listener of this.#newPointListeners) listener();
    }
    return entry;
  }

  /**
   * The entry of a point.
   *
   * @param text The point's text.
   * @returns The entry, if known.
   */
  get(text: string): KnownPoint | undefined {
    return this.#points.get(text);
  }

  /**
   * Records which peer listens at a point (from a connection or a PX entry).
   *
   * @param entry The point's entry.
   * @param peerKey The peer's key.
   * @param peerId The peer's id.
   */
  setPeer(entry: KnownPoint, peerKey: string, peerId: Uint8Array): void {
    if (entry.peerKey !== undefined && entry.peerKey !== peerKey) {
      if (this.#byPeer.get(entry.peerKey) === entry.text) this.#byPeer.delete(entry.peerKey);
    }
    entry.peerKey = peerKey;
    entry.peerId = peerId;
    this.#byPeer.set(peerKey, entry.text);
  }

  /**
   * Where a peer listens, as far as this node knows.
   *
   * @param peerKey The peer's key.
   * @returns Its point's entry, if known.
   */
  pointOfPeer(peerKey: string): KnownPoint | undefined {
    const text = this.#byPeer.get(peerKey);
    return text === undefined ? undefined : this.#points.get(text);
  }

  /**
   * Records that a connection with the point was established.
   *
   * @param entry The point's entry.
   * @param privateNode Whether the remote said it runs in private mode.
   * @param now The current time (ms).
   */
  connected(entry: KnownPoint, privateNode: boolean, now: number): void {
    entry.connected = true;
    // The latest connection's flag wins (Octez `P2p_point_state.set_private`).
    entry.public = !privateNode;
    entry.lastSeen = now;
    entry.retryDelay = this.#limits.initialRetryDelay;
  }

  /**
   * Records that the connection with the point ended; it may be dialled again after `delay`.
   *
   * @param entry The point's entry.
   * @param now The current time (ms).
   * @param delay Minimum time before dialling it again (ms).
   */
  disconnected(entry: KnownPoint, now: number, delay: number): void {
    entry.connected = false;
    entry.lastSeen = now;
    entry.lastMiss = now;
    entry.nextAttempt = now + delay;
  }

  /**
   * Records a failed dial: the point is not dialled again before the reconnection delay, which
   * grows by the schedule's factor after each failure up to its maximum (Octez
   * `P2p_point_state.set_disconnected`).
   *
   * @param entry The point's entry.
   * @param now The current time (ms).
   */
  failed(entry: KnownPoint, now: number): void {
    entry.lastMiss = now;
    entry.nextAttempt = now + entry.retryDelay;
    entry.retryDelay = Math.min(
      entry.retryDelay * this.#limits.retryFactor,
      this.#limits.maxRetryDelay,
    );
  }

  /**
   * Whether a point may be dialled now by the reconnection schedule: not connected and past its
   * back-off (an unknown point may be). The gossipsub worker asks this instead of keeping a
   * schedule of its own.
   *
   * @param text The point's text.
   * @param now The current time (ms).
   * @returns `true` when it may be dialled.
   */
  isDue(text: string, now: number): boolean {
    const entry = this.#points.get(text);
    return entry === undefined || (!entry.connected && entry.nextAttempt <= now);
  }

  /**
   * Forgets a point (e.g. one of another network), unless it is connected.
   *
   * @param text The point's text.
   */
  remove(text: string): void {
    if (this.#points.get(text)?.connected) return;
    this.#forget(text);
  }

  #forget(text: string): void {
    const entry = this.#points.get(text);
    if (entry === undefined) return;
    this.#points.delete(text);
    if (entry.peerKey !== undefined && this.#byPeer.get(entry.peerKey) === text) {
      this.#byPeer.delete(entry.peerKey);
    }
  }

  /**
   * Trusts a point or withdraws its trust (Octez `P2p_pool.Points.set_trusted`/`unset_trusted`,
   * p2p_pool.ml 290-301): registers it if new; an expected peer, when given, replaces the one
   * recorded. Withdrawing the trust keeps the point in the table.
   *
   * @param point The point.
   * @param trusted Trust it, or not.
   * @param now The current time (ms).
   * @param expectedPeerKey The peer that must answer there (`addr#peer_id`).
   * @returns The entry, or `undefined` for an own point or a port 0.
   */
  setTrusted(
    point: PointId,
    trusted: boolean,
    now: number,
    expectedPeerKey?: string,
  ): KnownPoint | undefined {
    const entry = trusted
      ? this.add(point, "config", now)
      : this.#points.get(pointIdToString(point));
    if (entry === undefined) return undefined;
    entry.trusted = trusted;
    if (expectedPeerKey !== undefined) entry.expectedPeerKey = expectedPeerKey;
    return entry;
  }

  // Octez drops disconnected untrusted points whose last failure is oldest (`gc_points`,
  // p2p_pool.ml 87-116); trusted points stay.
  #collect(): void {
    const removable = [...this.#points.values()]
      .filter((p) => !p.connected && !p.trusted)
      .sort((a, b) => (a.lastSeen ?? -Infinity) - (b.lastSeen ?? -Infinity));
    const excess = this.#points.size - this.#limits.targetKnownPoints;
    for (const entry of removable.slice(0, Math.max(0, excess))) this.#forget(entry.text);
  }

  /**
   * Octez `list_known_points ~ignore_private:true ~size`: known-public points, the connected ones
   * first (least recently seen first), then the others (most recently seen first); the first
   * `size − size·2/5` of that order, then the rest of the quota picked at random among the others.
   *
   * @param size How many points at most (Octez: 50).
   * @param rng The random generator.
   * @param isBanned Points whose peer is banned are left out.
   * @param isAddrBanned Points whose address is greylisted or blacklisted are left out.
   * @returns The points.
   */
  list(
    size: number,
    rng: Rng,
    isBanned: (peerKey: string) => boolean,
    isAddrBanned: (addr: string) => boolean = () => false,
  ): PointId[] {
    const candidates = [...this.#points.values()].filter((p) =>
      p.public && (p.peerKey === undefined || !isBanned(p.peerKey)) && !isAddrBanned(p.point.addr)
    );
    const seen = (p: KnownPoint) => p.lastSeen ?? -Infinity;
    const connected = candidates.filter((p) => p.connected).sort((a, b) => seen(a) - seen(b));
    const others = candidates.filter((p) => !p.connected).sort((a, b) => seen(b) - seen(a));
    const ordered = [...connected, ...others];
    const first = size - Math.floor((size * 2) / 5);
    const head = ordered.slice(0, first);
    const rest = ordered.slice(first);
    const picked = Math.min(rest.length, size - head.length);
    rng.shuffle(rest, picked);
    return [...head, ...rest.slice(0, picked)].map((p) => p.point);
  }

  /**
   * The maintenance's choice of points to dial (Octez `P2p_maintenance.connectable` and
   * `classify`, p2p_maintenance.ml 79-95 and 116-139): each known point is
   * - ignored (and may be chosen by a later call) when `seen` holds it or `ignore` says so: its
   *   address is banned, or, in private mode, it is not trusted;
   * - seen (added to `seen`, not chosen) when it is connected or `busy` (being dialled), when it
   *   missed after `startTime` (a failure of this maintenance is not retried by it), or when its
   *   back-off has not passed (`nextAttempt`);
   * - a candidate (added to `seen`) otherwise.
   * Of the candidates, at most `max` are returned: those never missed first, then those whose
   * last miss is oldest (Octez keeps the `max` greatest in a `Bounded_heap` ordered that way;
   * ties keep table order, as the heap keeps the first of equals it was given).
   *
   * @param query The current time, the maintenance's start, the quota, the points seen so far
   * (updated), and the predicates.
   * @returns The chosen entries.
   */
  connectable(query: ConnectableQuery): KnownPoint[] {
    const { now, startTime, max, seen } = query;
    if (max <= 0) return [];
    const candidates: KnownPoint[] = [];
    for (const p of this.#points.values()) {
      if (seen.has(p.text) || query.ignore(p)) continue;
      seen.add(p.text);
      if (p.connected || query.busy(p)) continue;
      if (p.lastMiss !== undefined && startTime < p.lastMiss) continue;
      if (p.nextAttempt > now) continue;
      candidates.push(p);
    }
    const miss = (p: KnownPoint) => p.lastMiss ?? -Infinity;
    candidates.sort((a, b) => miss(a) - miss(b)); // stable: ties keep table order
    return candidates.slice(0, max);
  }
}

/** What {@link KnownPoints.connectable} selects from. */
export interface ConnectableQuery {
  /** The current time (ms). */
  readonly now: number;
  /** When the maintenance's attempt began (ms): points that missed after it are not chosen. */
  readonly startTime: number;
  /** How many points at most (Octez `max_to_contact`). */
  readonly max: number;
  /** Points already seen by this attempt; the call adds those it sees. */
  readonly seen: Set<string>;
  /** Points left out without being seen (banned address, untrusted in private mode). */
  readonly ignore: (entry: KnownPoint) => boolean;
  /** Points not to dial now though not connected (being dialled, or their peer connected). */
  readonly busy: (entry: KnownPoint) => boolean;
}

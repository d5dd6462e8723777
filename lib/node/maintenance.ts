/**
 * Peer discovery and connection maintenance (Octez `P2p_maintenance` and the P2P part of
 * `P2p_connect_handler`, spec §15): answers Bootstrap with Advertise, learns advertised points,
 * keeps the number of running connections between its thresholds, and swaps connections.
 *
 * As Octez (`src/lib_p2p/p2p_maintenance.ml`, line numbers below):
 * - One maintenance runs at a time. It starts after `idleMs` without one (`maintenance_idle_time`,
 *   the profile's `maintenanceMs`: 120 s for L1, none for the DAL; 437-474), when a connection
 *   ends leaving fewer than `min_connections` running, when a new one brings them to
 *   `max_connections` (`p2p_connect_handler.ml` 248-252 and 272-275), and on request
 *   ({@link Maintenance.round}, Octez `maintain` 502-508). A trigger that fires while one runs is
 *   dropped, as Octez's worker is not waiting then: the running one re-counts before it ends
 *   (287-301).
 * - It counts running connections only (`active_connections`, 238). Below `min_threshold` it tries
 *   to reach `min_target`, dialling at most `max_target − n` points at once and again with the
 *   points it has not tried yet until `min_target` is reached (`too_few_connections`,
 *   `try_to_contact_loop`, 154-172 and 252-267). Points never missed come first, then those that
 *   missed longest ago, past their back-off and not missed since this attempt began
 *   (`KnownPoints.connectable`).
 * - Out of candidates, it sends Bootstrap to every non-private connection once and waits for a new
 *   point or a new peer, or 5 s (`time_between_looking_for_peers`, `p2p.ml` 142-143), then tries
 *   again (`ask_for_more_contacts`, 196-217); in private mode it only waits.
 * - Above `max_threshold` it closes `n − max_target` random connections, sparing those that are
 *   both private and trusted (`random_connections`, 219-229; `too_many_connections`, 269-285).
 * - Between the thresholds, outside private mode, it sends one Swap_request (`maintain`, 302-309).
 *
 * Deliberate differences:
 * - No maintenance runs at {@link Maintenance.start}: Octez runs one at once (`Activation`,
 *   469-471), which dials every known point (a data directory's peers.json included) and sends
 *   Bootstrap. Here the P2P layer dials its configured points at start, and the first maintenance
 *   comes with the first trigger or after `idleMs`, so that a node given a long period stays
 *   still until then (the node tests rely on it). {@link Maintenance.round} runs one on demand.
 * - Swaps (§15.3) follow Octez's rules on the answering side. On the requesting side a
 *   Swap_request is sent only when `swapLingerMs` has passed since the last swap request, accepted
 *   swap or successful swap (Octez sends one at every maintenance within bounds, 302-309): the
 *   `simple` profile idles only 5 s.
 * - Swap_requests we send are spaced by at least 60 s per connection, since Octez's reader sleeps
 *   a connection that sends them faster; received ones are throttled per connection by
 *   `ReceiveThrottle` (throttle.ts).
 * - A point whose peer is refused (kicked, greylisted, blacklisted) is not chosen, and one whose
 *   peer is connected through another point is not dialled: our pool refuses such a dial before
 *   connecting, where Octez's `classify` (79-95) picks them and its connection fails after
 *   authentication.
 * - Octez wakes the wait for contacts when a peer id enters its peer table, at authentication
 *   (`register_peer`, `p2p_connect_handler.ml` 470, `p2p_pool.ml` 233); we wake it when a
 *   connection with a peer not seen among the last 400 (Octez's `max_known_peer_ids`) runs.
 * - `min_connections`, which the too-few trigger compares with, is recovered from the thresholds
 *   (`maintenanceBounds`: `min_threshold = min + s`, `min_target = min + 2s`).
 *
 * @module
 */

import type { PointId } from "../base/point_id.ts";
import { pointIdToString } from "../base/point_id.ts";
import type { Rng } from "../base/rng.ts";
import type { BanList } from "./ban_list.ts";
import type { KnownPoint, KnownPoints } from "./known_points.ts";
import type { MaintenanceBounds } from "./options.ts";
import type { PeerLink } from "./peer_link.ts";
import { ADVERTISED_POINTS, type Pool } from "./pool.ts";

/** Minimum time between two Swap_requests sent on one connection (Octez's receive throttle). */
export const SWAP_REQUEST_SPACING_MS = 60_000;

/**
 * How long a maintenance out of candidates waits for new points after sending Bootstrap (Octez
 * `time_between_looking_for_peers`, 5 s, `p2p.ml` 142-143).
 */
export const TIME_BETWEEN_LOOKING_FOR_PEERS_MS = 5_000;

// Peers remembered to tell a new peer from a known one (Octez `max_known_peer_ids`, 400,
// `p2p_limits.ml` 83).
const KNOWN_PEERS = 400;

/** Why a maintenance ran (Octez `maintenance_trigger_motive`). */
export type MaintenanceMotive =
  | "timer"
  | "external"
  | "too_few_connections"
  | "too_many_connections";

/** Settings of {@link Maintenance}. */
export interface MaintenanceConfig<W, Meta> {
  /** The pool. */
  readonly pool: Pool<W, Meta>;
  /** Known points. */
  readonly known: KnownPoints;
  /** Refused peers. */
  readonly bans: BanList;
  /** Random choices. */
  readonly rng: Rng;
  /** Connection thresholds. */
  readonly bounds: MaintenanceBounds;
  /** Send Bootstrap, answer it and learn from Advertise. */
  readonly peerDiscovery: boolean;
  /** Minimum time between swaps, ms; `null` disables swaps. */
  readonly swapLingerMs: number | null;
  /** Private mode: trusted points only, no Bootstrap, no swaps. */
  readonly privateMode?: boolean;
  /** Whether a peer is trusted (spared by the trimming when it is also private). */
  readonly isPeerTrusted?: (peerKey: string) => boolean;
  /** Wait for new points when out of candidates, ms (default 5 s, Octez's). */
  readonly lookForPeersMs?: number;
}

/** Counters of the maintenance and peer exchange. */
export interface MaintenanceStats {
  /** Maintenances run (triggered, timed or requested; each re-counts until within bounds). */
  rounds: number;
  /** Maintenances started because a connection ended below `min_connections`. */
  tooFewTriggers: number;
  /** Maintenances started because a new connection reached `max_connections`. */
  tooManyTriggers: number;
  /** Points the maintenance dialled. */
  dials: number;
  /** Connections the maintenance closed above `max_threshold`. */
  trimmed: number;
  /** Waits for new points after running out of candidates. */
  waitsForPoints: number;
  /** Bootstrap messages sent. */
  bootstrapsSent: number;
  /** Advertise messages sent. */
  advertisesSent: number;
  /** Points received in Advertise messages. */
  pointsAdvertised: number;
  /** Swap_request messages sent. */
  swapRequestsSent: number;
  /** Swap_ack messages sent. */
  swapAcksSent: number;
  /** Swaps completed (the new connection was established). */
  swaps: number;
  /** Bootstrap, Advertise and swap messages held back by their per-connection throttle. */
  throttledMessages: number;
  /** Such messages merged into, or replacing, one already held back. */
  coalescedMessages: number;
  /** Bootstrap, Advertise and swap messages ignored because the node runs in private mode. */
  ignoredInPrivateMode: number;
}

/** The maintenance worker and the handlers of Bootstrap, Advertise, Swap_request and Swap_ack. */
export class Maintenance<W, Meta = unknown> {
  readonly #c: MaintenanceConfig<W, Meta>;
  readonly #minConnections: number;
  readonly #unsubscribe: () => void;
  readonly #peersSeen = new Set<string>();
  #latestAcceptedSwap = -Infinity;
  #latestSuccessfulSwap = -Infinity;
  #latestSwapRequest = -Infinity;
  #idleMs: number | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #busy = false;
  #closed = false;
  // The wait of `ask_for_more_contacts`: ends it; `#wakeOnNews` says whether news end it.
  #endWait: (() => void) | undefined;
  #wakeOnNews = false;
  /** Counters. */
  readonly stats: MaintenanceStats = {
    rounds: 0,
    tooFewTriggers: 0,
    tooManyTriggers: 0,
    dials: 0,
    trimmed: 0,
    waitsForPoints: 0,
    bootstrapsSent: 0,
    advertisesSent: 0,
    pointsAdvertised: 0,
    swapRequestsSent: 0,
    swapAcksSent: 0,
    swaps: 0,
    throttledMessages: 0,
    coalescedMessages: 0,
    ignoredInPrivateMode: 0,
  };

  /**
   * Maintenance over a pool; nothing runs before {@link Maintenance.start} or
   * {@link Maintenance.round}.
   *
   * @param config The pool, tables and settings.
   */
  constructor(config: MaintenanceConfig<W, Meta>) {
    this.#c = config;
    const { minThreshold, minTarget } = config.bounds;
    this.#minConnections = Math.max(0, 2 * minThreshold - minTarget);
    // Octez's wait for contacts also ends on `new_point` (p2p_maintenance.ml 210).
    this.#unsubscribe = config.known.onNewPoint(() => this.#news());
  }

  #banned = (key: string): boolean => this.#c.pool.isPeerRefused(key);
  #addrBanned = (addr: string): boolean => this.#c.pool.isAddrRefused(addr);

  /**
   * Starts the worker: a maintenance after each `idleMs` without any, and on the connection
   * triggers (none at once; see the module notes).
   *
   * @param idleMs The idle period, ms (the profile's `maintenanceMs`).
   */
  start(idleMs: number): void {
    if (this.#closed || this.#idleMs !== undefined) return;
    this.#idleMs = idleMs;
    this.#armIdleTimer();
  }

  #armIdleTimer(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      this.#request("timer");
    }, this.#idleMs);
  }

  /**
   * Stops the worker: no further maintenance starts, a running one stops at its next step.
   *
   * @returns Resolves when the running maintenance, if any, has ended.
   */
  close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#unsubscribe();
    this.#endWait?.();
    return this.#running ?? Promise.resolve();
  }

  /**
   * Runs a maintenance now, or joins the one running (Octez `P2p_maintenance.maintain`).
   *
   * @returns Resolves when that maintenance ends.
   */
  round(): Promise<void> {
    return this.#request("external");
  }

  /**
   * A running connection ended: below `min_connections` this starts a maintenance at once
   * (`p2p_connect_handler.ml` 248-252). Called by the P2P layer.
   */
  onConnectionEnded(): void {
    if (this.#idleMs === undefined || this.#c.pool.size >= this.#minConnections) return;
    if (!this.#busy) this.stats.tooFewTriggers++;
    this.#request("too_few_connections");
  }

  /**
   * A connection started running: reaching `max_connections` starts a maintenance at once
   * (`p2p_connect_handler.ml` 268-275); a peer not seen before ends the wait for contacts (Octez
   * `new_peer`, p2p_maintenance.ml 209). Called by the P2P layer.
   *
   * @param link The new connection.
   */
  onConnectionEstablished(link: PeerLink<W, Meta>): void {
    if (!this.#peersSeen.has(link.key)) {
      this.#peersSeen.add(link.key);
      if (this.#peersSeen.size > KNOWN_PEERS) {
        this.#peersSeen.delete(this.#peersSeen.values().next().value as string);
      }
      this.#news();
    }
    if (this.#idleMs === undefined) return;
    if (this.#c.pool.size < this.#c.bounds.maxConnections) return;
    if (!this.#busy) this.stats.tooManyTriggers++;
    this.#request("too_many_connections");
  }

  #news(): void {
    if (this.#wakeOnNews) this.#endWait?.();
  }

  // The worker's next request: a maintenance, unless one runs (the trigger is then dropped, as
  // Octez's worker waits for triggers only between maintenances, 441-474).
  #request(_motive: MaintenanceMotive): Promise<void> {
    if (this.#running !== undefined) return this.#running;
    if (this.#closed) return Promise.resolve();
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.stats.rounds++;
    this.#busy = true;
    // Nothing in a maintenance is expected to throw; if something did, the worker goes on.
    const running = this.#maintain().catch(() => {});
    // A maintenance within bounds ends before the first await: #busy is already false then.
    if (this.#busy) this.#running = running;
    return running;
  }

  // Octez `maintain` (287-309): maintain until within the thresholds, then maybe propose a swap.
  // The last count and the end of the maintenance happen in one synchronous step, so that no
  // trigger can fall between them.
  async #maintain(): Promise<void> {
    const { pool, bounds, bans } = this.#c;
    try {
      for (;;) {
        if (this.#closed) return;
        bans.prune(performance.now());
        const n = pool.size;
        if (n < bounds.minThreshold) await this.#tooFewConnections(n);
        else if (n > bounds.maxThreshold) {
          if (!await this.#tooManyConnections(n)) return;
        } else {
          if (!this.#c.privateMode) this.#sendSwapRequest(performance.now());
          return;
        }
      }
    } finally {
      this.#busy = false;
      this.#running = undefined;
      if (!this.#closed && this.#idleMs !== undefined) this.#armIdleTimer();
    }
  }

  // Octez `too_few_connections` (252-267).
  async #tooFewConnections(n: number): Promise<void> {
    const { bounds } = this.#c;
    const reached = await this.#tryToContact(bounds.minTarget - n, bounds.maxTarget - n);
    if (!reached && !this.#closed) await this.#askForMoreContacts();
  }

  // Octez `try_to_contact` and `try_to_contact_loop` (154-191): rounds of parallel dials until
  // `minToContact` connections are made; `false` when out of candidates first.
  async #tryToContact(minToContact: number, maxToContact: number): Promise<boolean> {
    const startTime = performance.now();
    const seen = new Set<string>();
    const { pool, known } = this.#c;
    const trustedOnly = this.#c.privateMode ?? false;
    while (minToContact > 0) {
      if (this.#closed) return false;
      const candidates = known.connectable({
        now: performance.now(),
        startTime,
        max: maxToContact,
        seen,
        ignore: (p) =>
          this.#addrBanned(p.point.addr) || (trustedOnly && !p.trusted) ||
          (p.peerKey !== undefined && this.#banned(p.peerKey)),
        busy: (p) =>
          pool.dialling.has(p.text) ||
          (p.peerKey !== undefined && pool.get(p.peerKey) !== undefined),
      });
      if (candidates.length === 0) {
        await Promise.resolve(); // Octez `Lwt.pause` (163)
        return false;
      }
      const established = await this.#establish(candidates);
      minToContact -= established;
      maxToContact -= established;
    }
    return true;
  }

  // Octez `establish` (100-111): dials every candidate at once; how many connections ran.
  async #establish(candidates: readonly KnownPoint[]): Promise<number> {
    this.stats.dials += candidates.length;
    const results = await Promise.all(
      candidates.map((p) => this.#c.pool.dial(p.point, p.source).then(() => 1, () => 0)),
    );
    return results.reduce((a: number, b: number) => a + b, 0);
  }

  // Octez `ask_for_more_contacts` (196-217): Bootstrap to every non-private connection, then wait
  // for a new point or peer, or 5 s; in private mode, only wait 5 s.
  async #askForMoreContacts(): Promise<void> {
    const privateMode = this.#c.privateMode ?? false;
    if (!privateMode && this.#c.peerDiscovery) {
      // Octez `broadcast_bootstrap_msg` (59-68).
      for (const link of this.#c.pool.links()) {
        if (!link.privateNode && link.send({ kind: "Bootstrap" })) this.stats.bootstrapsSent++;
      }
    }
    this.stats.waitsForPoints++;
    const ms = this.#c.lookForPeersMs ?? TIME_BETWEEN_LOOKING_FOR_PEERS_MS;
    await new Promise<void>((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.#endWait = undefined;
        this.#wakeOnNews = false;
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.#endWait = end;
      this.#wakeOnNews = !privateMode;
    });
  }

  // Octez `too_many_connections` (269-285) with `random_connections` (219-229): close
  // `n − max_target` random connections, never one that is both private and trusted. `false`
  // when every connection is spared: Octez would count again at once and loop; we end the
  // maintenance instead and leave it to the next trigger.
  async #tooManyConnections(n: number): Promise<boolean> {
    const { pool, bounds, rng } = this.#c;
    const trusted = (link: PeerLink<W, Meta>) =>
      link.point?.trusted === true || (this.#c.isPeerTrusted?.(link.key) ?? false);
    const links = pool.links().filter((link) => !(link.privateNode && trusted(link)));
    rng.shuffle(links);
    const victims = links.slice(0, n - bounds.maxTarget);
    this.stats.trimmed += victims.length;
    await Promise.all(victims.map((link) => pool.disconnect(link.key).catch(() => {})));
    return victims.length > 0;
  }

  /**
   * Bootstrap from a peer: answer with up to 50 known public points (non-blocking; nothing is
   * sent when there are none).
   *
   * @param link The requesting connection.
   */
  onBootstrap(link: PeerLink<W, Meta>): void {
    if (!this.#c.peerDiscovery || link.privateNode) return;
    const points = this.#c.known.list(
      ADVERTISED_POINTS,
      this.#c.rng,
      this.#banned,
      this.#addrBanned,
    );
    if (points.length > 0 && link.send({ kind: "Advertise", points })) {
      this.stats.advertisesSent++;
    }
  }

  /**
   * Advertise from a peer: register the points (the next round dials them if needed).
   *
   * @param points The advertised points (at most 100, checked by the decoder).
   */
  onAdvertise(points: readonly PointId[]): void {
    if (!this.#c.peerDiscovery) return;
    const now = performance.now();
    this.stats.pointsAdvertised += points.length;
    for (const point of points) this.#c.known.add(point, "advertise", now);
  }

  #swapsAllowed(now: number): boolean {
    const linger = this.#c.swapLingerMs;
    if (linger === null) return false;
    return now - Math.max(this.#latestAcceptedSwap, this.#latestSuccessfulSwap) >= linger;
  }

  // Random other connections whose listening point is known, in random order.
  #proposable(except: string): PeerLink<W, Meta>[] {
    const links = this.#c.pool.links().filter((l) =>
      l.key !== except && !l.privateNode && l.listeningPoint !== undefined
    );
    return this.#c.rng.shuffle(links);
  }

  #sendSwapRequest(now: number): void {
    const linger = this.#c.swapLingerMs;
    if (linger === null || !this.#swapsAllowed(now) || now - this.#latestSwapRequest < linger) {
      return;
    }
    const links = this.#c.pool.links().filter((l) => !l.privateNode);
    if (links.length < 2) return;
    // Octez's reader throttles Swap_request per connection and sleeps that connection's reader
    // until 60 s have passed since the previous one (`p2p_protocol.ml` 61-137), delaying every
    // message behind it: never send two on one connection within that time.
    const targets = links.filter((l) => now - l.lastSwapRequestAt >= SWAP_REQUEST_SPACING_MS);
    if (targets.length === 0) return;
    const target = targets[this.#c.rng.int(targets.length)];
    const proposed = this.#proposable(target.key)[0];
    if (proposed === undefined) return;
    const point = proposed.listeningPoint as PointId;
    if (target.send({ kind: "SwapRequest", point, peerId: proposed.peerId })) {
      target.lastSwapRequest = { at: now, peerKey: proposed.key };
      target.lastSwapRequestAt = now;
      this.#latestSwapRequest = now;
      this.stats.swapRequestsSent++;
    }
  }

  #alreadyConnected(point: PointId): boolean {
    const text = pointIdToString(point);
    const entry = this.#c.known.get(text);
    return this.#c.known.isOwn(text) || entry?.connected === true ||
      this.#c.pool.dialling.has(text);
  }

  // Dial `point`; once it runs, drop the connection with `replaced` (Octez reason Peer_swapped).
  #swap(point: PointId, replaced: string): void {
    this.#latestAcceptedSwap = performance.now();
    this.#c.pool.dial(point, "advertise").then(
      () => {
        this.#latestSuccessfulSwap = performance.now();
        this.stats.swaps++;
        this.#c.pool.disconnect(replaced).catch(() => {});
      },
      () => {
        this.#latestAcceptedSwap = this.#latestSuccessfulSwap;
      },
    );
  }

  /**
   * Swap_request from a peer (its peer id field is ignored, as in Octez): when swaps are allowed
   * and the point is new to us, propose another connection back with Swap_ack, dial the point,
   * and on success drop the proposed connection.
   *
   * @param link The requesting connection.
   * @param point The point it proposes.
   */
  onSwapRequest(link: PeerLink<W, Meta>, point: PointId): void {
    if (!this.#swapsAllowed(performance.now()) || this.#alreadyConnected(point)) return;
    const proposed = this.#proposable(link.key)[0];
    if (proposed === undefined) return;
    const point2 = proposed.listeningPoint as PointId;
    if (!link.send({ kind: "SwapAck", point: point2, peerId: proposed.peerId })) return;
    this.stats.swapAcksSent++;
    this.#swap(point, proposed.key);
  }

  /**
   * Swap_ack from a peer we sent a Swap_request to: dial the point it proposes, and on success
   * drop the connection we proposed to it.
   *
   * @param link The answering connection.
   * @param point The point it proposes.
   */
  onSwapAck(link: PeerLink<W, Meta>, point: PointId): void {
    const request = link.lastSwapRequest;
    if (this.#c.swapLingerMs === null || request === undefined) return;
    if (this.#alreadyConnected(point)) return;
    link.lastSwapRequest = undefined;
    this.#swap(point, request.peerKey);
  }
}

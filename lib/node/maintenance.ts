/**
 * Peer discovery and connection maintenance (Octez `P2p_maintenance` and the P2P part of
 * `P2p_connect_handler`, spec §15): answers Bootstrap with Advertise, learns advertised points,
 * keeps the connection count between its thresholds, and swaps connections.
 *
 * Simplifications, each a deliberate choice for a library node:
 * - The maintenance runs on a fixed period (`maintenanceMs`) instead of on events plus every
 *   120 s; below the minimum it dials known points, and sends Bootstrap to every peer only when
 *   there are not enough points to dial (as Octez), without the 5 s wait for new points.
 * - Swaps (§15.3) follow Octez's rules on the answering side. On the requesting side a
 *   Swap_request is sent after a round within bounds only when `swapLingerMs` has passed since
 *   the last swap request, accepted swap or successful swap, because rounds here are frequent.
 * - Swap_requests we send are spaced by at least 60 s per connection, since Octez's reader sleeps
 *   a connection that sends them faster; received ones are throttled per connection by
 *   `ReceiveThrottle` (throttle.ts).
 * - Private mode (Octez `p2p_maintenance.ml` 79-85, 196-200, 303-307): only trusted points are
 *   dialled, no Bootstrap is sent and no swap is requested.
 *
 * @module
 */

import type { PointId } from "../base/point_id.ts";
import { pointIdToString } from "../base/point_id.ts";
import type { Rng } from "../base/rng.ts";
import type { BanList } from "./ban_list.ts";
import type { KnownPoints } from "./known_points.ts";
import type { MaintenanceBounds } from "./options.ts";
import type { PeerLink } from "./peer_link.ts";
import { ADVERTISED_POINTS, type Pool } from "./pool.ts";

/** Minimum time between two Swap_requests sent on one connection (Octez's receive throttle). */
export const SWAP_REQUEST_SPACING_MS = 60_000;

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
}

/** Counters of the maintenance and peer exchange. */
export interface MaintenanceStats {
  /** Maintenance rounds run. */
  rounds: number;
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

/** Maintenance rounds and the handlers of Bootstrap, Advertise, Swap_request and Swap_ack. */
export class Maintenance<W, Meta = unknown> {
  readonly #c: MaintenanceConfig<W, Meta>;
  #latestAcceptedSwap = -Infinity;
  #latestSuccessfulSwap = -Infinity;
  #latestSwapRequest = -Infinity;
  /** Counters. */
  readonly stats: MaintenanceStats = {
    rounds: 0,
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
   * Maintenance over a pool.
   *
   * @param config The pool, tables and settings.
   */
  constructor(config: MaintenanceConfig<W, Meta>) {
    this.#c = config;
  }

  #banned = (key: string): boolean => this.#c.pool.isPeerRefused(key);
  #addrBanned = (addr: string): boolean => this.#c.pool.isAddrRefused(addr);

  /** One maintenance round: dial below the minimum, trim above the maximum, else maybe swap. */
  round(): void {
    const { pool, known, bounds, rng } = this.#c;
    const now = performance.now();
    this.stats.rounds++;
    this.#c.bans.prune(now);
    const count = pool.size + pool.pending;
    if (count < bounds.minThreshold) {
      const wanted = bounds.minTarget - count;
      const privateMode = this.#c.privateMode ?? false;
      const candidates = known.dialCandidates(now, this.#banned, pool.dialling, privateMode)
        .filter((p) => p.peerKey === undefined || pool.get(p.peerKey) === undefined)
        .filter((p) => !this.#addrBanned(p.point.addr));
      rng.shuffle(candidates, wanted);
      for (const p of candidates.slice(0, wanted)) pool.dial(p.point, p.source).catch(() => {});
      if (candidates.length < wanted && this.#c.peerDiscovery && !privateMode) {
        for (const link of pool.links()) {
          if (!link.privateNode && link.send({ kind: "Bootstrap" })) this.stats.bootstrapsSent++;
        }
      }
    } else if (pool.size > bounds.maxThreshold) {
      const links = pool.links();
      rng.shuffle(links);
      for (const link of links.slice(0, pool.size - bounds.maxTarget)) {
        pool.disconnect(link.key).catch(() => {});
      }
    } else if (!this.#c.privateMode) {
      this.#sendSwapRequest(now);
    }
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

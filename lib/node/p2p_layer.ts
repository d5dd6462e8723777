/**
 * The P2P layer of a node (Octez `P2p`): the listener, the table of known points, the bans, the
 * connection pool and the maintenance, with the Bootstrap / Advertise / swap messages handled here
 * and every application message handed to the layer above. Both kinds of node sit on it: the
 * gossip node (`Node`, the `simple` and `dal` profiles) and the L1 peer (`ShellNode`, the `shell`
 * profile).
 *
 * ```text
 * listener ─ accept ─┐
 * maintenance ─ dial ─┴▶ Pool (handshake, checks, one reader loop per connection)
 *                         ├─ Bootstrap / Advertise / Swap_* ─▶ ReceiveThrottle ─▶ Maintenance
 *                         └─ Message ─▶ onMessage (the layer above)
 * ```
 *
 * In private mode the peer-exchange messages are ignored (Octez `P2p_protocol.Private_answerer`,
 * chosen by `p2p.ml` 220), and only trusted points and peers are dialled and accepted.
 *
 * @module
 */

import {
  isPointIdError,
  makePointId,
  parsePointId,
  type PointId,
  pointIdToString,
} from "../base/point_id.ts";
import { peerIdFromString, peerIdKey, peerIdToString } from "../crypto/mod.ts";
import type { P2pStat } from "../connection/mod.ts";
import { Acl, type NodeAcl } from "./acl.ts";
import { BanList } from "./ban_list.ts";
import { NodeError } from "./errors.ts";
import type { NodeEvent } from "./events.ts";
import { KnownPoints } from "./known_points.ts";
import { Maintenance, type MaintenanceStats } from "./maintenance.ts";
import { type P2pSnapshot, p2pSnapshot } from "./p2p_snapshot.ts";
import { fromHex } from "../encoding/hex.ts";
import type { PeerLink } from "./peer_link.ts";
import { Pool, type PoolStats } from "./pool.ts";
import { ReceiveThrottle, type ThrottledMessage } from "./throttle.ts";
import { withPeer } from "./p2p_layer_settings.ts";

import type { P2pLayerConfig } from "./p2p_layer_config.ts";

export type { P2pLayerConfig } from "./p2p_layer_config.ts";
export { type P2pLayerSettings, p2pLayerSettings } from "./p2p_layer_settings.ts";

/** One connected peer, as a node's `peers()` reports it. */
export interface PeerInfo {
  /** The peer id (16 bytes). */
  readonly peerId: Uint8Array;
  /** The peer id in base58 (`id…`). */
  readonly id: string;
  /** Where it listens, when known. */
  readonly point: PointId | undefined;
  /** It opened the connection. */
  readonly incoming: boolean;
  /** Traffic of the connection. */
  readonly stat: P2pStat;
}

// A point given to the API: a PointIdError becomes NodeError `invalid_point`.
function apiPoint(
  op: string,
  p: PointId | string,
): { point: PointId; peerId: Uint8Array | undefined } {
  try {
    return withPeer(p);
  } catch (e) {
    if (!isPointIdError(e)) throw e;
    throw new NodeError("invalid_point", `${op}: ${e.message}`, { point: e.text }, { cause: e });
  }
}

function peerInfo<W, Meta>(link: PeerLink<W, Meta>): PeerInfo {
  return {
    peerId: link.peerId,
    id: peerIdToString(link.peerId),
    point: link.listeningPoint,
    incoming: link.incoming,
    stat: link.conn.stat(),
  };
}

/** Counters of the P2P layer. */
export interface P2pLayerStats {
  /** Running connections. */
  readonly connections: number;
  /** Connections being dialled or handshaken. */
  readonly pendingConnections: number;
  /** Points in the known-points table. */
  readonly knownPoints: number;
  /** Pool counters. */
  readonly pool: Readonly<PoolStats>;
  /** Maintenance and peer-exchange counters. */
  readonly maintenance: Readonly<MaintenanceStats>;
}

/** Listener, known points, bans, pool and maintenance of one node. */
export class P2pLayer<W, Meta> {
  /** Where the node listens (`undefined` when it does not). */
  readonly listeningPoint: PointId | undefined;
  /** The known points (shared with the gossip layer for PX and `Connect`). */
  readonly known: KnownPoints;
  /** Kicked peers (timed bans). */
  readonly bans: BanList = new BanList();
  /** Greylists and blacklists of addresses and peers. */
  readonly acl: Acl;
  /** The pool. */
  readonly pool: Pool<W, Meta>;
  readonly #maintenance: Maintenance<W, Meta>;
  readonly #listener: Deno.Listener | undefined;
  readonly #bootstrap: readonly PointId[];
  readonly #maintenanceMs: number | null;
  readonly #onEvent: ((event: NodeEvent) => void) | undefined;
  readonly #throttles = new WeakMap<PeerLink<W, Meta>, ReceiveThrottle>();
  readonly #privateMode: boolean;
  #acceptLoop: Promise<void> = Promise.resolve();

  /**
   * Builds the layer and binds the listener; nothing runs before {@link P2pLayer.start}.
   *
   * @param c The configuration.
   * @throws {Deno.errors.AddrInUse} When the listening port is taken.
   */
  constructor(c: P2pLayerConfig<W, Meta>) {
    const selfKey = peerIdKey(c.identity.peerId);
    const now = performance.now();
    const { reconnection } = c;
    this.acl = new Acl({ ipGreylistMs: c.ipGreylistMs });
    this.known = new KnownPoints({
      maxKnownPoints: 400,
      targetKnownPoints: 300,
      initialRetryDelay: reconnection.initialDelayMs,
      maxRetryDelay: reconnection.maxDelayMs,
      retryFactor: reconnection.factor,
    });
    if (c.listen !== false) {
      this.#listener = Deno.listen({
        hostname: c.listen.host ?? "127.0.0.1",
        port: c.listen.port ?? 0,
        transport: "tcp",
      });
      const addr = this.#listener.addr as Deno.NetAddr;
      this.listeningPoint = makePointId(addr.hostname, addr.port);
      this.known.addOwn(this.listeningPoint);
      if (addr.hostname === "0.0.0.0" || addr.hostname === "::") {
        this.known.addOwn(makePointId("127.0.0.1", addr.port));
      }
    }
    for (const record of c.knownPoints ?? []) {
      const point = parsePointId(record.point);
      const entry = record.trusted
        ? this.known.setTrusted(point, true, now)
        : this.known.add(point, "advertise", now);
      if (entry !== undefined && record.peerId !== undefined) {
        const peerId = peerIdFromString(record.peerId);
        this.known.setPeer(entry, peerIdKey(peerId), peerId);
      }
    }
    for (const point of c.bootstrapPoints) {
      const expected = c.expectedPeers?.get(pointIdToString(point));
      this.known.setTrusted(
        point,
        true,
        now,
        expected === undefined ? undefined : peerIdKey(expected),
      );
    }
    for (const peer of c.trustedPeers ?? []) this.acl.trustPeer(peerIdKey(peer));
    this.#privateMode = c.privateMode ?? false;
    this.#bootstrap = c.bootstrapPoints.filter((p) => !this.known.isOwn(pointIdToString(p)));
    try {
      this.pool = new Pool<W, Meta>({
        handshake: {
          identity: c.identity,
          powTarget: c.powTarget,
          versions: c.versions,
          metadata: c.metadata(this.listeningPoint?.port),
          metadataCodec: c.metadataCodec,
          listeningPort: c.advertisedPort ?? this.listeningPoint?.port ?? 0,
        },
        selfKey,
        codec: c.codec,
        known: this.known,
        bans: this.bans,
        rng: c.rng,
        bounds: c.bounds,
        connectTimeoutMs: c.connectTimeoutMs,
        authenticationTimeoutMs: c.authenticationTimeoutMs,
        maxIncomingHandshakes: c.maxIncomingHandshakes,
        outgoingQueueSize: c.outgoingQueueSize,
        acl: this.acl,
        reconnectDelayMs: reconnection.afterDisconnectionMs,
        remoteListeningPoint: c.remoteListeningPoint,
        peerDiscovery: c.peerDiscovery,
        privateMode: this.#privateMode,
        onEvent: c.onEvent,
        onOpen: (link) => {
          c.onOpen(link);
          this.#maintenance.onConnectionEstablished(link);
        },
        onClose: (link, error) => {
          this.#throttles.get(link)?.close();
          c.onClose(link, error);
          this.#maintenance.onConnectionEnded();
        },
        onMessage: (link, message) => {
          if (message.kind === "Message") return c.onMessage(link, message.message);
          if (message.kind === "Disconnect") return;
          if (this.#privateMode) {
            this.#maintenance.stats.ignoredInPrivateMode++;
            return;
          }
          this.#throttle(link).offer(message, performance.now());
        },
      });
      this.#maintenance = new Maintenance<W, Meta>({
        pool: this.pool,
        known: this.known,
        bans: this.bans,
        rng: c.rng,
        bounds: c.bounds,
        peerDiscovery: c.peerDiscovery,
        swapLingerMs: c.swapLingerMs,
        privateMode: this.#privateMode,
        isPeerTrusted: (key) => this.acl.isPeerTrusted(key),
      });
    } catch (e) {
      this.#listener?.close();
      throw e;
    }
    this.pool.drainReceived = c.drainReceived ?? false;
    this.#maintenanceMs = c.maintenanceMs;
    this.#onEvent = c.onEvent;
  }

  // The throttle of a connection, made at its first peer-exchange message.
  #throttle(link: PeerLink<W, Meta>): ReceiveThrottle {
    let throttle = this.#throttles.get(link);
    if (throttle === undefined) {
      throttle = new ReceiveThrottle(
        (message) => this.#peerExchange(link, message),
        this.#maintenance.stats,
      );
      this.#throttles.set(link, throttle);
    }
    return throttle;
  }

  #peerExchange(link: PeerLink<W, Meta>, message: ThrottledMessage): void {
    switch (message.kind) {
      case "Bootstrap":
        return this.#maintenance.onBootstrap(link);
      case "Advertise":
        return this.#maintenance.onAdvertise(message.points);
      case "SwapRequest":
        return this.#maintenance.onSwapRequest(link, message.point);
      case "SwapAck":
        return this.#maintenance.onSwapAck(link, message.point);
    }
  }

  /** The configured points that are not this node's own (Octez: trusted points). */
  get bootstrapPoints(): readonly PointId[] {
    return this.#bootstrap;
  }

  /** Starts accepting, the maintenance timer and the first dials. */
  start(): void {
    if (this.#listener !== undefined) this.#acceptLoop = this.#accept(this.#listener);
    if (this.#maintenanceMs !== null) this.#maintenance.start(this.#maintenanceMs);
    for (const point of this.#bootstrap) this.pool.dial(point, "config").catch(() => {});
  }

  async #accept(listener: Deno.Listener): Promise<void> {
    for (;;) {
      let socket: Deno.Conn;
      try {
        socket = await listener.accept();
      } catch {
        return; // The listener was closed.
      }
      this.pool.acceptSocket(socket);
    }
  }

  /** Counters. */
  stats(): P2pLayerStats {
    return {
      connections: this.pool.size,
      pendingConnections: this.pool.pending,
      knownPoints: this.known.size,
      pool: {
        ...this.pool.stats,
        handshakeFailures: { ...this.pool.stats.handshakeFailures },
        nacks: { ...this.pool.stats.nacks },
      },
      maintenance: { ...this.#maintenance.stats },
    };
  }

  /**
   * The P2P part of a snapshot: connections, known points and peers, bans.
   *
   * @param score A peer's gossipsub score by key, for gossip nodes.
   * @returns The snapshot's P2P fields.
   */
  snapshot(score?: (peerKey: string) => number | undefined): P2pSnapshot {
    return p2pSnapshot(this.pool, this.known, this.bans, this.acl, score);
  }

  /** The refusal lists as the application sees them (addresses canonical, peers base58). */
  aclApi(): NodeAcl {
    const now = () => performance.now();
    const key = (peerId: Uint8Array | string) =>
      peerIdKey(typeof peerId === "string" ? peerIdFromString(peerId) : peerId);
    const addrOf = (addr: string) => makePointId(addr, 1).addr; // canonical, or a PointIdError
    const text = (k: string) => peerIdToString(fromHex(k));
    return {
      greylistedIps: () => this.acl.greylistedIps(now()).map(([addr]) => addr),
      greylistIp: (addr) => this.acl.greylistIp(addrOf(addr), now()),
      greylistedPeers: () => this.acl.greylistedPeers().map(text),
      clearGreylist: () => this.acl.clearGreylists(),
      banIp: (addr) => this.banIp(addrOf(addr)),
      unbanIp: (addr) => this.acl.unbanIp(addrOf(addr)),
      bannedIps: () => this.acl.bannedIps(),
      banPeer: (peerId) => this.banPeer(key(peerId)),
      unbanPeer: (peerId) => this.acl.unbanPeer(key(peerId)),
      bannedPeers: () => this.acl.bannedPeers().map(text),
      trustPoint: (p) => this.trustPoint(p),
      untrustPoint: (p) => {
        const { point } = apiPoint("untrustPoint", p);
        const entry = this.known.get(pointIdToString(point));
        if (entry === undefined || !entry.trusted) return false;
        entry.trusted = false;
        return true;
      },
      trustedPoints: () => {
        const out: string[] = [];
        for (const entry of this.known.entries()) {
          if (!entry.trusted) continue;
          out.push(
            entry.expectedPeerKey === undefined
              ? entry.text
              : `${entry.text}#${text(entry.expectedPeerKey)}`,
          );
        }
        return out;
      },
      trustPeer: (peerId) => this.acl.trustPeer(key(peerId)),
      untrustPeer: (peerId) => this.acl.untrustPeer(key(peerId)),
      trustedPeers: () => this.acl.trustedPeers().map(text),
    };
  }

  /**
   * Trusts a point (Octez `P2p_pool.Points.trust`): lifts its address's bans, registers it as
   * trusted, and records the peer expected there (`addr#peer_id`).
   *
   * @param p The point.
   * @throws {NodeError} `invalid_point` when the text is not a point.
   */
  trustPoint(p: PointId | string): void {
    const { point, peerId } = apiPoint("trustPoint", p);
    this.acl.unbanIp(point.addr);
    this.known.setTrusted(
      point,
      true,
      performance.now(),
      peerId === undefined ? undefined : peerIdKey(peerId),
    );
  }

  /**
   * Blacklists a peer until unbanned and closes its connection (Octez `P2p_pool.Peers.ban`).
   *
   * @param peerKey The peer's key.
   */
  banPeer(peerKey: string): void {
    this.acl.banPeer(peerKey);
    this.#onEvent?.({
      event: "banned",
      address: undefined,
      peerId: peerIdToString(fromHex(peerKey)),
      reason: "operator",
    });
    this.pool.disconnect(peerKey).catch(() => {});
  }

  /**
   * Blacklists an address until unbanned and closes the connections from it.
   *
   * @param addr The address (canonical text).
   */
  banIp(addr: string): void {
    this.acl.banIp(addr);
    this.#onEvent?.({ event: "banned", address: addr, peerId: undefined, reason: "operator" });
    for (const link of this.pool.links()) {
      if (link.conn.info.remoteAddress === addr) this.pool.disconnect(link.key).catch(() => {});
    }
  }

  /** The connected peers. */
  peers(): PeerInfo[] {
    return this.pool.links().map(peerInfo);
  }

  /**
   * Dials a point now. A text point's `#peer_id` stays expected there: another peer is refused
   * (`dial_failed`). In private mode only a trusted point is dialled.
   *
   * @param point The point, as `{addr, port}` or text.
   * @returns The new peer once the connection runs.
   * @throws {NodeError} `invalid_point` when `point` is not a point (or its `#peer_id` not a peer
   * id; the `PointIdError` is the `cause`), `closed`, `dial_refused` or `dial_failed`.
   */
  async connect(point: PointId | string): Promise<PeerInfo> {
    const { point: target, peerId } = apiPoint("connect", point);
    // As Octez's `P2p.connect ?expected_peer_id`, the peer id stays expected at the point.
    if (peerId !== undefined) {
      const entry = this.known.add(target, "config", performance.now());
      if (entry !== undefined) entry.expectedPeerKey = peerIdKey(peerId);
    }
    return peerInfo(await this.pool.dial(target, "config"));
  }

  /**
   * Closes the connection with a peer and refuses it for a while (Octez `Kick`).
   *
   * @param peerKey The peer's key.
   * @param durationMs How long to refuse it.
   */
  kick(peerKey: string, durationMs: number): void {
    this.bans.ban(peerKey, "kicked", durationMs, performance.now());
    this.pool.disconnect(peerKey).catch(() => {});
  }

  /** Stops the listener, the maintenance, every connection, handshake and dial. */
  async close(): Promise<void> {
    const maintained = this.#maintenance.close();
    this.#listener?.close();
    await this.pool.close();
    await maintained;
    await this.#acceptLoop;
  }
}

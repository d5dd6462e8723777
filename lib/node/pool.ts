/**
 * The connection pool of a node (Octez `P2p_pool` and `P2p_connect_handler`): it authenticates
 * incoming sockets and dials points, runs the post-authentication checks of spec §12 in Octez's
 * order, accepts or refuses with a Nack, keeps one connection per peer id, and runs one sequential
 * reader loop per connection (spec §11.4).
 *
 * Post-authentication checks (both directions):
 * 1. banned (kicked or greylisted) peer → close, no Ack/Nack;
 * 2. register the remote listening point;
 * 3. expected peer id differs (a PX `Connect`, or an `addr#peer_id` point) → close, no Ack/Nack
 *    (Octez `check_expected_peer_id`, `Identity_check_failure`);
 * 4. version selection failed → Nack with its motive;
 * 5. running connections ≥ max → Nack `Too_many_connections` with known points;
 * 6. private mode, and neither the point nor the peer is trusted → close, no Ack/Nack (Octez
 *    `is_acceptable`, `Private_mode`, p2p_connect_handler.ml 280-295);
 * 7. peer already running → Nack `Already_connected`; peer already handshaking → Nack unless
 *    the newcomer wins the tie-break below;
 * 8. Ack exchange.
 *
 * One timer covers each handshake, as in Octez: an incoming one, from the accepted socket to the
 * Ack, gets `authenticationTimeoutMs` (5 s; `accept` wraps `authenticate` in one `with_timeout`,
 * p2p_connect_handler.ml 704-710); an outgoing one, from the TCP connect to the Ack, gets
 * `connectTimeoutMs` (10 s; `connect`, 736-743). The Ack exchange gets what is left.
 *
 * Simultaneous dials: when A dials B while B dials A, Octez refuses whichever arrives while the
 * other is pending, and both may fail. Here both ends prefer the connection opened by the peer
 * with the smaller key: the loser is refused at step 7 or, if both got through, closed right after
 * its Ack exchange. The same rule on both ends keeps the same connection.
 *
 * @module
 */

import { ADVERTISED_POINTS, type PoolConfig, type PoolStats } from "./pool_config.ts";
import { makePointId, type PointId, pointIdToString } from "../base/point_id.ts";
import { RejectionMotive } from "../base/rejection.ts";
import {
  accept,
  authenticate,
  type AuthenticatedConnection,
  connect,
  isP2pError,
  nack,
  P2pError,
  type ReceivedMessage,
} from "../connection/mod.ts";
import { peerIdKey, peerIdToString } from "../crypto/mod.ts";
import { NodeError } from "./errors.ts";
import type { KnownPoint, PointSource } from "./known_points.ts";
import { PeerLink } from "./peer_link.ts";
import { GREYLISTING_KINDS } from "./acl.ts";
import {
  count,
  countFailure,
  failureEvent,
  localRefusalEvent,
  octezErrorName,
} from "./handshake_report.ts";
import type { Direction, NodeEvent } from "./events.ts";
import { rejectionMotiveName } from "../base/rejection.ts";

export { ADVERTISED_POINTS, octezErrorName, type PoolConfig, type PoolStats };

/** The connection pool. */
export class Pool<W, Meta = unknown> {
  readonly #c: PoolConfig<W, Meta>;
  readonly #links = new Map<string, PeerLink<W, Meta>>();
  // Peers in their Ack exchange: key → initiator keys of the pending connections.
  readonly #handshaking = new Map<string, string[]>();
  readonly #dialling = new Set<string>();
  readonly #tasks = new Set<Promise<unknown>>();
  readonly #abort = new AbortController();
  #incomingHandshakes = 0;
  // Incoming handshakes under way, by remote address.
  readonly #handshakesByAddress = new Map<string, number>();
  #closing = false;
  /**
   * Hand a connection's received messages to `onMessage` in one go (`readNow`), waiting only when
   * none is queued. Off: one await per message, which the shell node needs (shell_chain.ts
   * activates a chain for a peer after an await, and the next message must find that done). The
   * gossip node turns it on: its worker then applies a connection's batch at once instead of
   * waking per message (−22 % CPU in a 20-node burst).
   */
  drainReceived = false;
  /** Counters. */
  readonly stats: PoolStats = {
    dials: 0,
    dialFailures: 0,
    incoming: 0,
    refused: 0,
    established: 0,
    refusedAddresses: 0,
    handshakeFailures: {},
    nacks: {},
  };

  /**
   * An empty pool.
   *
   * @param config What the pool needs from its node.
   */
  constructor(config: PoolConfig<W, Meta>) {
    this.#c = config;
  }

  /** Running connections. */
  get size(): number {
    return this.#links.size;
  }

  /** Connections being dialled or handshaken (not running yet). */
  get pending(): number {
    let n = this.#dialling.size + this.#incomingHandshakes;
    for (const list of this.#handshaking.values()) n += list.length;
    return n;
  }

  /** Points being dialled. */
  get dialling(): ReadonlySet<string> {
    return this.#dialling;
  }

  /**
   * The running connection with a peer.
   *
   * @param key The peer's key.
   * @returns Its link, if connected.
   */
  get(key: string): PeerLink<W, Meta> | undefined {
    return this.#links.get(key);
  }

  /** The running connections. */
  links(): PeerLink<W, Meta>[] {
    return [...this.#links.values()];
  }

  #track<X>(task: Promise<X>): Promise<X> {
    const settled = task.then(() => {}, () => {});
    this.#tasks.add(settled);
    settled.then(() => this.#tasks.delete(settled));
    return task;
  }

  /**
   * Takes an incoming socket: authenticates and checks it in the background, or closes it at once
   * when the pool is closing or `maxIncomingHandshakes` handshakes are pending.
   *
   * @param socket The accepted TCP connection.
   */
  acceptSocket(socket: Deno.Conn): void {
    this.stats.incoming++;
    if (this.#closing || this.#incomingHandshakes >= this.#c.maxIncomingHandshakes) {
      socket.close();
      return;
    }
    const from = socketPoint(socket);
    // Octez drops a banned address before reading a byte (`P2p_connect_handler.accept`).
    if (from !== undefined && this.#c.acl.isIpBanned(from.addr, performance.now())) {
      this.stats.refusedAddresses++;
      socket.close();
      return;
    }
    // Deliberate difference: Octez caps incoming handshakes only in total
    // (`max_incoming_connections`, p2p_connect_handler.ml 694-695), so one address that opens
    // sockets and sends nothing holds every slot for the authentication timeout and nobody else
    // gets in (measured: 0 legitimate handshakes in 29 s against 300 such sockets). One address
    // gets at most a quarter of the slots.
    const fromAddr = from?.addr;
    const perAddress = fromAddr === undefined ? 0 : this.#handshakesByAddress.get(fromAddr) ?? 0;
    if (fromAddr !== undefined && perAddress >= this.#maxHandshakesPerAddress()) {
      this.stats.refusedAddresses++;
      socket.close();
      return;
    }
    if (fromAddr !== undefined) this.#handshakesByAddress.set(fromAddr, perAddress + 1);
    this.#incomingHandshakes++;
    const deadline = performance.now() + this.#c.authenticationTimeoutMs;
    this.#track((async () => {
      let auth: AuthenticatedConnection<Meta>;
      try {
        auth = await authenticate(socket, {
          ...this.#c.handshake,
          incoming: true,
          timeoutMs: this.#c.authenticationTimeoutMs,
          signal: this.#abort.signal,
        });
      } catch (e) {
        this.#failed("incoming", from, e);
        // An exception that is not a connection error greylists the address too (Octez
        // `accept`'s exception handler).
        if (from !== undefined && !(e instanceof P2pError)) {
          this.#greylistIp(from.addr, "exception");
        }
        return;
      } finally {
        this.#incomingHandshakes--;
        if (fromAddr !== undefined) {
          const left = (this.#handshakesByAddress.get(fromAddr) ?? 1) - 1;
          if (left > 0) this.#handshakesByAddress.set(fromAddr, left);
          else this.#handshakesByAddress.delete(fromAddr);
        }
      }
      const point = auth.info.remoteListeningPoint ?? from;
      await this.#establish(auth, undefined, deadline).catch((e) => {
        this.#failed("incoming", point, e);
        this.#learnAlternatives(e);
      });
    })());
  }

  #maxHandshakesPerAddress(): number {
    return Math.max(1, Math.floor(this.#c.maxIncomingHandshakes / 4));
  }

  #emit(event: NodeEvent): void {
    try {
      this.#c.onEvent?.(event);
    } catch {
      // A failing observer must not break the pool.
    }
  }

  #greylistIp(addr: string, reason: string): void {
    this.#c.acl.greylistIp(addr, performance.now());
    this.#emit({ event: "greylisted", address: addr, peerId: undefined, reason });
  }

  // Reports a handshake that did not end in a running connection. Refusals of ours were
  // reported where they were decided (#refuse).
  #failed(direction: Direction, point: PointId | undefined, e: unknown): void {
    if (e instanceof NodeError) return;
    if (e instanceof P2pError && point !== undefined && GREYLISTING_KINDS.has(e.kind)) {
      this.#greylistIp(point.addr, octezErrorName(e));
    }
    if (e instanceof P2pError && e.kind === "myself" && point !== undefined) {
      this.#c.known.addOwn(point); // Octez `may_register_my_id_point`, both directions
    }
    countFailure(this.stats, e);
    if (this.#c.onEvent === undefined) return;
    this.#emit(failureEvent(direction, point, e));
  }

  /**
   * Dials a point and, once authenticated and checked, adds the connection to the pool.
   *
   * @param point The point.
   * @param source How the point was learnt (if it is new).
   * @param expectedPeerKey The peer expected there (a PX `Connect`); another one is refused. The
   * point's own expected peer (`addr#peer_id`) applies otherwise.
   * @returns The running connection.
   * @throws {NodeError} `closed`, `dial_refused` (own point, already connected or being dialled,
   * banned peer, no room, untrusted point in private mode) or `dial_failed` (with the connection
   * error as `cause`).
   */
  dial(point: PointId, source: PointSource, expectedPeerKey?: string): Promise<PeerLink<W, Meta>> {
    const text = pointIdToString(point);
    const refuse = (why: string) =>
      Promise.reject(
        new NodeError("dial_refused", `not dialling ${text}: ${why}`, { point: text }),
      );
    if (this.#closing) {
      return Promise.reject(new NodeError("closed", "the node is closed", { point: text }));
    }
    if (this.#c.known.isOwn(text)) return refuse("it is this node");
    if (this.#c.acl.isIpBanned(point.addr, performance.now())) return refuse("address banned");
    if (this.#dialling.has(text)) return refuse("already being dialled");
    const entry = this.#c.known.add(point, source, performance.now());
    if (entry === undefined) return refuse("not a dialable point");
    if (entry.connected) return refuse("already connected");
    // Octez `connect` dials only trusted points in private mode (p2p_connect_handler.ml 748-753).
    if (this.#c.privateMode && !entry.trusted) return refuse("private mode, untrusted point");
    const expected = expectedPeerKey ?? entry.expectedPeerKey;
    const peer = expected ?? entry.peerKey;
    if (peer !== undefined && this.#links.has(peer)) return refuse("peer already connected");
    if (peer !== undefined && this.#banned(peer)) return refuse("peer banned");
    // Octez counts running connections only (`P2p_connect_handler.connect`).
    if (this.#links.size >= this.#c.bounds.maxConnections) {
      return refuse("too many connections");
    }
    this.stats.dials++;
    this.#dialling.add(text);
    const deadline = performance.now() + this.#c.connectTimeoutMs;
    return this.#track((async () => {
      try {
        const auth = await connect(point, {
          ...this.#c.handshake,
          timeoutMs: this.#c.connectTimeoutMs,
          signal: this.#abort.signal,
        });
        this.#dialling.delete(text);
        return await this.#establish(auth, expected, deadline);
      } catch (e) {
        this.stats.dialFailures++;
        this.#failed("outgoing", point, e);
        if (!isP2pError(e, "myself")) this.#c.known.failed(entry, performance.now());
        this.#learnAlternatives(e);
        if (e instanceof NodeError) throw e;
        throw new NodeError("dial_failed", `dialling ${text} failed: ${String(e)}`, {
          point: text,
        }, { cause: e });
      } finally {
        this.#dialling.delete(text);
      }
    })());
  }

  // Refuses an authenticated connection: with a Nack when `motive` is given, else by closing it
  // (`failure` is then the Octez error counted in handshakeFailures, if any).
  async #refuse(
    auth: AuthenticatedConnection<Meta>,
    motive?: number,
    why = "closed",
    failure?: string,
  ): Promise<never> {
    this.stats.refused++;
    if (failure !== undefined) count(this.stats.handshakeFailures, failure);
    const point = auth.info.remoteListeningPoint;
    this.#emit(localRefusalEvent(auth, motive, why));
    if (motive !== undefined) count(this.stats.nacks, `local:${rejectionMotiveName(motive)}`);
    // A point of another network is forgotten, not greylisted: a node of ours may share its
    // address (Octez `authenticate`, `Rejected_no_common_protocol`).
    if (point !== undefined && motive !== undefined && NO_COMMON_PROTOCOL.has(motive)) {
      this.#c.known.remove(pointIdToString(point));
    }
    if (motive === undefined) auth.close();
    else {
      // Octez sends up to 50 known points with every Nack, none when peer discovery is off
      // (`p2p_connect_handler.ml` 512-518).
      const points = this.#c.peerDiscovery
        ? this.#c.known.list(
          ADVERTISED_POINTS,
          this.#c.rng,
          (k) => this.#banned(k),
          (addr) => this.#c.acl.isIpBanned(addr, performance.now()),
        )
        : [];
      await nack(auth, motive, points, { graceMs: 200 });
    }
    throw new NodeError(
      "dial_failed",
      `connection with ${peerIdToString(auth.peerId)} refused (${motive ?? "closed"})`,
      { peer: peerIdToString(auth.peerId) },
    );
  }

  /**
   * Whether a peer is refused: kicked, greylisted or blacklisted.
   *
   * @param key The peer's key.
   * @returns `true` when refused.
   */
  isPeerRefused(key: string): boolean {
    return this.#banned(key);
  }

  /**
   * Whether an address is refused: greylisted or blacklisted.
   *
   * @param addr The address.
   * @returns `true` when refused.
   */
  isAddrRefused(addr: string): boolean {
    return this.#c.acl.isIpBanned(addr, performance.now());
  }

  #banned(key: string): boolean {
    return this.#c.acl.isPeerBanned(key) || this.#c.bans.get(key, performance.now()) !== undefined;
  }

  // Alternative points of a Nack we received, in either direction (Octez registers them unless
  // peer discovery is off).
  #learnAlternatives(e: unknown): void {
    if (!this.#c.peerDiscovery || !isP2pError(e, "rejected_by_nack")) return;
    for (const p of e.details.alternativePoints ?? []) {
      if (!this.#c.acl.isIpBanned(p.addr, performance.now())) {
        this.#c.known.add(p, "nack", performance.now());
      }
    }
  }

  async #establish(
    auth: AuthenticatedConnection<Meta>,
    expectedPeerKey: string | undefined,
    deadline: number,
  ): Promise<PeerLink<W, Meta>> {
    const info = auth.info;
    const key = peerIdKey(info.peerId);
    if (this.#closing) return this.#refuse(auth, undefined, "closing");
    if (this.#banned(key)) return this.#refuse(auth, undefined, "banned peer");
    let entry: KnownPoint | undefined;
    const listening = info.incoming
      ? (this.#c.remoteListeningPoint?.(info) ?? info.remoteListeningPoint)
      : info.remoteListeningPoint;
    if (listening !== undefined) {
      entry = this.#c.known.add(listening, "connection", performance.now());
    }
    // The point's expected peer applies to incoming connections too: Octez checks the point of
    // the connection, the dialled one or the one the remote announces (p2p_connect_handler.ml
    // 462-469). The wrong peer is not recorded at the point.
    const expected = expectedPeerKey ?? entry?.expectedPeerKey;
    if (expected !== undefined && expected !== key) {
      return this.#refuse(auth, undefined, "not the expected peer", "Identity_check_failure");
    }
    if (entry !== undefined) {
      this.#c.known.setPeer(entry, key, info.peerId);
      // Octez marks the point public or private from the handshake before deciding whether to
      // accept (p2p_connect_handler.ml 462-495): a refused peer's point is advertised in Nacks.
      entry.public = !info.privateNode;
    }
    if (info.versionSelection.kind === "rejected") {
      return this.#refuse(auth, info.versionSelection.motive);
    }
    // Octez compares running connections with max_connections (`raw_authenticate`; it also lets
    // one more in at random, which we do not: the cap stays deterministic).
    if (this.#links.size >= this.#c.bounds.maxConnections) {
      return this.#refuse(auth, RejectionMotive.TooManyConnections);
    }
    if (this.#c.privateMode && !entry?.trusted && !this.#c.acl.isPeerTrusted(key)) {
      return this.#refuse(auth, undefined, "private mode, untrusted", "Private_mode");
    }
    const initiator = info.incoming ? key : this.#c.selfKey;
    const pending = this.#handshaking.get(key) ?? [];
    if (this.#links.has(key) || pending.some((other) => other <= initiator)) {
      return this.#refuse(auth, RejectionMotive.AlreadyConnected);
    }
    pending.push(initiator);
    this.#handshaking.set(key, pending);
    let conn;
    try {
      conn = await accept(auth, this.#c.codec, {
        timeoutMs: Math.max(0, deadline - performance.now()),
        signal: this.#abort.signal,
        outgoingQueueSize: this.#c.outgoingQueueSize,
      });
    } finally {
      pending.splice(pending.indexOf(initiator), 1);
      if (pending.length === 0 && this.#handshaking.get(key) === pending) {
        this.#handshaking.delete(key);
      }
    }
    const now = performance.now();
    const link = new PeerLink(conn, key, this.#c.selfKey, entry, now);
    const existing = this.#links.get(key);
    if (this.#closing || (existing !== undefined && existing.initiatorKey <= initiator)) {
      this.stats.refused++;
      await conn.close();
      throw new NodeError("dial_failed", "duplicate connection closed", {
        peer: peerIdToString(info.peerId),
      });
    }
    this.stats.established++;
    this.#links.set(key, link);
    if (entry !== undefined) this.#c.known.connected(entry, info.privateNode, now);
    if (existing !== undefined) {
      // The new connection wins the tie-break: the old one goes, and the worker sees the peer
      // leave and come back, so that it resends its subscriptions on the new connection.
      this.#c.onClose(existing, undefined);
      existing.conn.close();
    }
    this.#emit({
      event: "connection_established",
      peerId: peerIdToString(info.peerId),
      point: entry?.text,
      direction: info.incoming ? "incoming" : "outgoing",
      metadata: { ...(info.remoteMetadata as Record<string, unknown>) },
    });
    this.#c.onOpen(link);
    link.reader = this.#track(this.#readLoop(link));
    return link;
  }

  async #readLoop(link: PeerLink<W, Meta>): Promise<void> {
    let error: unknown;
    try {
      reading: for (;;) {
        let received: ReceivedMessage<W> | undefined =
          (this.drainReceived ? link.conn.readNow() : undefined) ?? await link.conn.read();
        for (
          ;
          received !== undefined;
          received = this.drainReceived ? link.conn.readNow() : undefined
        ) {
          if (received.message.kind === "Disconnect") break reading;
          try {
            this.#c.onMessage(link, received.message);
          } catch (e) {
            error = e;
            break reading;
          }
        }
      }
    } catch (e) {
      error = e;
    }
    await link.conn.close();
    if (this.#links.get(link.key) !== link) return;
    this.#links.delete(link.key);
    const now = performance.now();
    if (link.point !== undefined) {
      this.#c.known.disconnected(link.point, now, this.#c.reconnectDelayMs);
    }
    if (isP2pError(error, "decoding_error")) {
      // Octez greylists both the address and the peer (`p2p_conn.ml` 112-114).
      this.#c.acl.greylistPeer(link.key);
      this.#emit({
        event: "greylisted",
        address: undefined,
        peerId: peerIdToString(link.peerId),
        reason: "Decoding_error",
      });
      const addr = link.conn.info.remoteAddress;
      if (addr !== undefined) this.#greylistIp(addr, "Decoding_error");
    }
    this.#emit({
      event: "connection_closed",
      peerId: peerIdToString(link.peerId),
      point: link.point?.text,
      reason: error === undefined
        ? "closed"
        : error instanceof P2pError
        ? octezErrorName(error)
        : String(error),
    });
    this.#c.onClose(link, error);
  }

  /**
   * Closes the connection with a peer (its reader loop then reports the disconnection).
   *
   * @param key The peer's key.
   * @returns Resolves once the connection is closed and forgotten.
   */
  async disconnect(key: string): Promise<void> {
    const link = this.#links.get(key);
    if (link === undefined) return;
    await link.conn.close();
    await link.reader;
  }

  /**
   * Closes every connection and cancels every handshake and dial; resolves when all of them, and
   * every reader loop, have finished.
   */
  async close(): Promise<void> {
    this.#closing = true;
    this.#abort.abort(new NodeError("closed", "the node is closing"));
    for (const link of this.#links.values()) link.conn.close();
    while (this.#tasks.size > 0) await Promise.all([...this.#tasks]);
  }
}

function socketPoint(socket: Deno.Conn): PointId | undefined {
  const addr = socket.remoteAddr;
  if (addr.transport !== "tcp") return undefined;
  try {
    return makePointId(addr.hostname, addr.port);
  } catch {
    return undefined;
  }
}

// Nack motives that mean another network: the point is forgotten.
const NO_COMMON_PROTOCOL: ReadonlySet<number> = new Set([
  RejectionMotive.UnknownChainName,
  RejectionMotive.DeprecatedP2pVersion,
  RejectionMotive.DeprecatedDistributedDbVersion,
]);

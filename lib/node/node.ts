/**
 * A gossipsub node over authenticated tzp2p connections: it listens on TCP, dials points, carries
 * gossipsub messages as application messages of the P2P envelope, turns connection events into
 * worker inputs, and applies every worker output (spec gossipsub §12.3):
 *
 * ```text
 * socket ─ Pool (handshake, checks, one reader loop per connection)
 *        ├─ Bootstrap / Advertise / Swap_* ─▶ Maintenance
 *        └─ Message ─ fromWire ─▶ worker.p2pInput ─ automaton ─▶ p2pOutputStream ─┐
 *                                                  └─▶ appOutputStream ─▶ subscriber streams
 * OutMessage ─ toWire ─ writeNow (never waits) ◀──────────────────────────────────┘
 * Disconnect → close · Kick → close and ban · Connect → dial the peer's point · Forget → drop it
 * ```
 *
 * @module
 */

import { makePointId, parsePointId, type PointId, pointIdToString } from "../base/point_id.ts";
import type { P2pStat, SupportedVersions } from "../connection/mod.ts";
import {
  generateIdentity,
  generateIdentitySync,
  type Identity,
  makePowTarget,
  peerIdKey,
  peerIdToString,
} from "../crypto/mod.ts";
import { fromHex } from "../encoding/hex.ts";
import type { P2pMessage } from "../../gen/p2p_message.ts";
import type { PxPeer } from "../../gen/gossipsub.ts";
import {
  type GossipsubView,
  type GossipsubWorker,
  type Key,
  makeWorker,
  type P2pOutput,
  type WorkerStats,
} from "../gossipsub/worker.ts";
import { Rng } from "../gossipsub/mod.ts";
import { BanList } from "./ban_list.ts";
import { NodeError } from "./errors.ts";
import {
  fromWire,
  type GossipInstance,
  type GossipWireMessage,
  toWire,
} from "./gossip_instance.ts";
import { KnownPoints } from "./known_points.ts";
import { Maintenance, type MaintenanceStats } from "./maintenance.ts";
import {
  defaultNodeLimits,
  duration,
  maintenanceBounds,
  type NodeOptions,
  type SimpleNodeOptions,
} from "./options.ts";
import type { PeerLink } from "./peer_link.ts";
import { Pool, type PoolStats } from "./pool.ts";
import { simpleGossip } from "./simple_gossip.ts";
import { type Delivered, Subscriptions } from "./subscriptions.ts";

/** The chain name nodes announce unless told otherwise. */
export const DEFAULT_CHAIN_NAME = "TZP2P_GOSSIP";

/** One connected peer, as {@link Node.peers} reports it. */
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

/** Counters of a node. */
export interface NodeStats {
  /** Running connections. */
  readonly connections: number;
  /** Connections being dialled or handshaken. */
  readonly pendingConnections: number;
  /** Points in the known-points table. */
  readonly knownPoints: number;
  /** Gossip messages not sent: no connection, or its outgoing queue was full. */
  readonly outMessagesDropped: number;
  /** Received gossip messages refused by the instance's `accept` check. */
  readonly inMessagesRejected: number;
  /** Received gossip messages the worker refused (input queue full). */
  readonly inMessagesDropped: number;
  /** Messages handed to subscriber streams. */
  readonly delivered: number;
  /** Messages a subscriber stream dropped because it was full. */
  readonly deliveriesDropped: number;
  /** Pool counters. */
  readonly pool: Readonly<PoolStats>;
  /** Maintenance and peer-exchange counters. */
  readonly maintenance: Readonly<MaintenanceStats>;
  /** Gossipsub worker counters. */
  readonly gossip: Readonly<WorkerStats>;
}

type Wire<T, I, M> = GossipWireMessage<T, I, M>;

/** The options the node constructor reads (the instance comes separately). */
export type NodeSettings<T> = Omit<NodeOptions<T, unknown, unknown>, "gossip">;

/** A running node. Build it with {@link createNode}; stop it with {@link Node.close}. */
export class Node<T, I, M> {
  /** This node's identity. */
  readonly identity: Identity;
  /** This node's peer id. */
  readonly peerId: Uint8Array;
  /** Where the node listens (`undefined` when it does not). */
  readonly listeningPoint: PointId | undefined;
  readonly #key: string;
  readonly #instance: GossipInstance<T, I, M>;
  readonly #worker: GossipsubWorker<string, T, I, M>;
  readonly #known: KnownPoints;
  readonly #bans = new BanList();
  readonly #pool: Pool<Wire<T, I, M>>;
  readonly #maintenance: Maintenance<Wire<T, I, M>>;
  readonly #subscriptions: Subscriptions<T, I, M>;
  readonly #joined = new Set<Key>();
  readonly #listener: Deno.Listener | undefined;
  readonly #kickBanMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = () => void this.close();
  #maintenanceTimer: ReturnType<typeof setInterval> | undefined;
  #loops: Promise<unknown>[] = [];
  #sequence = 0;
  #closing: Promise<void> | undefined;
  #outDropped = 0;
  #inRejected = 0;
  #inDropped = 0;

  /**
   * Builds and starts a node; use {@link createNode}.
   *
   * @param identity The identity.
   * @param instance The gossipsub instance.
   * @param options The options.
   * @internal
   */
  constructor(
    identity: Identity,
    instance: GossipInstance<T, I, M>,
    options: NodeSettings<T>,
  ) {
    this.identity = identity;
    this.peerId = identity.peerId;
    this.#key = peerIdKey(identity.peerId);
    this.#instance = instance;
    const now = performance.now();
    const seed = options.seed ?? crypto.getRandomValues(new Uint32Array(1))[0];
    const rng = new Rng(seed ^ 0x5bd1e995);
    const bounds = maintenanceBounds({
      minConnections: options.connections?.minConnections ?? 10,
      expectedConnections: options.connections?.expectedConnections ?? 50,
      maxConnections: options.connections?.maxConnections ?? 100,
    });
    const heartbeatMs = duration("heartbeatMs", options.heartbeatMs, 1000);
    const limits = options.limits === undefined ? defaultNodeLimits<T>(heartbeatMs) : {
      ...options.limits,
      heartbeatInterval: options.heartbeatMs ?? options.limits.heartbeatInterval,
    };
    this.#kickBanMs = duration("kickBanMs", options.kickBanMs, 600_000);
    const maintenanceMs = duration("maintenanceMs", options.maintenanceMs, 5_000);
    const connectTimeoutMs = duration("connectTimeoutMs", options.connectTimeoutMs, 10_000);
    const authenticationTimeoutMs = duration(
      "authenticationTimeoutMs",
      options.authenticationTimeoutMs,
      5_000,
    );
    const greylistMs = duration("greylistMs", options.greylistMs, 600_000);
    const swapLingerMs = options.swapLingerMs === null
      ? null
      : duration("swapLingerMs", options.swapLingerMs, 30_000);
    for (const topic of options.topics ?? []) instance.checkTopic(topic);
    const bootstrap = (options.bootstrapPoints ?? []).map((p) =>
      typeof p === "string" ? parsePointId(p) : makePointId(p.addr, p.port)
    );

    this.#known = new KnownPoints({
      maxKnownPoints: 400,
      targetKnownPoints: 300,
      initialRetryDelay: 1000,
      maxRetryDelay: 60_000,
    });
    const listen = options.listen ?? {};
    if (listen !== false) {
      this.#listener = Deno.listen({
        hostname: listen.host ?? "127.0.0.1",
        port: listen.port ?? 0,
        transport: "tcp",
      });
      const addr = this.#listener.addr as Deno.NetAddr;
      this.listeningPoint = makePointId(addr.hostname, addr.port);
      this.#known.addOwn(this.listeningPoint);
      if (addr.hostname === "0.0.0.0" || addr.hostname === "::") {
        this.#known.addOwn(makePointId("127.0.0.1", addr.port));
      }
    }
    for (const point of bootstrap) this.#known.add(point, "config", now);
    const bootstrapTexts = bootstrap.map(pointIdToString).filter((t) => !this.#known.isOwn(t));

    // Until everything is built, a failure (invalid limits, say) must not leak the listener.
    try {
      const versions: SupportedVersions = {
        chainName: options.chainName ?? DEFAULT_CHAIN_NAME,
        distributedDbVersions: [0],
        p2pVersions: [0, 1],
      };
      this.#worker = makeWorker<string, T, I, M>({
        limits,
        peer: { key: (p) => p, compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0) },
        topic: instance.topic,
        messageId: instance.messageId,
        message: instance.message,
        rng: seed,
        self: this.#key,
        reachablePoint: (peer) => this.#known.pointOfPeer(peer)?.text,
        initialPoints: () => bootstrapTexts,
      });
      this.#pool = new Pool<Wire<T, I, M>>({
        handshake: {
          identity,
          powTarget: options.powTarget ?? makePowTarget(options.powDifficulty ?? 0),
          versions,
          metadata: { disableMempool: false, privateNode: false },
          listeningPort: this.listeningPoint?.port ?? 0,
        },
        selfKey: this.#key,
        codec: instance.codec,
        known: this.#known,
        bans: this.#bans,
        rng,
        bounds,
        connectTimeoutMs,
        authenticationTimeoutMs,
        maxIncomingHandshakes: options.maxIncomingHandshakes ?? 20,
        outgoingQueueSize: options.outgoingQueueSize ?? 8 * 1024 * 1024,
        greylistMs,
        reconnectDelayMs: 1000,
        onOpen: (link) =>
          this.#worker.p2pInput({
            kind: "NewConnection",
            peer: link.key,
            direct: false,
            outbound: !link.incoming,
          }),
        onClose: (link) => this.#worker.p2pInput({ kind: "Disconnection", peer: link.key }),
        onMessage: (link, message) => this.#onMessage(link, message),
        onDialFailed: (point) => this.#worker.setUnreachablePoint(point.text),
      });
      this.#maintenance = new Maintenance({
        pool: this.#pool,
        known: this.#known,
        bans: this.#bans,
        rng,
        bounds,
        peerDiscovery: options.peerDiscovery ?? true,
        swapLingerMs,
      });
      this.#subscriptions = new Subscriptions(options.subscriberBufferSize ?? 10_000);
    } catch (e) {
      this.#listener?.close();
      throw e;
    }

    // Start: the worker and its two consumers, the listener, the maintenance, the first dials.
    const topics = options.topics ?? [];
    for (const topic of topics) this.#joined.add(instance.topic.key(topic));
    this.#worker.start(topics);
    this.#loops.push(this.#consumeP2pOutputs(), this.#consumeAppOutputs());
    if (this.#listener !== undefined) this.#loops.push(this.#acceptLoop(this.#listener));
    this.#maintenanceTimer = setInterval(
      () => this.#maintenance.round(),
      maintenanceMs,
    );
    for (const point of bootstrap) this.#pool.dial(point, "config").catch(() => {});
    this.#signal = options.signal;
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  async #acceptLoop(listener: Deno.Listener): Promise<void> {
    for (;;) {
      let socket: Deno.Conn;
      try {
        socket = await listener.accept();
      } catch {
        return; // The listener was closed.
      }
      this.#pool.acceptSocket(socket);
    }
  }

  async #consumeP2pOutputs(): Promise<void> {
    for await (const out of this.#worker.p2pOutputStream) {
      try {
        this.#apply(out);
      } catch {
        // One bad order (e.g. an unparsable point) must not stop the others.
      }
    }
  }

  async #consumeAppOutputs(): Promise<void> {
    for await (const out of this.#worker.appOutputStream) {
      this.#subscriptions.deliver(this.#instance.topic.key(out.topic), out);
    }
  }

  #pxPeer = (peerKey: string): PxPeer | undefined => {
    const entry = this.#known.pointOfPeer(peerKey);
    return entry?.peerId === undefined ? undefined : { point: entry.point, peerId: entry.peerId };
  };

  #learnPx = (px: PxPeer): string => {
    const peerId = px.peerId.slice();
    const key = peerIdKey(peerId);
    if (key !== this.#key && this.#pool.get(key) === undefined) {
      const entry = this.#known.add(px.point, "px", performance.now());
      if (entry !== undefined && !entry.connected) this.#known.setPeer(entry, key, peerId);
    }
    return key;
  };

  #apply(out: P2pOutput<string, T, I, M>): void {
    switch (out.kind) {
      case "OutMessage": {
        const link = this.#pool.get(out.toPeer);
        const message = toWire(out.p2pMessage, this.#pxPeer);
        if (link === undefined || !link.send({ kind: "Message", message })) this.#outDropped++;
        return;
      }
      case "Disconnect":
        this.#pool.disconnect(out.peer).catch(() => {});
        return;
      case "Kick":
        this.#kick(out.peer, this.#kickBanMs);
        return;
      case "Connect": {
        const entry = this.#known.pointOfPeer(out.peer);
        if (entry !== undefined) this.#pool.dial(entry.point, "px", out.peer).catch(() => {});
        return;
      }
      case "ConnectPoint":
        this.#pool.dial(parsePointId(out.point), "config").catch(() => {});
        return;
      case "Forget":
        this.#known.forgetPx(out.peer);
        return;
    }
  }

  #onMessage(link: PeerLink<Wire<T, I, M>>, message: P2pMessage<Wire<T, I, M>>): void {
    switch (message.kind) {
      case "Message": {
        if (!this.#instance.accept(message.message)) {
          this.#inRejected++;
          return;
        }
        const p2pMessage = fromWire(message.message, this.#learnPx);
        if (!this.#worker.p2pInput({ kind: "InMessage", fromPeer: link.key, p2pMessage })) {
          this.#inDropped++;
        }
        return;
      }
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

  #kick(peerKey: string, durationMs: number): void {
    this.#bans.ban(peerKey, "kicked", durationMs, performance.now());
    this.#pool.disconnect(peerKey).catch(() => {});
  }

  #checkOpen(op: string): void {
    if (this.#closing !== undefined) throw new NodeError("closed", `${op}: the node is closed`);
  }

  /**
   * Publishes a message on a topic (joined or not: fanout peers carry it then). The node does not
   * deliver its own publications to its subscribers (as Octez).
   *
   * @param topic The topic.
   * @param payload The payload.
   * @param messageId The id; required when the instance does not mint ids (the simple one does).
   * @returns The message id.
   * @throws {NodeError} `closed`, or `overloaded` when the worker's input queue is full.
   * @throws {TypeError | RangeError} On a topic the instance refuses, or a missing id.
   */
  publish(topic: T, payload: M, messageId?: I): I {
    this.#checkOpen("publish");
    this.#instance.checkTopic(topic);
    const id = messageId ??
      this.#instance.newMessageId?.(topic, payload, this.peerId, this.#sequence++);
    if (id === undefined) {
      throw new TypeError(`publish: the ${this.#instance.name} instance needs a messageId`);
    }
    const input = { kind: "PublishMessage" as const, topic, messageId: id, message: payload };
    if (!this.#worker.appInput(input)) {
      throw new NodeError("overloaded", "publish: the gossipsub input queue is full");
    }
    return id;
  }

  /**
   * Joins a topic (if not joined yet) and returns a new stream of the messages received on it.
   * Each call gives its own stream; cancelling one leaves the topic joined.
   *
   * @param topic The topic.
   * @returns The messages, in arrival order; the stream ends on {@link Node.unsubscribe} or
   * {@link Node.close}.
   * @throws {NodeError} `closed`.
   * @throws {TypeError | RangeError} On a topic the instance refuses.
   */
  subscribe(topic: T): ReadableStream<Delivered<T, I, M>> {
    this.#checkOpen("subscribe");
    this.#instance.checkTopic(topic);
    const key = this.#instance.topic.key(topic);
    const stream = this.#subscriptions.open(key);
    if (!this.#joined.has(key)) {
      this.#joined.add(key);
      this.#worker.appInput({ kind: "Join", topic });
    }
    return stream;
  }

  /**
   * Leaves a topic and ends its streams.
   *
   * @param topic The topic.
   * @returns Whether the topic was joined.
   */
  unsubscribe(topic: T): boolean {
    const key = this.#instance.topic.key(topic);
    this.#subscriptions.close(key);
    if (!this.#joined.delete(key) || this.#closing !== undefined) return false;
    this.#worker.appInput({ kind: "Leave", topic });
    return true;
  }

  /** The connected peers. */
  peers(): PeerInfo[] {
    return this.#pool.links().map((link) => ({
      peerId: link.peerId,
      id: peerIdToString(link.peerId),
      point: link.listeningPoint,
      incoming: link.incoming,
      stat: link.conn.stat(),
    }));
  }

  /**
   * The peers of our mesh on a topic (as of the events the worker has processed).
   *
   * @param topic The topic.
   * @returns Their peer ids.
   */
  meshPeers(topic: T): Uint8Array[] {
    return this.#worker.view.meshPeers(topic).map((key) =>
      this.#pool.get(key)?.peerId ?? fromHex(key)
    );
  }

  /** Read-only view of the gossipsub automaton (meshes, scores, caches). */
  get gossipView(): GossipsubView<string, T, I, M> {
    return this.#worker.view;
  }

  /**
   * Dials a point now (the maintenance also dials known points by itself).
   *
   * @param point The point, as `{addr, port}` or text.
   * @returns Resolves with the new peer once the connection runs.
   * @throws {NodeError} `closed`, `dial_refused` or `dial_failed`.
   */
  async connect(point: PointId | string): Promise<PeerInfo> {
    const p = typeof point === "string" ? parsePointId(point) : makePointId(point.addr, point.port);
    const link = await this.#pool.dial(p, "config");
    return {
      peerId: link.peerId,
      id: peerIdToString(link.peerId),
      point: link.listeningPoint,
      incoming: link.incoming,
      stat: link.conn.stat(),
    };
  }

  /**
   * Closes the connection with a peer (a `Disconnect` order).
   *
   * @param peerId The peer id.
   * @returns Resolves once it is closed.
   */
  disconnect(peerId: Uint8Array): Promise<void> {
    return this.#pool.disconnect(peerIdKey(peerId));
  }

  /**
   * Closes the connection with a peer and refuses it for a while (a `Kick` order).
   *
   * @param peerId The peer id.
   * @param durationMs How long to refuse it (default `kickBanMs`, 10 minutes).
   */
  kick(peerId: Uint8Array, durationMs: number = this.#kickBanMs): void {
    this.#kick(peerIdKey(peerId), duration("durationMs", durationMs, this.#kickBanMs));
  }

  /** Counters of the node, its pool, its maintenance and its worker. */
  stats(): NodeStats {
    return {
      connections: this.#pool.size,
      pendingConnections: this.#pool.pending,
      knownPoints: this.#known.size,
      outMessagesDropped: this.#outDropped,
      inMessagesRejected: this.#inRejected,
      inMessagesDropped: this.#inDropped,
      delivered: this.#subscriptions.delivered,
      deliveriesDropped: this.#subscriptions.dropped,
      pool: { ...this.#pool.stats },
      maintenance: { ...this.#maintenance.stats },
      gossip: this.#worker.stats,
    };
  }

  /**
   * Stops everything the node started: the listener, the maintenance timer, every connection,
   * handshake and dial, the gossipsub worker and its consumers; then ends the subscriber streams.
   * Idempotent.
   *
   * @returns Resolves when all of it has stopped.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#signal?.removeEventListener("abort", this.#onAbort);
    clearInterval(this.#maintenanceTimer);
    this.#maintenanceTimer = undefined;
    this.#listener?.close();
    await this.#pool.close();
    await this.#worker.shutdown();
    await Promise.all(this.#loops);
    this.#subscriptions.closeAll();
  }
}

/**
 * Creates and starts a node: it listens (unless `listen: false`), joins `topics`, dials
 * `bootstrapPoints`, and runs the connection maintenance. Without `gossip`, it runs the simple
 * instance (string topics, byte payloads).
 *
 * @param options The options.
 * @returns The running node.
 * @throws {RangeError | TypeError} On invalid options.
 * @throws {Deno.errors.AddrInUse} When the listening port is taken.
 */
export function createNode(
  options?: SimpleNodeOptions,
): Promise<Node<string, Uint8Array, Uint8Array>>;
/**
 * Creates and starts a node for a custom gossipsub instance.
 *
 * @param options The options, with `gossip` the instance.
 * @returns The running node.
 */
export function createNode<T, I, M>(options: NodeOptions<T, I, M>): Promise<Node<T, I, M>>;
export async function createNode<T, I, M>(
  options: SimpleNodeOptions | NodeOptions<T, I, M> = {},
): Promise<Node<T, I, M> | Node<string, Uint8Array, Uint8Array>> {
  const difficulty = options.powDifficulty ?? 0;
  if (!(Number.isFinite(difficulty) && difficulty >= 0)) {
    throw new RangeError(`createNode: powDifficulty must be a number ≥ 0, got ${difficulty}`);
  }
  // Up to difficulty 8 (a few hundred attempts) the search is quicker than starting PoW workers.
  const identity = options.identity ??
    (difficulty <= 8 ? generateIdentitySync(difficulty) : await generateIdentity(difficulty));
  if (options.gossip === undefined || options.gossip === "simple") {
    return new Node(identity, simpleGossip(), options as SimpleNodeOptions);
  }
  const custom = options as NodeOptions<T, I, M>;
  return new Node(identity, custom.gossip, custom);
}

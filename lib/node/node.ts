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
 * Disconnect → close · Kick → close and ban · Connect → dial the peer's point · Forget → nothing
 * ```
 *
 * @module
 */

import { parsePointId, type PointId, pointIdToString } from "../base/point_id.ts";
import { Rng } from "../base/rng.ts";
import { type Identity, peerIdKey, peerIdToString } from "../crypto/mod.ts";
import { fromHex } from "../encoding/hex.ts";
import type { PxPeer } from "../../gen/gossipsub.ts";
import {
  type GossipsubView,
  type GossipsubWorker,
  type Key,
  makeWorker,
  type Validity,
  type WorkerStats,
} from "../gossipsub/mod.ts";
import { NodeError } from "./errors.ts";
import type { NodeAcl } from "./acl.ts";
import { GossipEvents } from "./gossip_events.ts";
import { EventHub } from "./event_hub.ts";
import { PEERS_FILE_NAME, type PeersSaver, startPeersSaver } from "./data_dir.ts";
import type { NodeEvent } from "./events.ts";
import { fromWire, type GossipInstance, type GossipWireMessage } from "./gossip_instance.ts";
import { duration, nodeLimits, type NodeOptions } from "./options.ts";
import { P2pLayer, p2pLayerSettings, type P2pLayerStats, type PeerInfo } from "./p2p_layer.ts";
import type { PeerLink } from "./peer_link.ts";
import type { NodePlan } from "./plan.ts";
import type { NetworkProfile } from "./profiles.ts";
import type { NodeSnapshot } from "./snapshot.ts";
import { selfSnapshot } from "./p2p_snapshot.ts";
import { type Delivered, Subscriptions } from "./subscriptions.ts";
import { WorkerOutputs } from "./worker_outputs.ts";
import { type TopicValidator, TopicValidators, validatedMessages } from "./validation.ts";
import {
  FirstSenders,
  Publications,
  type PublishOptions,
  type PublishResult,
} from "./publications.ts";

export type { PublishOptions, PublishResult };

export type { PeerInfo };

/** Counters of a node: its P2P layer's, and the gossip side's. */
export interface NodeStats extends P2pLayerStats {
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
  /** Gossipsub worker counters. */
  readonly gossip: Readonly<WorkerStats>;
}

type Wire<T, I, M> = GossipWireMessage<T, I, M>;

/** The options the node constructor reads (the instance comes separately). */
export type NodeSettings<T> = Omit<NodeOptions<T, unknown, unknown>, "gossip" | "profile">;

/** A running node. Build it with {@link createNode}; stop it with {@link Node.close}. */
export class Node<T, I, M> {
  /** This node's identity. */
  readonly identity: Identity;
  /** This node's peer id. */
  readonly peerId: Uint8Array;
  /** Where the node listens (`undefined` when it does not). */
  readonly listeningPoint: PointId | undefined;
  /** The profile the node runs, with the options' overrides applied. */
  readonly profile: NetworkProfile;
  /** Greylists and blacklists: list, add, remove, clear. */
  readonly acl: NodeAcl;
  readonly #key: string;
  readonly #instance: GossipInstance<T, I, M>;
  readonly #worker: GossipsubWorker<string, T, I, M>;
  readonly #p2p: P2pLayer<Wire<T, I, M>, unknown>;
  readonly #subscriptions: Subscriptions<T, I, M>;
  readonly #joined = new Set<Key>();
  readonly #kickBanMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = () => void this.close();
  readonly #saver: PeersSaver | undefined;
  readonly #hub: EventHub;
  readonly #events: GossipEvents<T, I, M>;
  // First sender of each received message until it is delivered (bounded: ids that are never
  // delivered, being invalid or on a topic not joined, age out first).
  readonly #senders = new FirstSenders();
  readonly #validators: TopicValidators<T, I, M>;
  readonly #outputs: WorkerOutputs<T, I, M>;
  readonly #publishing = new Publications<I>();
  #loops: Promise<unknown>[] = [];
  #sequence = 0;
  #closing: Promise<void> | undefined;
  #inRejected = 0;
  #inDropped = 0;

  /**
   * Builds and starts a node; use {@link createNode}.
   *
   * @param identity The identity.
   * @param instance The gossipsub instance.
   * @param options The options.
   * @param profile The profile, with the options' overrides applied.
   * @param plan The connection metadata.
   * @internal
   */
  constructor(
    identity: Identity,
    instance: GossipInstance<T, I, M>,
    options: NodeSettings<T>,
    profile: NetworkProfile,
    plan: NodePlan<unknown>,
  ) {
    this.identity = identity;
    this.peerId = identity.peerId;
    this.profile = profile;
    this.#key = peerIdKey(identity.peerId);
    this.#instance = instance;
    this.#hub = new EventHub(options.onEvent);
    this.#events = new GossipEvents(
      this.#hub,
      instance.describe,
      (key) => peerIdToString(this.#peerId(key)),
    );
    const seed = options.seed ?? crypto.getRandomValues(new Uint32Array(1))[0];
    const rng = new Rng(seed ^ 0x5bd1e995);
    const limits = nodeLimits(options, profile);
    this.#kickBanMs = profile.kickBanMs;
    for (const topic of options.topics ?? []) instance.checkTopic(topic);
    this.#validators = new TopicValidators(
      duration("validationTimeoutMs", options.validationTimeoutMs, 10_000),
    );
    const trusted = new Set<string>();
    const direct = new Set<string>();

    const settings = p2pLayerSettings(identity, profile, options, plan);
    const directPoints = (options.directPeers ?? []).map((p) =>
      typeof p === "string" ? parsePointId(p) : p
    );
    for (const point of directPoints) direct.add(pointIdToString(point));
    this.#p2p = new P2pLayer<Wire<T, I, M>, unknown>({
      ...settings,
      bootstrapPoints: [...settings.bootstrapPoints, ...directPoints],
      codec: instance.codec,
      rng,
      onEvent: (event) => this.#hub.emit(event),
      onOpen: (link) =>
        this.#worker.p2pInput({
          kind: "NewConnection",
          peer: link.key,
          direct: link.point !== undefined && direct.has(link.point.text),
          // Octez's DAL node counts trusted peers as outbound (`gossipsub_worker.ml` 933,
          // `gs_transport_connection.ml` 61-86); elsewhere outbound means we dialled.
          outbound: profile.trustConfiguredPoints
            ? link.point !== undefined && trusted.has(link.point.text)
            : !link.incoming,
          bootstrap: plan.isBootstrapPeer(link.conn.remoteMetadata),
        }),
      onClose: (link) => this.#worker.p2pInput({ kind: "Disconnection", peer: link.key }),
      onMessage: (link, message) => this.#onMessage(link, message),
      // #onMessage only queues for the worker: nothing needs a turn between two messages.
      drainReceived: true,
    });
    this.#outputs = new WorkerOutputs(this.#p2p, this.#events, profile.kickBanMs);
    this.listeningPoint = this.#p2p.listeningPoint;
    this.acl = this.#p2p.aclApi();
    if (profile.trustConfiguredPoints) {
      for (const point of this.#p2p.bootstrapPoints) trusted.add(pointIdToString(point));
    }
    const bootstrapTexts = this.#p2p.bootstrapPoints.map(pointIdToString);

    // Until everything is built, a failure (invalid limits, say) must not leak the listener.
    try {
      this.#worker = makeWorker<string, T, I, M>({
        limits,
        peer: { key: (p) => p, compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0) },
        topic: instance.topic,
        messageId: instance.messageId,
        message: validatedMessages(
          instance.message,
          this.#validators,
          instance.topic,
          instance.messageId,
          (idKey) => {
            const sender = this.#senders.get(idKey);
            return sender === undefined ? undefined : this.#peerId(sender);
          },
        ),
        peerFilter: options.peerFilter === undefined
          ? undefined
          : (peer, action) => options.peerFilter!(this.#peerId(peer), action),
        onPublished: (messageId, recipients) => this.#published(messageId, recipients),
        rng: seed,
        self: this.#key,
        messageHandling: profile.batchValidationMs === undefined
          ? { kind: "Sequentially" }
          : { kind: "InBatches", timeInterval: profile.batchValidationMs },
        reachablePoint: (peer) => this.#p2p.known.pointOfPeer(peer)?.text,
        initialPoints: () => bootstrapTexts,
        // One reconnection schedule: the P2P layer's (the profile's back-off), not a second one
        // in the worker.
        pointContactable: (point) => this.#p2p.known.isDue(point, performance.now()),
        onHeartbeat: (ms) => this.#events.heartbeat(this.#worker.view, this.#p2p.pool.size, ms),
      });
      this.#subscriptions = new Subscriptions(options.subscriberBufferSize ?? 10_000);
    } catch (e) {
      void this.#p2p.close();
      throw e;
    }

    // Start: the worker and its two consumers, then the P2P layer (listener, maintenance, dials).
    const topics = options.topics ?? [];
    for (const topic of topics) this.#joined.add(instance.topic.key(topic));
    this.#worker.start(topics);
    this.#loops.push(this.#consumeP2pOutputs(), this.#consumeAppOutputs());
    this.#p2p.start();
    this.#saver = options.dataDir === undefined
      ? undefined
      : startPeersSaver(`${options.dataDir}/${PEERS_FILE_NAME}`, () =>
        this.#p2p.snapshot().points, {
        everyMs: options.saveEveryMs,
      });
    this.#signal = options.signal;
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  async #consumeP2pOutputs(): Promise<void> {
    for await (const out of this.#worker.p2pOutputStream) {
      try {
        this.#outputs.apply(out);
      } catch {
        // One bad order (e.g. an unparsable point) must not stop the others.
      }
    }
  }

  async #consumeAppOutputs(): Promise<void> {
    for await (const out of this.#worker.appOutputStream) {
      const idKey = this.#instance.messageId.key(out.messageId);
      const fromKey = this.#senders.take(idKey);
      const from = fromKey === undefined ? undefined : this.#peerId(fromKey);
      this.#subscriptions.deliver(this.#instance.topic.key(out.topic), { ...out, from });
      this.#events.delivered(out, fromKey);
    }
  }

  // A peer's id from its key: the connection's copy when connected.
  #peerId(key: string): Uint8Array {
    return this.#p2p.pool.get(key)?.peerId ?? fromHex(key);
  }

  #published(messageId: I, recipients: readonly string[] | undefined): void {
    this.#publishing.applied(
      this.#instance.messageId.key(messageId),
      recipients?.map((k) => this.#peerId(k)),
    );
  }

  #learnPx = (px: PxPeer): string => {
    const peerId = px.peerId.slice();
    const key = peerIdKey(peerId);
    if (key !== this.#key && this.#p2p.pool.get(key) === undefined) {
      const entry = this.#p2p.known.add(px.point, "px", performance.now());
      if (entry !== undefined && !entry.connected) this.#p2p.known.setPeer(entry, key, peerId);
    }
    return key;
  };

  #onMessage(link: PeerLink<Wire<T, I, M>, unknown>, message: Wire<T, I, M>): void {
    if (!this.#instance.accept(message)) {
      this.#inRejected++;
      return;
    }
    const p2pMessage = fromWire(message, this.#learnPx);
    if (p2pMessage.kind === "MessageWithHeader") {
      // A copy the worker has already seen (most are: one per mesh peer) is never delivered.
      if (!this.#worker.view.seen(p2pMessage.messageId)) {
        this.#senders.remember(this.#instance.messageId.key(p2pMessage.messageId), link.key);
      }
    } else if (p2pMessage.kind === "Graft" || p2pMessage.kind === "Prune") {
      this.#events.meshChange(
        p2pMessage.kind === "Graft" ? "graft" : "prune",
        "received",
        link.key,
        p2pMessage.topic,
      );
    }
    if (!this.#worker.p2pInput({ kind: "InMessage", fromPeer: link.key, p2pMessage })) {
      this.#inDropped++;
    }
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
   * @param options The id (required when the instance does not mint ids; the simple one does),
   * and whether a publication that reaches no peer is acceptable.
   * @returns Resolves once the worker has handed the message to its peers, with the id and the
   * peers; rejects with `NodeError` `no_peers_subscribed` (unless `allowNoPeers`),
   * `already_published`, or `closed` if the node closes first.
   * @throws {NodeError} `closed`, or `overloaded` when the worker's input queue is full.
   * @throws {TypeError | RangeError} On a topic the instance refuses, or a missing id.
   */
  publish(topic: T, payload: M, options: PublishOptions<I> = {}): Promise<PublishResult<I>> {
    this.#checkOpen("publish");
    this.#instance.checkTopic(topic);
    const id = options.messageId ??
      this.#instance.newMessageId?.(topic, payload, this.peerId, this.#sequence++);
    if (id === undefined) {
      throw new TypeError(`publish: the ${this.#instance.name} instance needs a messageId`);
    }
    const key = this.#instance.messageId.key(id);
    if (this.#publishing.has(key)) {
      throw new NodeError("already_published", "publish: this message id is being published");
    }
    const input = { kind: "PublishMessage" as const, topic, messageId: id, message: payload };
    if (!this.#worker.appInput(input)) {
      throw new NodeError("overloaded", "publish: the gossipsub input queue is full");
    }
    return this.#publishing.wait(key, id, options.allowNoPeers ?? false);
  }

  /**
   * Sets (or, with `undefined`, removes) the application's validator of a topic. It is asked about
   * each received message of the topic that passed the instance's own checks, and told its first
   * sender; it answers a validity or a promise of one (see `validation.ts` for the timing).
   *
   * @param topic The topic.
   * @param validator The validator.
   * @throws {TypeError | RangeError} On a topic the instance refuses.
   */
  setTopicValidator(topic: T, validator: TopicValidator<T, I, M> | undefined): void {
    this.#instance.checkTopic(topic);
    this.#validators.set(this.#instance.topic.key(topic), validator);
  }

  /**
   * Reports the validity of a message whose validator answered `Unknown` and decided later.
   *
   * @param messageId The message id.
   * @param validity The verdict.
   * @returns Whether a verdict was owed for that id.
   */
  reportValidation(messageId: I, validity: Validity): boolean {
    return this.#validators.report(this.#instance.messageId.key(messageId), validity);
  }

  /**
   * Sets a peer's application-specific score (gossipsub P5, weighted by the limits'
   * `appSpecificWeight`).
   *
   * @param peerId The peer.
   * @param score The score (finite).
   * @throws {RangeError} On a non-finite score.
   */
  setApplicationScore(peerId: Uint8Array, score: number): void {
    this.#worker.setApplicationScore(peerIdKey(peerId), score);
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
    return this.#p2p.peers();
  }

  /**
   * The peers of our mesh on a topic (as of the events the worker has processed).
   *
   * @param topic The topic.
   * @returns Their peer ids.
   */
  meshPeers(topic: T): Uint8Array[] {
    return this.#worker.view.meshPeers(topic).map((key) => this.#peerId(key));
  }

  /**
   * A stream of the node's events from now on (as `onEvent` gets them); it ends when the node
   * closes, and drops events beyond `capacity` unread ones.
   *
   * @param capacity Unread events held (default 4096).
   * @returns The stream.
   */
  events(capacity?: number): ReadableStream<NodeEvent> {
    return this.#hub.stream(capacity);
  }

  /**
   * What the node can tell an operator: connections, known points and peers, bans, and topics
   * with their meshes; peers carry their gossipsub score.
   *
   * @returns The snapshot (plain data).
   */
  snapshot(): NodeSnapshot {
    const view = this.#worker.view;
    const text = (peer: string) => peerIdToString(this.#peerId(peer));
    const topicText = this.#instance.describe?.topic ?? ((t: T) => String(t));
    return {
      ...selfSnapshot(this.peerId, this.listeningPoint, this.profile),
      ...this.#p2p.snapshot((key) => view.hasScore(key) ? view.peerScore(key) : undefined),
      topics: view.joinedTopics().map((topic) => ({
        topic: topicText(topic),
        mesh: view.meshPeers(topic).map(text),
        subscribers: view.topicSubscribers(topic).length,
      })),
    };
  }

  /** Read-only view of the gossipsub automaton (meshes, scores, caches). */
  get gossipView(): GossipsubView<string, T, I, M> {
    return this.#worker.view;
  }

  /**
   * Dials a point now (the maintenance also dials known points by itself).
   *
   * @param point The point, as `{addr, port}` or text (`addr:port[#peer_id]`).
   * @returns Resolves with the new peer once the connection runs.
   * @throws {NodeError} `invalid_point` when `point` is not a point (the `PointIdError` is the
   * `cause`), `closed`, `dial_refused` or `dial_failed`.
   */
  connect(point: PointId | string): Promise<PeerInfo> {
    return this.#p2p.connect(point);
  }

  /**
   * Closes the connection with a peer (a `Disconnect` order).
   *
   * @param peerId The peer id.
   * @returns Resolves once it is closed.
   */
  disconnect(peerId: Uint8Array): Promise<void> {
    return this.#p2p.pool.disconnect(peerIdKey(peerId));
  }

  /**
   * Closes the connection with a peer and refuses it for a while (a `Kick` order).
   *
   * @param peerId The peer id.
   * @param durationMs How long to refuse it (default `kickBanMs`, 10 minutes).
   */
  kick(peerId: Uint8Array, durationMs: number = this.#kickBanMs): void {
    if (!(durationMs >= 0)) {
      throw new RangeError(
        `kick: durationMs must be ≥ 0 (Infinity: until unbanned), got ${durationMs}`,
      );
    }
    this.#p2p.kick(peerIdKey(peerId), durationMs);
  }

  /** Counters of the node, its pool, its maintenance and its worker. */
  stats(): NodeStats {
    return {
      ...this.#p2p.stats(),
      outMessagesDropped: this.#outputs.dropped,
      inMessagesRejected: this.#inRejected,
      inMessagesDropped: this.#inDropped,
      delivered: this.#subscriptions.delivered,
      deliveriesDropped: this.#subscriptions.dropped,
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
    // The last save first: a closed node knows no connections.
    await this.#saver?.close().catch(() => {});
    await this.#p2p.close();
    await this.#worker.shutdown();
    this.#validators.close();
    this.#hub.close();
    this.#publishing.close();
    await Promise.all(this.#loops);
    this.#subscriptions.closeAll();
  }
}

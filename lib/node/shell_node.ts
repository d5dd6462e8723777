/**
 * An L1 peer (the `shell` profile): the P2P layer of an Octez node, with shell metadata, the
 * distributed-db versions 0–2, peer discovery, swaps and Octez's L1 pool defaults. Its application
 * messages are the shell's, typed by {@link shellCodec}: a tag Octez does not know or a message
 * over one of Octez's bounds ends the connection with `decoding_error` and greylists the sender,
 * as Octez's P2P reader does. It reads every message into one stream, sends what the application
 * gives it and, given a {@link ShellChain}, answers the requests of the distributed DB itself
 * ({@link ShellResponder}). It runs no gossipsub: L1 networks do not.
 *
 * @module
 */

import type { PointId } from "../base/point_id.ts";
import { peerIdKey } from "../crypto/mod.ts";
import type { NodeSnapshot } from "./snapshot.ts";
import { selfSnapshot } from "./p2p_snapshot.ts";
import type { NodeAcl } from "./acl.ts";
import { EventHub } from "./event_hub.ts";
import { PEERS_FILE_NAME, type PeersSaver, startPeersSaver } from "./data_dir.ts";
import type { NodeEvent } from "./events.ts";
import type { Identity } from "../crypto/identity.ts";
import { shellCodec, type ShellMessage } from "../../gen/shell.ts";
import { Rng } from "../base/rng.ts";
import { NodeError } from "./errors.ts";
import type { ShellNodeOptions } from "./options.ts";
import { P2pLayer, p2pLayerSettings, type P2pLayerStats, type PeerInfo } from "./p2p_layer.ts";
import { identityFor, knownPointsFor, resolveProfile, shellPlan } from "./plan.ts";
import { type NetworkProfile, shellProfile } from "./profiles.ts";
import { type ConnectionMetadata, isP2pError } from "../connection/mod.ts";
import type { PeerLink } from "./peer_link.ts";
import { type ShellChain, ShellResponder } from "./shell_chain.ts";

export type { ShellMessage } from "../../gen/shell.ts";

/** A shell message received from a peer. */
export interface ReceivedShellMessage {
  /** The sender's peer id (16 bytes). */
  readonly peerId: Uint8Array;
  /** The message (a copy of its bytes: it stays valid after further reads). */
  readonly message: ShellMessage;
}

/** Options of {@link createShellNode}: the P2P options and, to answer requests, a chain. */
export interface ShellNodeServeOptions extends ShellNodeOptions {
  /**
   * The chain this node serves: requests are answered from it (see {@link ShellResponder}) and
   * every new connection is greeted with `Get_current_branch`, as Octez does. Without it the node
   * answers nothing and the application reads requests from {@link ShellNode.messages}.
   */
  readonly chain?: ShellChain;
}

// A decoded message's byte fields view the connection's receive buffer until the next read.
function copyViews<X>(value: X): X {
  if (value instanceof Uint8Array) return value.slice() as X;
  if (Array.isArray(value)) return value.map(copyViews) as X;
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = copyViews(v);
    return out as X;
  }
  return value;
}

/** Counters of a shell node. */
export interface ShellNodeStats extends P2pLayerStats {
  /** Messages received. */
  readonly received: number;
  /** Messages dropped because the reader of {@link ShellNode.messages} was too slow. */
  readonly receivedDropped: number;
  /** Answers sent from the {@link ShellChain} (0 without one). */
  readonly answered: number;
}

/** A running L1 peer. Build it with {@link createShellNode}; stop it with {@link ShellNode.close}. */
export class ShellNode {
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
  /** The shell messages received, in arrival order; ends when the node closes. */
  readonly messages: ReadableStream<ReceivedShellMessage>;
  readonly #saver: PeersSaver | undefined;
  readonly #hub: EventHub;
  readonly #p2p: P2pLayer<ShellMessage, ConnectionMetadata>;
  readonly #responder: ShellResponder | undefined;
  #controller!: ReadableStreamDefaultController<ReceivedShellMessage>;
  #answered = 0;
  #received = 0;
  #dropped = 0;
  #closing: Promise<void> | undefined;

  /**
   * Builds and starts a shell node; use {@link createShellNode}.
   *
   * @param identity The identity.
   * @param profile The resolved profile.
   * @param options The options.
   * @internal
   */
  constructor(identity: Identity, profile: NetworkProfile, options: ShellNodeServeOptions) {
    this.identity = identity;
    this.#hub = new EventHub(options.onEvent);
    this.peerId = identity.peerId;
    this.profile = profile;
    this.#responder = options.chain === undefined
      ? undefined
      : new ShellResponder(options.chain, identity.peerId);
    const bufferSize = options.subscriberBufferSize ?? 10_000;
    this.messages = new ReadableStream<ReceivedShellMessage>({
      start: (controller) => {
        this.#controller = controller;
      },
    }, { highWaterMark: bufferSize });
    const plan = shellPlan(options.disableMempool ?? false, options.privateNode ?? false);
    this.#p2p = new P2pLayer<ShellMessage, ConnectionMetadata>({
      ...p2pLayerSettings(identity, profile, options, plan),
      codec: shellCodec,
      rng: new Rng(crypto.getRandomValues(new Uint32Array(1))[0]),
      onEvent: (event) => this.#hub.emit(event),
      onOpen: (link) => this.#greet(link),
      onClose: (link) => this.#responder?.forget(link.key),
      onMessage: (link, message) => this.#receive(link, message),
    });
    this.listeningPoint = this.#p2p.listeningPoint;
    this.acl = this.#p2p.aclApi();
    this.#p2p.start();
    this.#saver = options.dataDir === undefined
      ? undefined
      : startPeersSaver(`${options.dataDir}/${PEERS_FILE_NAME}`, () =>
        this.#p2p.snapshot().points, {
        everyMs: options.saveEveryMs,
      });
  }

  #greet(link: PeerLink<ShellMessage, ConnectionMetadata>): void {
    this.#responder?.greeting().then(
      (message) => link.send({ kind: "Message", message }),
      () => {}, // The chain's callback failed: no greeting, as with no chain.
    );
  }

  #receive(link: PeerLink<ShellMessage, ConnectionMetadata>, received: ShellMessage): void {
    this.#received++;
    const message = copyViews(received);
    if (this.#responder !== undefined) {
      const from = {
        key: link.key,
        peerId: link.peerId,
        disableMempool: link.conn.info.remoteMetadata.disableMempool,
      };
      void this.#responder.answer(from, message, (answer) => {
        if (link.send({ kind: "Message", message: answer })) this.#answered++;
      });
    }
    if ((this.#controller.desiredSize ?? 0) <= 0) {
      this.#dropped++;
      return;
    }
    this.#controller.enqueue({ peerId: link.peerId, message });
  }

  /** The connected peers. */
  peers(): PeerInfo[] {
    return this.#p2p.peers();
  }

  /**
   * Sends a shell message to a connected peer without waiting (Octez `write_now`).
   *
   * @param peerId The peer.
   * @param message The message.
   * @returns `true` if queued; `false` if the peer is not connected, its connection is closing or
   * its queue is full.
   * @throws {NodeError} `closed`.
   * @throws {P2pError} `encoding_error` when the message cannot be encoded (e.g. over one of
   * Octez's bounds: 11 hashes in a `Get_block_headers`); nothing is sent.
   */
  send(peerId: Uint8Array, message: ShellMessage): boolean {
    if (this.#closing !== undefined) throw new NodeError("closed", "send: the node is closed");
    const link = this.#p2p.pool.get(peerIdKey(peerId));
    if (link === undefined) return false;
    try {
      return link.conn.writeNow({ kind: "Message", message });
    } catch (e) {
      if (isP2pError(e, "encoding_error")) throw e;
      return false; // closed meanwhile
    }
  }

  /**
   * Dials a point now.
   *
   * @param point The point, as `{addr, port}` or text (`addr:port[#peer_id]`).
   * @returns The new peer once the connection runs.
   * @throws {NodeError} `invalid_point` when `point` is not a point (the `PointIdError` is the
   * `cause`), `closed`, `dial_refused` or `dial_failed`.
   */
  connect(point: PointId | string): Promise<PeerInfo> {
    return this.#p2p.connect(point);
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
   * What the node can tell an operator: connections, known points and peers, bans.
   *
   * @returns The snapshot (plain data).
   */
  snapshot(): NodeSnapshot {
    return {
      ...selfSnapshot(this.peerId, this.listeningPoint, this.profile),
      ...this.#p2p.snapshot(),
      topics: undefined,
    };
  }

  /** Counters. */
  stats(): ShellNodeStats {
    return {
      ...this.#p2p.stats(),
      received: this.#received,
      receivedDropped: this.#dropped,
      answered: this.#answered,
    };
  }

  /**
   * Stops the listener, the maintenance and every connection, then ends {@link messages}.
   * Idempotent.
   *
   * @returns Resolves when all of it has stopped.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      // The last save first: a closed node knows no connections.
      await this.#saver?.close().catch(() => {});
      await this.#p2p.close();
      this.#controller.close();
      this.#hub.close();
    })();
    return this.#closing;
  }
}

/**
 * Creates and starts an L1 peer (the `shell` profile).
 *
 * @param options The options; `chain` to answer the distributed DB's requests.
 * @returns The running node.
 * @throws {RangeError | TypeError} On invalid options.
 * @throws {Deno.errors.AddrInUse} When the listening port is taken.
 */
export async function createShellNode(options: ShellNodeServeOptions = {}): Promise<ShellNode> {
  const profile = resolveProfile(shellProfile(options.chainName), options);
  const identity = await identityFor(options, profile);
  const knownPoints = await knownPointsFor(options);
  const node = new ShellNode(identity, profile, { ...options, knownPoints });
  options.signal?.addEventListener("abort", () => void node.close(), { once: true });
  return node;
}

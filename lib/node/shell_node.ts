/**
 * An L1 peer (the `shell` profile): the P2P layer of an Octez node, with shell metadata, the
 * distributed-db versions 0–2, peer discovery, swaps and Octez's L1 pool defaults. It carries the
 * shell's application messages as tagged bytes (`RawAppMessage`): it reads them into one stream
 * and sends what the application gives it. It runs no gossipsub: L1 networks do not.
 *
 * @module
 */

import { type PointId, pointIdToString } from "../base/point_id.ts";
import { peerIdKey, peerIdToString } from "../crypto/mod.ts";
import type { NodeSnapshot } from "./snapshot.ts";
import type { Identity } from "../crypto/identity.ts";
import { rawAppCodec, type RawAppMessage } from "../encoding/app_codec.ts";
import { Rng } from "../base/rng.ts";
import { NodeError } from "./errors.ts";
import type { ShellNodeOptions } from "./options.ts";
import { P2pLayer, p2pLayerSettings, type P2pLayerStats, type PeerInfo } from "./p2p_layer.ts";
import { identityFor, resolveProfile, shellPlan } from "./plan.ts";
import { type NetworkProfile, shellProfile } from "./profiles.ts";
import type { ConnectionMetadata } from "../connection/mod.ts";

/** A shell message received from a peer. */
export interface ShellMessage {
  /** The sender's peer id (16 bytes). */
  readonly peerId: Uint8Array;
  /** The message: its tag and body (a view; copy it to keep it past the next read). */
  readonly message: RawAppMessage;
}

/** Counters of a shell node. */
export interface ShellNodeStats extends P2pLayerStats {
  /** Messages received. */
  readonly received: number;
  /** Messages dropped because the reader of {@link ShellNode.messages} was too slow. */
  readonly receivedDropped: number;
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
  /** The shell messages received, in arrival order; ends when the node closes. */
  readonly messages: ReadableStream<ShellMessage>;
  readonly #p2p: P2pLayer<RawAppMessage, ConnectionMetadata>;
  #controller!: ReadableStreamDefaultController<ShellMessage>;
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
  constructor(identity: Identity, profile: NetworkProfile, options: ShellNodeOptions) {
    this.identity = identity;
    this.peerId = identity.peerId;
    this.profile = profile;
    const bufferSize = options.subscriberBufferSize ?? 10_000;
    this.messages = new ReadableStream<ShellMessage>({
      start: (controller) => {
        this.#controller = controller;
      },
    }, { highWaterMark: bufferSize });
    const plan = shellPlan(options.disableMempool ?? false, options.privateNode ?? false);
    this.#p2p = new P2pLayer<RawAppMessage, ConnectionMetadata>({
      ...p2pLayerSettings(identity, profile, options, plan),
      codec: rawAppCodec,
      rng: new Rng(crypto.getRandomValues(new Uint32Array(1))[0]),
      onEvent: options.onEvent,
      onOpen: () => {},
      onClose: () => {},
      onMessage: (link, message) => this.#receive(link.peerId, message),
    });
    this.listeningPoint = this.#p2p.listeningPoint;
    this.#p2p.start();
  }

  #receive(peerId: Uint8Array, message: RawAppMessage): void {
    this.#received++;
    if ((this.#controller.desiredSize ?? 0) <= 0) {
      this.#dropped++;
      return;
    }
    // The body views the connection's receive buffer only until the next read: keep a copy.
    const body = message.body.slice();
    this.#controller.enqueue({ peerId, message: { kind: "Raw", tag: message.tag, body } });
  }

  /** The connected peers. */
  peers(): PeerInfo[] {
    return this.#p2p.peers();
  }

  /**
   * Sends a shell message to a connected peer without waiting (Octez `write_now`).
   *
   * @param peerId The peer.
   * @param message The message (tag and body).
   * @returns `true` if queued; `false` if the peer is not connected or its queue is full.
   * @throws {NodeError} `closed`.
   */
  send(peerId: Uint8Array, message: RawAppMessage): boolean {
    if (this.#closing !== undefined) throw new NodeError("closed", "send: the node is closed");
    const link = this.#p2p.pool.get(peerIdKey(peerId));
    return link !== undefined && link.send({ kind: "Message", message });
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
   * What the node can tell an operator: connections, known points and peers, bans.
   *
   * @returns The snapshot (plain data).
   */
  snapshot(): NodeSnapshot {
    return {
      peerId: peerIdToString(this.peerId),
      listeningPoint: this.listeningPoint === undefined
        ? undefined
        : pointIdToString(this.listeningPoint),
      profile: this.profile.name,
      chainName: this.profile.chainName,
      ...this.#p2p.snapshot(),
      topics: undefined,
    };
  }

  /** Counters. */
  stats(): ShellNodeStats {
    return { ...this.#p2p.stats(), received: this.#received, receivedDropped: this.#dropped };
  }

  /**
   * Stops the listener, the maintenance and every connection, then ends {@link messages}.
   * Idempotent.
   *
   * @returns Resolves when all of it has stopped.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#p2p.close();
      this.#controller.close();
    })();
    return this.#closing;
  }
}

/**
 * Creates and starts an L1 peer (the `shell` profile).
 *
 * @param options The options.
 * @returns The running node.
 * @throws {RangeError | TypeError} On invalid options.
 * @throws {Deno.errors.AddrInUse} When the listening port is taken.
 */
export async function createShellNode(options: ShellNodeOptions = {}): Promise<ShellNode> {
  const profile = resolveProfile(shellProfile(options.chainName), options);
  const identity = await identityFor(options, profile);
  const node = new ShellNode(identity, profile, options);
  options.signal?.addEventListener("abort", () => void node.close(), { once: true });
  return node;
}

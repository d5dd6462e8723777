// A peer that follows an Octez L1 node's P2P rules, built from the connection primitives and a
// hand-written metadata codec: nothing from lib/node and not the generated shell metadata codec,
// so that a `shell` node's behaviour is checked against Octez's rules rather than against itself.
//
// Octez L1 rules (tezos-mirror d26a8bef82):
// - chain name e.g. `TEZOS_MAINNET` (src/lib_node_config/config_file.ml), distributed-db versions
//   0, 1, 2 (src/lib_shell/distributed_db_message.ml 399) and p2p versions 0, 1; the greatest of
//   each is announced: `TEZOS_MAINNET` / 2 / 1;
// - connection metadata `obj2 (req "disable_mempool" bool) (req "private_node" bool)`
//   (src/lib_p2p_services/connection_metadata.ml 26-33), written here by hand:
//       disable_mempool(1) ‖ private_node(1)      each 00 (false) | FF (true), e.g. FF 00
// - shell messages are P2P `Message`s with app tags 0x10… (Get_current_branch = 0x10,
//   src/lib_shell/distributed_db_message.ml 219); this peer keeps them as raw tag and body.
//
// The peer answers the Ack exchange with Ack whatever its own version selection says, so that
// tests see the node's answer (an Octez node on another chain would send its own Nack).

import {
  accept,
  authenticate,
  connect,
  type Connection,
  type MetadataCodec,
  type SupportedVersions,
} from "../../lib/connection/mod.ts";
import { makePointId, type PointId } from "../../lib/base/point_id.ts";
import { generateIdentitySync, type Identity, makePowTarget } from "../../lib/crypto/mod.ts";
import { DecodeError, rawAppCodec, type RawAppMessage } from "../../lib/encoding/mod.ts";

/** The shell connection metadata, as this peer reads and writes it. */
export interface ShellPeerMetadata {
  /** The sender promises not to send mempool content. */
  readonly disableMempool: boolean;
  /** The sender runs in private mode. */
  readonly privateNode: boolean;
}

function readBool(bytes: Uint8Array, at: number): boolean {
  if (at >= bytes.length) throw DecodeError.at("not_enough_data", "ShellPeerMetadata", at);
  if (bytes[at] === 0x00) return false;
  if (bytes[at] === 0xff) return true;
  // data_encoding's bool is 00 or FF only.
  throw DecodeError.at("invalid_conversion", "ShellPeerMetadata", at);
}

/** The shell metadata codec, by hand from the Octez encoding above. */
export const handShellMetadataCodec: MetadataCodec<ShellPeerMetadata> = {
  name: "shell (hand-written)",
  encode: (m) => Uint8Array.of(m.disableMempool ? 0xff : 0x00, m.privateNode ? 0xff : 0x00),
  decode(bytes) {
    const disableMempool = readBool(bytes, 0);
    const privateNode = readBool(bytes, 1);
    if (bytes.length !== 2) throw DecodeError.at("extra_bytes", "ShellPeerMetadata", 2);
    return { disableMempool, privateNode };
  },
  // src/lib_shell/p2p_node.ml 42: the private flag is the metadata's `private_node`.
  privateNode: (m) => m.privateNode,
};

/** Options of a test L1 peer. */
export interface OctezShellPeerOptions {
  /** Where a listener binds (default 127.0.0.1; another loopback address keeps ACLs apart). */
  readonly hostname?: string;
  /** The chain name announced (default `TEZOS_MAINNET`). */
  readonly chainName?: string;
  /** Our metadata (default: both flags false, as an Octez node by default). */
  readonly metadata?: ShellPeerMetadata;
  /** Identity (default: a fresh one of difficulty 2). */
  readonly identity?: Identity;
  /** Proof of work required of the remote (default 0). */
  readonly expectedPow?: number;
}

/** Octez's L1 versions for `chainName`: announced as `chainName` / 2 / 1. */
export function shellVersions(chainName = "TEZOS_MAINNET"): SupportedVersions {
  return { chainName, distributedDbVersions: [0, 1, 2], p2pVersions: [0, 1] };
}

/** A connected Octez-style L1 peer. */
export class OctezShellPeer {
  /** The connection, with the remote's announced version in `info.announcedVersion`. */
  readonly connection: Connection<RawAppMessage, ShellPeerMetadata>;
  /** Every shell message received, in order (tag and a copy of the body). */
  readonly received: { readonly tag: number; readonly body: Uint8Array }[] = [];
  /** P2P messages other than app messages (Bootstrap, Advertise, swaps…), by kind. */
  readonly otherP2p: string[] = [];
  readonly #reading: Promise<void>;

  /**
   * Wraps an accepted connection and starts reading it.
   *
   * @param connection The connection.
   */
  constructor(connection: Connection<RawAppMessage, ShellPeerMetadata>) {
    this.connection = connection;
    this.#reading = this.#readLoop();
  }

  /**
   * Dials `point` and completes the handshake as an Octez L1 node would.
   *
   * @param point The point.
   * @param options Chain, metadata, identity, PoW.
   * @returns The peer.
   */
  static async dial(point: PointId, options: OctezShellPeerOptions = {}): Promise<OctezShellPeer> {
    const auth = await connect(point, {
      identity: options.identity ?? generateIdentitySync(2),
      powTarget: makePowTarget(options.expectedPow ?? 0),
      versions: shellVersions(options.chainName),
      metadata: options.metadata ?? { disableMempool: false, privateNode: false },
      metadataCodec: handShellMetadataCodec,
      timeoutMs: 10_000,
    });
    return new OctezShellPeer(await accept(auth, rawAppCodec, { timeoutMs: 10_000 }));
  }

  /** The metadata the remote sent. */
  get remoteMetadata(): ShellPeerMetadata {
    return this.connection.remoteMetadata;
  }

  async #readLoop(): Promise<void> {
    try {
      for (;;) {
        const { message } = await this.connection.read();
        if (message.kind !== "Message") this.otherP2p.push(message.kind);
        else this.received.push({ tag: message.message.tag, body: message.message.body.slice() });
      }
    } catch {
      // The connection ended.
    }
  }

  /**
   * Sends a shell message and waits until it is written.
   *
   * @param tag The app tag.
   * @param body The body.
   */
  async send(tag: number, body: Uint8Array): Promise<void> {
    await this.connection.writeSync({ kind: "Message", message: { kind: "Raw", tag, body } });
  }

  /** Closes the connection and waits for the reader to stop. */
  async close(): Promise<void> {
    await this.connection.close();
    await this.#reading;
  }
}

/** A listening Octez-style L1 peer: accepts one incoming connection at a time. */
export class OctezShellListener {
  readonly #listener: Deno.Listener;
  readonly #options: OctezShellPeerOptions;
  readonly #identity: Identity;
  /** Where it listens. */
  readonly point: PointId;

  /**
   * Listens on 127.0.0.1, on a port the OS chooses.
   *
   * @param options Chain, metadata, identity, PoW.
   */
  constructor(options: OctezShellPeerOptions = {}) {
    this.#options = options;
    this.#identity = options.identity ?? generateIdentitySync(2);
    const hostname = options.hostname ?? "127.0.0.1";
    this.#listener = Deno.listen({ hostname, port: 0 });
    this.point = makePointId(hostname, (this.#listener.addr as Deno.NetAddr).port);
  }

  /**
   * Accepts the next connection and completes the handshake as an Octez L1 node would.
   *
   * @returns The peer.
   */
  async accept(): Promise<OctezShellPeer> {
    const socket = await this.#listener.accept();
    const auth = await authenticate(socket, {
      identity: this.#identity,
      powTarget: makePowTarget(this.#options.expectedPow ?? 0),
      incoming: true,
      listeningPort: this.point.port,
      versions: shellVersions(this.#options.chainName),
      metadata: this.#options.metadata ?? { disableMempool: false, privateNode: false },
      metadataCodec: handShellMetadataCodec,
      timeoutMs: 10_000,
    });
    return new OctezShellPeer(await accept(auth, rawAppCodec, { timeoutMs: 10_000 }));
  }

  /** Stops listening. */
  close(): void {
    this.#listener.close();
  }
}

// A peer that follows the Octez DAL node's P2P rules, built from the connection primitives, the
// generated gossipsub codec and hand-written metadata bytes: nothing from lib/node, so that the
// node's behaviour is checked against Octez's rules rather than against itself.
//
// Octez DAL rules (tezos-mirror d26a8bef82):
// - chain name `DAL_<L1 chain name>` (src/lib_dal_node/l1_helpers.ml 82), distributed-db version
//   0 only, p2p version 1 (src/lib_dal_node/gossipsub/transport_layer_interface.ml 219-237);
// - connection metadata `obj3 (opt "advertised_net_addr" P2p_addr.encoding)
//   (opt "advertised_net_port" uint16) (req "is_bootstrap_peer" bool)`
//   (src/lib_dal_node_services/types.ml 655-680), written here by hand:
//       addr:  00 | FF ‖ len(4, BE) ‖ address bytes
//       port:  00 | FF ‖ port(2, BE)
//       flag:  00 (false) | FF (true)          e.g. "no address, 11732, not bootstrap" = 00 FF 2D D4 00
// - gossipsub messages are P2P `Message`s with the DAL app tags 0x10-0x16.
//
// Messages go out and come in as raw app bodies (rawAppCodec), so tests compare the exact bytes a
// message had on each wire; the generated codec only encodes what a test sends and decodes what
// it received.

import {
  accept,
  authenticate,
  connect,
  type Connection,
  type MetadataCodec,
  type SupportedVersions,
} from "../../lib/connection/mod.ts";
import { makePointId, type PointId } from "../../lib/base/point_id.ts";
import {
  generateIdentitySync,
  type Identity,
  makePowTarget,
  peerIdToString,
} from "../../lib/crypto/mod.ts";
import { DecodeError, rawAppCodec, type RawAppMessage, Reader } from "../../lib/encoding/mod.ts";
import {
  dalGossipCodec,
  type DalGossipMessage,
  encodeDalGossipMessage,
} from "../../gen/gossipsub.ts";

/** The DAL connection metadata, as this peer reads and writes it. */
export interface DalPeerMetadata {
  /** Advertised address: 16 bytes (IPv6, IPv4 as IPv4-mapped), or none. */
  readonly advertisedNetAddr?: Uint8Array;
  /** Advertised port, or none. */
  readonly advertisedNetPort?: number;
  /** The sender is a DAL bootstrap node. */
  readonly isBootstrapPeer: boolean;
}

function fail(kind: "not_enough_data" | "extra_bytes" | "invalid_conversion", at: number): never {
  throw DecodeError.at(kind, "DalPeerMetadata", at);
}

function readBool(bytes: Uint8Array, at: number): boolean {
  if (at >= bytes.length) fail("not_enough_data", at);
  if (bytes[at] === 0x00) return false;
  if (bytes[at] === 0xff) return true;
  return fail("invalid_conversion", at); // data_encoding's bool is 00 or FF only
}

/** The DAL metadata codec, by hand from the Octez encoding above. */
export const handDalMetadataCodec: MetadataCodec<DalPeerMetadata> = {
  name: "dal (hand-written)",
  encode(m) {
    const out: number[] = [];
    if (m.advertisedNetAddr === undefined) out.push(0x00);
    else {
      const n = m.advertisedNetAddr.length;
      out.push(
        0xff,
        n >>> 24,
        (n >>> 16) & 0xff,
        (n >>> 8) & 0xff,
        n & 0xff,
        ...m.advertisedNetAddr,
      );
    }
    if (m.advertisedNetPort === undefined) out.push(0x00);
    else out.push(0xff, m.advertisedNetPort >>> 8, m.advertisedNetPort & 0xff);
    out.push(m.isBootstrapPeer ? 0xff : 0x00);
    return Uint8Array.from(out);
  },
  decode(bytes) {
    let at = 0;
    let advertisedNetAddr: Uint8Array | undefined;
    if (readBool(bytes, at++)) {
      if (at + 4 > bytes.length) fail("not_enough_data", at);
      const n =
        ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
      at += 4;
      // Ipaddr.V6.of_octets_exn: exactly 16 bytes.
      if (n !== 16) fail("invalid_conversion", at - 4);
      if (at + n > bytes.length) fail("not_enough_data", at);
      advertisedNetAddr = bytes.slice(at, at + n);
      at += n;
    }
    let advertisedNetPort: number | undefined;
    if (readBool(bytes, at++)) {
      if (at + 2 > bytes.length) fail("not_enough_data", at);
      advertisedNetPort = (bytes[at] << 8) | bytes[at + 1];
      at += 2;
    }
    const isBootstrapPeer = readBool(bytes, at++);
    if (at !== bytes.length) fail("extra_bytes", at);
    return { advertisedNetAddr, advertisedNetPort, isBootstrapPeer };
  },
  privateNode: () => false,
};

/** Options of a test DAL peer. */
export interface OctezDalPeerOptions {
  /** The L1 chain name; the peer announces `DAL_<name>`. */
  readonly l1ChainName: string;
  /** Our metadata (default: no address, port 11732, not a bootstrap peer). */
  readonly metadata?: DalPeerMetadata;
  /** Identity (default: a fresh one of difficulty 0). */
  readonly identity?: Identity;
  /** Proof of work required of the remote (default 0). */
  readonly expectedPow?: number;
}

/** One message received by a peer, as it was on the wire and decoded. */
export interface ReceivedDal {
  /** The app tag. */
  readonly tag: number;
  /** Tag and body, exactly as received. */
  readonly bytes: Uint8Array;
  /** The decoded gossipsub message. */
  readonly message: DalGossipMessage;
}

function versions(l1ChainName: string): SupportedVersions {
  return { chainName: `DAL_${l1ChainName}`, distributedDbVersions: [0], p2pVersions: [1] };
}

/** A connected Octez-style DAL peer. */
export class OctezDalPeer {
  readonly connection: Connection<RawAppMessage, DalPeerMetadata>;
  /** Every gossipsub message received, in order. */
  readonly received: ReceivedDal[] = [];
  /** P2P messages other than app messages (Bootstrap, Advertise, swaps…), by kind. */
  readonly otherP2p: string[] = [];
  readonly #reading: Promise<void>;
  #waiters: (() => void)[] = [];

  /** This peer's own peer id (`id…`). */
  readonly id: string;

  constructor(connection: Connection<RawAppMessage, DalPeerMetadata>, identity: Identity) {
    this.connection = connection;
    this.id = peerIdToString(identity.peerId);
    this.#reading = this.#readLoop();
  }

  /** Dials `point` and completes the handshake as an Octez DAL node would. */
  static async dial(point: PointId, options: OctezDalPeerOptions): Promise<OctezDalPeer> {
    const identity = options.identity ?? generateIdentitySync(0);
    const auth = await connect(point, {
      identity,
      powTarget: makePowTarget(options.expectedPow ?? 0),
      versions: versions(options.l1ChainName),
      metadata: options.metadata ?? { advertisedNetPort: 11732, isBootstrapPeer: false },
      metadataCodec: handDalMetadataCodec,
      timeoutMs: 10_000,
    });
    return new OctezDalPeer(await accept(auth, rawAppCodec, { timeoutMs: 10_000 }), identity);
  }

  /** The metadata the remote sent. */
  get remoteMetadata(): DalPeerMetadata {
    return this.connection.remoteMetadata;
  }

  async #readLoop(): Promise<void> {
    try {
      while (true) {
        const { message } = await this.connection.read();
        if (message.kind !== "Message") {
          this.otherP2p.push(message.kind);
          continue;
        }
        const raw = message.message;
        const bytes = new Uint8Array(2 + raw.body.length);
        bytes[0] = raw.tag >>> 8;
        bytes[1] = raw.tag & 0xff;
        bytes.set(raw.body, 2);
        const decoded = dalGossipCodec.read(new Reader(bytes.subarray(2)), raw.tag);
        this.received.push({ tag: raw.tag, bytes, message: decoded });
        for (const w of this.#waiters.splice(0)) w();
      }
    } catch {
      // The connection ended.
      for (const w of this.#waiters.splice(0)) w();
    }
  }

  /** Sends a gossipsub message; returns its exact bytes (tag and body). */
  async send(message: DalGossipMessage): Promise<Uint8Array> {
    const bytes = encodeDalGossipMessage(message);
    await this.connection.writeSync({
      kind: "Message",
      message: { kind: "Raw", tag: (bytes[0] << 8) | bytes[1], body: bytes.subarray(2) },
    });
    return bytes;
  }

  /** The first received message satisfying `match`, waiting up to `timeoutMs`. */
  async waitFor(
    what: string,
    match: (m: ReceivedDal) => boolean,
    timeoutMs = 15_000,
  ): Promise<ReceivedDal> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const found = this.received.find(match);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `no ${what} within ${timeoutMs} ms; received ${
            this.received.map((r) => r.message.kind).join(", ")
          }`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Closes the connection and waits for the reader to stop. */
  async close(): Promise<void> {
    await this.connection.close();
    await this.#reading;
  }
}

/** A listening Octez-style DAL peer: accepts one incoming connection at a time. */
export class OctezDalListener {
  readonly #listener: Deno.Listener;
  readonly #options: OctezDalPeerOptions;
  /** Where it listens. */
  readonly point: PointId;

  constructor(options: OctezDalPeerOptions) {
    this.#options = { ...options, identity: options.identity ?? generateIdentitySync(0) };
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.point = makePointId("127.0.0.1", (this.#listener.addr as Deno.NetAddr).port);
  }

  /** Accepts the next connection and completes the handshake as an Octez DAL node would. */
  async accept(): Promise<OctezDalPeer> {
    const conn = await this.#listener.accept();
    const identity = this.#options.identity!;
    const auth = await authenticate(conn, {
      identity,
      powTarget: makePowTarget(this.#options.expectedPow ?? 0),
      incoming: true,
      listeningPort: this.point.port,
      versions: versions(this.#options.l1ChainName),
      metadata: this.#options.metadata ??
        { advertisedNetPort: this.point.port, isBootstrapPeer: false },
      metadataCodec: handDalMetadataCodec,
      timeoutMs: 10_000,
    });
    return new OctezDalPeer(await accept(auth, rawAppCodec, { timeoutMs: 10_000 }), identity);
  }

  /** Stops listening. */
  close(): void {
    this.#listener.close();
  }
}

/**
 * What a P2P layer is made of (`P2pLayerConfig`): the identity and versions it announces, its
 * codecs, where it listens, the points and peers it starts from, and its limits and callbacks.
 * `p2pLayerSettings` derives the part every node shares from the node options and the profile;
 * the node adds its codec, its random source and its callbacks.
 *
 * @module
 */

import type { PointId } from "../base/point_id.ts";
import type { Rng } from "../base/rng.ts";
import type { ConnectionInfo, MetadataCodec, SupportedVersions } from "../connection/mod.ts";
import type { Identity } from "../crypto/mod.ts";
import type { AppCodec } from "../encoding/app_codec.ts";
import type { NodeEvent } from "./events.ts";
import type { KnownPointRecord, MaintenanceBounds } from "./options.ts";
import type { PeerLink } from "./peer_link.ts";
import type { ReconnectionSchedule } from "./profiles.ts";

/** Everything the P2P layer needs. */
export interface P2pLayerConfig<W, Meta> {
  /** This node's identity. */
  readonly identity: Identity;
  /** The proof-of-work target every remote must reach. */
  readonly powTarget: bigint;
  /** Chain name and versions announced and accepted. */
  readonly versions: SupportedVersions;
  /** Our connection metadata, given the port we listen on. */
  readonly metadata: (listeningPort: number | undefined) => Meta;
  /** The port announced in connection messages (default: the listening port). */
  readonly advertisedPort?: number;
  /** How connection metadata is encoded (shell or DAL). */
  readonly metadataCodec: MetadataCodec<Meta>;
  /** Codec of the application messages. */
  readonly codec: AppCodec<W>;
  /** Where to listen; `false` to only dial. */
  readonly listen: { readonly host?: string; readonly port?: number } | false;
  /** Points dialled at start, trusted and kept in the table for good. */
  readonly bootstrapPoints: readonly PointId[];
  /** The peer expected at some of those points (`addr#peer_id`), by point text. */
  readonly expectedPeers?: ReadonlyMap<string, Uint8Array>;
  /** Trusted peers. */
  readonly trustedPeers?: readonly Uint8Array[];
  /** Private mode: trusted points and peers only, no peer exchange. */
  readonly privateMode?: boolean;
  /** Points remembered from an earlier run. */
  readonly knownPoints?: readonly KnownPointRecord[];
  /** Connection thresholds. */
  readonly bounds: MaintenanceBounds;
  /** Idle time between maintenances, ms; `null`: none (points are dialled at start and on demand). */
  readonly maintenanceMs: number | null;
  /**
   * Where the remote of a connection listens, when the metadata says it better than the
   * connection message (the DAL's advertised address and port); the pool's rule otherwise.
   */
  readonly remoteListeningPoint?: (info: ConnectionInfo<Meta>) => PointId | undefined;
  /** Outgoing time limit (TCP connect and handshake), ms. */
  readonly connectTimeoutMs: number;
  /** Incoming handshake time limit, ms. */
  readonly authenticationTimeoutMs: number;
  /** Concurrent incoming handshakes. */
  readonly maxIncomingHandshakes: number;
  /** Outgoing queue bound of each connection, bytes. */
  readonly outgoingQueueSize: number;
  /** How long a greylisted address is refused, ms. */
  readonly ipGreylistMs: number;
  /** When to dial a point again after a failure or a disconnection. */
  readonly reconnection: ReconnectionSchedule;
  /** Send and answer Bootstrap, learn from Advertise. */
  readonly peerDiscovery: boolean;
  /** Minimum time between swaps, ms; `null` disables swaps. */
  readonly swapLingerMs: number | null;
  /** Random choices. */
  readonly rng: Rng;
  /** Where events go. */
  readonly onEvent?: (event: NodeEvent) => void;
  /** A connection is running. */
  onOpen(link: PeerLink<W, Meta>): void;
  /** A running connection ended. */
  onClose(link: PeerLink<W, Meta>, error: unknown): void;
  /** An application message arrived (handled synchronously, in order). */
  onMessage(link: PeerLink<W, Meta>, message: W): void;
  /**
   * Hand a connection's queued messages over in one go, without a turn of the event loop between
   * two (see `Pool.drainReceived`); default false.
   */
  readonly drainReceived?: boolean;
}

/**
 * What the connection pool needs from its node (`PoolConfig`) and what it counts (`PoolStats`).
 *
 * @module
 */

import type { PointId } from "../base/point_id.ts";
import type { ConnectionInfo, ConnectOptions } from "../connection/mod.ts";
import type { AppCodec } from "../encoding/app_codec.ts";
import type { P2pMessage } from "../../gen/p2p_message.ts";
import type { Rng } from "../base/rng.ts";
import type { BanList } from "./ban_list.ts";
import type { KnownPoints } from "./known_points.ts";
import type { MaintenanceBounds } from "./options.ts";
import type { PeerLink } from "./peer_link.ts";
import type { Acl } from "./acl.ts";
import type { NodeEvent } from "./events.ts";

/** Octez advertises at most 50 points (Advertise answers and Nack lists). */
export const ADVERTISED_POINTS = 50;

/** What the pool needs from its node. */
export interface PoolConfig<W, Meta> {
  /** Identity, PoW target, versions, metadata and listening port used in every handshake. */
  readonly handshake: Omit<ConnectOptions<Meta>, "timeoutMs" | "signal">;
  /** This node's key. */
  readonly selfKey: string;
  /** Codec of the application messages. */
  readonly codec: AppCodec<W>;
  /** Known points. */
  readonly known: KnownPoints;
  /** Kicked peers (timed bans). */
  readonly bans: BanList;
  /** Greylists and blacklists of addresses and peers. */
  readonly acl: Acl;
  /** Random choices (Nack point lists). */
  readonly rng: Rng;
  /** Connection cap. */
  readonly bounds: MaintenanceBounds;
  /** Outgoing time limit (TCP connect and handshake), ms. */
  readonly connectTimeoutMs: number;
  /** Incoming handshake time limit, ms. */
  readonly authenticationTimeoutMs: number;
  /** Concurrent incoming handshakes. */
  readonly maxIncomingHandshakes: number;
  /** Outgoing queue bound of each connection, bytes. */
  readonly outgoingQueueSize: number;
  /** Delay before dialling a point again after its connection ended, ms. */
  readonly reconnectDelayMs: number;
  /** Where the remote listens, when the metadata says it (else the connection message's port). */
  readonly remoteListeningPoint?: (info: ConnectionInfo<Meta>) => PointId | undefined;
  /** Peer discovery is on: Nacks carry known points (Octez: none when it is off). */
  readonly peerDiscovery: boolean;
  /** Private mode: only trusted points and peers are accepted and dialled. */
  readonly privateMode: boolean;
  /** Where events go. */
  readonly onEvent?: (event: NodeEvent) => void;
  /** A connection is running. */
  onOpen(link: PeerLink<W, Meta>): void;
  /** A running connection ended (`error` is why; `undefined` when closed locally). */
  onClose(link: PeerLink<W, Meta>, error: unknown): void;
  /** A message arrived on a running connection (handled synchronously, in order). */
  onMessage(link: PeerLink<W, Meta>, message: P2pMessage<W>): void;
}

/** Counters of the pool. */
export interface PoolStats {
  /** Dials started. */
  dials: number;
  /** Dials that failed. */
  dialFailures: number;
  /** Incoming sockets received. */
  incoming: number;
  /** Connections refused with a Nack or closed during the checks (both directions). */
  refused: number;
  /** Connections established (both directions). */
  established: number;
  /**
   * Incoming sockets closed at once: their address is greylisted or blacklisted, or already has
   * a quarter of the concurrent incoming handshakes.
   */
  refusedAddresses: number;
  /** Handshakes that failed, by Octez error name (`Not_enough_proof_of_work`, …). */
  handshakeFailures: Record<string, number>;
  /** Nacks, by side (`local`, `remote`) and Octez motive name (`local:Too_many_connections`). */
  nacks: Record<string, number>;
}

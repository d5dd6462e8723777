/**
 * What a running node can tell an operator, as plain JSON-friendly data: its connections, known
 * points and peers, bans, traffic, and (for gossip nodes) topics, meshes and scores. The metrics
 * endpoint and the read-only RPC render it; a library user can read it directly with
 * `node.snapshot()`.
 *
 * Peer ids are base58 (`id…`), points are text, times are milliseconds since the Unix epoch.
 *
 * @module
 */

import type { P2pStat } from "../connection/mod.ts";
import type { ProfileName } from "./profiles.ts";

/** One running connection. */
export interface ConnectionSnapshot {
  /** The remote peer id. */
  readonly peerId: string;
  /** Where the remote listens, when known. */
  readonly point: string | undefined;
  /** The remote socket address (`addr:port`), when known. */
  readonly remoteSocket: string | undefined;
  /** Who opened it. */
  readonly incoming: boolean;
  /** The remote runs in private mode. */
  readonly privateNode: boolean;
  /** The negotiated version (chain name, distributed-db and P2P versions), when one was. */
  readonly version:
    | {
      readonly chainName: string;
      readonly distributedDbVersion: number;
      readonly p2pVersion: number;
    }
    | undefined;
  /** The remote's metadata, as decoded. */
  readonly remoteMetadata: Readonly<Record<string, unknown>>;
  /** Our metadata on this connection. */
  readonly localMetadata: Readonly<Record<string, unknown>>;
  /** When it was established. */
  readonly establishedAt: number;
  /** Bytes and messages, totals and rates. */
  readonly stat: P2pStat;
}

/** The state of a known point (Octez `P2p_point_state`: running, disconnected; accepted/requested are pending). */
export type PointState = "running" | "pending" | "disconnected";

/** One known point. */
export interface PointSnapshot {
  /** The point. */
  readonly point: string;
  /** Its state. */
  readonly state: PointState;
  /** How it was learnt (`config`, `connection`, `advertise`, `nack`, `px`). */
  readonly source: string;
  /** Trusted (a configured point). */
  readonly trusted: boolean;
  /** Known to be reachable by non-private peers. */
  readonly public: boolean;
  /** The peer last seen there. */
  readonly peerId: string | undefined;
  /** Last connection established or ended there. */
  readonly lastSeen: number | undefined;
  /** Earliest time it may be dialled again. */
  readonly nextAttempt: number;
}

/** One known peer. */
export interface PeerSnapshot {
  /** The peer id. */
  readonly peerId: string;
  /** Its state. */
  readonly state: PointState;
  /** Where it listens, when known. */
  readonly point: string | undefined;
  /** Its gossipsub score, for gossip nodes. */
  readonly score: number | undefined;
}

/** One refused peer. */
export interface BanSnapshot {
  /** The peer id. */
  readonly peerId: string;
  /** Why (`kicked`, `greylisted`). */
  readonly reason: string;
  /** When the ban ends (`null`: until lifted). */
  readonly until: number | null;
}

/** One gossipsub topic. */
export interface TopicSnapshot {
  /** The topic as text. */
  readonly topic: string;
  /** Peers in our mesh. */
  readonly mesh: readonly string[];
  /** Connected peers subscribed to it. */
  readonly subscribers: number;
}

/** Everything at once. */
export interface NodeSnapshot {
  /** Our peer id. */
  readonly peerId: string;
  /** Where we listen. */
  readonly listeningPoint: string | undefined;
  /** The profile. */
  readonly profile: ProfileName;
  /** The chain name announced. */
  readonly chainName: string;
  /** Running connections. */
  readonly connections: readonly ConnectionSnapshot[];
  /** Known points. */
  readonly points: readonly PointSnapshot[];
  /** Known peers (connected, or with a known point). */
  readonly peers: readonly PeerSnapshot[];
  /** Refused peers. */
  readonly bans: readonly BanSnapshot[];
  /** Greylisted IP addresses (empty until the IP greylist exists). */
  readonly greylistedIps: readonly string[];
  /** Gossipsub topics we track (gossip nodes only). */
  readonly topics: readonly TopicSnapshot[] | undefined;
}

/**
 * Options of `createNode` and their defaults: Octez's P2P limits where they make sense for a
 * gossip network (spec §15.5, §18), and gossipsub limits that suit small networks (the DAL
 * production values, which are Octez's unit-test limits without the mesh-delivery penalties P3 and
 * P3b: with little traffic those push every mesh peer below zero).
 *
 * @module
 */

import { dalLimits, type Limits, type PeerFilterAction } from "../gossipsub/mod.ts";
import type { Identity } from "../crypto/identity.ts";
import type { PointId } from "../base/point_id.ts";
import type { GossipInstance } from "./gossip_instance.ts";
import type { NodeEvent } from "./events.ts";
import type { DalMessage, DalMessageId, DalTopic } from "../../gen/gossipsub.ts";

/** A point remembered from an earlier run. */
export interface KnownPointRecord {
  /** The point as text (`addr:port`, `[v6]:port`). */
  readonly point: string;
  /** The peer last seen there (`id…`). */
  readonly peerId?: string;
  /** A configured (trusted) point. */
  readonly trusted?: boolean;
}

/** Connection-count bounds of the maintenance (Octez `min/expected/max_connections`). */
export interface ConnectionBounds {
  /** Fewer connections than this (plus a third of the way to `expected`) start dialling. */
  readonly minConnections: number;
  /** The count the maintenance aims at. */
  readonly expectedConnections: number;
  /** No more connections than this are accepted or dialled. */
  readonly maxConnections: number;
}

/** Everything `createNode` accepts besides the gossip instance. */
export interface NodeOptionsBase {
  /** The node's identity; from `dataDir`, else a fresh one (of `expectedPow`), when omitted. */
  readonly identity?: Identity;
  /**
   * A data directory, as an Octez node's: `identity.json` is read from it (created with the
   * expected proof of work when missing), `peers.json` gives the known points at start and is
   * saved atomically every `saveEveryMs` and at close.
   */
  readonly dataDir?: string;
  /** How often `peers.json` is saved, ms (default 60 000). */
  readonly saveEveryMs?: number;
  /**
   * Proof-of-work difficulty required from peers and used for a fresh identity (Octez
   * `expected_pow`, default 26: a fresh identity then takes 20–40 s on two cores).
   */
  readonly expectedPow?: number;
  /** Explicit proof-of-work target (overrides `expectedPow` for the check). */
  readonly powTarget?: bigint;
  /**
   * The chain name. `simple`: announced and required as is (default `"TZP2P_GOSSIP"`); `dal` and
   * `shell`: the L1 chain name (default `"TEZOS_MAINNET"`; a DAL node announces `DAL_<name>`).
   */
  readonly chainName?: string;
  /**
   * Points known from an earlier run (e.g. `peers.json` of a data directory, as
   * `snapshot().points` gave them): registered at start, with the peer last seen there; trusted
   * ones are kept for good like configured points, the others are dial candidates.
   */
  readonly knownPoints?: readonly KnownPointRecord[];
  /**
   * Direct peers (gossipsub's explicit peering): points dialled at start and kept like configured
   * ones; a connection with one of them is `direct` for gossipsub (always sent our messages, never
   * in a mesh, not scored by P3).
   */
  readonly directPeers?: readonly (PointId | string)[];
  /**
   * Octez's `peer_filter`: returning false drops an IHave id or an IWant id from that peer, or
   * refuses its Graft. Default: accept all (as the DAL node).
   */
  readonly peerFilter?: (peerId: Uint8Array, action: PeerFilterAction<unknown>) => boolean;
  /** How long an asynchronous topic validator is awaited, ms (default 10 000). */
  readonly validationTimeoutMs?: number;
  /** Called with every {@link NodeEvent}, synchronously and in order; exceptions are ignored. */
  readonly onEvent?: (event: NodeEvent) => void;
  /** Where to listen (default 127.0.0.1, port 0 = any free port); `false` to only dial. */
  readonly listen?: { readonly host?: string; readonly port?: number } | false;
  /**
   * Points dialled at start, and again every 15 heartbeats while not connected. They are trusted,
   * as Octez's bootstrap peers are its trusted points (`node_run_command.ml` 269-283). A text
   * point may end with `#id…`: only that peer is accepted there (Octez `expected_peer_id`).
   */
  readonly bootstrapPoints?: readonly (PointId | string)[];
  /**
   * Trusted points (Octez `trusted_points`): never collected from the known-points table,
   * allowed in private mode, dialled at start and kept like `bootstrapPoints`. A text point may
   * end with `#id…`: only that peer is accepted there; another one is closed after its
   * authentication (Octez `check_expected_peer_id`, p2p_connect_handler.ml 328-357).
   */
  readonly trustedPoints?: readonly (PointId | string)[];
  /** Trusted peers (`id…` or 16 bytes): accepted from any address in private mode. */
  readonly trustedPeers?: readonly (Uint8Array | string)[];
  /**
   * Private mode (Octez `--private-mode`): accept and dial only trusted points and peers, announce
   * `private_node` in the shell metadata, send no Bootstrap, Advertise or swap and ignore those
   * received (Octez `P2p_protocol.Private_answerer`). Default false.
   */
  readonly privateMode?: boolean;
  /** Topics joined at start (subscribe to read their messages). */
  readonly topics?: readonly unknown[];
  /** Gossipsub limits (default: DAL limits, i.e. Octez test limits without P3/P3b). */
  readonly limits?: Limits<unknown>;
  /** Heartbeat period in ms, overriding `limits.heartbeatInterval` (default 1000). */
  readonly heartbeatMs?: number;
  /** Seed of the gossipsub automaton's random generator (default: random). */
  readonly seed?: number;
  /** Connection bounds (default Octez: 10 / 50 / 100). */
  readonly connections?: Partial<ConnectionBounds>;
  /**
   * Idle time between two maintenances in ms (the profile's: 120 000 for L1, 5 000 for simple);
   * they also run when a connection ends below `minConnections` or one reaches `maxConnections`.
   */
  readonly maintenanceMs?: number;
  /** Send Bootstrap to peers when below the minimum and out of points (default true). */
  readonly peerDiscovery?: boolean;
  /** Minimum time between two swaps in ms (default 30 000, Octez `swap_linger`); `null` disables swaps. */
  readonly swapLingerMs?: number | null;
  /** How long a kicked peer is refused, in ms (default 10 minutes). */
  readonly kickBanMs?: number;
  /**
   * How long an address that failed authentication or sent a malformed message is refused, ms
   * (Octez `ip_greylist_cleanup_delay`: 86 400 000, a day).
   */
  readonly ipGreylistMs?: number;
  /** Time limit of an outgoing connection, TCP connect and handshake, in ms (Octez: 10 000). */
  readonly connectTimeoutMs?: number;
  /** Time limit of an incoming handshake in ms (Octez: 5 000). */
  readonly authenticationTimeoutMs?: number;
  /** Concurrent incoming handshakes before new sockets are closed at once (Octez: 20). */
  readonly maxIncomingHandshakes?: number;
  /** Bound of each connection's outgoing queue in bytes (default 8 MiB, Octez). */
  readonly outgoingQueueSize?: number;
  /** Unread messages each subscriber stream buffers before dropping (default 10 000). */
  readonly subscriberBufferSize?: number;
  /** Closes the node when aborted. */
  readonly signal?: AbortSignal;
}

/** Options of `createNode` for a custom gossipsub instance. */
export interface NodeOptions<T, I, M> extends NodeOptionsBase {
  /** The gossipsub instance: `"simple"` (default) or a custom codec and modules. */
  readonly gossip: GossipInstance<T, I, M>;
  /** Topics joined at start. */
  readonly topics?: readonly T[];
  /** Gossipsub limits. */
  readonly limits?: Limits<T>;
  /** The profile of the P2P settings: `simple` (the only one for a custom instance). */
  readonly profile?: "simple";
}

/** Options of `createNode` for the simple instance (string topics, byte payloads). */
export interface SimpleNodeOptions extends NodeOptionsBase {
  /** The simple instance (the default). */
  readonly gossip?: "simple";
  /** Topics joined at start. */
  readonly topics?: readonly string[];
  /** Gossipsub limits. */
  readonly limits?: Limits<string>;
  /** The profile: `simple` (the default), string topics, not an Octez network. */
  readonly profile?: "simple";
}

/**
 * Options of `createNode` for the `dal` profile: a peer of an Octez DAL network (DAL metadata,
 * DAL gossipsub layout and limits, no peer discovery, configured points trusted).
 */
export interface DalNodeOptions extends NodeOptionsBase {
  /** The DAL profile. */
  readonly profile: "dal";
  /** The DAL instance (default `dalGossip()`: structural checks, every valid shard accepted). */
  readonly gossip?: GossipInstance<DalTopic, DalMessageId, DalMessage>;
  /** Topics joined at start. */
  readonly topics?: readonly DalTopic[];
  /** Gossipsub limits (default: Octez DAL limits). */
  readonly limits?: Limits<DalTopic>;
  /** Announce `is_bootstrap_peer` in our metadata (Octez DAL bootstrap profile). */
  readonly bootstrapPeer?: boolean;
  /** The address and port announced in our metadata (`advertised_net_addr`/`_port`). */
  readonly advertisedPoint?: { readonly addr?: string; readonly port?: number };
}

/**
 * Options of `createShellNode`: an L1 peer (shell metadata, distributed-db versions 0–2, Octez L1
 * pool defaults, peer discovery and swaps); application messages are the shell's, kept as bytes.
 */
export interface ShellNodeOptions extends
  Omit<
    NodeOptionsBase,
    | "topics"
    | "limits"
    | "heartbeatMs"
    | "seed"
    | "directPeers"
    | "peerFilter"
    | "validationTimeoutMs"
  > {
  /** Promise not to send mempool content (`disable_mempool` of the metadata; default false). */
  readonly disableMempool?: boolean;
  /**
   * Announce private mode (`private_node` of the metadata; default false) without running it;
   * `privateMode` announces it too.
   */
  readonly privateNode?: boolean;
}

/** The maintenance thresholds derived from {@link ConnectionBounds}, as Octez computes them. */
export interface MaintenanceBounds {
  /** Below this, dial. */
  readonly minThreshold: number;
  /** Dial up to this. */
  readonly minTarget: number;
  /** Disconnect down to this. */
  readonly maxTarget: number;
  /** Above this, disconnect. */
  readonly maxThreshold: number;
  /** Hard cap on connections (accepted, dialled, or being handshaken). */
  readonly maxConnections: number;
}

/**
 * Octez `P2p_maintenance` bounds: steps of a third between min and expected and between expected
 * and max (10 / 50 / 100 → 23, 36, 68, 84).
 *
 * @param bounds The connection bounds.
 * @returns The thresholds.
 * @throws {RangeError} Unless 0 ≤ min ≤ expected ≤ max and max ≥ 1, all integers.
 */
export function maintenanceBounds(bounds: ConnectionBounds): MaintenanceBounds {
  const { minConnections: min, expectedConnections: expected, maxConnections: max } = bounds;
  for (const [name, v] of Object.entries(bounds)) {
    if (!Number.isInteger(v) || v < 0) {
      throw new RangeError(`createNode: connections.${name} must be an integer ≥ 0, got ${v}`);
    }
  }
  if (!(min <= expected && expected <= max && max >= 1)) {
    throw new RangeError(
      `createNode: need minConnections ≤ expectedConnections ≤ maxConnections and max ≥ 1, got ${min} / ${expected} / ${max}`,
    );
  }
  const stepMin = Math.floor((expected - min) / 3);
  const stepMax = Math.floor((max - expected) / 3);
  return {
    minThreshold: min + stepMin,
    minTarget: min + 2 * stepMin,
    maxTarget: max - 2 * stepMax,
    maxThreshold: max - stepMax,
    maxConnections: max,
  };
}

/**
 * Topics one remote peer may be recorded as subscribed to by default (`maxTopicsPerPeer`): with
 * the simple instance's {@link DEFAULT_MAX_TOPIC_BYTES}-byte topics, at most 256 KiB of topic text
 * per peer. The DAL's 65 536 suits its fixed-size topics; a peer of ours over the cap is ignored
 * for its further topics, as Octez's automaton does.
 */
export const DEFAULT_MAX_TOPICS_PER_PEER = 256;

/**
 * Longest topic of the simple instance by default, in UTF-8 bytes (`simpleGossip({ maxTopicBytes
 * })` changes it): a received message naming a longer topic is refused by `accept` (counted in
 * `inMessagesRejected`), and subscribing or publishing to one throws.
 */
export const DEFAULT_MAX_TOPIC_BYTES = 1024;

/**
 * Default gossipsub limits of a `simple` node: the DAL limits with the given heartbeat and
 * `maxTopicsPerPeer` {@link DEFAULT_MAX_TOPICS_PER_PEER} (2 000 topics of 100 kB from one peer
 * took the heap from 7 MB to 208 MB when nothing bounded them).
 */
export function defaultNodeLimits<T>(heartbeatMs = 1000): Limits<T> {
  return {
    ...dalLimits<T>(),
    heartbeatInterval: heartbeatMs,
    maxTopicsPerPeer: DEFAULT_MAX_TOPICS_PER_PEER,
  };
}

/**
 * Checks that an optional duration is a finite number ≥ 0 and returns it or its default.
 *
 * @param name The option's name, for the message.
 * @param value The value given.
 * @param fallback The default.
 * @returns The duration.
 * @throws {RangeError} On a negative, infinite or non-number value.
 */
export function duration(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`createNode: ${name} must be a finite number of ms ≥ 0, got ${value}`);
  }
  return value;
}

/**
 * The gossipsub limits a node runs: the options' (or {@link defaultNodeLimits}) with the
 * options' heartbeat, and the profile's Ping period in wall time turned into a tick count.
 *
 * @param options The heartbeat and limits options.
 * @param profile The profile's Ping period.
 * @returns The limits.
 * @throws {RangeError} On a bad heartbeat.
 */
export function nodeLimits<T>(
  options: { readonly heartbeatMs?: number; readonly limits?: Limits<T> },
  profile: { readonly pingIntervalMs: number | undefined },
): Limits<T> {
  const heartbeatMs = duration("heartbeatMs", options.heartbeatMs, 1000);
  const base = options.limits === undefined ? defaultNodeLimits<T>(heartbeatMs) : {
    ...options.limits,
    heartbeatInterval: options.heartbeatMs ?? options.limits.heartbeatInterval,
  };
  if (profile.pingIntervalMs === undefined) return base;
  const ticks = Math.max(1, Math.round(profile.pingIntervalMs / base.heartbeatInterval));
  return { ...base, heartbeatPingInterval: ticks };
}

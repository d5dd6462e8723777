/**
 * Network profiles: every P2P parameter that Octez gives one kind of node, as a documented preset.
 *
 * - `shell`: an L1 peer (Octez node): shell metadata, distributed-db versions 0–2, peer discovery
 *   and swaps, Octez's L1 pool defaults. Its application messages are the shell's.
 * - `dal`: a DAL peer (Octez DAL node): chain `DAL_<L1 chain name>`, DAL metadata, no peer
 *   discovery and no swaps, the DAL node's reconnection schedule, the DAL gossipsub limits with
 *   batch validation and a Ping every 45 s, configured points trusted.
 * - `simple`: tzp2p's own gossip instance (string topics, byte ids and payloads) for people's own
 *   gossip applications. Not an Octez network: no Octez node speaks it.
 *
 * Every value names the Octez file it comes from; `createNode` options override any of them.
 *
 * @module
 */

import type { ConnectionBounds } from "./options.ts";

/** When a point is dialled again (Octez `P2p_point_state` with the pool's reconnection delays). */
export interface ReconnectionSchedule {
  /** Delay after the first failed dial, ms. */
  readonly initialDelayMs: number;
  /** Factor of the delay after each further failure. */
  readonly factor: number;
  /** Largest delay, ms. */
  readonly maxDelayMs: number;
  /** Delay before dialling a point again after its running connection ended, ms. */
  readonly afterDisconnectionMs: number;
}

/** The names of the profiles. */
export type ProfileName = "shell" | "dal" | "simple";

/** Every parameter a profile sets. */
export interface NetworkProfile {
  /** The profile. */
  readonly name: ProfileName;
  /** The chain name announced and required in the connection message. */
  readonly chainName: string;
  /** Distributed-db versions supported (the greatest is announced). */
  readonly distributedDbVersions: readonly number[];
  /** P2P versions supported. */
  readonly p2pVersions: readonly number[];
  /** Proof of work required from peers and used for fresh identities. */
  readonly expectedPow: number;
  /** Connection bounds of the maintenance. */
  readonly connections: ConnectionBounds;
  /** Concurrent incoming handshakes. */
  readonly maxIncomingHandshakes: number;
  /** Incoming handshake time limit, ms. */
  readonly authenticationTimeoutMs: number;
  /** Outgoing connection time limit (TCP connect and handshake), ms. */
  readonly connectTimeoutMs: number;
  /** Reconnection schedule. */
  readonly reconnection: ReconnectionSchedule;
  /** Send and answer Bootstrap, learn from Advertise. */
  readonly peerDiscovery: boolean;
  /** Minimum time between swaps, ms; `null`: no swaps. */
  readonly swapLingerMs: number | null;
  /**
   * Idle time between two maintenances, ms, which also run when a connection ends below
   * `minConnections` or one reaches `maxConnections`; `null`: no maintenance (the DAL node has none).
   */
  readonly maintenanceMs: number | null;
  /** How long a kicked peer is refused, ms (`Infinity`: until unbanned, as Octez's DAL). */
  readonly kickBanMs: number;
  /** How long a greylisted address is refused, ms (Octez `ip_greylist_cleanup_delay`). */
  readonly ipGreylistMs: number;
  /** Bound of each connection's outgoing queue, bytes. */
  readonly outgoingQueueSize: number;
  /** Configured (bootstrap) points are trusted: gossipsub counts them as `outbound` (DAL). */
  readonly trustConfiguredPoints: boolean;
  /** Batch window of received gossip messages, ms; `undefined`: one at a time. */
  readonly batchValidationMs: number | undefined;
  /** Period of the gossipsub Ping in wall time, ms; `undefined`: the limits' tick count. */
  readonly pingIntervalMs: number | undefined;
}

/** Octez's default L1 chain name (`TEZOS_MAINNET`). */
export const MAINNET_CHAIN_NAME = "TEZOS_MAINNET";

/** tzp2p's own chain name, announced by `simple` nodes unless told otherwise. */
export const DEFAULT_CHAIN_NAME = "TZP2P_GOSSIP";

const MIB = 1024 * 1024;

/**
 * An L1 peer, with the defaults of an Octez node (`src/lib_node_config/config_file.ml`
 * 437-451, `src/lib_p2p_services/p2p_limits.ml` 53-90, `point_reconnection_config.ml` 33-39):
 * PoW 26, connections 10 / 50 / 100, 20 concurrent incoming handshakes, 5 s incoming and 10 s
 * outgoing handshakes, 8 MiB queues, swaps every 30 s, maintenance every 120 s, reconnection ×1.2
 * from 1 s up to 2 days and 60 s after a running connection ends; distributed-db versions 0–2
 * (`src/lib_shell/distributed_db_message.ml` 399) and P2P versions 0–1
 * (`src/lib_version/p2p_version.ml` 45). Chain names: `TEZOS_MAINNET`, ghostnet
 * `TEZOS_ITHACANET_2022-01-25T15:00:00Z`, shadownet `TEZOS_SHADOWNET_2025-08-07T20:00:00Z`, sandbox
 * `TEZOS` (`src/lib_node_config/config_file.ml`).
 *
 * @param chainName The L1 chain name (default `TEZOS_MAINNET`).
 * @returns The profile.
 */
export function shellProfile(chainName: string = MAINNET_CHAIN_NAME): NetworkProfile {
  return {
    name: "shell",
    chainName,
    distributedDbVersions: [0, 1, 2],
    p2pVersions: [0, 1],
    expectedPow: 26,
    connections: { minConnections: 10, expectedConnections: 50, maxConnections: 100 },
    maxIncomingHandshakes: 20,
    authenticationTimeoutMs: 5_000,
    connectTimeoutMs: 10_000,
    reconnection: {
      initialDelayMs: 1_000,
      factor: 1.2,
      maxDelayMs: 2 * 24 * 3600 * 1000,
      afterDisconnectionMs: 60_000,
    },
    peerDiscovery: true,
    swapLingerMs: 30_000,
    maintenanceMs: 120_000,
    kickBanMs: 600_000,
    ipGreylistMs: 86_400_000,
    outgoingQueueSize: 8 * MIB,
    trustConfiguredPoints: false,
    batchValidationMs: undefined,
    pingIntervalMs: undefined,
  };
}

/**
 * A DAL peer, with the defaults of an Octez DAL node: chain `DAL_<L1 chain name>`
 * (`src/lib_dal_node/l1_helpers.ml` 79-83), distributed-db version 0
 * (`gossipsub/transport_layer_interface.ml` 219-221), and from
 * `gossipsub/transport_layer_default_parameters.ml`: PoW 26, connections 10 / 400 / 800 and 160
 * concurrent incoming handshakes (Octez's L1 numbers × the DAL amplification factor 8), no
 * maintenance (`maintenance_idle_time = None`: the gossipsub worker re-dials trusted points every
 * 15 heartbeats instead), no peer discovery and no swaps, reconnection ×1.05 from 1 s up to 60 s
 * and 5 s after a disconnection. Batch validation in 100 ms windows (`configuration_file.ml` 208),
 * a Ping every 45 s (`gs_default_parameters.ml` 143-145), configured points trusted, and a kicked
 * peer banned until unbanned (`gs_callback_worker.ml` 163-165).
 *
 * @param l1ChainName The L1 chain name (default `TEZOS_MAINNET`).
 * @returns The profile.
 */
export function dalProfile(l1ChainName: string = MAINNET_CHAIN_NAME): NetworkProfile {
  return {
    name: "dal",
    chainName: `DAL_${l1ChainName}`,
    distributedDbVersions: [0],
    p2pVersions: [0, 1],
    expectedPow: 26,
    connections: { minConnections: 10, expectedConnections: 400, maxConnections: 800 },
    maxIncomingHandshakes: 160,
    authenticationTimeoutMs: 5_000,
    connectTimeoutMs: 10_000,
    reconnection: {
      initialDelayMs: 1_000,
      factor: 1.05,
      maxDelayMs: 60_000,
      afterDisconnectionMs: 5_000,
    },
    peerDiscovery: false,
    swapLingerMs: null,
    maintenanceMs: null,
    kickBanMs: Infinity,
    ipGreylistMs: 86_400_000,
    outgoingQueueSize: 8 * MIB,
    trustConfiguredPoints: true,
    batchValidationMs: 100,
    pingIntervalMs: 45_000,
  };
}

/**
 * tzp2p's own gossip network for applications (string topics): not an Octez network. Octez's
 * pool defaults, except a 5 s maintenance idle time (a library node is often small and short-lived),
 * reconnection ×2 from 1 s up to 60 s, 1 s after a disconnection.
 *
 * @param chainName The chain name (default `TZP2P_GOSSIP`).
 * @returns The profile.
 */
export function simpleProfile(chainName: string = DEFAULT_CHAIN_NAME): NetworkProfile {
  return {
    ...shellProfile(chainName),
    name: "simple",
    distributedDbVersions: [0],
    reconnection: {
      initialDelayMs: 1_000,
      factor: 2,
      maxDelayMs: 60_000,
      afterDisconnectionMs: 1_000,
    },
    maintenanceMs: 5_000,
  };
}

/**
 * The profile of a name.
 *
 * @param name `shell`, `dal` or `simple`.
 * @param chainName The chain name (the L1 one for `shell` and `dal`); each profile's default when
 * omitted.
 * @returns The profile.
 * @throws {RangeError} On an unknown name.
 */
export function networkProfile(name: ProfileName, chainName?: string): NetworkProfile {
  switch (name) {
    case "shell":
      return shellProfile(chainName);
    case "dal":
      return dalProfile(chainName);
    case "simple":
      return simpleProfile(chainName);
  }
  throw new RangeError(`unknown profile ${name}: expected shell, dal or simple`);
}

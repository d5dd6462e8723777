/**
 * From a profile and the options to what a node runs: the profile with the options' overrides
 * applied and checked, the identity (generated with the expected proof of work when none is
 * given), and the connection metadata with its codec (shell or DAL).
 *
 * @module
 */

import { makePointId, type PointId } from "../base/point_id.ts";
import {
  type ConnectionInfo,
  type ConnectionMetadata,
  type DalConnectionMetadata,
  dalMetadataCodec,
  type MetadataCodec,
  shellMetadataCodec,
} from "../connection/mod.ts";
import { generateIdentity, generateIdentitySync, type Identity } from "../crypto/mod.ts";
import { isCryptoError } from "../crypto/errors.ts";
import { readIdentityFile, writeIdentityFile } from "../crypto/identity_file.ts";
import { IDENTITY_FILE_NAME, loadPeersFile, PEERS_FILE_NAME } from "./data_dir.ts";
import type { DalNodeOptions, KnownPointRecord, NodeOptionsBase } from "./options.ts";
import type { NetworkProfile } from "./profiles.ts";

/** How a node's connections are set up, besides its profile. */
export interface NodePlan<Meta> {
  /** Our connection metadata, given the port we listen on. */
  readonly metadata: (listeningPort: number | undefined) => Meta;
  /** Its codec. */
  readonly metadataCodec: MetadataCodec<Meta>;
  /** The port announced in connection messages (default: the listening port). */
  readonly advertisedPort?: number;
  /** Whether the remote of a connection announced a bootstrap profile (DAL metadata). */
  readonly isBootstrapPeer: (remoteMetadata: Meta) => boolean;
  /** Where an incoming peer listens, from its metadata (DAL); the connection message otherwise. */
  readonly remoteListeningPoint?: (info: ConnectionInfo<Meta>) => PointId | undefined;
  /**
   * Our metadata in private mode: the shell's says `private_node` (src/lib_shell/node.ml 87-91
   * takes it from `P2p.private_mode`); the DAL's has no such flag, so it is left as is.
   */
  readonly privateMetadata?: (metadata: Meta) => Meta;
}

function checkDuration(name: string, value: number | null | undefined): void {
  if (value === undefined || value === null) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`createNode: ${name} must be a finite number of ms ≥ 0, got ${value}`);
  }
}

/**
 * The profile with the options' overrides applied.
 *
 * @param base The profile.
 * @param options The options.
 * @returns The profile the node runs.
 * @throws {RangeError} On a bad value.
 */
export function resolveProfile(base: NetworkProfile, options: NodeOptionsBase): NetworkProfile {
  const pow = options.expectedPow ?? base.expectedPow;
  if (!(typeof pow === "number" && Number.isFinite(pow) && pow >= 0 && pow <= 256)) {
    throw new RangeError(`createNode: expectedPow must be a number in [0, 256], got ${pow}`);
  }
  for (
    const name of [
      "maintenanceMs",
      "connectTimeoutMs",
      "authenticationTimeoutMs",
      "swapLingerMs",
      "kickBanMs",
      "ipGreylistMs",
    ] as const
  ) {
    checkDuration(name, options[name]);
  }
  return {
    ...base,
    expectedPow: pow,
    connections: { ...base.connections, ...options.connections },
    maxIncomingHandshakes: options.maxIncomingHandshakes ?? base.maxIncomingHandshakes,
    authenticationTimeoutMs: options.authenticationTimeoutMs ?? base.authenticationTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs ?? base.connectTimeoutMs,
    peerDiscovery: options.peerDiscovery ?? base.peerDiscovery,
    swapLingerMs: options.swapLingerMs === undefined ? base.swapLingerMs : options.swapLingerMs,
    maintenanceMs: options.maintenanceMs ?? base.maintenanceMs,
    kickBanMs: options.kickBanMs ?? base.kickBanMs,
    ipGreylistMs: options.ipGreylistMs ?? base.ipGreylistMs,
    outgoingQueueSize: options.outgoingQueueSize ?? base.outgoingQueueSize,
  };
}

/**
 * The node's identity: the given one, or a fresh one of the profile's expected proof of work
 * (difficulty 26 takes 20–40 s on two cores; up to 8 the search is quicker than starting workers).
 *
 * @param options The options.
 * @param profile The resolved profile.
 * @returns The identity.
 */
export async function identityFor(
  options: NodeOptionsBase,
  profile: NetworkProfile,
): Promise<Identity> {
  if (options.identity !== undefined) return options.identity;
  const difficulty = profile.expectedPow;
  const fresh = async () =>
    difficulty <= 8 ? generateIdentitySync(difficulty) : await generateIdentity(difficulty);
  if (options.dataDir === undefined) return await fresh();
  const path = `${options.dataDir}/${IDENTITY_FILE_NAME}`;
  try {
    // As Octez's `Identity_file.read`: an existing identity is used whatever its proof of work.
    return await readIdentityFile(path);
  } catch (e) {
    if (!isCryptoError(e, "no_identity_file")) throw e;
  }
  const identity = await fresh();
  await Deno.mkdir(options.dataDir, { recursive: true });
  await writeIdentityFile(path, identity);
  return identity;
}

/**
 * The known points a node starts with: the `knownPoints` option, else its data directory's
 * `peers.json`.
 *
 * @param options The options.
 * @returns The points, if any.
 * @throws {NodeError} `data_file` when `peers.json` is not a peers file.
 */
export async function knownPointsFor(
  options: NodeOptionsBase,
): Promise<readonly KnownPointRecord[] | undefined> {
  if (options.knownPoints !== undefined || options.dataDir === undefined) {
    return options.knownPoints;
  }
  return await loadPeersFile(`${options.dataDir}/${PEERS_FILE_NAME}`);
}

/**
 * The shell's metadata (`src/lib_shell/node.ml` 87-91: both flags false unless configured).
 *
 * @param disableMempool We promise not to send mempool content.
 * @param privateNode We run in private mode.
 * @returns The plan.
 */
export function shellPlan(
  disableMempool: boolean,
  privateNode: boolean,
): NodePlan<ConnectionMetadata> {
  const metadata: ConnectionMetadata = { disableMempool, privateNode };
  return {
    metadata: () => metadata,
    metadataCodec: shellMetadataCodec,
    isBootstrapPeer: () => false,
    privateMetadata: (m) => ({ ...m, privateNode: true }),
  };
}

/** The port a DAL node is assumed to listen on when its metadata does not say (Octez default). */
export const DAL_DEFAULT_PORT = 11732;

// Octez's DAL node never advertises these (`src/lib_dal_node/gossipsub/gossipsub.ml` 45-76).
const UNADVERTISED = new Set(["0.0.0.0", "127.0.0.1", "localhost", "::", "::1"]);

/**
 * The DAL metadata (`src/lib_dal_node/gossipsub/gossipsub.ml` 45-76): the advertised address
 * unless it is a wildcard or loopback one, the advertised port (our listening port by default),
 * and the bootstrap flag. An incoming peer listens at its advertised address (else its socket
 * address) and port (else 11732), as `gs_transport_connection.ml` 31-46 computes it.
 *
 * @param options The DAL options.
 * @returns The plan.
 */
export function dalPlan(options: DalNodeOptions): NodePlan<DalConnectionMetadata> {
  const addr = options.advertisedPoint?.addr;
  const port = options.advertisedPoint?.port;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port <= 0xffff)) {
    throw new RangeError(`createNode: advertisedPoint.port ${port} is not a port`);
  }
  const advertisedNetAddr = addr === undefined || UNADVERTISED.has(addr)
    ? undefined
    : makePointId(addr, 1).addr;
  const isBootstrapPeer = options.bootstrapPeer ?? false;
  return {
    metadata: (listeningPort) => ({
      advertisedNetAddr,
      advertisedNetPort: port ?? listeningPort,
      isBootstrapPeer,
    }),
    metadataCodec: dalMetadataCodec,
    advertisedPort: port,
    isBootstrapPeer: (remote) => remote.isBootstrapPeer,
    remoteListeningPoint: (info) => {
      const remote = info.remoteMetadata;
      const host = remote.advertisedNetAddr ?? info.remoteAddress;
      if (host === undefined) return undefined;
      try {
        return makePointId(host, remote.advertisedNetPort ?? DAL_DEFAULT_PORT);
      } catch {
        return undefined;
      }
    },
  };
}

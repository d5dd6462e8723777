/**
 * Network versions: what a node announces in its connection message and how it picks the version
 * of a connection from the remote's announcement (Octez `P2p_connect_handler` `select`).
 *
 * @module
 */

import type { NetworkVersion } from "../../gen/base.ts";
import { RejectionMotive, type RejectionMotiveCode } from "../base/rejection.ts";

/** The versions a node supports. */
export interface SupportedVersions {
  /** The chain name, e.g. `TEZOS_MAINNET`; a remote announcing another name is refused. */
  readonly chainName: string;
  /** Supported distributed-DB versions (Octez: `[0, 1, 2]`). */
  readonly distributedDbVersions: readonly number[];
  /** Supported P2P versions (Octez: `[0, 1]`). */
  readonly p2pVersions: readonly number[];
}

/** The outcome of {@link selectVersion}. */
export type VersionSelection =
  | {
    /** Discriminant: a common version exists. */
    readonly kind: "selected";
    /** The version of the connection. */
    readonly version: NetworkVersion;
  }
  | {
    /** Discriminant: no common version; the connection should be refused with `motive`. */
    readonly kind: "rejected";
    /** `Unknown_chain_name` (2), `Deprecated_p2p_version` (3) or `Deprecated_distributed_db_version` (4). */
    readonly motive: RejectionMotiveCode;
  };

/** The versions Octez supports today on mainnet. */
export const OCTEZ_MAINNET_VERSIONS: SupportedVersions = {
  chainName: "TEZOS_MAINNET",
  distributedDbVersions: [0, 1, 2],
  p2pVersions: [0, 1],
};

function checkList(name: string, list: readonly number[]): void {
  if (list.length === 0) throw new RangeError(`${name} must not be empty`);
  for (const v of list) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) {
      throw new RangeError(`${name}: ${v} is not a uint16`);
    }
  }
}

function max(list: readonly number[]): number {
  let best = list[0];
  for (const v of list) if (v > best) best = v;
  return best;
}

/**
 * The version a node announces: its chain name and the greatest supported version of each kind.
 *
 * @param supported The supported versions.
 * @returns The announced network version.
 * @throws {RangeError} When a list is empty or holds a value that is not a uint16.
 */
export function announcedVersion(supported: SupportedVersions): NetworkVersion {
  checkList("distributedDbVersions", supported.distributedDbVersions);
  checkList("p2pVersions", supported.p2pVersions);
  return {
    chainName: supported.chainName,
    distributedDbVersion: max(supported.distributedDbVersions),
    p2pVersion: max(supported.p2pVersions),
  };
}

// Octez `pick`: our best version if the remote is at least as new, else the remote's own version
// if we still support it.
function pick(list: readonly number[], remote: number): number | undefined {
  const best = max(list);
  if (best <= remote) return best;
  return list.includes(remote) ? remote : undefined;
}

/**
 * Picks the version of a connection from the remote's announcement (spec §5.4): the chain names
 * must be equal, then each of the distributed-DB and P2P versions is our best one when the remote
 * is at least as new, else the remote's own one when we still support it. When both versions fail,
 * the distributed-DB motive is reported.
 *
 * @param supported What this node supports.
 * @param remote What the remote announced in its connection message.
 * @returns The selected version, or the rejection motive to send in a Nack.
 * @throws {RangeError} When a supported list is empty or holds a value that is not a uint16.
 */
export function selectVersion(
  supported: SupportedVersions,
  remote: NetworkVersion,
): VersionSelection {
  checkList("distributedDbVersions", supported.distributedDbVersions);
  checkList("p2pVersions", supported.p2pVersions);
  if (remote.chainName !== supported.chainName) {
    return { kind: "rejected", motive: RejectionMotive.UnknownChainName };
  }
  const ddb = pick(supported.distributedDbVersions, remote.distributedDbVersion);
  if (ddb === undefined) {
    return { kind: "rejected", motive: RejectionMotive.DeprecatedDistributedDbVersion };
  }
  const p2p = pick(supported.p2pVersions, remote.p2pVersion);
  if (p2p === undefined) {
    return { kind: "rejected", motive: RejectionMotive.DeprecatedP2pVersion };
  }
  return {
    kind: "selected",
    version: { chainName: supported.chainName, distributedDbVersion: ddb, p2pVersion: p2p },
  };
}

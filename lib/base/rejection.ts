/**
 * `P2p_rejection`: why a connection was refused, sent as a signed 16-bit code in a Nack. Codes
 * outside the known list are kept as they are (Octez's `Unknown_motive`).
 *
 * @module
 */

/** The motives Octez names, by code. */
export const RejectionMotive = {
  NoMotive: 0,
  TooManyConnections: 1,
  UnknownChainName: 2,
  DeprecatedP2pVersion: 3,
  DeprecatedDistributedDbVersion: 4,
  AlreadyConnected: 5,
} as const;

/** A rejection motive code (any int16; unknown codes round-trip). */
export type RejectionMotiveCode = number;

const NAMES = [
  "No_motive",
  "Too_many_connections",
  "Unknown_chain_name",
  "Deprecated_p2p_version",
  "Deprecated_distributed_db_version",
  "Already_connected",
] as const;

/** Octez's name of a motive code (`Unknown_motive` for codes it does not name). */
export function rejectionMotiveName(code: RejectionMotiveCode): string {
  return NAMES[code] ?? "Unknown_motive";
}

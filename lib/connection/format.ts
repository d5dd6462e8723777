/**
 * The one-line text form of a connection, after Octez `P2p_connection.Info.pp`
 * (src/lib_base/p2p_connection.ml 140-170) as `P2p_socket.pp` calls it, i.e. without metadata:
 *
 * ```text
 * Octez:  ↘ id… 127.0.0.1:9732 (TEZOS_MAINNET.2 (p2p: 1))  private
 * tzp2p:  incoming id… 127.0.0.1:9732 TEZOS_MAINNET.2 (p2p: 1) private
 * ```
 *
 * The direction is a word instead of an arrow, and the spacing is regular (Octez leaves a
 * double space before `private`, a trailing one otherwise). The point is where the remote listens
 * when known, else its socket address, as in Octez.
 *
 * @module
 */

import { makePointId, pointIdToString } from "../base/point_id.ts";
import { peerIdToString } from "../crypto/peer_id.ts";
import type { ConnectionInfo } from "./connection_info.ts";

function pointText(info: ConnectionInfo<unknown>): string {
  if (info.remoteListeningPoint !== undefined) return pointIdToString(info.remoteListeningPoint);
  const { remoteAddress: addr, remoteSocketPort: port } = info;
  if (addr === undefined) return "unknown point";
  if (port === undefined) return addr.includes(":") ? `[${addr}]:??` : `${addr}:??`;
  return pointIdToString(makePointId(addr, port));
}

/**
 * `incoming|outgoing <peer id> <point> <chain>.<db version> (p2p: <version>)[ private]`.
 *
 * @param info What is known about the remote.
 * @returns The line, e.g. `incoming id… 127.0.0.1:9732 TEZOS_MAINNET.2 (p2p: 1)`.
 */
export function formatConnectionInfo(info: ConnectionInfo<unknown>): string {
  const v = info.announcedVersion;
  // The chain name comes from the remote: quote it unless it is plain printable ASCII.
  const chain = /^[\x21-\x7e]*$/.test(v.chainName) ? v.chainName : JSON.stringify(v.chainName);
  return `${info.incoming ? "incoming" : "outgoing"} ${peerIdToString(info.peerId)} ` +
    `${pointText(info)} ${chain}.${v.distributedDbVersion} (p2p: ${v.p2pVersion})` +
    (info.privateNode ? " private" : "");
}

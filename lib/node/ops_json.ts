/**
 * Octez's JSON shapes of the operator RPC (src/lib_p2p_services/: `p2p_connection.ml` Info,
 * `p2p_peer.ml` and `p2p_point.ml` Info, `p2p_stat.ml`), filled from a node's snapshot.
 *
 * @module
 */

import { parsePointId } from "../base/point_id.ts";
import type { ConnectionSnapshot, NodeSnapshot, PeerSnapshot, PointSnapshot } from "./snapshot.ts";

type Json = unknown;

// Octez's JSON for times (Time.System.encoding, src/lib_base/time.ml 249 and 265-290): RFC 3339
// with milliseconds (`frac_s = 3`, line 153) and no time zone offset given to Ptime, which then
// writes the "unknown local offset" `-00:00`.
export function octezTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, "-00:00");
}

// P2p_addr.encoding (src/lib_base/p2p_addr.ml 28-33) prints Ipaddr.V6.to_string: Octez keeps every
// address as IPv6, so 127.0.0.1 reads ::ffff:127.0.0.1.
export function octezAddr(addr: string): string {
  return addr.includes(":") ? addr : `::ffff:${addr}`;
}

export function splitPoint(text: string | undefined): { addr: string; port: number } | undefined {
  if (text === undefined) return undefined;
  try {
    return parsePointId(text);
  } catch {
    return undefined;
  }
}

// P2p_connection.Id.encoding (src/lib_base/p2p_connection.ml 63-70): `{addr, port?}`.
export function connectionId(point: string | undefined): Json {
  const p = splitPoint(point);
  return p === undefined ? undefined : { addr: octezAddr(p.addr), port: p.port };
}

/** Keys in snake_case at every depth, bytes as hex, bigints as text, `undefined` dropped. */
export function jsonValue(value: unknown): Json {
  if (value instanceof Uint8Array) {
    return Array.from(value, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(jsonValue);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), jsonValue(v)]),
    );
  }
  return value;
}

// P2p_stat.encoding (src/lib_base/p2p_stat.ml 61-73): totals are int64, which Data_encoding
// writes in JSON as decimal strings; rates are int31 numbers.
export function octezStat(stat: {
  readonly totalSent: number;
  readonly totalRecv: number;
  readonly currentInflow: number;
  readonly currentOutflow: number;
}): Json {
  return {
    total_sent: String(stat.totalSent),
    total_recv: String(stat.totalRecv),
    current_inflow: stat.currentInflow,
    current_outflow: stat.currentOutflow,
  };
}

// P2p_connection.Info.encoding (src/lib_base/p2p_connection.ml 130-138). `id_point` is the remote
// address with the port it listens on when known; `remote_socket_port` the socket's port.
export function connectionInfo(c: ConnectionSnapshot): Json {
  const socket = splitPoint(c.remoteSocket);
  const listening = splitPoint(c.point);
  const addr = socket?.addr ?? listening?.addr;
  return {
    incoming: c.incoming,
    peer_id: c.peerId,
    id_point: addr === undefined
      ? undefined
      : { addr: octezAddr(addr), port: listening?.port ?? undefined },
    remote_socket_port: socket?.port ?? listening?.port ?? 0,
    // Network_version.encoding (src/lib_version/network_version.ml 56-59).
    announced_version: c.version === undefined ? undefined : {
      chain_name: c.version.chainName,
      distributed_db_version: c.version.distributedDbVersion,
      p2p_version: c.version.p2pVersion,
    },
    private: c.privateNode,
    local_metadata: jsonValue(c.localMetadata),
    remote_metadata: jsonValue(c.remoteMetadata),
  };
}

// P2p_peer.Info.encoding (src/lib_base/p2p_peer.ml 157-184), filled as Octez's
// info_of_peer_info (src/lib_p2p/p2p_pool.ml 420-453): `reachable_at` only while connected,
// `stat` of the running connection or zeros, `conn_metadata` the remote's. An L1 peer's score is
// Octez's constant 1.0 (src/lib_p2p_services/peer_metadata.ml 641-643).
export function peerInfo(
  peer: PeerSnapshot,
  snapshot: NodeSnapshot,
  trusted: ReadonlySet<string>,
): Json {
  const conn = snapshot.connections.find((c) => c.peerId === peer.peerId);
  const point = snapshot.points.find((p) => p.peerId === peer.peerId);
  return {
    score: peer.score ?? 1.0,
    // Octez trusts peers by ACL; tzp2p trusts configured points, so a peer is trusted at one.
    trusted: peer.point !== undefined && trusted.has(peer.point),
    conn_metadata: conn === undefined ? undefined : jsonValue(conn.remoteMetadata),
    state: peer.state === "pending" ? "accepted" : peer.state,
    reachable_at: peer.state === "disconnected" ? undefined : connectionId(peer.point),
    stat: octezStat(
      conn?.stat ?? { totalSent: 0, totalRecv: 0, currentInflow: 0, currentOutflow: 0 },
    ),
    last_established_connection: conn === undefined
      ? undefined
      : [connectionId(conn.point ?? conn.remoteSocket), octezTime(conn.establishedAt)],
    last_seen: point?.lastSeen === undefined
      ? undefined
      : [connectionId(point.point), octezTime(point.lastSeen)],
  };
}

// P2p_point.Info.encoding (src/lib_base/p2p_point.ml 341-361) and its state union (205-250):
// our `pending` (dialling) is Octez's `requested`.
export function pointInfo(p: PointSnapshot, now: number): Json {
  const state = p.state === "running"
    ? { event_kind: "running", p2p_peer_id: p.peerId }
    : p.state === "pending"
    ? { event_kind: "requested" }
    : { event_kind: "disconnected" };
  return {
    trusted: p.trusted,
    // Octez's `reconnection_time` is written as `greylisted_until` (line 344).
    greylisted_until: p.nextAttempt > now ? octezTime(p.nextAttempt) : undefined,
    state,
    p2p_peer_id: p.state === "running" ? p.peerId : undefined,
    last_seen: p.lastSeen === undefined || p.peerId === undefined
      ? undefined
      : [p.peerId, octezTime(p.lastSeen)],
  };
}

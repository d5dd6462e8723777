/**
 * The P2P part of a node's snapshot (`NodeSnapshot`): connections, known points and peers with
 * their state, bans and greylists, as plain data with wall-clock times.
 *
 * @module
 */

import { makePointId, type PointId, pointIdToString } from "../base/point_id.ts";
import type { NetworkProfile } from "./profiles.ts";
import { peerIdToString } from "../crypto/mod.ts";
import { fromHex } from "../encoding/hex.ts";
import type { Acl } from "./acl.ts";
import type { BanList } from "./ban_list.ts";
import type { KnownPoints } from "./known_points.ts";
import type { Pool } from "./pool.ts";
import type {
  BanSnapshot,
  ConnectionSnapshot,
  NodeSnapshot,
  PeerSnapshot,
  PointSnapshot,
} from "./snapshot.ts";

/** The snapshot fields the P2P layer fills. */
export type P2pSnapshot = Pick<
  NodeSnapshot,
  "connections" | "points" | "peers" | "bans" | "greylistedIps"
>;

/**
 * The P2P part of a snapshot.
 *
 * @param pool The pool.
 * @param known The known points.
 * @param banList The timed bans.
 * @param acl The greylists and blacklists.
 * @param score A peer's gossipsub score by key, for gossip nodes.
 * @returns The fields.
 */
export function p2pSnapshot<W, Meta>(
  pool: Pool<W, Meta>,
  known: KnownPoints,
  banList: BanList,
  acl: Acl,
  score?: (peerKey: string) => number | undefined,
): P2pSnapshot {
  const now = performance.now();
  // performance.now() times to wall-clock milliseconds.
  const wall = (t: number) => Math.round(Date.now() - (now - t));
  const links = pool.links();
  const connections: ConnectionSnapshot[] = links.map((link) => {
    const info = link.conn.info;
    const version = link.conn.version;
    return {
      peerId: peerIdToString(link.peerId),
      point: link.point?.text,
      remoteSocket: info.remoteAddress === undefined || info.remoteSocketPort === undefined
        ? undefined
        : pointIdToString(makePointId(info.remoteAddress, info.remoteSocketPort)),
      incoming: link.incoming,
      privateNode: link.privateNode,
      version: version === undefined ? undefined : { ...version },
      remoteMetadata: { ...(info.remoteMetadata as Record<string, unknown>) },
      localMetadata: { ...(info.localMetadata as Record<string, unknown>) },
      establishedAt: wall(link.establishedAt),
      stat: { ...link.conn.stat() },
    };
  });
  const pending = pool.dialling;
  const points: PointSnapshot[] = [];
  const peers = new Map<string, PeerSnapshot>();
  for (const entry of known.entries()) {
    const state = entry.connected
      ? "running"
      : pending.has(entry.text)
      ? "pending"
      : "disconnected";
    const peerId = entry.peerId === undefined ? undefined : peerIdToString(entry.peerId);
    points.push({
      point: entry.text,
      state,
      source: entry.source,
      trusted: entry.trusted,
      public: entry.public,
      peerId,
      lastSeen: entry.lastSeen === undefined ? undefined : wall(entry.lastSeen),
      nextAttempt: wall(entry.nextAttempt),
    });
    if (peerId !== undefined && entry.peerKey !== undefined) {
      peers.set(entry.peerKey, {
        peerId,
        state,
        point: entry.text,
        score: score?.(entry.peerKey),
      });
    }
  }
  for (const link of links) {
    peers.set(link.key, {
      peerId: peerIdToString(link.peerId),
      state: "running",
      point: link.point?.text,
      score: score?.(link.key),
    });
  }
  const bans: BanSnapshot[] = banList.entries(now).map(([key, ban]) => ({
    peerId: peerIdToString(fromHex(key)),
    reason: ban.reason,
    until: Number.isFinite(ban.until) ? wall(ban.until) : null,
  }));
  for (const key of acl.bannedPeers()) {
    bans.push({ peerId: peerIdToString(fromHex(key)), reason: "blacklisted", until: null });
  }
  for (const key of acl.greylistedPeers()) {
    bans.push({ peerId: peerIdToString(fromHex(key)), reason: "greylisted", until: null });
  }
  const greylistedIps = acl.greylistedIps(now).map(([addr]) => addr);
  return { connections, points, peers: [...peers.values()], bans, greylistedIps };
}

/**
 * Who the node is, as its snapshot says it.
 *
 * @param peerId Its peer id.
 * @param listeningPoint Where it listens.
 * @param profile Its profile.
 * @returns The snapshot's first fields.
 */
export function selfSnapshot(
  peerId: Uint8Array,
  listeningPoint: PointId | undefined,
  profile: NetworkProfile,
): Pick<NodeSnapshot, "peerId" | "listeningPoint" | "profile" | "chainName"> {
  return {
    peerId: peerIdToString(peerId),
    listeningPoint: listeningPoint === undefined ? undefined : pointIdToString(listeningPoint),
    profile: profile.name,
    chainName: profile.chainName,
  };
}

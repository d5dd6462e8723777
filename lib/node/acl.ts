/**
 * Who a node refuses (Octez `P2p_acl`): a greylist of IP addresses that fades after a delay, a
 * greylist of peer ids kept as a FIFO, and permanent blacklists of addresses and peer ids that an
 * operator lifts. A greylisted or blacklisted address is refused at `accept` before a byte is
 * read, never dialled and never advertised; a refused peer id is closed after authentication.
 *
 * What puts an address on the greylist (Octez `p2p_connect_handler.ml` 425-439, 713-715,
 * `p2p_conn.ml` 112-114): an authentication failure of the kinds below, an unexpected exception
 * during an incoming handshake, and a decoding error on a running connection (which greylists the
 * peer id too).
 *
 * Trusted peers (Octez `P2p_peer_state.Info.trusted`) are kept here too; trusted points live in
 * the known-points table. In private mode a connection is accepted only from a trusted point or a
 * trusted peer (`p2p_connect_handler.ml` 280-295).
 *
 * Deliberate difference: Octez keeps greylisted addresses in a Bloom filter of
 * `ip_greylist_size_in_kilobytes` (2 MiB) with one clean-up for all every
 * `ip_greylist_cleanup_delay`; this is an exact map with a per-address expiry and at most
 * {@link MAX_GREYLISTED_IPS} entries (the oldest goes first), so it never refuses an innocent
 * address by a hash collision and lifts each address exactly one delay after its offence.
 *
 * @module
 */

import type { PointId } from "../base/point_id.ts";

/** Authentication failures that greylist the remote address (Octez `raw_authenticate`). */
export const GREYLISTING_KINDS: ReadonlySet<string> = new Set([
  "not_enough_proof_of_work",
  "invalid_auth",
  "decipher_error",
  "invalid_message_size",
  "encoding_error",
  "decoding_error",
  "invalid_chunks_size",
]);

/** Greylisted addresses kept at most; the oldest are forgotten first. */
export const MAX_GREYLISTED_IPS = 65_536;

/** Greylisted peer ids kept (Octez `peer_greylist_size`). */
export const PEER_GREYLIST_SIZE = 1023;

/** Settings of an {@link Acl}. */
export interface AclSettings {
  /** How long an address stays greylisted, ms (Octez `ip_greylist_cleanup_delay`, 86 400 s). */
  readonly ipGreylistMs: number;
}

/** The refusal lists of one node. Keys of peers are `peerIdKey`s; addresses are canonical text. */
export class Acl {
  readonly #ipGreylist = new Map<string, number>();
  readonly #peerGreylist = new Set<string>();
  readonly #bannedIps = new Set<string>();
  readonly #bannedPeers = new Set<string>();
  readonly #trustedPeers = new Set<string>();
  readonly #ipGreylistMs: number;

  /**
   * Empty lists.
   *
   * @param settings The greylist delay.
   */
  constructor(settings: AclSettings) {
    this.#ipGreylistMs = settings.ipGreylistMs;
  }

  /**
   * Greylists an address for the greylist delay.
   *
   * @param addr The address.
   * @param now The current time (ms).
   */
  greylistIp(addr: string, now: number): void {
    this.#ipGreylist.delete(addr); // re-inserted last: the newest offence is evicted last
    this.#ipGreylist.set(addr, now + this.#ipGreylistMs);
    if (this.#ipGreylist.size > MAX_GREYLISTED_IPS) {
      this.#ipGreylist.delete(this.#ipGreylist.keys().next().value!);
    }
  }

  /**
   * Greylists a peer id (FIFO: the oldest of {@link PEER_GREYLIST_SIZE} goes first).
   *
   * @param peerKey The peer.
   */
  greylistPeer(peerKey: string): void {
    this.#peerGreylist.delete(peerKey);
    this.#peerGreylist.add(peerKey);
    if (this.#peerGreylist.size > PEER_GREYLIST_SIZE) {
      this.#peerGreylist.delete(this.#peerGreylist.values().next().value!);
    }
  }

  /**
   * Whether an address is refused: blacklisted, or greylisted and not expired.
   *
   * @param addr The address.
   * @param now The current time (ms).
   * @returns `true` when refused.
   */
  isIpBanned(addr: string, now: number): boolean {
    if (this.#bannedIps.has(addr)) return true;
    const until = this.#ipGreylist.get(addr);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#ipGreylist.delete(addr);
    return false;
  }

  /**
   * Whether a peer id is refused: blacklisted or greylisted.
   *
   * @param peerKey The peer.
   * @returns `true` when refused.
   */
  isPeerBanned(peerKey: string): boolean {
    return this.#bannedPeers.has(peerKey) || this.#peerGreylist.has(peerKey);
  }

  /**
   * Blacklists an address until {@link Acl.unbanIp}.
   *
   * @param addr The address.
   */
  banIp(addr: string): void {
    this.#bannedIps.add(addr);
  }

  /**
   * Lifts an address's blacklisting and greylisting.
   *
   * @param addr The address.
   * @returns Whether it was refused.
   */
  unbanIp(addr: string): boolean {
    const banned = this.#bannedIps.delete(addr);
    return this.#ipGreylist.delete(addr) || banned;
  }

  /**
   * Blacklists a peer id until {@link Acl.unbanPeer}.
   *
   * @param peerKey The peer.
   */
  banPeer(peerKey: string): void {
    this.#bannedPeers.add(peerKey);
  }

  /**
   * Lifts a peer's blacklisting and greylisting.
   *
   * @param peerKey The peer.
   * @returns Whether it was refused.
   */
  unbanPeer(peerKey: string): boolean {
    const banned = this.#bannedPeers.delete(peerKey);
    return this.#peerGreylist.delete(peerKey) || banned;
  }

  /** Empties both greylists (Octez `P2p_pool.acl_clear` keeps the blacklists). */
  clearGreylists(): void {
    this.#ipGreylist.clear();
    this.#peerGreylist.clear();
  }

  /**
   * The greylisted addresses still in force.
   *
   * @param now The current time (ms).
   * @returns Address and expiry (ms) pairs.
   */
  greylistedIps(now: number): [addr: string, until: number][] {
    for (const [addr, until] of this.#ipGreylist) if (until <= now) this.#ipGreylist.delete(addr);
    return [...this.#ipGreylist];
  }

  /** The greylisted peers, oldest first. */
  greylistedPeers(): string[] {
    return [...this.#peerGreylist];
  }

  /** The blacklisted addresses. */
  bannedIps(): string[] {
    return [...this.#bannedIps];
  }

  /** The blacklisted peers. */
  bannedPeers(): string[] {
    return [...this.#bannedPeers];
  }

  /**
   * Trusts a peer, lifting its blacklisting and greylisting first (Octez `P2p_pool.Peers.trust`,
   * p2p_pool.ml 404-406).
   *
   * @param peerKey The peer.
   */
  trustPeer(peerKey: string): void {
    this.unbanPeer(peerKey);
    this.#trustedPeers.add(peerKey);
  }

  /**
   * Withdraws a peer's trust.
   *
   * @param peerKey The peer.
   * @returns Whether it was trusted.
   */
  untrustPeer(peerKey: string): boolean {
    return this.#trustedPeers.delete(peerKey);
  }

  /**
   * Whether a peer is trusted.
   *
   * @param peerKey The peer.
   * @returns `true` when trusted.
   */
  isPeerTrusted(peerKey: string): boolean {
    return this.#trustedPeers.has(peerKey);
  }

  /** The trusted peers. */
  trustedPeers(): string[] {
    return [...this.#trustedPeers];
  }
}

/**
 * A node's refusal and trust lists as its application and the RPC see them: addresses as text,
 * points as `addr:port` (optionally `addr:port#id…`), peers as base58 ids (`id…`) or 16-byte ids.
 */
export interface NodeAcl {
  /** Greylisted addresses still in force. */
  greylistedIps(): string[];
  /**
   * Greylists an address for the greylist delay (and closes nothing: running connections stay).
   *
   * @param addr The address.
   */
  greylistIp(addr: string): void;
  /** Greylisted peers, oldest first. */
  greylistedPeers(): string[];
  /** Empties the address and peer greylists (blacklists stay). */
  clearGreylist(): void;
  /**
   * Blacklists an address until unbanned, and closes the connections from it.
   *
   * @param addr The address.
   */
  banIp(addr: string): void;
  /**
   * Lifts an address's blacklisting and greylisting.
   *
   * @param addr The address.
   * @returns Whether it was refused.
   */
  unbanIp(addr: string): boolean;
  /** Blacklisted addresses. */
  bannedIps(): string[];
  /**
   * Blacklists a peer until unbanned, and closes its connection.
   *
   * @param peerId The peer (16 bytes, or `id…`).
   */
  banPeer(peerId: Uint8Array | string): void;
  /**
   * Lifts a peer's blacklisting and greylisting.
   *
   * @param peerId The peer.
   * @returns Whether it was refused.
   */
  unbanPeer(peerId: Uint8Array | string): boolean;
  /** Blacklisted peers. */
  bannedPeers(): string[];
  /**
   * Trusts a point (Octez `P2p_pool.Points.trust`, p2p_pool.ml 336-338): lifts its address's
   * blacklisting and greylisting, registers it, keeps it in the table for good and lets it in and
   * out in private mode; the maintenance dials it like any known point. A `#id…` suffix makes that
   * peer the only one accepted there.
   *
   * @param point The point (`{addr, port}`, `addr:port` or `addr:port#id…`).
   * @throws {NodeError} `invalid_point` when the text is not a point.
   */
  trustPoint(point: PointId | string): void;
  /**
   * Withdraws a point's trust (it stays known; an expected peer id stays).
   *
   * @param point The point.
   * @returns Whether it was trusted.
   * @throws {NodeError} `invalid_point` when the text is not a point.
   */
  untrustPoint(point: PointId | string): boolean;
  /** The trusted points, as `addr:port` (`#id…` when a peer id is expected there). */
  trustedPoints(): string[];
  /**
   * Trusts a peer (Octez `P2p_pool.Peers.trust`): lifts its blacklisting and greylisting and lets
   * it in in private mode, from any address.
   *
   * @param peerId The peer.
   */
  trustPeer(peerId: Uint8Array | string): void;
  /**
   * Withdraws a peer's trust.
   *
   * @param peerId The peer.
   * @returns Whether it was trusted.
   */
  untrustPeer(peerId: Uint8Array | string): boolean;
  /** The trusted peers. */
  trustedPeers(): string[];
}

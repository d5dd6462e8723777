/**
 * Peers refused for a while: kicked ones (a `Kick` order of the gossipsub worker, or
 * `Node.kick`) and greylisted ones (a malformed message in an established stream, spec §17).
 * Octez bans kicked peers until an operator lifts the ban and greylists misbehaving ones in a
 * FIFO; here both expire, which suits short-lived test networks and a library without an admin RPC.
 *
 * @module
 */

/** Why a peer is refused. */
export type BanReason = "kicked" | "greylisted";

/** A ban and when it ends. */
export interface Ban {
  /** Why. */
  readonly reason: BanReason;
  /** When it ends (ms, `performance.now()`). */
  readonly until: number;
}

/** Banned peer keys with expiry. */
export class BanList {
  readonly #bans = new Map<string, Ban>();

  /**
   * Bans a peer until `now + durationMs` (a longer ban already in place stays).
   *
   * @param peerKey The peer's key.
   * @param reason Why.
   * @param durationMs How long (ms).
   * @param now The current time (ms).
   */
  ban(peerKey: string, reason: BanReason, durationMs: number, now: number): void {
    const until = now + durationMs;
    const current = this.#bans.get(peerKey);
    if (current === undefined || current.until < until) this.#bans.set(peerKey, { reason, until });
  }

  /**
   * The ban in force on a peer, if any; expired bans are dropped on the way.
   *
   * @param peerKey The peer's key.
   * @param now The current time (ms).
   * @returns The ban, or `undefined`.
   */
  get(peerKey: string, now: number): Ban | undefined {
    const ban = this.#bans.get(peerKey);
    if (ban === undefined) return undefined;
    if (ban.until > now) return ban;
    this.#bans.delete(peerKey);
    return undefined;
  }

  /**
   * Lifts a ban.
   *
   * @param peerKey The peer's key.
   * @returns Whether a ban was lifted.
   */
  lift(peerKey: string): boolean {
    return this.#bans.delete(peerKey);
  }

  /**
   * Drops expired bans.
   *
   * @param now The current time (ms).
   */
  prune(now: number): void {
    for (const [key, ban] of this.#bans) if (ban.until <= now) this.#bans.delete(key);
  }

  /**
   * The bans in force.
   *
   * @param now The current time (ms).
   * @returns Peer keys with their bans.
   */
  entries(now: number): [peerKey: string, ban: Ban][] {
    this.prune(now);
    return [...this.#bans];
  }

  /** Bans in the list, expired or not. */
  get size(): number {
    return this.#bans.size;
  }
}

/**
 * Receive throttling of the peer-exchange messages of one connection (Octez `p2p_protocol.ml`
 * 61-137): Bootstrap and Advertise are handled at most once per 100 ms, Swap_request and Swap_ack
 * at most once per 60 s; application messages are never throttled.
 *
 * Deliberate difference: Octez's answerer *sleeps* the connection's reader for the cooldown, so a
 * flood of Bootstrap delays every message behind it (2 000 Bootstraps hold the connection's gossip
 * back 200 s). Here a throttled message is *deferred*, not slept on: the reader goes on, and the
 * message is handled when its kind's cooldown has passed since the last one handled. At most one
 * message per kind waits per connection, so a flood costs no memory: a later Bootstrap, Swap_request
 * or Swap_ack replaces the waiting one (the newest proposal wins; Bootstraps are all alike), and a
 * later Advertise adds its points to the waiting one's, up to the 100 points one Advertise may carry
 * (`p2p_message.ml`). As in Octez, the first message of a kind on a connection is never delayed and
 * a sustained burst is handled once per cooldown; unlike Octez, a deferred message runs when the
 * cooldown since the previous one ends rather than a full cooldown after it arrived.
 *
 * @module
 */

import { pointIdToString } from "../base/point_id.ts";
import type { P2pMessage } from "../../gen/p2p_message.ts";

/** Cooldown of each throttled kind, ms (Octez `p2p_protocol.ml` 123-137 `throttler`). */
export const RECEIVE_COOLDOWN_MS = {
  Bootstrap: 100,
  Advertise: 100,
  SwapRequest: 60_000,
  SwapAck: 60_000,
} as const;

/** The kinds of P2P messages that are throttled. */
export type ThrottledKind = keyof typeof RECEIVE_COOLDOWN_MS;

/** Points one Advertise carries at most (Octez `P2p_message`: a list of at most 100). */
export const MAX_ADVERTISED_POINTS = 100;

/** A throttled message. */
export type ThrottledMessage = Extract<P2pMessage<never>, { kind: ThrottledKind }>;

/** Counters of the throttles of a node, shared by its connections. */
export interface ThrottleStats {
  /** Messages held back until their kind's cooldown ended. */
  throttledMessages: number;
  /** Messages merged into, or replacing, one already held back. */
  coalescedMessages: number;
}

/** The throttle of one connection. */
export class ReceiveThrottle {
  readonly #handle: (message: ThrottledMessage) => void;
  readonly #stats: ThrottleStats;
  readonly #cooldown: Readonly<Record<ThrottledKind, number>>;
  readonly #last = new Map<ThrottledKind, number>();
  readonly #waiting = new Map<
    ThrottledKind,
    { message: ThrottledMessage; timer: ReturnType<typeof setTimeout> }
  >();
  #closed = false;

  /**
   * A throttle with nothing handled yet.
   *
   * @param handle Handles a message whose turn has come (synchronously).
   * @param stats Counters to add to.
   * @param cooldown Cooldown of each kind, ms (default Octez's).
   */
  constructor(
    handle: (message: ThrottledMessage) => void,
    stats: ThrottleStats,
    cooldown: Readonly<Record<ThrottledKind, number>> = RECEIVE_COOLDOWN_MS,
  ) {
    this.#handle = handle;
    this.#stats = stats;
    this.#cooldown = cooldown;
  }

  /**
   * A received message: handled now if its kind's cooldown has passed, else held back (or merged
   * into the one held back).
   *
   * @param message The message.
   * @param now The current time (ms, `performance.now()`).
   */
  offer(message: ThrottledMessage, now: number): void {
    if (this.#closed) return;
    const kind = message.kind;
    const waiting = this.#waiting.get(kind);
    if (waiting !== undefined) {
      this.#stats.coalescedMessages++;
      waiting.message = merge(waiting.message, message);
      return;
    }
    const due = (this.#last.get(kind) ?? -Infinity) + this.#cooldown[kind];
    if (due <= now) {
      this.#last.set(kind, now);
      this.#handle(message);
      return;
    }
    this.#stats.throttledMessages++;
    const timer = setTimeout(() => {
      const entry = this.#waiting.get(kind);
      this.#waiting.delete(kind);
      if (this.#closed || entry === undefined) return;
      this.#last.set(kind, performance.now());
      this.#handle(entry.message);
    }, due - now);
    this.#waiting.set(kind, { message, timer });
  }

  /** Messages held back now. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** Drops what is held back (the connection ended). */
  close(): void {
    this.#closed = true;
    for (const { timer } of this.#waiting.values()) clearTimeout(timer);
    this.#waiting.clear();
  }
}

// The newer message replaces the older, except that Advertises pool their points (distinct, the
// older first, at most 100).
function merge(older: ThrottledMessage, newer: ThrottledMessage): ThrottledMessage {
  if (older.kind !== "Advertise" || newer.kind !== "Advertise") return newer;
  const seen = new Set(older.points.map(pointIdToString));
  const points = [...older.points];
  for (const p of newer.points) {
    if (points.length >= MAX_ADVERTISED_POINTS) break;
    const text = pointIdToString(p);
    if (seen.has(text)) continue;
    seen.add(text);
    points.push(p);
  }
  return { kind: "Advertise", points };
}

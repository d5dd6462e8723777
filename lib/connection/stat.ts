/**
 * Connection statistics (Octez `P2p_stat.t`, spec §14): byte totals counted on the raw socket
 * (connection message, chunk prefixes and tags included) and bytes-per-second rates.
 *
 * Octez updates each rate from a timer about every second:
 * `avg := 200 · bytes_this_period / elapsed_ms + 800 · avg / 1000` (integer division). Here the same
 * one-second periods are replayed lazily, on each count and on each read of the rate, from
 * timestamps: the figures are the same and no timer has to be cleared when a connection dies.
 *
 * @module
 */

/** A snapshot of a connection's traffic. */
export interface P2pStat {
  /** Bytes written to the socket since it was opened. */
  readonly totalSent: number;
  /** Bytes read from the socket since it was opened. */
  readonly totalRecv: number;
  /** Incoming rate, bytes per second (moving average). */
  readonly currentInflow: number;
  /** Outgoing rate, bytes per second (moving average). */
  readonly currentOutflow: number;
  /** P2P messages fully written to the socket. */
  readonly messagesSent: number;
  /** P2P messages received and decoded. */
  readonly messagesReceived: number;
}

const PERIOD_MS = 1000;
// After this many empty periods any int31 average has decayed to 0 (0.8^100 · 2^31 < 1).
const MAX_REPLAYED_PERIODS = 100;

/** Byte total and moving-average rate of one direction, driven by an explicit clock. */
export class RateMeter {
  /** Bytes counted so far. */
  total = 0;
  #period = 0;
  #average = 0;
  #periodStart: number;

  /**
   * Starts a meter.
   *
   * @param now The current time in milliseconds (e.g. `performance.now()`).
   */
  constructor(now: number) {
    this.#periodStart = now;
  }

  #advance(now: number): void {
    let periods = Math.floor((now - this.#periodStart) / PERIOD_MS);
    if (periods <= 0) return;
    if (periods > MAX_REPLAYED_PERIODS) {
      // Long idle: the bytes of the first period no longer matter after 100 decays.
      this.#average = 0;
      this.#period = 0;
      this.#periodStart += periods * PERIOD_MS;
      return;
    }
    for (; periods > 0; periods--) {
      this.#average = Math.trunc((200 * this.#period) / PERIOD_MS) +
        Math.trunc((800 * this.#average) / 1000);
      this.#period = 0;
      this.#periodStart += PERIOD_MS;
    }
  }

  /**
   * Counts `bytes` at time `now`.
   *
   * @param bytes Bytes just transferred.
   * @param now The current time in milliseconds.
   */
  add(bytes: number, now: number): void {
    this.#advance(now);
    this.#period += bytes;
    this.total += bytes;
  }

  /**
   * The rate at time `now`, in bytes per second.
   *
   * @param now The current time in milliseconds.
   * @returns The moving average over the completed periods.
   */
  rate(now: number): number {
    this.#advance(now);
    return this.#average;
  }
}

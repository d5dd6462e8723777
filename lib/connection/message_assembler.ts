/**
 * Cuts the decrypted byte stream of a connection back into P2P messages (spec §7.3, §11.1). Chunk
 * boundaries carry no meaning: a message may span many chunks and a chunk may hold the end of one
 * message and the start of the next (Octez never sends the latter, but its reader accepts it).
 *
 * ```text
 * message = length(4, BE, ≤ 100 MiB - 4) ‖ tag(2) ‖ body(length - 2)
 * ```
 *
 * The length is checked against the 100 MiB limit before anything is buffered, then exactly
 * `4 + length` bytes are allocated. Each message gets a buffer of its own, so decoded byte fields
 * (views) stay valid for as long as the caller keeps the message.
 *
 * @module
 */

import { DecodeError } from "../encoding/errors.ts";

/** The `check_size` limit of the P2P envelope: 100 MiB, length prefix included. */
export const MAX_P2P_MESSAGE_SIZE = 100 * 1024 * 1024;

/** Reassembles whole messages from plaintext pieces. */
export class MessageAssembler {
  readonly #header = new Uint8Array(4);
  #headerFill = 0;
  #message: Uint8Array | undefined;
  #fill = 0;

  /** Bytes still missing from the message being assembled (0 between messages). */
  get room(): number {
    return this.#message === undefined ? 0 : this.#message.length - this.#fill;
  }

  /** The buffer of the message being assembled, to decrypt straight into at {@link fill}. */
  get target(): Uint8Array | undefined {
    return this.#message;
  }

  /** Bytes of the current message received so far. */
  get fill(): number {
    return this.#fill;
  }

  /** Whether no partial message is pending. */
  get idle(): boolean {
    return this.#message === undefined && this.#headerFill === 0;
  }

  /**
   * Records `n` bytes written straight into {@link target} at {@link fill} (n ≤ {@link room}).
   *
   * @param n Bytes written.
   * @param deliver Called with the message if it is now complete.
   */
  commit(n: number, deliver: (message: Uint8Array) => void): void {
    this.#fill += n;
    const message = this.#message;
    if (message !== undefined && this.#fill === message.length) {
      this.#message = undefined;
      deliver(message);
    }
  }

  /**
   * Feeds `bytes[from, to)`; calls `deliver` with each message completed, in order.
   *
   * @param bytes Plaintext bytes (copied; may be reused by the caller afterwards).
   * @param from First byte.
   * @param to End.
   * @param deliver Receives each complete message buffer (`4 + length` bytes, owned).
   * @throws {DecodeError} `invalid_int` for a negative length, `size_limit_exceeded` for a length
   * above 100 MiB - 4 (whatever `deliver` throws is passed through).
   */
  push(
    bytes: Uint8Array,
    from: number,
    to: number,
    deliver: (message: Uint8Array) => void,
  ): void {
    let p = from;
    while (p < to) {
      let message = this.#message;
      if (message === undefined) {
        let length: number;
        if (this.#headerFill === 0 && to - p >= 4) {
          length = (bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3];
          message = this.#start(length);
          message.set(bytes.subarray(p, p + 4));
          p += 4;
        } else {
          const n = Math.min(4 - this.#headerFill, to - p);
          this.#header.set(bytes.subarray(p, p + n), this.#headerFill);
          this.#headerFill += n;
          p += n;
          if (this.#headerFill < 4) return;
          const h = this.#header;
          length = (h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3];
          message = this.#start(length);
          message.set(h);
          this.#headerFill = 0;
        }
      }
      const n = Math.min(message.length - this.#fill, to - p);
      message.set(bytes.subarray(p, p + n), this.#fill);
      p += n;
      this.commit(n, deliver);
    }
  }

  #start(length: number): Uint8Array {
    // The length is a uint30 read as a signed int32, as data-encoding does.
    if (length < 0) {
      throw new DecodeError("invalid_int", "P2pMessage", 0, `uint30 ${length}`);
    }
    if (length > MAX_P2P_MESSAGE_SIZE - 4) {
      throw new DecodeError(
        "size_limit_exceeded",
        "P2pMessage",
        0,
        `length ${length} > ${MAX_P2P_MESSAGE_SIZE - 4}`,
      );
    }
    const message = new Uint8Array(4 + length);
    this.#message = message;
    this.#fill = 4;
    return message;
  }
}

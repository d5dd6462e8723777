/**
 * Cuts the decrypted byte stream of a connection back into P2P messages (spec §7.3, §11.1). Chunk
 * boundaries carry no meaning: a message may span many chunks and a chunk may hold the end of one
 * message and the start of the next (Octez never sends the latter, but its reader accepts it).
 *
 * ```text
 * message = length(4, BE, uint30, ≤ 100 MiB - 4) ‖ tag(2) ‖ body(length - 2)
 * ```
 *
 * This is the one place the 4-byte length prefix is read and checked. It is driven by the
 * {@link FrameReader}, which owns it; nothing else parses P2P message lengths.
 *
 * The declared length is checked as soon as its 4 bytes are in, as data-encoding's streaming reader
 * does (Octez reads messages with `Data_encoding.Binary.read_stream`, src/lib_p2p/p2p_socket.ml
 * 522-547), and with the same two outcomes:
 *
 * - a prefix ≥ 0x80000000 is a negative int32, `Invalid_int`
 *   (data-encoding/src/binary_stream_reader.ml 127-138: `uint30` reads an int32 and only refuses
 *   negatives);
 * - a prefix in [100 MiB - 3, 0x7fffffff] passes `uint30` but exceeds the `check_size (100 * 1024 *
 *   1024)` of `P2p_message.encoding` (src/lib_p2p/p2p_message.ml 35-39): `Size_limit_exceeded`
 *   (binary_stream_reader.ml 62-66 `check_allowed_bytes`, called by `Dynamic_size` at 453-463).
 *
 * So prefixes 0x40000000–0x7fffffff are `size_limit_exceeded`, not `invalid_int`, even though they
 * are above the uint30 range.
 *
 * The declared length never sizes an allocation by itself: a message buffer starts at the bytes
 * present (at least {@link MIN_MESSAGE_CAPACITY}, at most the declared size) and doubles as bytes
 * arrive, capped at the declared size, so a complete message still sits in a buffer of exactly its
 * size and is handed over without a copy. Octez's streaming reader likewise keeps only the chunks
 * that arrived.
 *
 * Each message's bytes belong to it alone and are never written again, so decoded byte fields
 * (views) stay valid for as long as the caller keeps the message. A message of at most
 * {@link SLAB_MAX_ALLOCATION} bytes (8 KiB, length prefix included) is a view into a shared 64 KiB
 * slab (`lib/base/slab.ts`), not an `ArrayBuffer` of its own: allocating one per 70-byte message
 * cost more than copying its bytes. A longer message gets a buffer of its own, as before.
 *
 * @module
 */

import { allocateBytes, SLAB_MAX_ALLOCATION } from "../base/slab.ts";
import { DecodeError } from "../encoding/errors.ts";

/** The `check_size` limit of the P2P envelope: 100 MiB, length prefix included. */
export const MAX_P2P_MESSAGE_SIZE = 100 * 1024 * 1024;

/** Bytes of the P2P message length prefix. */
export const P2P_LENGTH_PREFIX = 4;

/**
 * Smallest buffer given to a message before its bytes are in: two full chunks (2 × 65 519 bytes of
 * plaintext, rounded). A 64 KiB message (65 542 bytes with its prefix and tag, two chunks) then
 * gets one buffer and no regrowth, while a prefix claiming 100 MiB reserves 128 KiB, not 100 MiB.
 */
export const MIN_MESSAGE_CAPACITY = 128 * 1024;

/** Reassembles whole messages from plaintext pieces. */
export class MessageAssembler {
  readonly #header = new Uint8Array(P2P_LENGTH_PREFIX);
  #headerFill = 0;
  /** The message being assembled: `#fill` bytes in, room for `#buffer.length` ≤ `#size`. */
  #buffer: Uint8Array | undefined;
  #size = 0;
  #fill = 0;

  /** Declared bytes still missing from the message being assembled (0 between messages). */
  get room(): number {
    return this.#buffer === undefined ? 0 : this.#size - this.#fill;
  }

  /** Bytes of the current message received so far, length prefix included. */
  get fill(): number {
    return this.#buffer === undefined ? this.#headerFill : this.#fill;
  }

  /** Bytes reserved for the message being assembled (0 between messages). */
  get capacity(): number {
    return this.#buffer?.length ?? 0;
  }

  /** Whether no partial message is pending. */
  get idle(): boolean {
    return this.#buffer === undefined && this.#headerFill === 0;
  }

  /**
   * The buffer of the current message with room for `n` more bytes at {@link fill}, grown if
   * needed (to write into it directly, then {@link commit}).
   *
   * @param n Bytes about to be written, at most {@link room}.
   * @returns The buffer.
   */
  reserve(n: number): Uint8Array {
    const buffer = this.#buffer!;
    const need = this.#fill + n;
    if (need <= buffer.length) return buffer;
    // Doubling keeps the copies of an n-byte message under 2n bytes in total.
    const grown = new Uint8Array(Math.min(this.#size, Math.max(need, 2 * buffer.length)));
    grown.set(buffer.subarray(0, this.#fill));
    this.#buffer = grown;
    return grown;
  }

  /**
   * Records `n` bytes written into the buffer {@link reserve} returned, at {@link fill}.
   *
   * @param n Bytes written.
   * @param deliver Called with the message if it is now complete.
   */
  commit(n: number, deliver: (message: Uint8Array) => void): void {
    this.#fill += n;
    if (this.#fill === this.#size) {
      const message = this.#buffer!;
      this.#buffer = undefined;
      this.#size = 0;
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
   * @param onStart Called when the first byte of a message's length prefix is taken.
   * @throws {DecodeError} `invalid_int` for a negative length, `size_limit_exceeded` for a length
   * above 100 MiB - 4 (whatever `deliver` throws is passed through).
   */
  push(
    bytes: Uint8Array,
    from: number,
    to: number,
    deliver: (message: Uint8Array) => void,
    onStart?: () => void,
  ): void {
    let p = from;
    while (p < to) {
      if (this.#buffer === undefined) {
        if (this.#headerFill === 0) onStart?.();
        // Byte by byte: no subarray per message (2 000 64-byte messages per bench iteration).
        const h = this.#header;
        while (this.#headerFill < P2P_LENGTH_PREFIX && p < to) h[this.#headerFill++] = bytes[p++];
        if (this.#headerFill < P2P_LENGTH_PREFIX) return;
        this.#start(to - p);
      }
      const n = Math.min(this.#size - this.#fill, to - p);
      this.reserve(n).set(bytes.subarray(p, p + n), this.#fill);
      p += n;
      this.commit(n, deliver);
    }
  }

  /** Checks the declared length and opens a buffer for the message; `available` bytes follow. */
  #start(available: number): void {
    const h = this.#header;
    // A uint30 read as a signed int32, as data-encoding does: ≥ 0x80000000 is negative.
    const length = (h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3];
    if (length < 0) {
      throw DecodeError.at("invalid_int", "P2pMessage", 0, `uint30 ${length}`);
    }
    if (length > MAX_P2P_MESSAGE_SIZE - P2P_LENGTH_PREFIX) {
      throw DecodeError.at(
        "size_limit_exceeded",
        "P2pMessage",
        0,
        `length ${length} > ${MAX_P2P_MESSAGE_SIZE - P2P_LENGTH_PREFIX}`,
      );
    }
    const size = P2P_LENGTH_PREFIX + length;
    // A small message takes its exact size from the shared slab (at most 8 KiB, whatever the
    // prefix says); a longer one starts at what arrived, as described above.
    const buffer = size <= SLAB_MAX_ALLOCATION ? allocateBytes(size) : new Uint8Array(
      Math.min(size, Math.max(P2P_LENGTH_PREFIX + available, MIN_MESSAGE_CAPACITY)),
    );
    buffer.set(h);
    this.#headerFill = 0;
    this.#buffer = buffer;
    this.#size = size;
    this.#fill = P2P_LENGTH_PREFIX;
  }
}

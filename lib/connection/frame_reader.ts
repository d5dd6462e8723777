/**
 * The one parser of everything a peer sends (spec §4, §7, §11): a pure, synchronous reader that is
 * fed bytes as they arrive and hands back whole frames, in the style of Python `h11` and Octez
 * `p2p_buffer_reader.ml`. It does no I/O: `authenticate`, `accept`, the live `Connection` and the
 * `decode` command all push what they read into one of these and ask it for the next frame.
 *
 * ```text
 * connection message = len(2, BE) ‖ body(len)                      clear, first frame
 * chunk              = clen(2, BE) ‖ tag(16) ‖ ciphertext(clen-16)  every later frame, nonce n, n+1, …
 * P2P message        = length(4, BE) ‖ tag(2) ‖ body               cut over the chunks after the Ack
 * ```
 *
 * Every bound is checked here and nowhere else: `clen` < 16 is `invalid_incoming_ciphertext_size`
 * (Octez `Crypto.read_chunk`, src/lib_p2p/p2p_socket.ml 96-106), a P2P length prefix above the
 * 100 MiB limit is `size_limit_exceeded` (see `message_assembler.ts`). No length read from the
 * stream sizes an allocation before its bytes are there: the input buffer grows with the bytes
 * pushed, a message buffer with the bytes of the message that arrived.
 *
 * Once {@link FrameReader.setChannel} gave it the channel key and the remote nonce, the reader opens
 * each chunk in place in its own buffer and increments the nonce, also when authentication fails
 * (Octez increments before opening, p2p_socket.ml 113-115).
 *
 * @module
 */

import { BufferPool } from "../base/buffer_pool.ts";
import { TAG_LENGTH } from "../crypto/box.ts";
import { incrementNonceInPlace } from "../crypto/nonce.ts";
import {
  CHUNK_HEADER_LENGTH,
  openChunkInPlace,
  openChunkInto,
  openChunkUnchecked,
  standaloneKeys,
} from "./chunk.ts";
import { P2pError } from "./errors.ts";
import { MessageAssembler } from "./message_assembler.ts";

/**
 * Smallest input buffer. It then doubles as needed; one stream read of a `Deno.Conn` is up to
 * 64 KiB and a frame up to 65 537 bytes, so it settles at 128 or 256 KiB for a busy connection.
 */
const MIN_INPUT_CAPACITY = 4096;

/**
 * The input buffers of every frame reader of the process, 4 KiB to 1 MiB (powers of two): a reader
 * takes a larger one when it must grow and gives the old one back, and gives its buffer back when
 * it is empty between reads ({@link FrameReader.releaseInput}). At most 1 MiB is kept idle.
 */
const inputBuffers = new BufferPool({ minBytes: MIN_INPUT_CAPACITY, maxBytes: 1024 * 1024 });

const EMPTY = new Uint8Array(0);

/** Bytes of the length prefix of the connection message (the same 2 bytes as a chunk's). */
const FRAME_HEADER_LENGTH = CHUNK_HEADER_LENGTH;

/**
 * A sans-I/O reader of one direction of a P2P connection. Push bytes with
 * {@link FrameReader.push}, then take frames with {@link FrameReader.connectionMessage},
 * {@link FrameReader.chunk} or {@link FrameReader.messageChunk}; each returns `undefined` (or
 * `false`) while the frame is incomplete.
 *
 * ```ts
 * import { FrameReader } from "./frame_reader.ts";
 *
 * const reader = new FrameReader();
 * reader.push(new Uint8Array([0x00, 0x03, 0xaa]));
 * console.log(reader.connectionMessage()); // undefined: 2 of the 3 body bytes are missing
 * reader.push(new Uint8Array([0xbb, 0xcc]));
 * console.log(reader.connectionMessage()); // Uint8Array(5) [0, 3, 170, 187, 204]
 * ```
 */
export class FrameReader {
  #buf: Uint8Array = EMPTY;
  #start = 0;
  #end = 0;
  #consumed = 0;
  #key: Uint8Array | undefined;
  #nonce: Uint8Array | undefined;
  #peerId: Uint8Array | undefined;
  /** The key and nonce pass `standaloneKeys`: chunks are opened without overlap checks. */
  #unchecked = false;
  #chunks = 0;
  #chunkOffset = 0;
  readonly #assembler = new MessageAssembler();
  #messageChunk = 0;
  #messageOffset = 0;
  readonly #markStart = () => {
    this.#messageChunk = this.#chunks - 1;
    this.#messageOffset = this.#chunkOffset;
  };

  /** Bytes pushed and not consumed by a frame yet. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Stream offset of the next unconsumed byte (bytes consumed by frames so far). */
  get offset(): number {
    return this.#consumed;
  }

  /** Chunks read so far, i.e. the index of the next chunk (the metadata chunk is 0). */
  get chunks(): number {
    return this.#chunks;
  }

  /** Bytes reserved for the input (for tests: it grows with what is pushed, never with a length). */
  get inputCapacity(): number {
    return this.#buf.length;
  }

  /**
   * Bytes the next frame needs in all, prefix included: 2 while its prefix is incomplete, then
   * 2 + the prefix's value.
   */
  get needed(): number {
    const length = this.#frameLength();
    return length < 0 ? FRAME_HEADER_LENGTH : length;
  }

  /** A copy of the nonce the next chunk is opened with (`undefined` before `setChannel`). */
  get nonce(): Uint8Array | undefined {
    return this.#nonce?.slice();
  }

  /**
   * Appends bytes read from the stream. They are copied: the caller may reuse `bytes`. Views
   * returned by {@link FrameReader.chunk} are valid until the next push.
   *
   * @param bytes The bytes, in stream order.
   */
  push(bytes: Uint8Array): void {
    const length = bytes.length;
    if (length === 0) return;
    if (this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#end + length > this.#buf.length) {
      const live = this.#end - this.#start;
      if (live + length <= this.#buf.length) {
        this.#buf.copyWithin(0, this.#start, this.#end);
      } else {
        const capacity = Math.max(2 * this.#buf.length, live + length, MIN_INPUT_CAPACITY);
        const grown = inputBuffers.take(capacity);
        grown.set(this.#buf.subarray(this.#start, this.#end));
        inputBuffers.give(this.#buf);
        this.#buf = grown;
      }
      this.#start = 0;
      this.#end = live;
    }
    this.#buf.set(bytes, this.#end);
    this.#end += length;
  }

  /**
   * Gives the input buffer back to the shared pool when it holds no unread byte, so that an idle
   * connection keeps no buffer grown for a burst (up to 256 KiB); the next {@link FrameReader.push}
   * takes one again. Views returned by {@link FrameReader.chunk} become invalid, as after a push.
   */
  releaseInput(): void {
    if (this.#start !== this.#end || this.#buf.length === 0) return;
    inputBuffers.give(this.#buf);
    this.#buf = EMPTY;
    this.#start = this.#end = 0;
  }

  /**
   * Gives the keys the chunks are opened with, once both connection messages are known.
   *
   * @param channelKey The channel key (32 bytes).
   * @param remoteNonce Nonce of the remote's first chunk; the reader owns it from now on and
   * increments it in place.
   * @param peerId The remote peer id, for error details.
   */
  setChannel(channelKey: Uint8Array, remoteNonce: Uint8Array, peerId?: Uint8Array): void {
    this.#key = channelKey;
    this.#nonce = remoteNonce;
    this.#unchecked = standaloneKeys(channelKey, remoteNonce);
    this.#peerId = peerId;
  }

  /** `2 + len` of the frame at the read position, or -1 while its 2-byte prefix is incomplete. */
  #frameLength(): number {
    if (this.#end - this.#start < FRAME_HEADER_LENGTH) return -1;
    const b = this.#buf;
    return FRAME_HEADER_LENGTH + ((b[this.#start] << 8) | b[this.#start + 1]);
  }

  /**
   * The connection message, prefix included, once it is complete: `len(2, BE) ‖ body(len)`.
   * Any 2-byte length is accepted here; the body is checked by its decoder.
   *
   * @returns A fresh copy of the frame (it feeds the nonces), or `undefined` while incomplete.
   */
  connectionMessage(): Uint8Array | undefined {
    const length = this.#frameLength();
    if (length < 0 || this.#end - this.#start < length) return undefined;
    const at = this.#consume(length);
    return this.#buf.slice(at, at + length);
  }

  #consume(n: number): number {
    const at = this.#start;
    this.#start += n;
    this.#consumed += n;
    return at;
  }

  /**
   * Offset of the box (`tag ‖ ciphertext`) of the next chunk once complete, consuming it; -1 while
   * incomplete.
   */
  #nextBox(): number {
    const length = this.#frameLength();
    if (length < 0) return -1;
    const clen = length - FRAME_HEADER_LENGTH;
    if (clen < TAG_LENGTH) {
      throw new P2pError(
        "invalid_incoming_ciphertext_size",
        `chunk ${this.#chunks} of ${clen} bytes is shorter than a tag`,
        this.#peerId === undefined ? { value: clen } : { peerId: this.#peerId, value: clen },
      );
    }
    if (this.#end - this.#start < length) return -1;
    if (this.#nonce === undefined) throw new TypeError("FrameReader: setChannel first");
    this.#chunkOffset = this.#consumed;
    this.#chunks++;
    return this.#consume(length) + FRAME_HEADER_LENGTH;
  }

  /**
   * Opens the next chunk (the metadata, the Ack or Nack) in place with the next remote nonce.
   *
   * @returns Its plaintext, a view valid until the next {@link FrameReader.push}, or `undefined`
   * while the chunk is incomplete.
   * @throws {P2pError} `invalid_incoming_ciphertext_size` when `clen` < 16 (nothing consumed),
   * `decipher_error` when authentication fails (the chunk is consumed, the nonce incremented).
   * @throws {TypeError} Before {@link FrameReader.setChannel}.
   */
  chunk(): Uint8Array | undefined {
    const at = this.#nextBox();
    if (at < 0) return undefined;
    const box = this.#buf.subarray(at, this.#start);
    try {
      return openChunkInPlace(this.#key!, this.#nonce!, box);
    } finally {
      incrementNonceInPlace(this.#nonce!);
    }
  }

  /**
   * Opens the next chunk and feeds its plaintext to the P2P message stream; `deliver` receives
   * each message it completes (`length(4) ‖ tag(2) ‖ body`, bytes of its own that are never
   * written again: a view of the shared slab up to 8 KiB, else a buffer of its own).
   *
   * @param deliver Receives each complete message, in order.
   * @returns `false` when no complete chunk is buffered (nothing consumed).
   * @throws {P2pError} `invalid_incoming_ciphertext_size` or `decipher_error`, as
   * {@link FrameReader.chunk}.
   * @throws {DecodeError} `invalid_int` or `size_limit_exceeded` for a bad P2P length prefix.
   */
  messageChunk(deliver: (message: Uint8Array) => void): boolean {
    const at = this.#nextBox();
    if (at < 0) return false;
    const end = this.#start;
    const length = end - at - TAG_LENGTH;
    const assembler = this.#assembler;
    const key = this.#key!;
    const nonce = this.#nonce!;
    try {
      if (this.#unchecked) {
        // The input buffer, the message buffers (slab views or their own) and the keys are
        // distinct allocations: in place or disjoint, as openChunkUnchecked requires.
        const buf = this.#buf;
        if (length > 0 && length <= assembler.room) {
          openChunkUnchecked(key, nonce, buf, at, end, assembler.reserve(length), assembler.fill);
          assembler.commit(length, deliver);
        } else {
          openChunkUnchecked(key, nonce, buf, at, end, buf, at + TAG_LENGTH);
          assembler.push(buf, at + TAG_LENGTH, end, deliver, this.#markStart);
        }
      } else if (length > 0 && length <= assembler.room) {
        // The rest of a long message: decrypt straight into its buffer, no copy.
        openChunkInto(
          key,
          nonce,
          this.#buf.subarray(at, end),
          assembler.reserve(length),
          assembler.fill,
        );
        assembler.commit(length, deliver);
      } else {
        // A message start: decrypt in place, then copy into per-message buffers.
        openChunkInPlace(key, nonce, this.#buf.subarray(at, end));
        assembler.push(this.#buf, at + TAG_LENGTH, end, deliver, this.#markStart);
      }
    } finally {
      incrementNonceInPlace(nonce);
    }
    return true;
  }

  /** Bytes of the P2P message being assembled that arrived (length prefix included). */
  get messageFill(): number {
    return this.#assembler.fill;
  }

  /** Bytes reserved for the P2P message being assembled (for tests: it grows with what arrived). */
  get messageCapacity(): number {
    return this.#assembler.capacity;
  }

  /** Index of the chunk where the last message started (the current one, during `deliver`). */
  get messageStartChunk(): number {
    return this.#messageChunk;
  }

  /** Stream offset of the chunk where the last message started. */
  get messageStartOffset(): number {
    return this.#messageOffset;
  }
}

/**
 * Decrypts one whole chunk frame (prefix included), e.g. one read from a capture.
 *
 * @param channelKey The connection's channel key.
 * @param nonce The nonce of this chunk (not incremented).
 * @param frame `clen(2) ‖ tag(16) ‖ ciphertext`, exactly.
 * @returns The fresh plaintext.
 * @throws {P2pError} `invalid_incoming_ciphertext_size` when `clen` < 16, `decipher_error` when
 * authentication fails.
 * @throws {RangeError} When the frame is not exactly as long as its prefix says.
 */
export function decryptChunk(
  channelKey: Uint8Array,
  nonce: Uint8Array,
  frame: Uint8Array,
): Uint8Array {
  if (frame.length < FRAME_HEADER_LENGTH) {
    throw new RangeError(`a chunk frame has at least 2 bytes, got ${frame.length}`);
  }
  const reader = new FrameReader();
  reader.setChannel(channelKey, nonce.slice());
  // The prefix alone first: a clen < 16 is refused before the length is compared.
  reader.push(frame.subarray(0, FRAME_HEADER_LENGTH));
  reader.chunk();
  if (reader.needed !== frame.length) {
    const clen = reader.needed - FRAME_HEADER_LENGTH;
    throw new RangeError(`chunk prefix says ${clen} bytes, frame has ${frame.length - 2}`);
  }
  reader.push(frame.subarray(FRAME_HEADER_LENGTH));
  const plaintext = reader.chunk()!;
  return plaintext.slice();
}

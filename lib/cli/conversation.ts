/**
 * Decodes a recorded P2P conversation: the two byte streams of one TCP connection, as read from
 * the socket (not aligned on frames), seen from the side whose identity is known. This is the pure
 * core of `tzp2p decode`; it never throws on bad bytes, every failure becomes an `error` item.
 *
 * ```ts
 * import { decodeConversation } from "./conversation.ts";
 * import { generateIdentitySync } from "../crypto/mod.ts";
 *
 * const me = generateIdentitySync(0);
 * // Only the start of our connection message was recorded.
 * const items = decodeConversation([{ direction: "sent", bytes: new Uint8Array([0x00, 0x86]) }], me);
 * console.log(items[0].kind, items[0].kind === "error" && items[0].error); // "error" "truncated"
 * ```
 *
 * Each direction is, in order (spec §4–§9, §11):
 *
 * ```text
 * connection message  len(2, BE) ‖ body(len)                          clear
 * chunk 0             clen(2, BE) ‖ tag(16) ‖ ct(clen-16)  metadata    nonce n
 * chunk 1             same                                Ack / Nack  nonce n+1
 * chunk 2…            same                                P2P messages, a stream cut anywhere
 * ```
 *
 * The channel key and the first nonces need both connection messages, so the chunks of one
 * direction wait until the other direction's connection message has been read.
 *
 * @module
 */

import { decodeAckMessage, decodeConnectionMessage } from "../../gen/connection.ts";
import { decodeP2pMessage } from "../../gen/p2p_message.ts";
import { pointIdToString } from "../base/point_id.ts";
import { rejectionMotiveName } from "../base/rejection.ts";
import {
  channelKey,
  deriveNonces,
  incrementNonce,
  isCryptoError,
  open,
  peerIdOfPublicKey,
  peerIdToString,
  TAG_LENGTH,
} from "../crypto/mod.ts";
import { equalBytes } from "../base/bytes.ts";
import {
  type AppCodec,
  DecodeError,
  isDecodeError,
  rawAppCodec,
  type RawAppMessage,
  toHex,
} from "../encoding/mod.ts";
import { ByteQueue } from "./byte_queue.ts";
import type {
  ConversationErrorKind,
  ConversationItem,
  Direction,
  ErrorItem,
} from "./conversation_item.ts";
import { type MetadataFormat, shellMetadataFormat } from "./conversation_metadata.ts";
import { p2pMessageFields } from "./p2p_message_fields.ts";
import { powBitsReached } from "./pow_bits.ts";

/** A piece of a recorded conversation: bytes read from the socket in one direction. */
export interface ConversationPiece {
  /** `sent` by the side whose identity is given, or `received` by it. */
  readonly direction: Direction;
  /** The bytes, in stream order; any length, frames need not be aligned. */
  readonly bytes: Uint8Array;
}

/** The key pair of the side that recorded the conversation. */
export interface ConversationIdentity {
  /** X25519 public key, 32 bytes (checked against the sent connection message). */
  readonly publicKey: Uint8Array;
  /** X25519 secret key, 32 bytes. */
  readonly secretKey: Uint8Array;
}

/** Options of {@link decodeConversation} and {@link ConversationDecoder}. */
export interface ConversationOptions<M> {
  /** The recording side accepted the connection (it did not dial). Default `false`. */
  readonly incoming?: boolean;
  /**
   * Codec of application messages; tags it does not know fail to decode. Default: every
   * application message is kept raw and printed as `{tag, hex}`.
   */
  readonly appCodec?: AppCodec<M>;
  /** How metadata chunks decode and print. Default: the Octez shell's (`shellMetadataFormat`). */
  readonly metadata?: MetadataFormat<unknown>;
}

// Octez's P2P envelope limit (spec §11.1): 4-byte length + body ≤ 100 MiB.
const P2P_MESSAGE_LIMIT = 100 * 1024 * 1024;

type Stage = "connection_message" | "metadata" | "ack" | "messages" | "nacked" | "stopped";

/** Where each chunk's plaintext starts in the message stream, to name a message's chunks. */
interface ChunkMark {
  readonly plainStart: number;
  readonly chunk: number;
  readonly offset: number;
}

class DirectionState {
  readonly direction: Direction;
  readonly input = new ByteQueue();
  stage: Stage = "connection_message";
  frame?: Uint8Array;
  publicKey?: Uint8Array;
  nonce?: Uint8Array;
  chunk = 0;
  readonly plain = new ByteQueue();
  marks: ChunkMark[] = [];

  constructor(direction: Direction) {
    this.direction = direction;
  }
}

/**
 * Incremental decoder of a conversation: push the pieces in recorded order, collect the items
 * each push completes, then call {@link ConversationDecoder.finish} for what the end of input
 * leaves undecoded.
 */
export class ConversationDecoder<M = RawAppMessage> {
  readonly #identity: ConversationIdentity;
  readonly #incoming: boolean;
  readonly #app: AppCodec<M>;
  readonly #metadata: MetadataFormat<unknown>;
  readonly #sent = new DirectionState("sent");
  readonly #received = new DirectionState("received");
  #key?: Uint8Array;
  #keysTried = false;
  #out: ConversationItem[] = [];

  /**
   * Starts decoding a conversation.
   *
   * @param identity The key pair of the recording side.
   * @param options Connection direction and application codec.
   * @throws {RangeError} When a key is not 32 bytes.
   */
  constructor(identity: ConversationIdentity, options: ConversationOptions<M> = {}) {
    if (identity.publicKey.length !== 32 || identity.secretKey.length !== 32) {
      throw new RangeError("identity keys must be 32 bytes");
    }
    this.#identity = identity;
    this.#incoming = options.incoming ?? false;
    this.#app = options.appCodec ?? (rawAppCodec as unknown as AppCodec<M>);
    this.#metadata = options.metadata ?? (shellMetadataFormat as MetadataFormat<unknown>);
  }

  /**
   * Feeds bytes of one direction.
   *
   * @param direction Which stream they belong to.
   * @param bytes The bytes (kept by reference until decoded: do not modify them).
   * @returns The items these bytes completed, in order.
   */
  push(direction: Direction, bytes: Uint8Array): ConversationItem[] {
    const state = direction === "sent" ? this.#sent : this.#received;
    state.input.push(bytes);
    this.#pump(state);
    // The other direction may have been waiting for this one's connection message.
    this.#pump(state === this.#sent ? this.#received : this.#sent);
    return this.#drain();
  }

  /**
   * Ends the input: reports what is left undecoded in each direction.
   *
   * @returns `error` items (`truncated`, `no_channel_key`, `trailing_data`), sent first.
   */
  finish(): ConversationItem[] {
    for (const state of [this.#sent, this.#received]) this.#finishDirection(state);
    return this.#drain();
  }

  #drain(): ConversationItem[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }

  #error(
    state: DirectionState,
    error: ConversationErrorKind,
    message: string,
    fields: Partial<Omit<ErrorItem, "kind" | "direction" | "error" | "message">> = {},
  ): void {
    const fatal = fields.fatal ?? true;
    this.#out.push({
      direction: state.direction,
      offset: fields.offset ?? state.input.offset,
      kind: "error",
      error,
      message,
      ...fields,
      fatal,
    });
    if (fatal) state.stage = "stopped";
  }

  #decodeError(
    state: DirectionState,
    what: string,
    e: unknown,
    where: { offset: number; chunk?: number; fatal: boolean },
  ): void {
    if (!isDecodeError(e)) throw e;
    this.#error(state, "decoding_error", `${what} does not decode: ${e.message}`, {
      ...where,
      decode_error: e.kind,
      path: e.path,
    });
  }

  #pump(state: DirectionState): void {
    for (;;) {
      if (state.stage === "stopped" || state.stage === "nacked") return;
      if (state.stage === "connection_message") {
        if (!this.#readConnectionMessage(state)) return;
        continue;
      }
      if (this.#key === undefined || state.nonce === undefined) return;
      const plaintext = this.#readChunk(state);
      if (plaintext === undefined) return;
    }
  }

  /** Reads the connection message frame; false when more bytes are needed or it failed. */
  #readConnectionMessage(state: DirectionState): boolean {
    const input = state.input;
    if (input.length < 2) return false;
    const size = 2 + ((input.at(0) << 8) | input.at(1));
    if (input.length < size) return false;
    const offset = input.offset;
    const frame = input.take(size);
    let message;
    try {
      message = decodeConnectionMessage(frame);
    } catch (e) {
      // Without it there is no channel key: both directions stop at their first chunk.
      this.#decodeError(state, "the connection message", e, { offset, fatal: true });
      return false;
    }
    const peerId = peerIdOfPublicKey(message.publicKey);
    this.#out.push({
      direction: state.direction,
      offset,
      kind: "connection_message",
      size,
      port: message.port,
      public_key: toHex(message.publicKey),
      peer_id: peerIdToString(peerId),
      peer_id_hex: toHex(peerId),
      proof_of_work_stamp: toHex(message.proofOfWorkStamp),
      pow_bits: powBitsReached(message.publicKey, message.proofOfWorkStamp),
      message_nonce: toHex(message.messageNonce),
      version: {
        chain_name: message.version.chainName,
        distributed_db_version: message.version.distributedDbVersion,
        p2p_version: message.version.p2pVersion,
      },
    });
    state.frame = frame;
    state.publicKey = message.publicKey;
    state.stage = "metadata";
    this.#deriveKeys();
    return true;
  }

  /** Once both connection messages are known: channel key and first nonces (spec §6). */
  #deriveKeys(): void {
    const sent = this.#sent;
    const received = this.#received;
    if (this.#keysTried || sent.frame === undefined || received.frame === undefined) return;
    this.#keysTried = true;
    if (!equalBytes(sent.publicKey!, this.#identity.publicKey)) {
      const swapped = equalBytes(received.publicKey!, this.#identity.publicKey);
      this.#error(
        sent,
        "identity_mismatch",
        `the identity's public key is not the one of the sent connection message${
          swapped ? " but the received one: the directions are swapped" : ""
        }; chunks cannot be decrypted`,
        { offset: 0 },
      );
      received.stage = "stopped";
      return;
    }
    try {
      this.#key = channelKey(received.publicKey!, this.#identity.secretKey);
    } catch (e) {
      if (!isCryptoError(e, "low_order_key")) throw e;
      this.#error(received, "low_order_key", `${e.message}; chunks cannot be decrypted`, {
        offset: 0,
      });
      sent.stage = "stopped";
      return;
    }
    const nonces = deriveNonces(sent.frame, received.frame, this.#incoming);
    sent.nonce = nonces.localNonce;
    received.nonce = nonces.remoteNonce;
  }

  /** Reads and handles one chunk; undefined when more bytes are needed or the direction ended. */
  #readChunk(state: DirectionState): Uint8Array | undefined {
    const input = state.input;
    if (input.length < 2) return undefined;
    const clen = (input.at(0) << 8) | input.at(1);
    const chunk = state.chunk;
    if (clen < TAG_LENGTH) {
      this.#error(
        state,
        "invalid_ciphertext_size",
        `chunk ${chunk} announces ${clen} bytes, less than its ${TAG_LENGTH}-byte tag`,
        { chunk },
      );
      return undefined;
    }
    if (input.length < 2 + clen) return undefined;
    const offset = input.offset;
    const box = input.take(2 + clen).subarray(2);
    const nonce = state.nonce!;
    state.nonce = incrementNonce(nonce); // the reader increments even on failure (spec §6.3)
    state.chunk++;
    let plaintext: Uint8Array;
    try {
      plaintext = open(this.#key!, nonce, box);
    } catch (e) {
      if (!isCryptoError(e, "decipher_error")) throw e;
      this.#error(
        state,
        "decipher_error",
        `chunk ${chunk} does not decrypt with nonce ${toHex(nonce)}`,
        { offset, chunk },
      );
      return undefined;
    }
    const base = { direction: state.direction, offset, chunk, nonce: toHex(nonce) } as const;
    switch (state.stage) {
      case "metadata":
        state.stage = "ack";
        try {
          const metadata = this.#metadata.codec.decode(plaintext);
          this.#out.push({ ...base, kind: "metadata", ...this.#metadata.fields(metadata) });
        } catch (e) {
          const what = `the ${this.#metadata.codec.name} metadata chunk`;
          this.#decodeError(state, what, e, { offset, chunk, fatal: false });
        }
        break;
      case "ack":
        state.stage = "messages";
        try {
          const ack = decodeAckMessage(plaintext);
          if (ack.kind === "Ack") {
            this.#out.push({ ...base, kind: "ack" });
          } else if (ack.kind === "Nack") {
            state.stage = "nacked";
            this.#out.push({
              ...base,
              kind: "nack",
              form: "Nack",
              motive: ack.motive,
              motive_name: rejectionMotiveName(ack.motive),
              alternative_points: ack.alternativePoints.map(pointIdToString),
            });
          } else {
            state.stage = "nacked";
            this.#out.push({
              ...base,
              kind: "nack",
              form: "Nack_v_0",
              motive: 0,
              motive_name: rejectionMotiveName(0),
            });
          }
        } catch (e) {
          this.#decodeError(state, "the Ack/Nack chunk", e, { offset, chunk, fatal: false });
        }
        break;
      default:
        if (plaintext.length > 0) {
          state.marks.push({ plainStart: state.plain.offset + state.plain.length, chunk, offset });
          state.plain.push(plaintext);
          this.#readMessages(state);
        }
    }
    return plaintext;
  }

  /** Decodes every complete P2P message in the plaintext stream (spec §7.3, §11). */
  #readMessages(state: DirectionState): void {
    const plain = state.plain;
    while (plain.length >= 4 && state.stage === "messages") {
      const start = plain.offset;
      const first = this.#markOf(state, start);
      // u30 body length, checked as Octez's streaming reader does before waiting for the body.
      const length = ((plain.at(0) << 24) | (plain.at(1) << 16) | (plain.at(2) << 8) |
        plain.at(3)) >>> 0;
      const header = length > 0x3fffffff
        ? new DecodeError("invalid_int", "P2pMessage", 0, `uint30 ${length}`)
        : 4 + length > P2P_MESSAGE_LIMIT
        ? new DecodeError("size_limit_exceeded", "P2pMessage", 0, `needs ${4 + length} bytes`)
        : undefined;
      if (header !== undefined) {
        // No way to find the next message boundary: the direction ends here.
        this.#error(
          state,
          "decoding_error",
          `P2P message length does not decode: ${header.message}`,
          {
            offset: first.offset,
            chunk: first.chunk,
            decode_error: header.kind,
            path: header.path,
          },
        );
        return;
      }
      if (plain.length < 4 + length) return;
      const last = this.#markOf(state, start + 3 + length);
      const bytes = plain.take(4 + length);
      const tag = length >= 2 ? (bytes[4] << 8) | bytes[5] : -1;
      try {
        const message = decodeP2pMessage(bytes, this.#app);
        this.#out.push({
          direction: state.direction,
          offset: first.offset,
          kind: "p2p_message",
          chunks: [first.chunk, last.chunk],
          size: bytes.length,
          ...p2pMessageFields(message, tag),
        });
      } catch (e) {
        // The length was sound, so the next message starts right after this one.
        this.#decodeError(state, "a P2P message", e, {
          offset: first.offset,
          chunk: first.chunk,
          fatal: false,
        });
      }
      while (state.marks.length > 1 && state.marks[1].plainStart <= plain.offset) {
        state.marks.shift();
      }
    }
  }

  #markOf(state: DirectionState, plainOffset: number): ChunkMark {
    let mark = state.marks[0];
    for (const m of state.marks) {
      if (m.plainStart > plainOffset) break;
      mark = m;
    }
    return mark;
  }

  #finishDirection(state: DirectionState): void {
    const left = state.input.length;
    switch (state.stage) {
      case "stopped":
        return;
      case "nacked":
        if (left > 0) {
          this.#error(state, "trailing_data", `${left} bytes follow the Nack`, {
            bytes_left: left,
          });
        }
        return;
      case "connection_message":
        if (left > 0) {
          const need = left >= 2 ? 2 + ((state.input.at(0) << 8) | state.input.at(1)) : 2;
          this.#error(
            state,
            "truncated",
            `the input ends inside the connection message: ${left} of ${need} bytes`,
            { bytes_left: left },
          );
        }
        return;
    }
    if (this.#key === undefined || state.nonce === undefined) {
      if (left > 0) {
        this.#error(
          state,
          "no_channel_key",
          `${left} encrypted bytes cannot be decrypted without both connection messages`,
          { bytes_left: left },
        );
      }
      return;
    }
    if (left > 0) {
      const need = left >= 2 ? 2 + ((state.input.at(0) << 8) | state.input.at(1)) : 2;
      this.#error(
        state,
        "truncated",
        `the input ends inside chunk ${state.chunk}: ${left} of ${need} bytes`,
        { chunk: state.chunk, bytes_left: left },
      );
      return;
    }
    if (state.plain.length > 0) {
      const first = this.#markOf(state, state.plain.offset);
      this.#error(
        state,
        "truncated",
        `the input ends inside a P2P message: ${state.plain.length} bytes of it were received`,
        { offset: first.offset, chunk: first.chunk, bytes_left: state.plain.length },
      );
    }
  }
}

/**
 * Decodes a whole recorded conversation.
 *
 * @param pieces The recorded reads, in order, both directions interleaved.
 * @param identity The key pair of the side that recorded (`sent` is what it wrote).
 * @param options Connection direction and application codec.
 * @returns One item per frame, message or failure, in the order they could be decoded.
 * @throws {RangeError} When a key is not 32 bytes.
 */
export function decodeConversation<M = RawAppMessage>(
  pieces: Iterable<ConversationPiece>,
  identity: ConversationIdentity,
  options: ConversationOptions<M> = {},
): ConversationItem[] {
  const decoder = new ConversationDecoder(identity, options);
  const items: ConversationItem[] = [];
  const add = (batch: ConversationItem[]) => {
    for (const item of batch) items.push(item); // no spread: a batch may hold 100k items
  };
  for (const piece of pieces) add(decoder.push(piece.direction, piece.bytes));
  add(decoder.finish());
  return items;
}

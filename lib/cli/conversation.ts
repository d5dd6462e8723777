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
  isCryptoError,
  peerIdOfPublicKey,
  peerIdToString,
  TAG_LENGTH,
} from "../crypto/mod.ts";
import { equalBytes } from "../base/bytes.ts";
import { isDecodeError, toHex } from "../encoding/mod.ts";
import { FrameReader, isP2pError } from "../connection/mod.ts";
import type {
  ConversationErrorKind,
  ConversationItem,
  Direction,
  ErrorItem,
} from "./conversation_item.ts";
import { type AppChoice, type AppFormat, appFormatFor } from "./conversation_app.ts";
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
export interface ConversationOptions {
  /** The recording side accepted the connection (it did not dial). Default `false`. */
  readonly incoming?: boolean;
  /**
   * How application messages decode and print: a format, or a `--app` choice resolved against
   * the chain name of the sent connection message (`conversation_app.ts`). Default `auto`: shell
   * messages on an L1 chain, DAL gossipsub messages on a `DAL_…` one, raw `{tag, hex}` otherwise.
   * A message the format does not decode is a non-fatal `decoding_error` item.
   */
  readonly app?: AppChoice | AppFormat<unknown>;
  /** How metadata chunks decode and print. Default: the Octez shell's (`shellMetadataFormat`). */
  readonly metadata?: MetadataFormat<unknown>;
}

type Stage = "connection_message" | "metadata" | "ack" | "messages" | "nacked" | "stopped";

/** One direction: its stage and the connection's one frame reader, which does all the parsing. */
class DirectionState {
  readonly direction: Direction;
  readonly reader = new FrameReader();
  stage: Stage = "connection_message";
  frame?: Uint8Array;
  publicKey?: Uint8Array;
  chainName?: string;
  keyed = false;

  constructor(direction: Direction) {
    this.direction = direction;
  }
}

/**
 * Incremental decoder of a conversation: push the pieces in recorded order, collect the items
 * each push completes, then call {@link ConversationDecoder.finish} for what the end of input
 * leaves undecoded.
 */
export class ConversationDecoder {
  readonly #identity: ConversationIdentity;
  readonly #incoming: boolean;
  readonly #appChoice: AppChoice | AppFormat<unknown>;
  // Resolved once both connection messages are known (before any chunk is read).
  #app?: AppFormat<unknown>;
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
   * @param options Connection direction, metadata and application formats.
   * @throws {RangeError} When a key is not 32 bytes.
   */
  constructor(identity: ConversationIdentity, options: ConversationOptions = {}) {
    if (identity.publicKey.length !== 32 || identity.secretKey.length !== 32) {
      throw new RangeError("identity keys must be 32 bytes");
    }
    this.#identity = identity;
    this.#incoming = options.incoming ?? false;
    this.#appChoice = options.app ?? "auto";
    this.#metadata = options.metadata ?? (shellMetadataFormat as MetadataFormat<unknown>);
  }

  /**
   * Feeds bytes of one direction.
   *
   * @param direction Which stream they belong to.
   * @param bytes The bytes (copied: the caller may reuse them).
   * @returns The items these bytes completed, in order.
   */
  push(direction: Direction, bytes: Uint8Array): ConversationItem[] {
    const state = direction === "sent" ? this.#sent : this.#received;
    state.reader.push(bytes);
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
      offset: fields.offset ?? state.reader.offset,
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
    where: { offset: number; chunk?: number; fatal: boolean; tag?: number; app?: string },
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
      if (!state.keyed) return;
      if (!this.#readChunk(state)) return;
    }
  }

  /** Reads the connection message frame; false when more bytes are needed or it failed. */
  #readConnectionMessage(state: DirectionState): boolean {
    const offset = state.reader.offset;
    const frame = state.reader.connectionMessage();
    if (frame === undefined) return false;
    const size = frame.length;
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
    state.chainName = message.version.chainName;
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
    this.#app = typeof this.#appChoice === "string"
      ? appFormatFor(this.#appChoice, sent.chainName!)
      : this.#appChoice;
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
    // Each direction is read with the nonces of its writer: ours for what we sent.
    const nonces = deriveNonces(sent.frame, received.frame, this.#incoming);
    sent.reader.setChannel(this.#key, nonces.localNonce);
    received.reader.setChannel(this.#key, nonces.remoteNonce);
    sent.keyed = received.keyed = true;
  }

  /** Reads and handles one chunk; false when more bytes are needed or the direction ended. */
  #readChunk(state: DirectionState): boolean {
    const reader = state.reader;
    const offset = reader.offset;
    const chunk = reader.chunks;
    const nonce = toHex(reader.nonce!);
    let plaintext: Uint8Array | undefined;
    try {
      if (state.stage === "messages") {
        return reader.messageChunk((bytes) => this.#message(state, bytes));
      }
      plaintext = reader.chunk();
    } catch (e) {
      this.#frameError(state, e, { offset, chunk, nonce });
      return false;
    }
    if (plaintext === undefined) return false;
    const base = { direction: state.direction, offset, chunk, nonce } as const;
    if (state.stage === "metadata") {
      state.stage = "ack";
      try {
        const metadata = this.#metadata.codec.decode(plaintext);
        this.#out.push({ ...base, kind: "metadata", ...this.#metadata.fields(metadata) });
      } catch (e) {
        const what = `the ${this.#metadata.codec.name} metadata chunk`;
        this.#decodeError(state, what, e, { offset, chunk, fatal: false });
      }
      return true;
    }
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
    return true;
  }

  /**
   * What the frame reader threw for the chunk at `offset`: a bad chunk size, a chunk that does not
   * decrypt, or a P2P message length that does not decode (spec §7.3, §11). Each ends the
   * direction: no later frame boundary can be trusted.
   */
  #frameError(
    state: DirectionState,
    e: unknown,
    where: { offset: number; chunk: number; nonce: string },
  ): void {
    const { offset, chunk, nonce } = where;
    if (isP2pError(e, "invalid_incoming_ciphertext_size")) {
      this.#error(
        state,
        "invalid_ciphertext_size",
        `chunk ${chunk} announces ${e.details.value} bytes, less than its ${TAG_LENGTH}-byte tag`,
        { chunk },
      );
    } else if (isP2pError(e, "decipher_error")) {
      this.#error(state, "decipher_error", `chunk ${chunk} does not decrypt with nonce ${nonce}`, {
        offset,
        chunk,
      });
    } else if (isDecodeError(e)) {
      this.#error(state, "decoding_error", `P2P message length does not decode: ${e.message}`, {
        offset: state.reader.messageStartOffset,
        chunk: state.reader.messageStartChunk,
        decode_error: e.kind,
        path: e.path,
      });
    } else {
      throw e;
    }
  }

  /**
   * Decodes one complete P2P message the frame reader delivered. A message that does not decode
   * (an unknown tag is `unexpected_tag`, as Octez's data-encoding names it) is a non-fatal
   * `decoding_error`: its u30 length was sound, so the next message starts right after it. Octez
   * itself closes the connection on such a message (`read_message` fails with `Decoding_error`,
   * src/lib_p2p/p2p_socket.ml 516-534 at tezos-mirror d26a8bef82); a decoder of recorded traffic
   * learns more by going on.
   */
  #message(state: DirectionState, bytes: Uint8Array): void {
    const reader = state.reader;
    const offset = reader.messageStartOffset;
    const first = reader.messageStartChunk;
    const app = this.#app!;
    // body = len(4, BE) ‖ tag(2, BE) ‖ payload: tags 0x01-0x05 are the P2P layer's own.
    const tag = bytes.length >= 6 ? (bytes[4] << 8) | bytes[5] : undefined;
    let message;
    try {
      message = decodeP2pMessage(bytes, app.codec);
    } catch (e) {
      const isApp = tag !== undefined && (tag < 0x01 || tag > 0x05);
      const what = isApp
        ? `a ${app.name} message (tag 0x${tag.toString(16).padStart(4, "0")})`
        : "a P2P message";
      this.#decodeError(state, what, e, {
        offset,
        chunk: first,
        fatal: false,
        ...(tag === undefined ? {} : { tag }),
        ...(isApp ? { app: app.name } : {}),
      });
      return;
    }
    this.#out.push({
      direction: state.direction,
      offset,
      kind: "p2p_message",
      chunks: [first, reader.chunks - 1],
      size: bytes.length,
      ...p2pMessageFields(message, tag ?? -1, app),
    });
  }

  #finishDirection(state: DirectionState): void {
    const reader = state.reader;
    const left = reader.buffered;
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
          this.#error(
            state,
            "truncated",
            `the input ends inside the connection message: ${left} of ${reader.needed} bytes`,
            { bytes_left: left },
          );
        }
        return;
    }
    if (!state.keyed) {
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
      this.#error(
        state,
        "truncated",
        `the input ends inside chunk ${reader.chunks}: ${left} of ${reader.needed} bytes`,
        { chunk: reader.chunks, bytes_left: left },
      );
      return;
    }
    const partial = reader.messageFill;
    if (partial > 0) {
      this.#error(
        state,
        "truncated",
        `the input ends inside a P2P message: ${partial} bytes of it were received`,
        {
          offset: reader.messageStartOffset,
          chunk: reader.messageStartChunk,
          bytes_left: partial,
        },
      );
    }
  }
}

/**
 * Decodes a whole recorded conversation.
 *
 * @param pieces The recorded reads, in order, both directions interleaved.
 * @param identity The key pair of the side that recorded (`sent` is what it wrote).
 * @param options Connection direction, metadata and application formats.
 * @returns One item per frame, message or failure, in the order they could be decoded.
 * @throws {RangeError} When a key is not 32 bytes.
 */
export function decodeConversation(
  pieces: Iterable<ConversationPiece>,
  identity: ConversationIdentity,
  options: ConversationOptions = {},
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

/**
 * What `tzp2p decode` prints: one {@link ConversationItem} per decoded frame, message or error,
 * as a JSON line. Field names are snake_case, as in Octez's JSON; bytes are lower-case hex, peer
 * ids are given both as base58check text and as hex, points as their wire text.
 *
 * @module
 */

import { type DecodeErrorKind, toHex } from "../encoding/mod.ts";

/** A direction of a recorded conversation: `sent` by the side whose identity is given. */
export type Direction = "sent" | "received";

/** Fields every item has. */
export interface ItemBase {
  /** Which byte stream the item was decoded from. */
  readonly direction: Direction;
  /** Offset in that direction's byte stream of the first byte of the item's (first) frame. */
  readonly offset: number;
}

/** The unencrypted connection message that opens each direction (spec §5). */
export interface ConnectionMessageItem extends ItemBase {
  /** Discriminant. */
  readonly kind: "connection_message";
  /** Frame size, 2-byte length prefix included. */
  readonly size: number;
  /** Advertised listening port (0: none). */
  readonly port: number;
  /** X25519 public key, hex. */
  readonly public_key: string;
  /** Peer id of the public key, base58check (`id…`). */
  readonly peer_id: string;
  /** Peer id, hex. */
  readonly peer_id_hex: string;
  /** Proof-of-work stamp, hex. */
  readonly proof_of_work_stamp: string;
  /** The highest integer PoW difficulty the stamp reaches. */
  readonly pow_bits: number;
  /** The random nonce making the frame unique, hex. */
  readonly message_nonce: string;
  /** The announced network version. */
  readonly version: {
    readonly chain_name: string;
    readonly distributed_db_version: number;
    readonly p2p_version: number;
  };
}

/** Fields of items decoded from one encrypted chunk. */
export interface ChunkItemBase extends ItemBase {
  /** Index of the chunk in its direction (0 = metadata, 1 = Ack/Nack, then messages). */
  readonly chunk: number;
  /** The nonce the chunk was decrypted with, hex. */
  readonly nonce: string;
}

/** Fields of the Octez shell's metadata (`--metadata shell`, the default). */
export interface ShellMetadataFields {
  /** The peer promises not to send mempool content. */
  readonly disable_mempool: boolean;
  /** The peer runs in private mode. */
  readonly private_node: boolean;
}

/** Fields of the DAL node's metadata (`--metadata dal`); absent optional fields are left out. */
export interface DalMetadataFields {
  /** Public address the peer can be reached at (dotted quad or RFC 5952 text). */
  readonly advertised_net_addr?: string;
  /** Port the peer can be reached at. */
  readonly advertised_net_port?: number;
  /** The peer runs with the bootstrap profile. */
  readonly is_bootstrap_peer: boolean;
}

/** The connection metadata chunk (spec §8), with the fields of the metadata decoded. */
export type MetadataItem =
  & ChunkItemBase
  & { /** Discriminant. */ readonly kind: "metadata" }
  & (ShellMetadataFields | DalMetadataFields);

/** An `Ack` chunk (spec §9). */
export interface AckItem extends ChunkItemBase {
  /** Discriminant. */
  readonly kind: "ack";
}

/** A `Nack` or `Nack_v_0` chunk (spec §9). */
export interface NackItem extends ChunkItemBase {
  /** Discriminant. */
  readonly kind: "nack";
  /** Wire form: `Nack` (p2p version > 0, with motive and points) or `Nack_v_0` (bare). */
  readonly form: "Nack" | "Nack_v_0";
  /** `P2p_rejection` code (`Nack_v_0` means `No_motive`, 0). */
  readonly motive: number;
  /** Octez's name of the motive, e.g. `Too_many_connections`. */
  readonly motive_name: string;
  /** Points to try instead (`Nack` only). */
  readonly alternative_points?: readonly string[];
}

/** The fields of a decoded `P2p_message`, by Octez case name (spec §11). */
export type P2pMessageFields =
  | { readonly message: "Disconnect" }
  | { readonly message: "Bootstrap" }
  | { readonly message: "Advertise"; readonly points: readonly string[] }
  | {
    readonly message: "Swap_request" | "Swap_ack";
    readonly point: string;
    readonly peer_id: string;
    readonly peer_id_hex: string;
  }
  | {
    readonly message: "Message";
    /** Application tag. */
    readonly tag: number;
    /** Octez's title of the case, when the application is known (e.g. `Get_current_branch`). */
    readonly title?: string;
    /** Body after the tag, hex, with `--app raw` (or on a chain of unknown application). */
    readonly hex?: string;
    /**
     * The decoded message: for the shell, Octez's data-encoding JSON of the case (e.g.
     * `{"get_current_head": "Net…"}`); for the DAL, `conversation_dal_json.ts`'s form.
     */
    readonly value?: unknown;
  };

/** A `P2p_message` decoded from the stream of chunk plaintexts after the Ack. */
export type P2pMessageItem = ItemBase & {
  /** Discriminant. */
  readonly kind: "p2p_message";
  /** First and last chunk holding the message's bytes. */
  readonly chunks: readonly [number, number];
  /** Encoded size, 4-byte length included. */
  readonly size: number;
} & P2pMessageFields;

/** Why a direction could not be decoded further (or a message was skipped). */
export type ConversationErrorKind =
  /** The input ended in the middle of a frame or message; `bytes_left` says how much was there. */
  | "truncated"
  /** A chunk does not authenticate with the expected nonce; the direction stops. */
  | "decipher_error"
  /** A chunk length below the 16-byte tag (Octez `Invalid_incoming_ciphertext_size`). */
  | "invalid_ciphertext_size"
  /** Bytes that do not decode; `decode_error` and `path` say where. */
  | "decoding_error"
  /** The remote public key is a low-order point: no channel key. */
  | "low_order_key"
  /** The identity's public key is not the one in the sent connection message. */
  | "identity_mismatch"
  /** Encrypted bytes that cannot be read without the other direction's connection message. */
  | "no_channel_key"
  /** Bytes after a Nack, or after an error that ended the direction. */
  | "trailing_data";

/** A decoding failure, reported instead of thrown. */
export interface ErrorItem extends ItemBase {
  /** Discriminant. */
  readonly kind: "error";
  /** What went wrong. */
  readonly error: ConversationErrorKind;
  /** A sentence for a person. */
  readonly message: string;
  /** The chunk concerned, when there is one. */
  readonly chunk?: number;
  /** Undecoded bytes left (`truncated`, `no_channel_key`, `trailing_data`). */
  readonly bytes_left?: number;
  /** The codec's error kind (`decoding_error`). */
  readonly decode_error?: DecodeErrorKind;
  /** The schema path of the failing field (`decoding_error`). */
  readonly path?: string;
  /** The message's u16 tag, for a P2P message that does not decode. */
  readonly tag?: number;
  /** The application format that failed (`shell`, `dal`…), for an application message. */
  readonly app?: string;
  /** Whether decoding of the direction goes on after this error. */
  readonly fatal: boolean;
}

/** One line of `tzp2p decode` output. */
export type ConversationItem =
  | ConnectionMessageItem
  | MetadataItem
  | AckItem
  | NackItem
  | P2pMessageItem
  | ErrorItem;

/**
 * `JSON.stringify` replacer for values from application codecs: `Uint8Array` becomes hex,
 * `bigint` a decimal string.
 */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return toHex(value);
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** The JSON line of an item (no trailing newline). */
export function itemToJsonLine(item: ConversationItem): string {
  return JSON.stringify(item, jsonReplacer);
}

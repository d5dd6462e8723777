/**
 * Peer ids (`P2p_peer.Id` = `Crypto_box.Public_key_hash`): H128 of the 32-byte public key,
 * written as base58check with prefix `0x99 0x67` (30 characters starting with `id`).
 *
 * In codecs a peer id is a plain 16-byte `Uint8Array`.
 *
 * @module
 */

import { blake2b } from "@noble/hashes/blake2.js";
import { base58CheckDecode, base58CheckEncode } from "./base58.ts";
import { CryptoError } from "./errors.ts";
import { equalBytes } from "../base/bytes.ts";
import { parseAddrPortId, type PointId, PointIdError } from "../base/point_id.ts";
import { toHex } from "../encoding/hex.ts";

/** Bytes in a peer id. */
export const PEER_ID_LENGTH = 16;
/** Bytes in an X25519 public or secret key. */
export const KEY_LENGTH = 32;
/** Characters in the text form of a peer id. */
export const PEER_ID_TEXT_LENGTH = 30;

const PEER_ID_PREFIX = new Uint8Array([0x99, 0x67]);

/**
 * The peer id of a public key: BLAKE2b configured with a 16-byte digest (not a truncated
 * BLAKE2b-256).
 *
 * @param publicKey 32-byte X25519 public key.
 * @returns The 16-byte peer id.
 * @throws {RangeError} When `publicKey` is not 32 bytes.
 */
export function peerIdOfPublicKey(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== KEY_LENGTH) {
    throw new RangeError(`public key must be ${KEY_LENGTH} bytes, got ${publicKey.length}`);
  }
  return blake2b(publicKey, { dkLen: PEER_ID_LENGTH });
}

/**
 * Text form of a peer id: base58check(`0x99 0x67` ‖ peer id).
 *
 * @param peerId 16-byte peer id.
 * @returns 30 characters starting with `id`.
 * @throws {RangeError} When `peerId` is not 16 bytes.
 */
export function peerIdToString(peerId: Uint8Array): string {
  if (peerId.length !== PEER_ID_LENGTH) {
    throw new RangeError(`peer id must be ${PEER_ID_LENGTH} bytes, got ${peerId.length}`);
  }
  return base58CheckEncode(PEER_ID_PREFIX, peerId);
}

/**
 * Peer id of its text form.
 *
 * @param text A peer id such as `idqjq34sB6uHWdFzJDB97zwXAdHASb`.
 * @returns The 16-byte peer id.
 * @throws {CryptoError} `bad_length` (not 30 characters, checked first so that long untrusted
 * input costs nothing), `invalid_base58`, `bad_checksum` or `bad_prefix`.
 */
export function peerIdFromString(text: string): Uint8Array {
  if (text.length !== PEER_ID_TEXT_LENGTH) {
    throw new CryptoError(
      "bad_length",
      `a peer id has ${PEER_ID_TEXT_LENGTH} characters, got ${text.length}`,
      { expected: PEER_ID_TEXT_LENGTH, actual: text.length },
    );
  }
  return base58CheckDecode(text, PEER_ID_PREFIX, PEER_ID_LENGTH);
}

/** A point text parsed whole: the point and, when the text names one, the expected peer id. */
export interface PointWithPeerId {
  /** The point. */
  readonly point: PointId;
  /** The 16-byte peer id after `#`, or `undefined` when the text has none. */
  readonly peerId: Uint8Array | undefined;
}

/**
 * Parses a point text with an optional expected peer id, `addr:port[#peer_id]`, as Octez does
 * (`P2p_point.Id.parse_addr_port_id`, src/lib_base/point_parser.mll 66-86: the suffix must be a
 * b58check peer id, else `Bad_id_format`). The point is parsed by `lib/base` ({@link
 * parseAddrPortId}); the suffix is checked here, since base58check is this layer's.
 *
 * @param text The point text, e.g. `1.2.3.4:9732#idqjq34sB6uHWdFzJDB97zwXAdHASb`.
 * @returns The point and the peer id, if any.
 * @throws {PointIdError} `invalid_point` when `text` is not a point or its suffix is not a peer
 * id (then `cause` is the {@link CryptoError}).
 */
export function parsePointIdWithPeerId(text: string): PointWithPeerId {
  const { point, peerIdText } = parseAddrPortId(text);
  if (peerIdText === undefined) return { point, peerId: undefined };
  try {
    return { point, peerId: peerIdFromString(peerIdText) };
  } catch (cause) {
    const shown = JSON.stringify(text.length > 80 ? text.slice(0, 80) + "…" : text);
    throw new PointIdError(
      "invalid_point",
      `invalid point ${shown}: bad peer id suffix`,
      { text },
      { cause },
    );
  }
}

/**
 * A cheap string key for a peer id, for `Map`/`Set` keys: its 32 lower-case hex digits (not the
 * base58 form, which needs two SHA-256 and a quadratic conversion).
 *
 * @param peerId 16-byte peer id.
 * @returns Lower-case hex of the peer id.
 */
export function peerIdKey(peerId: Uint8Array): string {
  return toHex(peerId);
}

/**
 * Whether two peer ids are the same bytes.
 *
 * @param a A peer id.
 * @param b Another peer id.
 * @returns `true` when both have the same length and bytes.
 */
export function peerIdEquals(a: Uint8Array, b: Uint8Array): boolean {
  return equalBytes(a, b);
}

/**
 * Encrypted chunks, the frames of everything after the connection message (spec §7):
 *
 * ```text
 * frame = clen(2, BE) ‖ tag(16) ‖ ciphertext(clen - 16)      clen = 16 + plaintext length
 * ```
 *
 * Each chunk uses the next nonce of its direction. A writer puts at most 65 517 plaintext bytes in a
 * chunk (`binaryChunksSize` - 18 when configured); a reader accepts anything its 2-byte prefix can
 * express, i.e. up to 65 519 plaintext bytes, as Octez does.
 *
 * @module
 */

import { openInto, sealInto, TAG_LENGTH } from "../crypto/box.ts";
import { isCryptoError } from "../crypto/errors.ts";
import { P2pError } from "./errors.ts";

/** Bytes of the length prefix of a chunk. */
export const CHUNK_HEADER_LENGTH = 2;
/** Bytes a chunk adds to its plaintext: prefix and tag. */
export const CHUNK_EXTRA_BYTES: number = CHUNK_HEADER_LENGTH + TAG_LENGTH;
/** Largest plaintext a writer may put in one chunk (Octez `max_content_length`). */
export const MAX_CHUNK_CONTENT_LENGTH: number = 0xffff - CHUNK_EXTRA_BYTES;
/** Smallest valid `binaryChunksSize`. */
export const MIN_BINARY_CHUNKS_SIZE: number = CHUNK_EXTRA_BYTES + 1;
/** Largest valid `binaryChunksSize`. */
export const MAX_BINARY_CHUNKS_SIZE = 0xffff;

/**
 * Checks a `binaryChunksSize` setting (Octez `check_binary_chunks_size`): whole-frame bytes in
 * [19, 65535].
 *
 * @param size The configured frame size.
 * @throws {P2pError} `invalid_chunks_size` when out of range.
 */
export function checkBinaryChunksSize(size: number): void {
  if (!Number.isInteger(size) || size < MIN_BINARY_CHUNKS_SIZE || size > MAX_BINARY_CHUNKS_SIZE) {
    throw new P2pError(
      "invalid_chunks_size",
      `binary chunks size ${size} outside [${MIN_BINARY_CHUNKS_SIZE}, ${MAX_BINARY_CHUNKS_SIZE}]`,
      { value: size, min: MIN_BINARY_CHUNKS_SIZE, max: MAX_BINARY_CHUNKS_SIZE },
    );
  }
}

/**
 * Plaintext bytes per chunk for a `binaryChunksSize` setting (65 517 when none is set).
 *
 * @param binaryChunksSize Whole-frame size, or `undefined` for the default.
 * @returns `binaryChunksSize - 18`, or 65 517.
 * @throws {P2pError} `invalid_chunks_size` when out of range.
 */
export function chunkContentLength(binaryChunksSize?: number): number {
  if (binaryChunksSize === undefined) return MAX_CHUNK_CONTENT_LENGTH;
  checkBinaryChunksSize(binaryChunksSize);
  return binaryChunksSize - CHUNK_EXTRA_BYTES;
}

/**
 * Writes one chunk frame for `plaintext` at `out[offset ..]`: the prefix, then the tag and the
 * ciphertext. The nonce is not incremented here.
 *
 * @param channelKey The connection's channel key.
 * @param nonce The nonce of this chunk.
 * @param plaintext At most 65 517 bytes.
 * @param out Destination; needs `18 + plaintext.length` bytes from `offset`.
 * @param offset Where the frame starts.
 * @returns The frame length, `18 + plaintext.length`.
 * @throws {P2pError} `invalid_message_size` when `plaintext` is longer than 65 517 bytes.
 */
export function sealChunk(
  channelKey: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  out: Uint8Array,
  offset: number,
): number {
  const length = plaintext.length;
  if (length > MAX_CHUNK_CONTENT_LENGTH) {
    throw new P2pError(
      "invalid_message_size",
      `chunk of ${length} bytes > ${MAX_CHUNK_CONTENT_LENGTH}`,
      { value: length, max: MAX_CHUNK_CONTENT_LENGTH },
    );
  }
  const clen = TAG_LENGTH + length;
  out[offset] = clen >>> 8;
  out[offset + 1] = clen & 0xff;
  sealInto(channelKey, nonce, plaintext, out, offset + CHUNK_HEADER_LENGTH);
  return CHUNK_HEADER_LENGTH + clen;
}

/**
 * One chunk frame for `plaintext`, in a fresh buffer.
 *
 * @param channelKey The connection's channel key.
 * @param nonce The nonce of this chunk (not incremented).
 * @param plaintext At most 65 517 bytes.
 * @returns `clen(2) ‖ tag(16) ‖ ciphertext`.
 * @throws {P2pError} `invalid_message_size` when `plaintext` is too long.
 */
export function encryptChunk(
  channelKey: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  const frame = new Uint8Array(CHUNK_EXTRA_BYTES + plaintext.length);
  sealChunk(channelKey, nonce, plaintext, frame, 0);
  return frame;
}

/**
 * Authenticates and decrypts the box `tag ‖ ciphertext` of a chunk in place: the plaintext
 * replaces the ciphertext, at `box.subarray(16)`.
 *
 * @param channelKey The connection's channel key.
 * @param nonce The nonce of this chunk (not incremented).
 * @param box The chunk without its prefix.
 * @returns The plaintext, a view into `box`.
 * @throws {P2pError} `decipher_error` when authentication fails.
 */
export function openChunkInPlace(
  channelKey: Uint8Array,
  nonce: Uint8Array,
  box: Uint8Array,
): Uint8Array {
  const plaintext = box.subarray(TAG_LENGTH);
  openChunkInto(channelKey, nonce, box, plaintext, 0);
  return plaintext;
}

/**
 * Authenticates and decrypts the box `tag ‖ ciphertext` of a chunk into `out[offset ..]`.
 *
 * @param channelKey The connection's channel key.
 * @param nonce The nonce of this chunk (not incremented).
 * @param box The chunk without its prefix.
 * @param out Destination of the plaintext.
 * @param offset Where the plaintext starts in `out`.
 * @throws {P2pError} `decipher_error` when authentication fails.
 */
export function openChunkInto(
  channelKey: Uint8Array,
  nonce: Uint8Array,
  box: Uint8Array,
  out: Uint8Array,
  offset: number,
): void {
  try {
    openInto(channelKey, nonce, box, out, offset);
  } catch (e) {
    if (isCryptoError(e, "decipher_error")) {
      throw new P2pError("decipher_error", "chunk authentication failed", {}, { cause: e });
    }
    throw e;
  }
}

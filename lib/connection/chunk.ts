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
 * Sealing and opening call the crypto backend directly when the buffers are disjoint or exactly in
 * place, which is always the case on a connection (its buffers are distinct allocations, the key
 * and nonces arrays of their own): `box.ts`'s general overlap handling cost 11% of the CPU time of a
 * 64-byte transfer (`--cpu-prof`, both ends in one process). Any other overlap goes through
 * `box.ts`.
 *
 * @module
 */

import { cryptoBackend } from "../crypto/backend.ts";
import { CHANNEL_KEY_LENGTH, openInto, sealInto, TAG_LENGTH } from "../crypto/box.ts";
import { isCryptoError } from "../crypto/errors.ts";
import { NONCE_LENGTH } from "../crypto/nonce.ts";
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
  const tagAt = offset + CHUNK_HEADER_LENGTH;
  const end = tagAt + clen;
  if (!direct(channelKey, nonce, out) || !(offset >= 0) || end > out.length) {
    writePrefix(out, offset, clen);
    sealInto(channelKey, nonce, plaintext, out, tagAt);
    return CHUNK_HEADER_LENGTH + clen;
  }
  if (!disjointOrSame(plaintext, out.subarray(tagAt + TAG_LENGTH, end), out, offset, end)) {
    writePrefix(out, offset, clen);
    sealInto(channelKey, nonce, plaintext, out, tagAt);
    return CHUNK_HEADER_LENGTH + clen;
  }
  // Every check passed: the unchecked path is exactly what is left.
  return sealChunkUnchecked(channelKey, nonce, plaintext, out, offset);
}

function writePrefix(out: Uint8Array, offset: number, clen: number): void {
  out[offset] = clen >>> 8;
  out[offset + 1] = clen & 0xff;
}

// Key and nonce of the right lengths (else `box.ts` throws its RangeError) and outside the buffer
// written (a backend may read them after it started writing).
function direct(channelKey: Uint8Array, nonce: Uint8Array, out: Uint8Array): boolean {
  return channelKey.length === CHANNEL_KEY_LENGTH && nonce.length === NONCE_LENGTH &&
    channelKey.buffer !== out.buffer && nonce.buffer !== out.buffer;
}

// True when `input` is exactly `output`'s memory, or shares nothing with `region[from, to)` (the
// whole frame or box being written).
function disjointOrSame(
  input: Uint8Array,
  output: Uint8Array,
  region: Uint8Array,
  from: number,
  to: number,
): boolean {
  if (input.buffer !== region.buffer) return true;
  if (input.byteOffset === output.byteOffset && input.length === output.length) return true;
  const start = region.byteOffset + from;
  return input.byteOffset + input.length <= start || region.byteOffset + to <= input.byteOffset;
}

/**
 * Whether a key and a nonce may be passed to {@link sealChunkUnchecked} and
 * {@link openChunkUnchecked}: 32 and 24 bytes, each in an `ArrayBuffer` of its own (so that no
 * buffer a chunk is written to can hold them). A connection checks its keys once.
 *
 * @param channelKey The channel key.
 * @param nonce The nonce array (incremented in place between chunks).
 * @returns `true` when the unchecked functions may be used with them.
 */
export function standaloneKeys(channelKey: Uint8Array, nonce: Uint8Array): boolean {
  return channelKey.length === CHANNEL_KEY_LENGTH && nonce.length === NONCE_LENGTH &&
    channelKey.byteLength === channelKey.buffer.byteLength &&
    nonce.byteLength === nonce.buffer.byteLength;
}

/**
 * {@link sealChunk} for the connection's writer, without the overlap checks: `plaintext` must not
 * overlap `out[offset, offset + 18 + plaintext.length)` (distinct allocations never do), the key
 * and nonce must pass {@link standaloneKeys}, and `out` must have room.
 *
 * @param channelKey The connection's channel key.
 * @param nonce The nonce of this chunk.
 * @param plaintext At most 65 517 bytes (not checked).
 * @param out Destination.
 * @param offset Where the frame starts.
 * @returns The frame length, `18 + plaintext.length`.
 */
export function sealChunkUnchecked(
  channelKey: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  out: Uint8Array,
  offset: number,
): number {
  const clen = TAG_LENGTH + plaintext.length;
  const tagAt = offset + CHUNK_HEADER_LENGTH;
  const end = tagAt + clen;
  writePrefix(out, offset, clen);
  cryptoBackend().sealDetached(
    out.subarray(tagAt + TAG_LENGTH, end),
    out.subarray(tagAt, tagAt + TAG_LENGTH),
    plaintext,
    nonce,
    channelKey,
  );
  return CHUNK_HEADER_LENGTH + clen;
}

/**
 * Opens the box of a chunk, `buf[from, to)` = `tag ‖ ciphertext`, into `out[offset ..]`, without
 * the overlap checks of {@link openChunkInto}: `out[offset ..]` must be exactly the ciphertext's
 * place (`buf`, `from + 16`: in place) or share nothing with the box, the key and nonce must pass
 * {@link standaloneKeys}, `to - from` ≥ 16 and `out` must have room.
 *
 * @param channelKey The connection's channel key.
 * @param nonce The nonce of this chunk (not incremented).
 * @param buf The buffer holding the box.
 * @param from Where the tag starts.
 * @param to Where the box ends.
 * @param out Destination of the plaintext.
 * @param offset Where the plaintext starts in `out`.
 * @throws {P2pError} `decipher_error` when authentication fails (nothing written).
 */
export function openChunkUnchecked(
  channelKey: Uint8Array,
  nonce: Uint8Array,
  buf: Uint8Array,
  from: number,
  to: number,
  out: Uint8Array,
  offset: number,
): void {
  const cipherAt = from + TAG_LENGTH;
  const ok = cryptoBackend().openDetached(
    out.subarray(offset, offset + to - cipherAt),
    buf.subarray(cipherAt, to),
    buf.subarray(from, cipherAt),
    nonce,
    channelKey,
  );
  if (!ok) throw new P2pError("decipher_error", "chunk authentication failed");
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
  const length = box.length - TAG_LENGTH;
  if (
    length >= 0 && offset >= 0 && offset + length <= out.length &&
    direct(channelKey, nonce, out)
  ) {
    const plaintext = out.subarray(offset, offset + length);
    const ciphertext = box.subarray(TAG_LENGTH);
    if (disjointOrSame(plaintext, ciphertext, box, 0, box.length)) {
      if (
        !cryptoBackend().openDetached(
          plaintext,
          ciphertext,
          box.subarray(0, TAG_LENGTH),
          nonce,
          channelKey,
        )
      ) {
        throw new P2pError("decipher_error", "chunk authentication failed");
      }
      return;
    }
  }
  try {
    openInto(channelKey, nonce, box, out, offset);
  } catch (e) {
    if (isCryptoError(e, "decipher_error")) {
      throw new P2pError("decipher_error", "chunk authentication failed", {}, { cause: e });
    }
    throw e;
  }
}

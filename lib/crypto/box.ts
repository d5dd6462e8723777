/**
 * The channel key and the authenticated encryption of chunks: XSalsa20-Poly1305 with the tag before
 * the ciphertext, `tag(16) ‖ ciphertext(n)` (Octez `Crypto_box.fast_box_noalloc` /
 * `fast_box_open_noalloc`; the same bytes as NaCl's `crypto_box_afternm` without its 16 leading
 * zero bytes).
 *
 * XSalsa20 keystream for (key, nonce): bytes 0..31 are the one-time Poly1305 key, bytes 32.. are
 * XORed with the message; the tag authenticates the ciphertext. Built here from tweetnacl's
 * low-level `crypto_stream` and `crypto_onetimeauth` rather than `secretbox`, which needs the
 * message copied behind 32 zero bytes and returns a new array: this way a chunk is encrypted
 * straight into the caller's frame buffer (`sealInto`), in place if the plaintext already sits
 * there.
 *
 * @module
 */

import nacl from "tweetnacl";
import { CryptoError } from "./errors.ts";
import { NONCE_LENGTH } from "./nonce.ts";

/** Bytes in a channel key. */
export const CHANNEL_KEY_LENGTH = 32;
/** Bytes in a Poly1305 tag. */
export const TAG_LENGTH = 16;

interface NaclLowLevel {
  crypto_core_hsalsa20(out: Uint8Array, input: Uint8Array, key: Uint8Array, c: Uint8Array): number;
  crypto_stream(c: Uint8Array, cpos: number, d: number, n: Uint8Array, k: Uint8Array): number;
  crypto_onetimeauth(
    out: Uint8Array,
    outpos: number,
    m: Uint8Array,
    mpos: number,
    n: number,
    k: Uint8Array,
  ): number;
  crypto_onetimeauth_verify(
    h: Uint8Array,
    hpos: number,
    m: Uint8Array,
    mpos: number,
    n: number,
    k: Uint8Array,
  ): number;
}
// Exported by tweetnacl at run time but absent from its type declarations.
const lowlevel = (nacl as unknown as { lowlevel: NaclLowLevel }).lowlevel;

const SALSA_SIGMA = new TextEncoder().encode("expand 32-byte k");
const ZERO_16 = new Uint8Array(16);

// Reused keystream buffer: 32 bytes of Poly1305 key, then as many bytes as the message. A chunk is
// at most 65 519 bytes of plaintext, so after the first full-size chunk this never reallocates.
let keystream = new Uint8Array(32 + 65536);

function keystreamFor(channelKey: Uint8Array, nonce: Uint8Array, length: number): Uint8Array {
  if (keystream.length < 32 + length) keystream = new Uint8Array(32 + length);
  lowlevel.crypto_stream(keystream, 0, 32 + length, nonce, channelKey);
  return keystream;
}

function checkKeyAndNonce(channelKey: Uint8Array, nonce: Uint8Array): void {
  if (channelKey.length !== CHANNEL_KEY_LENGTH) {
    throw new RangeError(
      `channel key must be ${CHANNEL_KEY_LENGTH} bytes, got ${channelKey.length}`,
    );
  }
  if (nonce.length !== NONCE_LENGTH) {
    throw new RangeError(`nonce must be ${NONCE_LENGTH} bytes, got ${nonce.length}`);
  }
}

// True when `a` and `b` share memory other than exactly aligned (where an XOR loop is safe).
function overlapsMisaligned(a: Uint8Array, b: Uint8Array): boolean {
  if (a.buffer !== b.buffer || a.byteOffset === b.byteOffset) return false;
  return a.byteOffset < b.byteOffset + b.length && b.byteOffset < a.byteOffset + a.length;
}

/**
 * The channel key shared with a peer: `crypto_box_beforenm(remotePk, localSk)` =
 * HSalsa20(X25519(localSk, remotePk), 0). Both ends compute the same key.
 *
 * @param remotePublicKey The peer's 32-byte public key (from its connection message).
 * @param localSecretKey This node's 32-byte secret key.
 * @returns The 32-byte channel key.
 * @throws {CryptoError} `low_order_key` when X25519 gives the all-zero point (a low-order remote
 * key; HACL*, hence Octez, refuses it too).
 * @throws {RangeError} On a wrong key length.
 */
export function channelKey(remotePublicKey: Uint8Array, localSecretKey: Uint8Array): Uint8Array {
  if (remotePublicKey.length !== 32 || localSecretKey.length !== 32) {
    throw new RangeError("public and secret keys must be 32 bytes");
  }
  const shared = nacl.scalarMult(localSecretKey, remotePublicKey);
  let any = 0;
  for (let i = 0; i < shared.length; i++) any |= shared[i];
  if (any === 0) {
    throw new CryptoError("low_order_key", "the remote public key is a low-order point");
  }
  const key = new Uint8Array(CHANNEL_KEY_LENGTH);
  lowlevel.crypto_core_hsalsa20(key, ZERO_16, shared, SALSA_SIGMA);
  shared.fill(0);
  return key;
}

/**
 * Encrypts `plaintext` into `out[offset ..]` as `tag(16) ‖ ciphertext`. `plaintext` may already be
 * at `out[offset + 16 ..]` (encryption in place); any other overlap is handled with a copy.
 *
 * @param channelKey 32-byte channel key.
 * @param nonce 24-byte nonce (not incremented here).
 * @param plaintext The bytes to encrypt.
 * @param out Destination buffer.
 * @param offset Where the tag starts in `out`.
 * @returns Bytes written: `16 + plaintext.length`.
 * @throws {RangeError} On a wrong key or nonce length, or when `out` is too short.
 */
export function sealInto(
  channelKey: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  out: Uint8Array,
  offset = 0,
): number {
  checkKeyAndNonce(channelKey, nonce);
  const length = plaintext.length;
  if (!(offset >= 0) || offset + TAG_LENGTH + length > out.length) {
    throw new RangeError(
      `sealing ${length} bytes at offset ${offset} needs ${
        offset + TAG_LENGTH + length
      } bytes, buffer has ${out.length}`,
    );
  }
  const ciphertext = out.subarray(offset + TAG_LENGTH, offset + TAG_LENGTH + length);
  const source = overlapsMisaligned(plaintext, ciphertext) ? plaintext.slice() : plaintext;
  const stream = keystreamFor(channelKey, nonce, length);
  for (let i = 0; i < length; i++) ciphertext[i] = source[i] ^ stream[32 + i];
  lowlevel.crypto_onetimeauth(out, offset, out, offset + TAG_LENGTH, length, stream);
  stream.fill(0, 0, 32);
  return TAG_LENGTH + length;
}

/**
 * Encrypts `plaintext`.
 *
 * @param channelKey 32-byte channel key.
 * @param nonce 24-byte nonce (not incremented here).
 * @param plaintext The bytes to encrypt.
 * @returns A fresh `tag(16) ‖ ciphertext`.
 * @throws {RangeError} On a wrong key or nonce length.
 */
export function seal(channelKey: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const box = new Uint8Array(TAG_LENGTH + plaintext.length);
  sealInto(channelKey, nonce, plaintext, box, 0);
  return box;
}

/**
 * Authenticates and decrypts `box` = `tag(16) ‖ ciphertext` into `out[offset ..]`. Nothing is
 * written when authentication fails. `out` may be the ciphertext's own place
 * (`box.subarray(16)`, decryption in place); any other overlap is handled with a copy.
 *
 * @param channelKey 32-byte channel key.
 * @param nonce 24-byte nonce (not incremented here).
 * @param box Tag then ciphertext.
 * @param out Destination buffer.
 * @param offset Where the plaintext starts in `out`.
 * @returns The plaintext length, `box.length - 16`.
 * @throws {CryptoError} `decipher_error` when the tag does not authenticate the ciphertext,
 * `bad_length` when `box` is shorter than a tag.
 * @throws {RangeError} On a wrong key or nonce length, or when `out` is too short.
 */
export function openInto(
  channelKey: Uint8Array,
  nonce: Uint8Array,
  box: Uint8Array,
  out: Uint8Array,
  offset = 0,
): number {
  checkKeyAndNonce(channelKey, nonce);
  if (box.length < TAG_LENGTH) {
    throw new CryptoError(
      "bad_length",
      `a box has at least ${TAG_LENGTH} bytes, got ${box.length}`,
      {
        expected: TAG_LENGTH,
        actual: box.length,
      },
    );
  }
  const length = box.length - TAG_LENGTH;
  if (!(offset >= 0) || offset + length > out.length) {
    throw new RangeError(
      `opening ${length} bytes at offset ${offset} needs ${
        offset + length
      } bytes, buffer has ${out.length}`,
    );
  }
  const stream = keystreamFor(channelKey, nonce, length);
  const forged = lowlevel.crypto_onetimeauth_verify(box, 0, box, TAG_LENGTH, length, stream) !== 0;
  stream.fill(0, 0, 32);
  if (forged) throw new CryptoError("decipher_error", "chunk authentication failed");
  const plaintext = out.subarray(offset, offset + length);
  const ciphertext = overlapsMisaligned(box.subarray(TAG_LENGTH), plaintext)
    ? box.slice(TAG_LENGTH)
    : box.subarray(TAG_LENGTH);
  for (let i = 0; i < length; i++) plaintext[i] = ciphertext[i] ^ stream[32 + i];
  return length;
}

/**
 * Authenticates and decrypts `box` = `tag(16) ‖ ciphertext`.
 *
 * @param channelKey 32-byte channel key.
 * @param nonce 24-byte nonce (not incremented here).
 * @param box Tag then ciphertext.
 * @returns The fresh plaintext.
 * @throws {CryptoError} `decipher_error` when authentication fails, `bad_length` when `box` is
 * shorter than a tag.
 * @throws {RangeError} On a wrong key or nonce length.
 */
export function open(channelKey: Uint8Array, nonce: Uint8Array, box: Uint8Array): Uint8Array {
  const plaintext = new Uint8Array(Math.max(0, box.length - TAG_LENGTH));
  openInto(channelKey, nonce, box, plaintext, 0);
  return plaintext;
}

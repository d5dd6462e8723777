/**
 * The channel key and the authenticated encryption of chunks: XSalsa20-Poly1305 with the tag before
 * the ciphertext, `tag(16) ‖ ciphertext(n)` (Octez `Crypto_box.fast_box_noalloc` /
 * `fast_box_open_noalloc`; the same bytes as NaCl's `crypto_box_afternm` without its 16 leading
 * zero bytes).
 *
 * The cipher runs in the backend chosen at start-up (`backend.ts`: native libsodium, WebAssembly
 * libsodium or tweetnacl, the same bytes from each); this file checks lengths and overlaps, so that a
 * chunk is encrypted straight into the caller's frame buffer (`sealInto`), in place if the plaintext
 * already sits there, and decrypted in place in the receive buffer.
 *
 * @module
 */

import { cryptoBackend } from "./backend.ts";
import { CryptoError } from "./errors.ts";
import { NONCE_LENGTH } from "./nonce.ts";

/** Bytes in a channel key. */
export const CHANNEL_KEY_LENGTH = 32;
/** Bytes in a Poly1305 tag. */
export const TAG_LENGTH = 16;

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

// True when `a` and `b` share memory.
function overlaps(a: Uint8Array, b: Uint8Array): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.length &&
    b.byteOffset < a.byteOffset + a.length;
}

// The key and nonce, copied when they live in the output buffer (a backend may read them after it
// has started writing).
function keyAndNonceOutside(
  key: Uint8Array,
  nonce: Uint8Array,
  out: Uint8Array,
): [Uint8Array, Uint8Array] {
  return [overlaps(key, out) ? key.slice() : key, overlaps(nonce, out) ? nonce.slice() : nonce];
}

// True when `a` is exactly `b`'s memory (in place: every backend handles it).
function aligned(a: Uint8Array, b: Uint8Array): boolean {
  return a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.length === b.length;
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
  const key = new Uint8Array(CHANNEL_KEY_LENGTH);
  if (!cryptoBackend().beforenm(key, remotePublicKey, localSecretKey)) {
    key.fill(0);
    throw new CryptoError("low_order_key", "the remote public key is a low-order point");
  }
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
  const tag = out.subarray(offset, offset + TAG_LENGTH);
  const ciphertext = out.subarray(offset + TAG_LENGTH, offset + TAG_LENGTH + length);
  // In place or disjoint go straight to the backend; any other overlap (with the ciphertext off by
  // some bytes, or with the tag) is copied first.
  const source = !aligned(plaintext, ciphertext) &&
      overlaps(plaintext, out.subarray(offset, offset + TAG_LENGTH + length))
    ? plaintext.slice()
    : plaintext;
  const keyAndNonce = keyAndNonceOutside(channelKey, nonce, out);
  cryptoBackend().sealDetached(ciphertext, tag, source, keyAndNonce[1], keyAndNonce[0]);
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
  const plaintext = out.subarray(offset, offset + length);
  let ciphertext = box.subarray(TAG_LENGTH);
  let tag = box.subarray(0, TAG_LENGTH);
  // In place (the plaintext replaces the ciphertext) or disjoint go straight to the backend; any
  // other overlap is decrypted from a copy of the box.
  if (!aligned(plaintext, ciphertext) && overlaps(plaintext, box)) {
    const copy = box.slice();
    ciphertext = copy.subarray(TAG_LENGTH);
    tag = copy.subarray(0, TAG_LENGTH);
  }
  const keyAndNonce = keyAndNonceOutside(channelKey, nonce, out);
  if (!cryptoBackend().openDetached(plaintext, ciphertext, tag, keyAndNonce[1], keyAndNonce[0])) {
    throw new CryptoError("decipher_error", "chunk authentication failed");
  }
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

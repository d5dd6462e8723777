/**
 * The pure-JavaScript reference backend: tweetnacl for X25519, XSalsa20 and Poly1305, noble for
 * BLAKE2b. Always available; the other backends must give the same bytes
 * (`tests/crypto/backends_test.ts`).
 *
 * XSalsa20 keystream for (key, nonce): bytes 0..31 are the one-time Poly1305 key, bytes 32.. are
 * XORed with the message; the tag authenticates the ciphertext. Built from tweetnacl's low-level
 * `crypto_stream` and `crypto_onetimeauth` rather than `secretbox`, which needs the message copied
 * behind 32 zero bytes and returns a new array: this way a chunk is encrypted straight into the
 * caller's buffer, in place if the plaintext already sits there.
 *
 * @module
 */

import { blake2b } from "@noble/hashes/blake2.js";
import nacl from "tweetnacl";
import type { CryptoBackend } from "./backend_contract.ts";
import { hsalsa20Zero, isAllZero, lowlevel } from "./nacl_lowlevel.ts";

// Reused keystream buffer: 32 bytes of Poly1305 key, then as many bytes as the message. A chunk is
// at most 65 519 bytes of plaintext, so after the first full-size chunk this never reallocates.
let keystream = new Uint8Array(32 + 65536);

function keystreamFor(key: Uint8Array, nonce: Uint8Array, length: number): Uint8Array {
  if (keystream.length < 32 + length) keystream = new Uint8Array(32 + length);
  lowlevel.crypto_stream(keystream, 0, 32 + length, nonce, key);
  return keystream;
}

/** The tweetnacl (pure JavaScript) backend. */
export const tweetnaclBackend: CryptoBackend = {
  name: "tweetnacl",

  beforenm(out, remotePublicKey, localSecretKey) {
    const shared = nacl.scalarMult(localSecretKey, remotePublicKey);
    if (isAllZero(shared)) return false;
    hsalsa20Zero(out, shared);
    shared.fill(0);
    return true;
  },

  sealDetached(ciphertext, tag, plaintext, nonce, key) {
    const length = plaintext.length;
    const stream = keystreamFor(key, nonce, length);
    for (let i = 0; i < length; i++) ciphertext[i] = plaintext[i] ^ stream[32 + i];
    lowlevel.crypto_onetimeauth(tag, 0, ciphertext, 0, length, stream);
    stream.fill(0, 0, 32);
  },

  openDetached(plaintext, ciphertext, tag, nonce, key) {
    const length = ciphertext.length;
    const stream = keystreamFor(key, nonce, length);
    const forged = lowlevel.crypto_onetimeauth_verify(tag, 0, ciphertext, 0, length, stream) !== 0;
    stream.fill(0, 0, 32);
    if (forged) return false;
    for (let i = 0; i < length; i++) plaintext[i] = ciphertext[i] ^ stream[32 + i];
    return true;
  },

  blake2b256(out, input) {
    out.set(blake2b(input, { dkLen: 32 }));
  },
};

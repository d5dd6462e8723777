/**
 * The native backend: libsodium through the npm package `sodium-native` (a Node-API addon whose
 * prebuilt library ships inside the package). Deno loads it only with `--allow-ffi` and
 * `--allow-read`; `backend.ts` checks both before importing this module.
 *
 * `sodium-native` exposes neither `crypto_box_beforenm` nor `crypto_core_hsalsa20`: the channel key
 * is libsodium's X25519 (`crypto_scalarmult`, which fails with status -1 on a low-order point, as
 * `crypto_box_beforenm` does) then HSalsa20 in JavaScript (about 1 µs of the 40 µs).
 *
 * @module
 */

import sodiumNative from "sodium-native";
import type { CryptoBackend } from "./backend_contract.ts";
import { hsalsa20Zero, isAllZero } from "./nacl_lowlevel.ts";

/** The functions of `sodium-native` used here (the package ships no type declarations). */
interface SodiumNative {
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  crypto_secretbox_detached(
    c: Uint8Array,
    mac: Uint8Array,
    m: Uint8Array,
    n: Uint8Array,
    k: Uint8Array,
  ): void;
  crypto_secretbox_open_detached(
    m: Uint8Array,
    c: Uint8Array,
    mac: Uint8Array,
    n: Uint8Array,
    k: Uint8Array,
  ): boolean;
  crypto_generichash(out: Uint8Array, input: Uint8Array, key?: Uint8Array): void;
}

const sodium = sodiumNative as unknown as SodiumNative;
const shared = new Uint8Array(32);

/** Boxes shorter than this many bytes are sealed and opened by WebAssembly libsodium. */
export const NATIVE_MIN_BOX = 768;

/** The native libsodium backend alone. */
export const nativeBackend: CryptoBackend = {
  name: "native",

  beforenm(out, remotePublicKey, localSecretKey) {
    try {
      sodium.crypto_scalarmult(shared, localSecretKey, remotePublicKey);
    } catch {
      // libsodium's only failure here (lengths are checked by the caller): a low-order point.
      shared.fill(0);
      return false;
    }
    if (isAllZero(shared)) return false;
    hsalsa20Zero(out, shared);
    shared.fill(0);
    return true;
  },

  sealDetached(ciphertext, tag, plaintext, nonce, key) {
    sodium.crypto_secretbox_detached(ciphertext, tag, plaintext, nonce, key);
  },

  openDetached(plaintext, ciphertext, tag, nonce, key) {
    return sodium.crypto_secretbox_open_detached(plaintext, ciphertext, tag, nonce, key);
  },

  blake2b256(out, input) {
    sodium.crypto_generichash(out, input);
  },
};

/**
 * The `native` backend as chosen at start-up: {@link nativeBackend} for key agreement and for
 * boxes of {@link NATIVE_MIN_BOX} bytes or more, `small` (WebAssembly libsodium) for shorter boxes
 * and BLAKE2b.
 *
 * @param small The backend for short inputs.
 * @returns The combined backend, named `native`.
 */
export function withSmallInputsOn(small: CryptoBackend): CryptoBackend {
  return {
    name: "native",
    beforenm: nativeBackend.beforenm,
    sealDetached(ciphertext, tag, plaintext, nonce, key) {
      const to = plaintext.length < NATIVE_MIN_BOX ? small : nativeBackend;
      to.sealDetached(ciphertext, tag, plaintext, nonce, key);
    },
    openDetached(plaintext, ciphertext, tag, nonce, key) {
      const to = ciphertext.length < NATIVE_MIN_BOX ? small : nativeBackend;
      return to.openDetached(plaintext, ciphertext, tag, nonce, key);
    },
    blake2b256: small.blake2b256,
  };
}

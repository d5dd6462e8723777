/**
 * What a crypto backend is (`CryptoBackend`) and the backends' names: the contract between the
 * seam that chooses one (`backend.ts`) and the backends themselves (`backend_native.ts`,
 * `backend_wasm.ts`, `backend_tweetnacl.ts`), kept apart so that neither side imports the other.
 *
 * @module
 */

/** A crypto backend's name. */
export type CryptoBackendName = "native" | "wasm" | "tweetnacl";

/** All backend names, fastest first: the order of the choice at start-up. */
export const CRYPTO_BACKEND_NAMES: readonly CryptoBackendName[] = ["native", "wasm", "tweetnacl"];

/**
 * What a backend implements. Callers (`box.ts`, `proof_of_work.ts`) check lengths and overlaps:
 * keys are 32 bytes, nonces 24, tags 16; an output either is exactly its input's memory (in place)
 * or does not overlap any input.
 */
export interface CryptoBackend {
  /** The backend's name. */
  readonly name: CryptoBackendName;
  /**
   * `crypto_box_beforenm`: HSalsa20(X25519(localSecretKey, remotePublicKey), 0) into `out`.
   * Returns `false` (and leaves `out` unspecified) when X25519 gives the all-zero point.
   */
  beforenm(out: Uint8Array, remotePublicKey: Uint8Array, localSecretKey: Uint8Array): boolean;
  /** `crypto_secretbox_detached`: XSalsa20 ciphertext into `ciphertext`, Poly1305 tag into `tag`. */
  sealDetached(
    ciphertext: Uint8Array,
    tag: Uint8Array,
    plaintext: Uint8Array,
    nonce: Uint8Array,
    key: Uint8Array,
  ): void;
  /**
   * `crypto_secretbox_open_detached`: `false`, with nothing written, when `tag` does not
   * authenticate `ciphertext`; otherwise the plaintext is in `plaintext`.
   */
  openDetached(
    plaintext: Uint8Array,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    nonce: Uint8Array,
    key: Uint8Array,
  ): boolean;
  /** Unkeyed BLAKE2b with a 32-byte digest, into `out`. */
  blake2b256(out: Uint8Array, input: Uint8Array): void;
}

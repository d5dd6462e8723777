/**
 * Identity and cryptography of the Tezos P2P layer: peer ids, node identities and their
 * `identity.json`, proof of work (check, target, single-thread and all-core search), chunk nonces,
 * the channel key and the `tag ‖ ciphertext` boxes of encrypted chunks, on the fastest crypto
 * backend that loads (native libsodium, WebAssembly libsodium, or tweetnacl; `TZP2P_CRYPTO` or
 * {@link setCryptoBackend} forces one).
 *
 * ```ts
 * import {
 *   channelKey,
 *   generateIdentitySync,
 *   identityFromJson,
 *   identityToJson,
 *   incrementNonce,
 *   open,
 *   peerIdToString,
 *   seal,
 * } from "./mod.ts";
 *
 * // A throw-away identity with a tiny proof of work (a real node uses difficulty 26 and
 * // generateIdentity(), which searches on all cores).
 * const alice = generateIdentitySync(4);
 * const bob = generateIdentitySync(4);
 * console.log(peerIdToString(alice.peerId)); // "id…", 30 characters
 *
 * // identity.json round trip, checking the stamp against difficulty 4.
 * const again = identityFromJson(identityToJson(alice), { expectedPow: 4 });
 * console.log(peerIdToString(again.peerId) === peerIdToString(alice.peerId)); // true
 *
 * // Both ends derive the same channel key and exchange boxes.
 * const key = channelKey(bob.publicKey, alice.secretKey);
 * const nonce = new Uint8Array(24);
 * const box = seal(key, nonce, new TextEncoder().encode("hello"));
 * const plain = open(channelKey(alice.publicKey, bob.secretKey), nonce, box);
 * console.log(new TextDecoder().decode(plain)); // "hello"
 * console.log(incrementNonce(nonce)[23]); // 1
 * ```
 *
 * @module
 */

export {
  CryptoError,
  type CryptoErrorDetails,
  type CryptoErrorKind,
  isCryptoError,
  isTzError,
  TzError,
} from "./errors.ts";
export { base58CheckDecode, base58CheckEncode, base58Decode, base58Encode } from "./base58.ts";
export {
  KEY_LENGTH,
  PEER_ID_LENGTH,
  PEER_ID_TEXT_LENGTH,
  peerIdEquals,
  peerIdFromString,
  peerIdKey,
  peerIdOfPublicKey,
  peerIdToString,
} from "./peer_id.ts";
export { DEFAULT_POW_DIFFICULTY, makePowTarget } from "./pow_target.ts";
export {
  checkProofOfWork,
  expectedPowAttempts,
  generateProofOfWorkSync,
  powHashValue,
  type ProofOfWorkSyncOptions,
} from "./proof_of_work.ts";
export { generateProofOfWork, type PowProgress, type ProofOfWorkOptions } from "./pow_pool.ts";
export { POW_STAMP_LENGTH, PowHasher, type PowTargetWords, powTargetWords } from "./pow_hash.ts";
export {
  checkIdentity,
  generateIdentity,
  generateIdentitySync,
  generateKeyPair,
  type Identity,
  type KeyPair,
} from "./identity.ts";
export {
  identityFromJson,
  identityFromJsonObject,
  type IdentityJson,
  identityToJson,
  identityToJsonObject,
  readIdentityFile,
  type ReadIdentityOptions,
  writeIdentityFile,
  type WriteIdentityOptions,
} from "./identity_file.ts";
export {
  deriveNonces,
  incrementNonce,
  incrementNonceInPlace,
  NONCE_LENGTH,
  type Nonces,
} from "./nonce.ts";
export {
  CHANNEL_KEY_LENGTH,
  channelKey,
  open,
  openInto,
  seal,
  sealInto,
  TAG_LENGTH,
} from "./box.ts";
export {
  CRYPTO_BACKEND_NAMES,
  type CryptoBackendName,
  cryptoBackendName,
  setCryptoBackend,
} from "./backend.ts";

/**
 * Node identities (`P2p_identity.t`): an X25519 key pair, its peer id and a proof-of-work stamp.
 *
 * @module
 */

import nacl from "tweetnacl";
import { CryptoError } from "./errors.ts";
import { equalBytes } from "../base/bytes.ts";
import { KEY_LENGTH, peerIdOfPublicKey, peerIdToString } from "./peer_id.ts";
import { POW_STAMP_LENGTH } from "./pow_hash.ts";
import { generateProofOfWork, type ProofOfWorkOptions } from "./pow_pool.ts";
import { makePowTarget } from "./pow_target.ts";
import {
  checkProofOfWork,
  generateProofOfWorkSync,
  type ProofOfWorkSyncOptions,
} from "./proof_of_work.ts";

/** A node identity. */
export interface Identity {
  /** H128(public key), 16 bytes. */
  readonly peerId: Uint8Array;
  /** X25519 public key, 32 bytes. */
  readonly publicKey: Uint8Array;
  /** X25519 secret key (the raw scalar), 32 bytes. */
  readonly secretKey: Uint8Array;
  /** Proof-of-work stamp for the public key, 24 bytes. */
  readonly proofOfWorkStamp: Uint8Array;
}

/** An X25519 key pair. */
export interface KeyPair {
  /** X25519-base(secret key), 32 bytes. */
  readonly publicKey: Uint8Array;
  /** 32 random bytes, used directly as the scalar. */
  readonly secretKey: Uint8Array;
}

/**
 * A fresh X25519 key pair: 32 random bytes as the secret scalar, public key = X25519(sk, 9)
 * (Octez `Crypto_box.random_keypair`; clamping happens inside X25519).
 *
 * @returns The key pair.
 */
export function generateKeyPair(): KeyPair {
  const secretKey = crypto.getRandomValues(new Uint8Array(KEY_LENGTH));
  return { publicKey: nacl.scalarMult.base(secretKey), secretKey };
}

/**
 * A fresh identity whose stamp reaches `powDifficulty`, searched on all cores.
 *
 * @param powDifficulty Difficulty as Octez's `expected_pow` (default 26, about 2^26 attempts).
 * @param options Cancellation, worker count and progress callback of the stamp search.
 * @returns The identity.
 * @throws {CryptoError} `aborted` or `worker_failed`, as {@link generateProofOfWork}.
 */
export async function generateIdentity(
  powDifficulty = 26,
  options: ProofOfWorkOptions = {},
): Promise<Identity> {
  const { publicKey, secretKey } = generateKeyPair();
  const stamp = await generateProofOfWork(publicKey, makePowTarget(powDifficulty), options);
  return { peerId: peerIdOfPublicKey(publicKey), publicKey, secretKey, proofOfWorkStamp: stamp };
}

/**
 * A fresh identity whose stamp is searched on the calling thread: for small difficulties and
 * tests.
 *
 * @param powDifficulty Difficulty as Octez's `expected_pow`.
 * @param options Attempt budget (and start stamp) of the search.
 * @returns The identity.
 * @throws {CryptoError} `insufficient_pow` when the attempt budget runs out.
 */
export function generateIdentitySync(
  powDifficulty: number,
  options: ProofOfWorkSyncOptions = {},
): Identity {
  const { publicKey, secretKey } = generateKeyPair();
  const stamp = generateProofOfWorkSync(publicKey, makePowTarget(powDifficulty), options);
  return { peerId: peerIdOfPublicKey(publicKey), publicKey, secretKey, proofOfWorkStamp: stamp };
}

/**
 * Checks that the parts of an identity agree, in the order of Octez's identity file reader: the
 * peer id is H128(public key), the public key is X25519-base(secret key), and, when
 * `expectedPow` is given, the stamp reaches that difficulty.
 *
 * @param identity The identity to check.
 * @param expectedPow Required PoW difficulty; the stamp is not checked when omitted.
 * @param path The file it was read from, for error details.
 * @throws {CryptoError} `identity_mismatch`, `identity_keys_mismatch` or `insufficient_pow`.
 * @throws {RangeError} When a part has the wrong length.
 */
export function checkIdentity(identity: Identity, expectedPow?: number, path?: string): void {
  checkLength("peer id", identity.peerId, 16);
  checkLength("public key", identity.publicKey, KEY_LENGTH);
  checkLength("secret key", identity.secretKey, KEY_LENGTH);
  checkLength("proof-of-work stamp", identity.proofOfWorkStamp, POW_STAMP_LENGTH);
  const where = path === undefined ? "" : ` in ${path}`;
  const peerId = peerIdOfPublicKey(identity.publicKey);
  if (!equalBytes(peerId, identity.peerId)) {
    throw new CryptoError(
      "identity_mismatch",
      `the peer id${where} does not match the public key: expected ${peerIdToString(peerId)}`,
      {
        field: "peer_id",
        path,
        expected: peerIdToString(peerId),
        actual: peerIdToString(identity.peerId),
      },
    );
  }
  if (!equalBytes(nacl.scalarMult.base(identity.secretKey), identity.publicKey)) {
    throw new CryptoError(
      "identity_keys_mismatch",
      `the secret key${where} does not match the public key`,
      { field: "secret_key", path },
    );
  }
  if (
    expectedPow !== undefined &&
    !checkProofOfWork(identity.publicKey, identity.proofOfWorkStamp, makePowTarget(expectedPow))
  ) {
    throw new CryptoError(
      "insufficient_pow",
      `the proof-of-work stamp${where} does not reach difficulty ${expectedPow}`,
      { field: "proof_of_work_stamp", path, expected: expectedPow },
    );
  }
}

function checkLength(what: string, bytes: Uint8Array, length: number): void {
  if (bytes.length !== length) {
    throw new RangeError(`${what} must be ${length} bytes, got ${bytes.length}`);
  }
}

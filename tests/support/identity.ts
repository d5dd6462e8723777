/**
 * Identities of the conformance vectors (`tests/fixtures/p2p.json`): an `identity` vector's inputs,
 * or one side (`A`, `B`) of the handshake transcript, as an {@linkcode Identity}.
 *
 * @module
 */

import { type Identity, peerIdOfPublicKey } from "../../lib/crypto/mod.ts";
import { hex } from "./vectors.ts";

/** The hex fields of an identity in the vectors. */
export interface VectorIdentity {
  public_key?: unknown;
  secret_key?: unknown;
  proof_of_work_stamp?: unknown;
}

/** The identity of a vector; its peer id is computed from the public key. */
export function identityOfVector(side: VectorIdentity): Identity {
  const publicKey = hex(side.public_key);
  return {
    peerId: peerIdOfPublicKey(publicKey),
    publicKey,
    secretKey: hex(side.secret_key),
    proofOfWorkStamp: hex(side.proof_of_work_stamp),
  };
}

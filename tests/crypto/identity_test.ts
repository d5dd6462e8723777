import assert from "node:assert/strict";
import nacl from "tweetnacl";
import { isCryptoError } from "../../lib/crypto/errors.ts";
import {
  checkIdentity,
  generateIdentity,
  generateIdentitySync,
  generateKeyPair,
} from "../../lib/crypto/identity.ts";
import { peerIdOfPublicKey } from "../../lib/crypto/peer_id.ts";
import { makePowTarget } from "../../lib/crypto/pow_target.ts";
import { checkProofOfWork } from "../../lib/crypto/proof_of_work.ts";
import { identityOfVector } from "../support/identity.ts";
import { hex, vectors } from "../support/vectors.ts";

for (const vector of vectors("identity")) {
  Deno.test(`key pair and checks of ${vector.name}`, () => {
    const inputs = vector.inputs as Record<string, string>;
    const expected = vector.expected as Record<string, unknown>;
    assert.equal(
      nacl.scalarMult.base(hex(inputs.secret_key)).every((b, i) => b === hex(inputs.public_key)[i]),
      expected.public_key_equals_x25519_base_mult_of_secret_key,
    );
    const identity = identityOfVector(inputs);
    checkIdentity(identity); // no PoW requirement
    if (expected.check_pow_26) checkIdentity(identity, 26);
    else {
      assert.throws(
        () => checkIdentity(identity, 26),
        (e) => isCryptoError(e, "insufficient_pow") && e.details.expected === 26,
      );
    }
  });
}

Deno.test("generateKeyPair() gives pk = X25519-base(sk) and fresh keys each time", () => {
  const a = generateKeyPair();
  const b = generateKeyPair();
  assert.deepEqual(a.publicKey, nacl.scalarMult.base(a.secretKey));
  assert.notDeepEqual(a.secretKey, b.secretKey);
});

Deno.test("generateIdentitySync() gives a consistent identity with the requested PoW", () => {
  const identity = generateIdentitySync(8);
  checkIdentity(identity, 8);
  assert.deepEqual(identity.peerId, peerIdOfPublicKey(identity.publicKey));
});

Deno.test("generateIdentity() searches the stamp with workers", async () => {
  const identity = await generateIdentity(10, { workers: 2 });
  checkIdentity(identity, 10);
  assert.ok(checkProofOfWork(identity.publicKey, identity.proofOfWorkStamp, makePowTarget(10)));
});

Deno.test("checkIdentity() rejects a peer id that is not H128 of the public key", () => {
  const [first, second] = vectors("identity").map((v) => identityOfVector(v.inputs!));
  assert.throws(
    () => checkIdentity({ ...first, peerId: second.peerId }),
    (e) =>
      isCryptoError(e, "identity_mismatch") && e.details.field === "peer_id" &&
      e.details.expected === "idqjq34sB6uHWdFzJDB97zwXAdHASb",
  );
});

Deno.test("checkIdentity() rejects a secret key that does not give the public key", () => {
  const [first, second] = vectors("identity").map((v) => identityOfVector(v.inputs!));
  assert.throws(
    () => checkIdentity({ ...first, secretKey: second.secretKey }),
    (e) => isCryptoError(e, "identity_keys_mismatch"),
  );
});

Deno.test("checkIdentity() rejects parts of the wrong length with RangeError", () => {
  const identity = identityOfVector(vectors("identity")[0].inputs!);
  assert.throws(
    () => checkIdentity({ ...identity, proofOfWorkStamp: new Uint8Array(23) }),
    RangeError,
  );
});

import assert from "node:assert/strict";
import fc from "fast-check";
import { deriveNonces, incrementNonce, incrementNonceInPlace } from "../../lib/crypto/nonce.ts";
import { hex, toHex, vectors } from "../support/vectors.ts";

for (const vector of vectors("nonce_derivation")) {
  Deno.test(`deriveNonces() matches ${vector.name}`, () => {
    const inputs = vector.inputs as { incoming: boolean; sent_msg: string; recv_msg: string };
    const expected = vector.expected as { local_nonce: string; remote_nonce: string };
    const nonces = deriveNonces(hex(inputs.sent_msg), hex(inputs.recv_msg), inputs.incoming);
    assert.equal(toHex(nonces.localNonce), expected.local_nonce);
    assert.equal(toHex(nonces.remoteNonce), expected.remote_nonce);
  });
}

for (const vector of vectors("nonce_increment")) {
  Deno.test(`incrementNonce() matches ${vector.name}`, () => {
    const nonce = hex(vector.hex);
    const next = (vector.expected as { next: string }).next;
    assert.equal(toHex(incrementNonce(nonce)), next);
    assert.equal(toHex(nonce), vector.hex); // the copying variant leaves its input alone
    incrementNonceInPlace(nonce);
    assert.equal(toHex(nonce), next);
  });
}

Deno.test("deriveNonces(): each side's local nonce is the other side's remote nonce", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (a, b) => {
      const initiator = deriveNonces(a, b, false);
      const responder = deriveNonces(b, a, true);
      assert.deepEqual(initiator.localNonce, responder.remoteNonce);
      assert.deepEqual(initiator.remoteNonce, responder.localNonce);
      assert.equal(initiator.localNonce.length, 24);
    }),
    { numRuns: 200 },
  );
});

Deno.test("incrementNonce() adds one as a 192-bit big-endian integer modulo 2^192", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 24, maxLength: 24 }),
      fc.nat({ max: 24 }),
      (bytes, ones) => {
        const nonce = bytes.slice();
        nonce.fill(0xff, 24 - ones);
        const value = BigInt("0x" + toHex(nonce));
        const next = BigInt("0x" + toHex(incrementNonce(nonce)));
        assert.equal(next, (value + 1n) % (1n << 192n));
      },
    ),
  );
});

Deno.test("incrementNonce() rejects a nonce that is not 24 bytes with RangeError", () => {
  assert.throws(() => incrementNonce(new Uint8Array(23)), RangeError);
  assert.throws(() => incrementNonceInPlace(new Uint8Array(25)), RangeError);
});

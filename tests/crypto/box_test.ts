import assert from "node:assert/strict";
import fc from "fast-check";
import nacl from "tweetnacl";
import { channelKey, open, openInto, seal, sealInto } from "../../lib/crypto/box.ts";
import { isCryptoError } from "../../lib/crypto/errors.ts";
import { hex, toHex, vectors } from "../support/vectors.ts";

for (const vector of vectors("precompute_key")) {
  Deno.test(`channelKey() matches ${vector.name}`, () => {
    const inputs = vector.inputs as Record<string, string>;
    const remote = hex(inputs.remote_public_key ?? inputs.public_key);
    const key = channelKey(remote, hex(inputs.secret_key));
    assert.equal(toHex(key), (vector.expected as { channel_key: string }).channel_key);
  });
}

for (const vector of vectors("encrypted_chunk")) {
  Deno.test(`seal() and open() match ${vector.name}`, () => {
    const inputs = vector.inputs as Record<string, string>;
    const expected = vector.expected as Record<string, unknown>;
    const key = hex(inputs.channel_key);
    const nonce = hex(inputs.nonce);
    if (vector.hex === undefined) {
      // A bare box (tag ‖ ciphertext), no chunk length prefix.
      const plaintext = hex(inputs.plaintext);
      const box = seal(key, nonce, plaintext);
      assert.equal(toHex(box), expected.box_hex);
      assert.equal(box.length, expected.box_length);
      assert.deepEqual(open(key, nonce, box), plaintext);
      return;
    }
    // frame = len(2, BE) ‖ tag(16) ‖ ciphertext(len - 16)
    const frame = hex(vector.hex);
    const plaintext = hex(expected.plaintext);
    const length = (frame[0] << 8) | frame[1];
    assert.equal(length, frame.length - 2);
    assert.equal(length, 16 + plaintext.length);
    const box = frame.subarray(2);
    assert.deepEqual(open(key, nonce, box), plaintext);
    assert.deepEqual(seal(key, nonce, plaintext), box);
    // Encrypt straight into a frame buffer after the length prefix.
    const out = new Uint8Array(frame.length);
    out[0] = frame[0];
    out[1] = frame[1];
    assert.equal(sealInto(key, nonce, plaintext, out, 2), length);
    assert.deepEqual(out, frame);
    // Decrypt in place: the plaintext replaces the ciphertext.
    const inPlace = frame.slice();
    assert.equal(openInto(key, nonce, inPlace.subarray(2), inPlace, 18), plaintext.length);
    assert.deepEqual(inPlace.subarray(18), plaintext);
  });
}

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

Deno.test("seal() equals tweetnacl secretbox (tag ‖ ciphertext) on random inputs", () => {
  fc.assert(
    fc.property(
      bytes(32),
      bytes(24),
      fc.uint8Array({ maxLength: 300 }),
      (key, nonce, plaintext) => {
        const box = seal(key, nonce, plaintext);
        assert.deepEqual(box, nacl.secretbox(plaintext, nonce, key));
        assert.deepEqual(open(key, nonce, box), plaintext);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("channelKey() equals tweetnacl box.before and agrees on both ends", () => {
  for (let i = 0; i < 20; i++) {
    const a = nacl.box.keyPair();
    const b = nacl.box.keyPair();
    const key = channelKey(b.publicKey, a.secretKey);
    assert.deepEqual(key, nacl.box.before(b.publicKey, a.secretKey));
    assert.deepEqual(key, channelKey(a.publicKey, b.secretKey));
  }
});

Deno.test("channelKey() rejects low-order public keys with low_order_key", () => {
  const secretKey = nacl.box.keyPair().secretKey;
  const zero = new Uint8Array(32);
  const one = new Uint8Array(32);
  one[0] = 1;
  for (const remote of [zero, one]) {
    assert.throws(() => channelKey(remote, secretKey), (e) => isCryptoError(e, "low_order_key"));
  }
  assert.throws(() => channelKey(new Uint8Array(31), secretKey), RangeError);
});

Deno.test("open() rejects any flipped bit with decipher_error and writes nothing", () => {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const nonce = crypto.getRandomValues(new Uint8Array(24));
  const box = seal(key, nonce, new TextEncoder().encode("advertise 1.2.3.4:9732"));
  for (let bit = 0; bit < box.length * 8; bit += 7) {
    const forged = box.slice();
    forged[bit >> 3] ^= 1 << (bit & 7);
    const out = new Uint8Array(box.length).fill(0xaa);
    assert.throws(
      () => openInto(key, nonce, forged, out),
      (e) => isCryptoError(e, "decipher_error"),
    );
    assert.ok(out.every((b) => b === 0xaa));
  }
  const otherNonce = nonce.slice();
  otherNonce[23] ^= 1;
  assert.throws(() => open(key, otherNonce, box), (e) => isCryptoError(e, "decipher_error"));
  assert.throws(() => open(key, nonce, box.subarray(0, 15)), (e) => isCryptoError(e, "bad_length"));
});

Deno.test("seal() and open() handle an empty plaintext (a 16-byte box)", () => {
  const key = new Uint8Array(32).fill(1);
  const nonce = new Uint8Array(24);
  const box = seal(key, nonce, new Uint8Array());
  assert.equal(box.length, 16);
  assert.deepEqual(box, nacl.secretbox(new Uint8Array(), nonce, key));
  assert.deepEqual(open(key, nonce, box), new Uint8Array());
});

Deno.test("sealInto() encrypts in place and copes with a misaligned overlap", () => {
  fc.assert(
    fc.property(
      bytes(32),
      bytes(24),
      fc.uint8Array({ minLength: 1, maxLength: 200 }),
      fc.nat({ max: 40 }),
      (key, nonce, plaintext, shift) => {
        const expected = seal(key, nonce, plaintext);
        // In place: the plaintext already sits where the ciphertext goes.
        const frame = new Uint8Array(2 + 16 + plaintext.length);
        frame.set(plaintext, 18);
        sealInto(key, nonce, frame.subarray(18), frame, 2);
        assert.deepEqual(frame.subarray(2), expected);
        // Misaligned: the plaintext starts `shift` bytes into the same buffer.
        const buffer = new Uint8Array(shift + 16 + plaintext.length + 40);
        buffer.set(plaintext, shift);
        sealInto(key, nonce, buffer.subarray(shift, shift + plaintext.length), buffer, 0);
        assert.deepEqual(buffer.subarray(0, expected.length), expected);
        // And back, misaligned the other way.
        const opened = buffer.slice();
        openInto(key, nonce, opened.subarray(0, expected.length), opened, shift % 20);
        assert.deepEqual(opened.subarray(shift % 20, (shift % 20) + plaintext.length), plaintext);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("sealInto() and openInto() reject a destination that is too short with RangeError", () => {
  const key = new Uint8Array(32);
  const nonce = new Uint8Array(24);
  assert.throws(() => sealInto(key, nonce, new Uint8Array(10), new Uint8Array(25)), RangeError);
  assert.throws(() => sealInto(key, nonce, new Uint8Array(10), new Uint8Array(30), 5), RangeError);
  const box = seal(key, nonce, new Uint8Array(10));
  assert.throws(() => openInto(key, nonce, box, new Uint8Array(9)), RangeError);
  assert.throws(() => seal(new Uint8Array(31), nonce, new Uint8Array(1)), RangeError);
  assert.throws(() => seal(key, new Uint8Array(23), new Uint8Array(1)), RangeError);
});

Deno.test("seal() and open() handle a maximal chunk (65 517 bytes of plaintext)", () => {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const nonce = crypto.getRandomValues(new Uint8Array(24));
  const plaintext = new Uint8Array(65517);
  for (let i = 0; i < plaintext.length; i += 65536 / 4) {
    crypto.getRandomValues(plaintext.subarray(i, Math.min(plaintext.length, i + 65536 / 4)));
  }
  const box = seal(key, nonce, plaintext);
  assert.deepEqual(box, nacl.secretbox(plaintext, nonce, key));
  assert.deepEqual(open(key, nonce, box), plaintext);
});

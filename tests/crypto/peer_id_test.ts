import assert from "node:assert/strict";
import { blake2b } from "@noble/hashes/blake2.js";
import { isCryptoError } from "../../lib/crypto/errors.ts";
import {
  peerIdEquals,
  peerIdFromString,
  peerIdKey,
  peerIdOfPublicKey,
  peerIdToString,
} from "../../lib/crypto/peer_id.ts";
import { hex, toHex, vectors } from "../support/vectors.ts";

const keyedVectors = [...vectors("peer_id"), ...vectors("identity")].filter((v) =>
  v.inputs?.public_key !== undefined
);

for (const vector of keyedVectors) {
  Deno.test(`peer id of ${vector.name}`, () => {
    const expected = vector.expected as { peer_id_hex: string; peer_id_b58: string };
    const peerId = peerIdOfPublicKey(hex(vector.inputs!.public_key));
    assert.equal(toHex(peerId), expected.peer_id_hex);
    assert.equal(peerIdToString(peerId), expected.peer_id_b58);
    assert.equal(toHex(peerIdFromString(expected.peer_id_b58)), expected.peer_id_hex);
  });
}

Deno.test("peerIdOfPublicKey() is BLAKE2b with a 16-byte digest, not a truncated BLAKE2b-256", () => {
  const publicKey = hex(keyedVectors[0].inputs!.public_key);
  const peerId = peerIdOfPublicKey(publicKey);
  assert.deepEqual(peerId, blake2b(publicKey, { dkLen: 16 }));
  assert.notDeepEqual(peerId, blake2b(publicKey, { dkLen: 32 }).subarray(0, 16));
});

Deno.test("peerIdToString() always gives 30 characters starting with id", () => {
  for (const fill of [0, 1, 0x80, 0xff]) {
    const text = peerIdToString(new Uint8Array(16).fill(fill));
    assert.equal(text.length, 30);
    assert.ok(text.startsWith("id"), text);
    assert.deepEqual(peerIdFromString(text), new Uint8Array(16).fill(fill));
  }
});

Deno.test("peerIdFromString() rejects a wrong length before decoding", () => {
  assert.throws(
    () => peerIdFromString("idqjq34sB6uHWdFzJDB97zwXAdHAS"),
    (e) => isCryptoError(e, "bad_length") && e.details.actual === 29,
  );
  assert.throws(
    () => peerIdFromString("x".repeat(1_000_000)),
    (e) => isCryptoError(e, "bad_length"),
  );
});

Deno.test("peerIdFromString() rejects a corrupted peer id with bad_checksum", () => {
  assert.throws(
    () => peerIdFromString("idqjq34sB6uHWdFzJDB97zwXAdHASc"),
    (e) => isCryptoError(e, "bad_checksum"),
  );
});

Deno.test("peerIdOfPublicKey() and peerIdToString() reject wrong lengths with RangeError", () => {
  assert.throws(() => peerIdOfPublicKey(new Uint8Array(31)), RangeError);
  assert.throws(() => peerIdToString(new Uint8Array(17)), RangeError);
});

Deno.test("peerIdKey() is the hex of the peer id and distinguishes peer ids", () => {
  const a = hex("167c141625d4ed651b06358dc72dd42d");
  const b = a.slice();
  b[15] ^= 1;
  assert.equal(peerIdKey(a), "167c141625d4ed651b06358dc72dd42d");
  assert.notEqual(peerIdKey(a), peerIdKey(b));
  assert.ok(peerIdEquals(a, a.slice()));
  assert.ok(!peerIdEquals(a, b));
});

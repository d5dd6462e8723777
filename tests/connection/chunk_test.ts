import assert from "node:assert/strict";
import { vectors } from "../support/vectors.ts";
import { fromHex, toHex } from "../../lib/encoding/mod.ts";
import {
  checkBinaryChunksSize,
  chunkContentLength,
  decryptChunk,
  encryptChunk,
  isP2pError,
  MAX_CHUNK_CONTENT_LENGTH,
} from "../../lib/connection/mod.ts";

// Chunk frames carry their 2-byte prefix; the tezedge box vector has none.
for (const vector of vectors("encrypted_chunk").filter((v) => v.hex !== undefined)) {
  Deno.test(`chunk framing: ${vector.name}`, () => {
    const key = fromHex(vector.inputs.channel_key);
    const nonce = fromHex(vector.inputs.nonce);
    const frame = fromHex(vector.hex!);
    assert.equal(toHex(decryptChunk(key, nonce, frame)), vector.expected.plaintext);
    assert.equal(toHex(encryptChunk(key, nonce, fromHex(vector.expected.plaintext))), vector.hex);
    const forged = frame.slice();
    forged[forged.length - 1] ^= 1;
    assert.throws(
      () => decryptChunk(key, nonce, forged),
      (e: unknown) => isP2pError(e, "decipher_error"),
    );
  });
}

Deno.test("binary chunk sizes outside [19, 65535] are invalid_chunks_size", () => {
  for (const size of [0, 18, 65536, 100.5, NaN]) {
    assert.throws(() => checkBinaryChunksSize(size), (e: unknown) => {
      return isP2pError(e, "invalid_chunks_size") && Object.is(e.details.value, size) &&
        e.details.min === 19 && e.details.max === 65535;
    });
  }
  assert.equal(chunkContentLength(19), 1);
  assert.equal(chunkContentLength(21), 3);
  assert.equal(chunkContentLength(65535), 65517);
  assert.equal(chunkContentLength(), 65517);
});

Deno.test("a chunk of more than 65 517 plaintext bytes is invalid_message_size", () => {
  const key = new Uint8Array(32);
  const nonce = new Uint8Array(24);
  assert.equal(encryptChunk(key, nonce, new Uint8Array(MAX_CHUNK_CONTENT_LENGTH)).length, 65535);
  assert.throws(
    () => encryptChunk(key, nonce, new Uint8Array(MAX_CHUNK_CONTENT_LENGTH + 1)),
    (e: unknown) => isP2pError(e, "invalid_message_size") && e.details.value === 65518,
  );
});

Deno.test("a frame announcing fewer than 16 bytes is invalid_incoming_ciphertext_size", () => {
  assert.throws(
    () => decryptChunk(new Uint8Array(32), new Uint8Array(24), fromHex("000f" + "00".repeat(15))),
    (e: unknown) => isP2pError(e, "invalid_incoming_ciphertext_size"),
  );
});

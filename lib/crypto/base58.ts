/**
 * Base58 (Bitcoin alphabet) and base58check, as used for Tezos text forms such as peer ids
 * (`id…`).
 *
 * base58check text = base58(prefix ‖ payload ‖ checksum(4)), checksum = first 4 bytes of
 * SHA256(SHA256(prefix ‖ payload)).
 *
 * @module
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { CryptoError } from "./errors.ts";
import { toHex } from "../encoding/hex.ts";

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const DIGIT_OF_CODE: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/**
 * Base58 text of `bytes`; each leading zero byte becomes a leading `1`.
 *
 * Quadratic in the input length, which is fine for keys and hashes (tens of bytes).
 *
 * @param bytes Any bytes.
 * @returns The base58 text.
 */
export function base58Encode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  // Big-endian base-58 digits of the number, least significant last; log(256)/log(58) < 1.37.
  const digits = new Uint8Array(Math.ceil((bytes.length - zeros) * 1.37) + 1);
  let used = 0;
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i];
    for (let j = 0; j < used; j++) {
      carry += digits[j] << 8;
      digits[j] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) {
      digits[used++] = carry % 58;
      carry = (carry / 58) | 0;
    }
  }
  let text = "1".repeat(zeros);
  for (let j = used - 1; j >= 0; j--) text += ALPHABET[digits[j]];
  return text;
}

/**
 * Bytes of base58 text; each leading `1` becomes a leading zero byte.
 *
 * @param text Base58 text.
 * @returns The decoded bytes.
 * @throws {CryptoError} `invalid_base58` on a character outside the alphabet.
 */
export function base58Decode(text: string): Uint8Array {
  let zeros = 0;
  while (zeros < text.length && text.charCodeAt(zeros) === 49 /* "1" */) zeros++;
  // Little-endian base-256 digits; log(58)/log(256) < 0.74.
  const bytes = new Uint8Array(Math.ceil((text.length - zeros) * 0.74) + 1);
  let used = 0;
  for (let i = zeros; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const digit = code < 128 ? DIGIT_OF_CODE[code] : -1;
    if (digit < 0) {
      throw new CryptoError(
        "invalid_base58",
        `invalid base58 character ${JSON.stringify(text[i])} at position ${i}`,
        { position: i },
      );
    }
    let carry = digit;
    for (let j = 0; j < used; j++) {
      carry += bytes[j] * 58;
      bytes[j] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes[used++] = carry & 0xff;
      carry >>= 8;
    }
  }
  const out = new Uint8Array(zeros + used);
  for (let j = 0; j < used; j++) out[zeros + j] = bytes[used - 1 - j];
  return out;
}

function checksum(data: Uint8Array): Uint8Array {
  return sha256(sha256(data)).subarray(0, 4);
}

/**
 * base58check text of `prefix ‖ payload`.
 *
 * @param prefix Version bytes (for a peer id: `0x99 0x67`).
 * @param payload The bytes to encode.
 * @returns base58(prefix ‖ payload ‖ first4(SHA256d(prefix ‖ payload))).
 */
export function base58CheckEncode(prefix: Uint8Array, payload: Uint8Array): string {
  const data = new Uint8Array(prefix.length + payload.length + 4);
  data.set(prefix, 0);
  data.set(payload, prefix.length);
  data.set(
    checksum(data.subarray(0, prefix.length + payload.length)),
    prefix.length + payload.length,
  );
  return base58Encode(data);
}

/**
 * Payload of base58check text, checking in turn the alphabet, the checksum, the prefix and the
 * payload length (the order of Octez's `Base58.simple_decode`).
 *
 * @param text base58check text.
 * @param prefix The version bytes the text must start with.
 * @param payloadLength The exact payload length expected after the prefix.
 * @returns The payload (a fresh array).
 * @throws {CryptoError} `invalid_base58`, `bad_checksum`, `bad_prefix` or `bad_length`.
 */
export function base58CheckDecode(
  text: string,
  prefix: Uint8Array,
  payloadLength: number,
): Uint8Array {
  const data = base58Decode(text);
  if (data.length < 4) {
    throw new CryptoError("bad_checksum", `base58check text too short for a checksum: ${text}`, {
      actual: data.length,
    });
  }
  const body = data.subarray(0, data.length - 4);
  const expected = checksum(body);
  for (let i = 0; i < 4; i++) {
    if (data[body.length + i] !== expected[i]) {
      throw new CryptoError("bad_checksum", `base58check checksum mismatch in ${text}`);
    }
  }
  for (let i = 0; i < prefix.length; i++) {
    if (body[i] !== prefix[i]) {
      throw new CryptoError("bad_prefix", `base58check text ${text} has the wrong prefix`, {
        expected: toHex(prefix),
        actual: toHex(body.subarray(0, prefix.length)),
      });
    }
  }
  if (body.length !== prefix.length + payloadLength) {
    throw new CryptoError(
      "bad_length",
      `base58check payload of ${text} has ${
        body.length - prefix.length
      } bytes, expected ${payloadLength}`,
      { expected: payloadLength, actual: body.length - prefix.length },
    );
  }
  return body.slice(prefix.length);
}

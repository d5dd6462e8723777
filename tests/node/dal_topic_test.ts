// Text forms of DAL topics, addresses, commitments and message ids, checked against Octez's own
// base58 vectors (src/lib_crypto/test/key_encoding_vectors.ml and tezt encoding samples, tezos-mirror
// d26a8bef82) rather than against this code's own output.

import assert from "node:assert/strict";
import { blake2b } from "@noble/hashes/blake2.js";
import {
  formatDalCommitment,
  formatDalMessageId,
  formatDalTopic,
  formatPkh,
  parseDalTopic,
  parsePkh,
} from "../../lib/node/dal_topic.ts";
import { base58CheckDecode, base58Decode } from "../../lib/crypto/base58.ts";
import { fromHex, toHex } from "../../lib/encoding/hex.ts";
import { decodePkh, type Pkh } from "../../gen/gossipsub.ts";

// (kind, hash hex, address): the first entry of each `*_pkhs` list of
// src/lib_crypto/test/key_encoding_vectors.ml (lines 24, 228, 432, 636).
const OCTEZ_PKHS: [Pkh["kind"], string, string][] = [
  ["Ed25519", "811d97c377168a8bb2111c1651d23d9116b92f4c", "tz1XQjK1b3P72kMcHsoPhnAg3dvX1n8Ainty"],
  ["Secp256k1", "a8a3da850741d1cf7eb53a3514c0bf3df62b3378", "tz2PgvUJzfmDXTZUvkyKbQb8kjoWR4Wa5Rpv"],
  ["P256", "48480adaec07ecafbe1de0b2bb68688238740184", "tz3SvEa4tSowHC5iQ8Aw6DVKAAGqBPdyK1MH"],
  ["Bls", "5d1497f39b87599983fe8f29599b679564be822d", "tz4HVR6aty9KwsQFHh81C1G7gBdhxT8kuytm"],
];

Deno.test("parsePkh() and formatPkh() agree with Octez's tz1, tz2, tz3 and tz4 vectors", () => {
  for (const [kind, hex, text] of OCTEZ_PKHS) {
    const pkh = parsePkh(text);
    assert.equal(pkh.kind, kind, text);
    assert.equal(toHex(pkh.hash), hex, text);
    assert.equal(formatPkh({ kind, hash: fromHex(hex) }), text);
  }
});

Deno.test("a tz1 address is the Blake2b-160 hash of its Ed25519 public key", () => {
  // ed25519_key_encodings[0] (key_encoding_vectors.ml 840-843): the address and its edpk.
  const publicKey = base58CheckDecode(
    "edpkufnz668CdgnVC4X5KRvJoXCMgicr29Tjmr5vxGzvMdipwkTZmM",
    Uint8Array.of(13, 15, 37, 217), // edpk, src/lib_crypto/base58.ml 397
    32,
  );
  const hash = blake2b(publicKey, { dkLen: 20 });
  assert.equal(formatPkh({ kind: "Ed25519", hash }), "tz1SodoUsWVe1Yey9eMFbqRUtNpBWfir5NRr");
  assert.deepEqual(parsePkh("tz1SodoUsWVe1Yey9eMFbqRUtNpBWfir5NRr").hash, hash);
});

Deno.test("tz5 (ML-DSA-44) addresses use Octez's prefix 06 a1 a9 and read back", () => {
  // Octez has no tz5 vector; its only check is that the prefix gives "tz5" and 36 characters
  // (src/lib_crypto/mldsa44.ml 29). Every hash value must do so, the extremes included.
  for (const fill of [0x00, 0x5a, 0xff]) {
    const hash = new Uint8Array(20).fill(fill);
    const text = formatPkh({ kind: "MlDsa44", hash });
    assert.match(text, /^tz5[1-9A-HJ-NP-Za-km-z]{33}$/);
    assert.deepEqual(parsePkh(text), { kind: "MlDsa44", hash });
  }
});

Deno.test("the parsed address has the wire layout of the generated Pkh codec", () => {
  const tags: Record<string, number> = { Ed25519: 0, Secp256k1: 1, P256: 2, Bls: 3 };
  for (const [kind, hex, text] of OCTEZ_PKHS) {
    const decoded = decodePkh(fromHex(tags[kind].toString(16).padStart(2, "0") + hex));
    assert.deepEqual(decoded, parsePkh(text));
  }
});

Deno.test("parsePkh() refuses bad addresses with a RangeError naming the problem", () => {
  const good = "tz1XQjK1b3P72kMcHsoPhnAg3dvX1n8Ainty";
  const cases: [string, RegExp][] = [
    ["", /expected tz1, tz2, tz3, tz4 or tz5/],
    ["KT1PWx2mnDueood7fEmfbBDKx1D9BAnnXitn", /expected tz1, tz2, tz3, tz4 or tz5/],
    ["tz6XQjK1b3P72kMcHsoPhnAg3dvX1n8Ainty", /expected tz1/],
    [good.slice(0, -1) + "u", /checksum/],
    [good.replace("Q", "0"), /invalid base58 character "0"/],
    [good.slice(0, -2), /checksum|bytes/],
    // A tz1 text whose bytes carry the tz2 prefix: the checksum is right, the prefix is not.
    ["tz2PgvUJzfmDXTZUvkyKbQb8kjoWR4Wa5Rpv".replace("tz2", "tz1"), /checksum|prefix/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parsePkh(text), (e) => {
      assert.ok(e instanceof RangeError, `${text}: ${e}`);
      assert.match(e.message, message, text);
      assert.match(e.message, /^invalid public key hash /);
      return true;
    });
  }
});

Deno.test("formatPkh() refuses a hash that is not 20 bytes", () => {
  assert.throws(() => formatPkh({ kind: "Ed25519", hash: new Uint8Array(19) }), RangeError);
});

Deno.test("parseDalTopic() reads SLOT:PKH and formatDalTopic() writes it back", () => {
  for (
    const [slot, text] of [[0, OCTEZ_PKHS[0][2]], [255, OCTEZ_PKHS[3][2]], [
      31,
      OCTEZ_PKHS[1][2],
    ]] as const
  ) {
    const topic = parseDalTopic(`${slot}:${text}`);
    assert.equal(topic.slotIndex, slot);
    assert.equal(formatPkh(topic.pkh), text);
    assert.equal(formatDalTopic(topic), `${slot}:${text}`);
  }
});

Deno.test("parseDalTopic() refuses a bad slot or address with a precise RangeError", () => {
  const pkh = OCTEZ_PKHS[0][2];
  const cases: [string, RegExp][] = [
    [pkh, /expected SLOT:PKH/],
    [`256:${pkh}`, /slot index must be an integer from 0 to 255, got "256"/],
    [`-1:${pkh}`, /slot index/],
    [`01:${pkh}`, /slot index/],
    [`:${pkh}`, /slot index/],
    [`1.5:${pkh}`, /slot index/],
    ["3:tz1nothing", /invalid DAL topic "3:tz1nothing": invalid public key hash/],
    ["3:", /invalid public key hash ""/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseDalTopic(text), (e) => {
      assert.ok(e instanceof RangeError, `${text}: ${e}`);
      assert.match(e.message, message, text);
      return true;
    });
  }
});

Deno.test("formatDalCommitment() writes Octez's sh1 form of a commitment", () => {
  // A shard proof from tezt/tests/encoding_samples/alpha/operation/
  // operation-dal-entrapment-evidence.sample.json: a G1 point written with the same `sh` prefix
  // (src/lib_crypto/base58.ml 466) as commitments.
  const sample = "sh1whSSiBcztN8LCEvjebGwVfCyueMdkAe8ZFtZDF4A9nwF5AznfCwEZuComZtsodbkAsdBGkz";
  const raw = base58Decode(sample);
  assert.equal(raw.length, 3 + 48 + 4);
  assert.equal(toHex(raw.subarray(0, 3)), "0274b4");
  const text = formatDalCommitment(raw.subarray(3, 51));
  assert.equal(text, sample);
  assert.equal(text.length, 74);
  assert.throws(() => formatDalCommitment(new Uint8Array(47)), /48 bytes, got 47/);
});

Deno.test("formatDalMessageId() writes LEVEL/SLOT/SHARD/COMMITMENT/PKH", () => {
  const sample = "sh1whSSiBcztN8LCEvjebGwVfCyueMdkAe8ZFtZDF4A9nwF5AznfCwEZuComZtsodbkAsdBGkz";
  const commitment = base58Decode(sample).subarray(3, 51);
  const pkh = parsePkh(OCTEZ_PKHS[3][2]);
  assert.equal(
    formatDalMessageId({ level: 13151123, slotIndex: 15, shardIndex: 403, commitment, pkh }),
    `13151123/15/403/${sample}/${OCTEZ_PKHS[3][2]}`,
  );
});

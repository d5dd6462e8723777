import assert from "node:assert/strict";
import { isCryptoError } from "../../lib/crypto/errors.ts";
import type { Identity } from "../../lib/crypto/identity.ts";
import {
  identityFromJson,
  identityFromJsonObject,
  identityToJson,
  identityToJsonObject,
  readIdentityFile,
  writeIdentityFile,
} from "../../lib/crypto/identity_file.ts";
import { peerIdToString } from "../../lib/crypto/peer_id.ts";
import { vectors } from "../support/vectors.ts";

const identities = vectors("identity");
const ocamlVector = identities.find((v) => v.source.includes("identity_ocaml.json"))!;

// tezedge docker/identities/identity_ocaml.json, written by Octez (`tezos-node identity
// generate`), byte for byte (the keys of the vector above; no trailing newline).
const OCTEZ_FILE = `{ "peer_id": "idrRoknJh9zwEePNswF3MPGFzmKaVp",
  "public_key":
    "5fd7ba1d15650abc9a510c37a8bee566b708fe6577f0d832b903e8f13d71c94a",
  "secret_key":
    "213d61d6e41b443bec6bf0d00f17f59dfb4bdca409c9c03887cc5196be12502e",
  "proof_of_work_stamp": "4b1354dcfc087e52c8fb510317b9464c297b8a55b79bfc95" }`;

function jsonOf(index: number): Record<string, string> {
  const inputs = identities[index].inputs as Record<string, string>;
  const expected = identities[index].expected as Record<string, string>;
  return { peer_id: expected.peer_id_b58, ...inputs };
}

function rejects(value: unknown, kind: string, field?: string, expectedPow?: number): void {
  assert.throws(
    () => identityFromJsonObject(value, { expectedPow }),
    (e) =>
      isCryptoError(e) && e.kind === kind && (field === undefined || e.details.field === field),
  );
}

Deno.test("identityToJson() writes an Octez identity file byte for byte", () => {
  assert.ok(ocamlVector.name.includes("idrRoknJh9zwEePNswF3MPGFzmKaVp"));
  const identity = identityFromJson(OCTEZ_FILE, { expectedPow: 26 });
  const inputs = ocamlVector.inputs as Record<string, string>;
  assert.equal(identityToJsonObject(identity).public_key, inputs.public_key);
  assert.equal(identityToJsonObject(identity).secret_key, inputs.secret_key);
  assert.equal(identityToJson(identity), OCTEZ_FILE);
});

for (const [index, vector] of identities.entries()) {
  Deno.test(`identity JSON round trip of ${vector.name}`, () => {
    const json = jsonOf(index);
    const identity = identityFromJsonObject(json);
    assert.deepEqual(identityToJsonObject(identity), json);
    assert.deepEqual(Object.keys(identityToJsonObject(identity)), [
      "peer_id",
      "public_key",
      "secret_key",
      "proof_of_work_stamp",
    ]);
    assert.deepEqual(identityFromJson(identityToJson(identity)), identity);
    assert.deepEqual(JSON.parse(identityToJson(identity)), json);
  });
}

Deno.test("identityFromJsonObject() derives a missing peer_id, as Octez", () => {
  const { peer_id, ...withoutPeerId } = jsonOf(0);
  assert.equal(peerIdToString(identityFromJsonObject(withoutPeerId).peerId), peer_id);
});

Deno.test("identityFromJsonObject() accepts upper-case hex", () => {
  const json = jsonOf(0);
  const identity = identityFromJsonObject({ ...json, public_key: json.public_key.toUpperCase() });
  assert.equal(identityToJsonObject(identity).public_key, json.public_key);
});

Deno.test("identityFromJsonObject() rejects a peer_id of another key with identity_mismatch", () => {
  rejects({ ...jsonOf(0), peer_id: jsonOf(1).peer_id }, "identity_mismatch", "peer_id");
});

Deno.test("identityFromJsonObject() rejects a secret key of another pair", () => {
  rejects({ ...jsonOf(0), secret_key: jsonOf(1).secret_key }, "identity_keys_mismatch");
});

Deno.test("identityFromJsonObject() rejects an insufficient stamp only when a PoW is required", () => {
  const lowPow = identities.findIndex((v) =>
    (v.expected as Record<string, unknown>).check_pow_26 === false
  );
  assert.ok(lowPow >= 0);
  identityFromJsonObject(jsonOf(lowPow));
  identityFromJsonObject(jsonOf(lowPow), { expectedPow: 2 });
  rejects(jsonOf(lowPow), "insufficient_pow", "proof_of_work_stamp", 26);
  rejects(
    { ...jsonOf(0), proof_of_work_stamp: "00".repeat(24) },
    "insufficient_pow",
    undefined,
    26,
  );
});

Deno.test("identityFromJsonObject() rejects malformed files with invalid_identity_file", () => {
  const good = jsonOf(0);
  rejects(null, "invalid_identity_file");
  rejects([good], "invalid_identity_file");
  rejects("identity", "invalid_identity_file");
  for (const field of ["public_key", "secret_key", "proof_of_work_stamp"]) {
    const { [field]: _, ...missing } = good;
    rejects(missing, "invalid_identity_file", field);
    rejects({ ...good, [field]: good[field].slice(2) }, "invalid_identity_file", field);
    rejects({ ...good, [field]: good[field].slice(0, -1) + "g" }, "invalid_identity_file", field);
    rejects({ ...good, [field]: 42 }, "invalid_identity_file", field);
  }
  rejects({ ...good, peer_id: 7 }, "invalid_identity_file", "peer_id");
  rejects(
    { ...good, peer_id: "idrRoknJh9zwEePNswF3MPGFzmKaVq" },
    "invalid_identity_file",
    "peer_id",
  );
  rejects({ ...good, extra: "x" }, "invalid_identity_file", "extra");
  assert.throws(
    () => identityFromJson("{ not json"),
    (e) => isCryptoError(e, "invalid_identity_file"),
  );
});

Deno.test("writeIdentityFile() and readIdentityFile() round trip, refusing to overwrite", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tzp2p_identity_" });
  try {
    const path = `${dir}/identity.json`;
    const identity: Identity = identityFromJson(OCTEZ_FILE);
    await writeIdentityFile(path, identity);
    assert.equal(await Deno.readTextFile(path), OCTEZ_FILE);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.deepEqual(await readIdentityFile(path, { expectedPow: 26 }), identity);
    await assert.rejects(
      writeIdentityFile(path, identity),
      (e) => isCryptoError(e, "identity_file_exists") && e.details.path === path,
    );
    const other = identityFromJsonObject(jsonOf(2));
    await writeIdentityFile(new URL(`file://${path}`), other, { overwrite: true });
    assert.deepEqual(await readIdentityFile(new URL(`file://${path}`)), other);
    // Written through a temporary file that never stays behind, refused or not.
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["identity.json"]);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readIdentityFile() reports a missing file and names the file in other errors", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tzp2p_identity_" });
  try {
    await assert.rejects(
      readIdentityFile(`${dir}/missing.json`),
      (e) => isCryptoError(e, "no_identity_file") && e.details.path === `${dir}/missing.json`,
    );
    const path = `${dir}/identity.json`;
    await Deno.writeTextFile(path, JSON.stringify({ ...jsonOf(0), peer_id: jsonOf(1).peer_id }));
    await assert.rejects(
      readIdentityFile(path),
      (e) =>
        isCryptoError(e, "identity_mismatch") && e.details.path === path &&
        e.message.includes(path),
    );
    await Deno.writeTextFile(path, "[]");
    await assert.rejects(
      readIdentityFile(path),
      (e) => isCryptoError(e, "invalid_identity_file") && e.details.path === path,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeIdentityFile() refuses an identity whose parts disagree", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tzp2p_identity_" });
  try {
    const identity = identityFromJsonObject(jsonOf(0));
    const broken = { ...identity, secretKey: identityFromJsonObject(jsonOf(1)).secretKey };
    await assert.rejects(
      writeIdentityFile(`${dir}/identity.json`, broken),
      (e) => isCryptoError(e, "identity_keys_mismatch"),
    );
    await assert.rejects(Deno.stat(`${dir}/identity.json`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

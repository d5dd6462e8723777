// Every crypto backend gives the same bytes as the tweetnacl reference: on the p2p.json vectors
// (channel keys, boxes of captured and synthetic chunks, proof-of-work hashes) and on random inputs,
// through the backend interface and through the public box and proof-of-work functions with the
// backend switched in. The native backend needs --allow-ffi (the test task does not grant it): its
// tests are then ignored, and the start-up choice is checked in child processes instead.

import assert from "node:assert/strict";
import fc from "fast-check";
import nacl from "tweetnacl";
import {
  type CryptoBackend,
  type CryptoBackendName,
  cryptoBackendName,
  loadCryptoBackend,
  setCryptoBackend,
} from "../../lib/crypto/backend.ts";
import { channelKey, open, openInto, seal, sealInto } from "../../lib/crypto/box.ts";
import { isCryptoError } from "../../lib/crypto/errors.ts";
import { deriveNonces } from "../../lib/crypto/nonce.ts";
import { PowHasher, powTargetWords } from "../../lib/crypto/pow_hash.ts";
import { WasmPowHasher } from "../../lib/crypto/pow_wasm.ts";
import { makePowTarget } from "../../lib/crypto/pow_target.ts";
import { checkProofOfWork, generateProofOfWorkSync } from "../../lib/crypto/proof_of_work.ts";
import { hex, toHex, vectors } from "../support/vectors.ts";

const reference = await loadCryptoBackend("tweetnacl");
const nativeAllowed = Deno.permissions.querySync({ name: "ffi" }).state === "granted" &&
  Deno.permissions.querySync({ name: "read" }).state === "granted";
// "native" is what the name stands for (native, with WebAssembly below 768 bytes); "native alone"
// is sodium-native for every size.
const backends: Record<CryptoBackendName | "native alone", CryptoBackend | undefined> = {
  tweetnacl: reference,
  wasm: await loadCryptoBackend("wasm"),
  native: nativeAllowed ? await loadCryptoBackend("native") : undefined,
  "native alone": nativeAllowed
    ? (await import("../../lib/crypto/backend_native.ts")).nativeBackend
    : undefined,
};

/** Runs `body` with `name` as the process-wide backend, then restores the previous one. */
async function withBackend(name: CryptoBackendName, body: () => void): Promise<void> {
  const previous = cryptoBackendName();
  await setCryptoBackend(name);
  try {
    body();
  } finally {
    await setCryptoBackend(previous);
  }
}

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

// Curve25519 points of small order (libsodium's blacklist in crypto_scalarmult/curve25519/ref10):
// 0, 1, the two points of order 8, p - 1, p, p + 1; X25519 ignores the top bit, so each also with
// bit 255 set.
const LOW_ORDER = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
].flatMap((h) => {
  const point = hex(h);
  const high = point.slice();
  high[31] |= 0x80;
  return [point, high];
});

for (const label of ["tweetnacl", "wasm", "native", "native alone"] as const) {
  const backend = backends[label];
  const ignore = backend === undefined;
  const name = label === "native alone" ? "native" : label;

  Deno.test({
    name: `${label} backend: channelKey() matches the precompute_key vectors`,
    ignore,
    fn: () =>
      withBackend(name, () => {
        for (const vector of vectors("precompute_key")) {
          const inputs = vector.inputs as Record<string, string>;
          const remote = hex(inputs.remote_public_key ?? inputs.public_key);
          const key = channelKey(remote, hex(inputs.secret_key));
          assert.equal(toHex(key), vector.expected.channel_key, vector.name);
          const direct = new Uint8Array(32);
          assert.ok(backend!.beforenm(direct, remote, hex(inputs.secret_key)));
          assert.equal(toHex(direct), vector.expected.channel_key, vector.name);
        }
      }),
  });

  Deno.test({
    name: `${label} backend: seal and open match every encrypted_chunk vector, in place too`,
    ignore,
    fn: () =>
      withBackend(name, () => {
        for (const vector of vectors("encrypted_chunk")) {
          const inputs = vector.inputs as Record<string, string>;
          const key = hex(inputs.channel_key);
          const nonce = hex(inputs.nonce);
          if (vector.hex === undefined) {
            const plaintext = hex(inputs.plaintext);
            assert.equal(toHex(seal(key, nonce, plaintext)), vector.expected.box_hex, vector.name);
            assert.deepEqual(open(key, nonce, hex(vector.expected.box_hex)), plaintext);
            continue;
          }
          const frame = hex(vector.hex);
          const plaintext = hex(vector.expected.plaintext);
          // Sealed in place behind the 2-byte prefix, as chunk.ts does.
          const out = new Uint8Array(frame.length);
          out.set(frame.subarray(0, 2));
          out.set(plaintext, 18);
          sealInto(key, nonce, out.subarray(18), out, 2);
          assert.equal(toHex(out), vector.hex, vector.name);
          // Opened in place, as frame_reader.ts does.
          const received = frame.slice();
          openInto(key, nonce, received.subarray(2), received, 18);
          assert.deepEqual(received.subarray(18), plaintext, vector.name);
          // And the backend object itself (for "native alone", not behind the 768-byte switch).
          const ciphertext = new Uint8Array(plaintext.length);
          const tag = new Uint8Array(16);
          backend!.sealDetached(ciphertext, tag, plaintext, nonce, key);
          assert.equal(toHex(tag) + toHex(ciphertext), vector.hex.slice(4), vector.name);
        }
      }),
  });

  Deno.test({
    name: `${label} backend: BLAKE2b and checkProofOfWork() match the pow_check vectors`,
    ignore,
    fn: () =>
      withBackend(name, () => {
        let hashed = 0;
        for (const vector of vectors("pow_check")) {
          if (vector.inputs?.public_key === undefined) continue; // integer-reading vectors
          const publicKey = hex(vector.inputs.public_key);
          const stamp = hex(vector.inputs.proof_of_work_stamp);
          const target = makePowTarget(vector.inputs.target);
          assert.equal(checkProofOfWork(publicKey, stamp, target), vector.expected.ok, vector.name);
          if (vector.expected.hash_blake2b256 !== undefined) {
            const hash = new Uint8Array(32);
            backend!.blake2b256(hash, new Uint8Array([...publicKey, ...stamp]));
            assert.equal(toHex(hash), vector.expected.hash_blake2b256);
            hashed++;
          }
        }
        assert.ok(hashed > 0, "no pow_check vector carries a hash");
      }),
  });

  Deno.test({
    name: `${label} backend: deriveNonces() matches the nonce_derivation vectors`,
    ignore,
    fn: () =>
      withBackend(name, () => {
        for (const vector of vectors("nonce_derivation")) {
          const { incoming, sent_msg, recv_msg } = vector.inputs;
          const nonces = deriveNonces(hex(sent_msg), hex(recv_msg), incoming);
          assert.equal(toHex(nonces.localNonce), vector.expected.local_nonce, vector.name);
          assert.equal(toHex(nonces.remoteNonce), vector.expected.remote_nonce, vector.name);
        }
      }),
  });

  if (name === "tweetnacl") continue;

  Deno.test({
    name:
      `${label} backend: channel keys equal tweetnacl's on random key pairs, both ends agreeing`,
    ignore,
    fn() {
      // Any 32 bytes are a valid X25519 input (the top bit is ignored), so the "public key" here is
      // random too; a low-order one (improbable) must be refused by both.
      fc.assert(
        fc.property(bytes(32), bytes(32), (remote, secret) => {
          const expected = new Uint8Array(32);
          const actual = new Uint8Array(32);
          const accepted = reference.beforenm(expected, remote, secret);
          assert.equal(backend!.beforenm(actual, remote, secret), accepted);
          if (accepted) assert.deepEqual(actual, expected);
        }),
        { numRuns: 200 },
      );
      // Agreement between two real key pairs.
      for (let i = 0; i < 10; i++) {
        const a = crypto.getRandomValues(new Uint8Array(32));
        const b = crypto.getRandomValues(new Uint8Array(32));
        const pa = basePoint(a);
        const pb = basePoint(b);
        const ab = new Uint8Array(32);
        const ba = new Uint8Array(32);
        assert.ok(backend!.beforenm(ab, pb, a));
        assert.ok(backend!.beforenm(ba, pa, b));
        assert.deepEqual(ab, ba);
      }
    },
  });

  Deno.test({
    name: `${label} backend: refuses the 14 low-order public keys like tweetnacl`,
    ignore,
    fn: () =>
      withBackend(name, () => {
        const secret = crypto.getRandomValues(new Uint8Array(32));
        for (const point of LOW_ORDER) {
          assert.equal(reference.beforenm(new Uint8Array(32), point, secret), false, toHex(point));
          assert.equal(backend!.beforenm(new Uint8Array(32), point, secret), false, toHex(point));
          assert.throws(() => channelKey(point, secret), (e) => isCryptoError(e, "low_order_key"));
        }
      }),
  });

  Deno.test({
    name: `${label} backend: boxes equal tweetnacl's on random keys, nonces and plaintexts`,
    ignore,
    fn() {
      fc.assert(
        fc.property(
          bytes(32),
          bytes(24),
          // Both sides of the native backend's 768-byte switch.
          fc.oneof(fc.uint8Array({ maxLength: 700 }), fc.uint8Array({ maxLength: 3000 })),
          (key, nonce, plaintext) => {
            const expectedC = new Uint8Array(plaintext.length);
            const expectedT = new Uint8Array(16);
            reference.sealDetached(expectedC, expectedT, plaintext, nonce, key);
            const c = new Uint8Array(plaintext.length);
            const t = new Uint8Array(16);
            backend!.sealDetached(c, t, plaintext, nonce, key);
            assert.deepEqual(c, expectedC);
            assert.deepEqual(t, expectedT);
            // In place: the ciphertext replaces the plaintext, and back.
            const inPlace = plaintext.slice();
            backend!.sealDetached(inPlace, t, inPlace, nonce, key);
            assert.deepEqual(inPlace, expectedC);
            assert.ok(backend!.openDetached(inPlace, inPlace, t, nonce, key));
            assert.deepEqual(inPlace, plaintext);
          },
        ),
        { numRuns: 300 },
      );
    },
  });

  Deno.test({
    name: `${label} backend: a forged tag or ciphertext opens to false and writes nothing`,
    ignore,
    fn() {
      fc.assert(
        fc.property(
          bytes(32),
          bytes(24),
          fc.oneof(
            fc.uint8Array({ minLength: 1, maxLength: 300 }),
            fc.uint8Array({ minLength: 760, maxLength: 2000 }),
          ),
          fc.nat(),
          (key, nonce, plaintext, flip) => {
            const c = new Uint8Array(plaintext.length);
            const t = new Uint8Array(16);
            backend!.sealDetached(c, t, plaintext, nonce, key);
            const bit = flip % (8 * (16 + c.length));
            if (bit < 128) t[bit >> 3] ^= 1 << (bit & 7);
            else c[(bit - 128) >> 3] ^= 1 << (bit & 7);
            const out = new Uint8Array(c.length).fill(0xaa);
            assert.equal(backend!.openDetached(out, c, t, nonce, key), false);
            assert.ok(out.every((b) => b === 0xaa));
          },
        ),
        { numRuns: 200 },
      );
    },
  });

  Deno.test({
    name: `${label} backend: BLAKE2b-256 equals the reference on random inputs of 0 to 300 bytes`,
    ignore,
    fn() {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (input) => {
          const expected = new Uint8Array(32);
          const actual = new Uint8Array(32);
          reference.blake2b256(expected, input);
          backend!.blake2b256(actual, input);
          assert.deepEqual(actual, expected);
        }),
        { numRuns: 300 },
      );
    },
  });

  Deno.test({
    name: `${label} backend: a 200 KiB box (larger than any chunk) equals the reference`,
    ignore,
    fn() {
      const key = crypto.getRandomValues(new Uint8Array(32));
      const nonce = crypto.getRandomValues(new Uint8Array(24));
      const plaintext = new Uint8Array(200 * 1024).map((_, i) => (i * 31) & 0xff);
      const expectedC = new Uint8Array(plaintext.length);
      const expectedT = new Uint8Array(16);
      reference.sealDetached(expectedC, expectedT, plaintext, nonce, key);
      const c = new Uint8Array(plaintext.length);
      const t = new Uint8Array(16);
      backend!.sealDetached(c, t, plaintext, nonce, key);
      assert.deepEqual(t, expectedT);
      assert.deepEqual(c, expectedC);
      const back = new Uint8Array(c.length);
      assert.ok(backend!.openDetached(back, c, t, nonce, key));
      assert.deepEqual(back, plaintext);
    },
  });
}

// A public key: X25519(secret, 9), from tweetnacl.
function basePoint(secret: Uint8Array): Uint8Array {
  return nacl.scalarMult.base(secret);
}

Deno.test("WasmPowHasher finds the same stamp as PowHasher after the same number of attempts", () => {
  fc.assert(
    fc.property(bytes(32), bytes(24), fc.integer({ min: 1, max: 8 }), (publicKey, start, bits) => {
      // The last two stamp bytes near 0xffff so that the search carries across bytes.
      start[22] = 0xff;
      start[23] = 0xf0;
      const target = powTargetWords(makePowTarget(bits));
      const js = new PowHasher(publicKey, start);
      const wasm = new WasmPowHasher(publicKey, start);
      try {
        assert.equal(wasm.search(target, 100_000), js.search(target, 100_000));
        assert.deepEqual(wasm.stamp, js.stamp);
        assert.equal(wasm.attempts, js.attempts);
        assert.equal(checkProofOfWork(publicKey, wasm.stamp, makePowTarget(bits)), true);
      } finally {
        wasm.free();
      }
    }),
    { numRuns: 40 },
  );
});

Deno.test("WasmPowHasher stops after its budget with the next stamp to try", () => {
  const publicKey = new Uint8Array(32).fill(3);
  const start = new Uint8Array(24).fill(0xff); // wraps to all zeros after one attempt
  const wasm = new WasmPowHasher(publicKey, start);
  try {
    assert.equal(wasm.search(powTargetWords(makePowTarget(200)), 3), false);
    assert.equal(wasm.attempts, 3);
    const expected = new Uint8Array(24);
    expected[23] = 2;
    assert.deepEqual(wasm.stamp, expected);
  } finally {
    wasm.free();
  }
});

Deno.test("generateProofOfWorkSync() gives the same stamp on the wasm and tweetnacl backends", async () => {
  const publicKey = crypto.getRandomValues(new Uint8Array(32));
  const startStamp = crypto.getRandomValues(new Uint8Array(24));
  const stamps: string[] = [];
  for (const name of ["wasm", "tweetnacl"] as const) {
    await withBackend(name, () => {
      stamps.push(toHex(generateProofOfWorkSync(publicKey, makePowTarget(6), { startStamp })));
    });
  }
  assert.equal(stamps[0], stamps[1]);
  assert.ok(checkProofOfWork(publicKey, hex(stamps[0]), makePowTarget(6)));
});

Deno.test("setCryptoBackend() refuses an unknown name with backend_unavailable and keeps the backend", async () => {
  const before = cryptoBackendName();
  await assert.rejects(
    () => setCryptoBackend("openssl" as CryptoBackendName),
    (e) => isCryptoError(e, "backend_unavailable"),
  );
  assert.equal(cryptoBackendName(), before);
});

Deno.test({
  name: "setCryptoBackend('native') without --allow-ffi refuses with backend_unavailable",
  ignore: nativeAllowed,
  async fn() {
    const before = cryptoBackendName();
    await assert.rejects(
      () => setCryptoBackend("native"),
      (e) => isCryptoError(e, "backend_unavailable"),
    );
    assert.equal(cryptoBackendName(), before);
  },
});

// The start-up choice, in child processes with chosen permissions and environment.
async function probe(
  flags: string[],
  env: Record<string, string>,
): Promise<{ backend: string; key: number[]; stderr: string }> {
  const root = new URL("../../", import.meta.url);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...flags, "tests/crypto/backend_probe.ts"],
    cwd: root,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 0, err);
  return { ...JSON.parse(new TextDecoder().decode(stdout)), stderr: err };
}

const PROBE_KEY = Array.from(
  channelKey(new Uint8Array(32).fill(9), new Uint8Array(32).fill(7)),
);

Deno.test("start-up picks native with --allow-ffi --allow-read, else wasm, silently; TZP2P_CRYPTO forces one", async () => {
  const plain = await probe(["--allow-read"], {});
  assert.equal(plain.backend, "wasm");
  const native = await probe(["--allow-read", "--allow-ffi"], {});
  assert.equal(native.backend, "native");
  const forcedNacl = await probe(["--allow-read", "--allow-ffi", "--allow-env=TZP2P_CRYPTO"], {
    TZP2P_CRYPTO: "tweetnacl",
  });
  assert.equal(forcedNacl.backend, "tweetnacl");
  // Forced native without the permission: no prompt (stdin closed), no warning, wasm instead.
  const refused = await probe(["--allow-read", "--allow-env=TZP2P_CRYPTO"], {
    TZP2P_CRYPTO: "native",
  });
  assert.equal(refused.backend, "wasm");
  // Without --allow-env the variable is not read (and not prompted for).
  const unread = await probe(["--allow-read"], { TZP2P_CRYPTO: "tweetnacl" });
  assert.equal(unread.backend, "wasm");
  for (const run of [plain, native, forcedNacl, refused, unread]) {
    assert.deepEqual(run.key, PROBE_KEY);
    assert.equal(run.stderr, "");
  }
});

/**
 * The crypto backends side by side (`lib/crypto/backend.ts`): seal + open of one message at 64 B
 * and 64 KiB, in place in one reused buffer as a connection does, and key agreement (the channel
 * key, X25519 then HSalsa20), with tweetnacl as the baseline of every group. Also shown, not
 * backends: `libsodium-wrappers` through its ordinary (allocating) API, and WebCrypto X25519
 * (asynchronous, so it could not serve the synchronous `channelKey`).
 *
 *     deno bench --allow-read --allow-env --allow-ffi bench/crypto_bench.ts
 *
 * Without `--allow-ffi` the native rows are skipped. `deno task bench bench/crypto_bench.ts` grants
 * it.
 *
 * @module
 */

import sodium from "libsodium-wrappers";
import nacl from "tweetnacl";
import {
  type CryptoBackend,
  type CryptoBackendName,
  loadCryptoBackend,
} from "../lib/crypto/backend.ts";

await sodium.ready;

const nativeAllowed = Deno.permissions.querySync({ name: "ffi" }).state === "granted";
// "native" is the backend of that name (sodium-native, with WebAssembly below 768 bytes);
// "native alone" is sodium-native for every size.
const backends: [CryptoBackendName | "native alone", CryptoBackend | undefined][] = [
  ["tweetnacl", await loadCryptoBackend("tweetnacl")],
  ["wasm", await loadCryptoBackend("wasm")],
  ["native", nativeAllowed ? await loadCryptoBackend("native") : undefined],
  [
    "native alone",
    nativeAllowed ? (await import("../lib/crypto/backend_native.ts")).nativeBackend : undefined,
  ],
];

const key = crypto.getRandomValues(new Uint8Array(32));
const nonce = crypto.getRandomValues(new Uint8Array(24));
let sink = 0;

for (const [label, size] of [["64 B", 64], ["64 KiB", 65536]] as const) {
  const group = `seal + open, ${label}`;
  for (const [name, backend] of backends) {
    const buffer = crypto.getRandomValues(new Uint8Array(size));
    const tag = new Uint8Array(16);
    Deno.bench({
      name: `${name}: sealDetached + openDetached in place, ${label}`,
      group,
      baseline: name === "tweetnacl",
      ignore: backend === undefined,
      fn() {
        backend!.sealDetached(buffer, tag, buffer, nonce, key);
        if (!backend!.openDetached(buffer, buffer, tag, nonce, key)) throw new Error("forged");
        sink += buffer[0];
      },
    });
  }
  const plaintext = crypto.getRandomValues(new Uint8Array(size));
  Deno.bench({
    name: `libsodium-wrappers API (allocating): secretbox_detached + open_detached, ${label}`,
    group,
    fn() {
      const { cipher, mac } = sodium.crypto_secretbox_detached(plaintext, nonce, key);
      sink += sodium.crypto_secretbox_open_detached(cipher, mac, nonce, key)[0];
    },
  });
}

const alice = nacl.box.keyPair();
const bob = nacl.box.keyPair();
for (const [name, backend] of backends) {
  const out = new Uint8Array(32);
  Deno.bench({
    name: `${name}: channel key (X25519 + HSalsa20)`,
    group: "key agreement",
    baseline: name === "tweetnacl",
    ignore: backend === undefined,
    fn() {
      if (!backend!.beforenm(out, bob.publicKey, alice.secretKey)) throw new Error("low order");
      sink += out[0];
    },
  });
}

// WebCrypto wants the private key as PKCS #8: this 16-byte header, then the 32-byte scalar.
const PKCS8_X25519 = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04];
const pkcs8 = new Uint8Array([...PKCS8_X25519, 0x22, 0x04, 0x20, ...alice.secretKey]);
const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "X25519" }, false, [
  "deriveBits",
]);
Deno.bench({
  name: "WebCrypto X25519: import the peer's key + deriveBits (own key imported once, no HSalsa20)",
  group: "key agreement",
  async fn() {
    const peer = await crypto.subtle.importKey(
      "raw",
      bob.publicKey.slice(),
      { name: "X25519" },
      false,
      [],
    );
    const bits = await crypto.subtle.deriveBits({ name: "X25519", public: peer }, privateKey, 256);
    sink += new Uint8Array(bits)[0];
  },
});

addEventListener("unload", () => {
  if (sink === -1) console.log(sink); // keeps the results observable
});

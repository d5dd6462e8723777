/**
 * Connection throughput and handshake rate over TCP loopback, each against the raw cost of the
 * crypto alone in the same run.
 *
 *     deno bench --allow-read --allow-net=127.0.0.1 --allow-env bench/connection_bench.ts
 *
 * Both ends run in this one thread, so every message is sealed once (sender) and opened once
 * (receiver) on the same core: the baseline of a throughput group is therefore tweetnacl
 * `secretbox` + `secretbox.open` of the same messages with a `box.before` key. The groups also
 * show `secretbox` alone, to compare with a peer whose other end runs elsewhere.
 *
 * One iteration moves a batch of P2P application messages (64 B: 2 000, 1 KiB: 500, 64 KiB: 32)
 * from one end to the other: `writeNow` each, then `readNow`/`read` until all arrived. The
 * handshake group times `authenticate` + `accept` on both ends over a fresh TCP connection against
 * two `box.before` (one per end). The group "handshake per crypto backend" runs the same handshake
 * with each backend switched in (`setCryptoBackend`), tweetnacl as the baseline, beside the two
 * channel keys computed by that backend; native needs `--allow-ffi` and is skipped without it.
 */

import nacl from "tweetnacl";
import { rawAppCodec, type RawAppMessage } from "../lib/encoding/mod.ts";
import { makePointId } from "../lib/base/point_id.ts";
import {
  cryptoBackendName,
  generateIdentitySync,
  makePowTarget,
  setCryptoBackend,
} from "../lib/crypto/mod.ts";
import { type CryptoBackendName, loadCryptoBackend } from "../lib/crypto/backend.ts";
import {
  accept,
  authenticate,
  type AuthenticateOptions,
  type Connection,
  OCTEZ_MAINNET_VERSIONS,
  shellMetadataCodec,
} from "../lib/connection/mod.ts";
import type { P2pMessage } from "../gen/p2p_message.ts";

const alice = generateIdentitySync(0);
const bob = generateIdentitySync(0);

function options(incoming: boolean): AuthenticateOptions {
  return {
    identity: incoming ? bob : alice,
    powTarget: makePowTarget(0),
    incoming,
    versions: OCTEZ_MAINNET_VERSIONS,
    metadata: { disableMempool: false, privateNode: false },
    metadataCodec: shellMetadataCodec,
    timeoutMs: 10_000,
  };
}

const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const { port } = listener.addr as Deno.NetAddr;

async function pair(): Promise<[Connection<RawAppMessage>, Connection<RawAppMessage>]> {
  const [server, client] = await Promise.all([
    listener.accept(),
    Deno.connect({ hostname: "127.0.0.1", port }),
  ]);
  const [a, b] = await Promise.all([
    authenticate(client, { ...options(false), remotePoint: makePointId("127.0.0.1", port) }),
    authenticate(server, options(true)),
  ]);
  return await Promise.all([accept(a, rawAppCodec), accept(b, rawAppCodec)]);
}

const [sender, receiver] = await pair();

function message(size: number): P2pMessage<RawAppMessage> {
  const body = Uint8Array.from({ length: size }, (_, i) => (i * 31) & 0xff);
  return { kind: "Message", message: { kind: "Raw", tag: 0x10, body } };
}

async function transfer(msg: P2pMessage<RawAppMessage>, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (!sender.writeNow(msg)) await sender.write(msg);
  }
  let received = 0;
  while (received < count) {
    if (receiver.readNow() !== undefined) received++;
    else {
      await receiver.read();
      received++;
    }
  }
}

// Baseline material: the channel key as both ends compute it, and a nonce.
const key = nacl.box.before(bob.publicKey, alice.secretKey);
const nonce = new Uint8Array(24);
let sink = 0;

function sealAndOpen(plaintext: Uint8Array, count: number): void {
  for (let i = 0; i < count; i++) {
    nonce[23] = i & 0xff;
    const box = nacl.secretbox(plaintext, nonce, key);
    const opened = nacl.secretbox.open(box, nonce, key);
    sink += opened!.length;
  }
}

function sealOnly(plaintext: Uint8Array, count: number): void {
  for (let i = 0; i < count; i++) {
    nonce[23] = i & 0xff;
    sink += nacl.secretbox(plaintext, nonce, key).length;
  }
}

for (
  const [label, size, count] of [
    ["64 B", 64, 2000],
    ["1 KiB", 1024, 500],
    ["64 KiB", 65536, 32],
  ] as const
) {
  const msg = message(size);
  // The bytes secretbox sees per message: the encoded P2P message (length, tag, body).
  const plaintext = new Uint8Array(size + 6);
  Deno.bench({
    name: `connection: ${count} × ${label} over TCP loopback`,
    group: `throughput ${label}`,
    fn: async () => await transfer(msg, count),
  });
  Deno.bench({
    name: `crypto only: secretbox + open, ${count} × ${label}`,
    group: `throughput ${label}`,
    baseline: true,
    fn: () => sealAndOpen(plaintext, count),
  });
  Deno.bench({
    name: `crypto only: secretbox, ${count} × ${label}`,
    group: `throughput ${label}`,
    fn: () => sealOnly(plaintext, count),
  });
}

Deno.bench({
  name: "handshake: TCP connect + authenticate + accept, both ends",
  group: "handshake",
  fn: async () => {
    const [a, b] = await pair();
    await Promise.all([a.close(), b.close()]);
  },
});

Deno.bench({
  name: "crypto only: box.before × 2 (one per end)",
  group: "handshake",
  baseline: true,
  fn: () => {
    sink += nacl.box.before(bob.publicKey, alice.secretKey)[0];
    sink += nacl.box.before(alice.publicKey, bob.secretKey)[0];
  },
});

const startUpBackend = cryptoBackendName();
const nativeAllowed = Deno.permissions.querySync({ name: "ffi" }).state === "granted";
for (const name of ["tweetnacl", "wasm", "native"] as const satisfies CryptoBackendName[]) {
  const ignore = name === "native" && !nativeAllowed;
  const backend = ignore ? undefined : await loadCryptoBackend(name);
  Deno.bench({
    name: `handshake, ${name} backend: TCP connect + authenticate + accept, both ends`,
    group: "handshake per crypto backend",
    baseline: name === "tweetnacl",
    ignore,
    fn: async () => {
      await setCryptoBackend(name);
      try {
        const [a, b] = await pair();
        await Promise.all([a.close(), b.close()]);
      } finally {
        await setCryptoBackend(startUpBackend);
      }
    },
  });
  const out = new Uint8Array(32);
  Deno.bench({
    name: `crypto only, ${name} backend: channel key × 2 (one per end)`,
    group: "handshake per crypto backend",
    ignore,
    fn: () => {
      backend!.beforenm(out, bob.publicKey, alice.secretKey);
      sink += out[0];
      backend!.beforenm(out, alice.publicKey, bob.secretKey);
      sink += out[0];
    },
  });
}

// Last in the file, so it runs last: release the sockets.
Deno.bench({
  name: "(teardown)",
  group: "zz teardown",
  n: 1,
  warmup: 0,
  fn: async () => {
    await Promise.all([sender.close(), receiver.close()]);
    try {
      listener.close();
    } catch {
      // Already closed by an earlier run of this function.
    }
    if (sink === -1) console.log(sink);
  },
});

/**
 * Connection throughput over TCP loopback, each figure beside its ceiling measured in the same run.
 *
 *     deno bench --allow-read --allow-net=127.0.0.1 --allow-env [--allow-ffi] bench/connection_bench.ts
 *
 * Both ends of the connection run in this one thread, so every chunk is sealed once (sender) and
 * opened once (receiver) on the same core, and every byte crosses the loopback socket once. The
 * ceiling of a group is the same work without the connection around it, in one iteration:
 *
 * - seal + open of the very chunks the connection sends (a P2P message of `size + 6` bytes cut in
 *   pieces of at most 65 517 bytes), called straight on the crypto backend (`sealDetached` /
 *   `openDetached`) with buffers prepared once;
 * - then the same number of socket bytes (each chunk's 18 bytes of prefix and tag included) written
 *   through a second `Deno.Conn` pair with `write` (256 KiB at a time) and read with `read` (into
 *   a 256 KiB buffer), both directions of the loop in this thread too.
 *
 * ratio = ceiling time ÷ connection time (`deno bench` prints its inverse as "× slower than
 * baseline"). One group per message size and crypto backend: `wasm` (libsodium-wrappers, no
 * permission) always, `native` (sodium-native, with WebAssembly libsodium for boxes under 768
 * bytes) when `--allow-ffi` is granted; the connection row runs with that backend switched in.
 *
 * With `TZP2P_BASELINE=/path/to/an/older/checkout` (e.g. the tree of 46813ca), each `wasm` group
 * also times that tree's connection doing the same transfer (with its own crypto: tweetnacl), as
 * "today's" figure.
 *
 * One iteration moves a batch of P2P application messages (64 B: 10 000, 1 KiB: 4 000, 64 KiB: 100)
 * from one end to the other: `writeNow` each (`write` when the queue is full), then
 * `readNow`/`read` until all arrived.
 */

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
  OCTEZ_MAINNET_VERSIONS,
  shellMetadataCodec,
} from "../lib/connection/mod.ts";
import type { P2pMessage } from "../gen/p2p_message.ts";

/** What a throughput row needs of a connection (this tree's or an older one's). */
interface Pipe {
  writeNow(message: P2pMessage<RawAppMessage>): boolean;
  write(message: P2pMessage<RawAppMessage>): Promise<void>;
  readNow(): unknown;
  read(): Promise<unknown>;
  close(): Promise<void>;
}

/** The modules of a tree that a connection pair is built from. */
interface Tree {
  readonly accept: typeof accept;
  readonly authenticate: typeof authenticate;
  readonly OCTEZ_MAINNET_VERSIONS: typeof OCTEZ_MAINNET_VERSIONS;
  readonly shellMetadataCodec: typeof shellMetadataCodec;
  readonly rawAppCodec: typeof rawAppCodec;
  readonly generateIdentitySync: typeof generateIdentitySync;
  readonly makePowTarget: typeof makePowTarget;
  readonly makePointId: typeof makePointId;
}

const thisTree: Tree = {
  accept,
  authenticate,
  OCTEZ_MAINNET_VERSIONS,
  shellMetadataCodec,
  rawAppCodec,
  generateIdentitySync,
  makePowTarget,
  makePointId,
};

async function loadTree(root: string): Promise<Tree> {
  const url = (path: string) => new URL(path, `file://${root.replace(/\/?$/, "/")}`).href;
  const [connection, encoding, crypto, point] = await Promise.all([
    import(url("lib/connection/mod.ts")),
    import(url("lib/encoding/mod.ts")),
    import(url("lib/crypto/mod.ts")),
    import(url("lib/base/point_id.ts")),
  ]);
  return { ...connection, ...encoding, ...crypto, ...point } as Tree;
}

const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const { port } = listener.addr as Deno.NetAddr;

async function tcpPair(): Promise<[Deno.TcpConn, Deno.TcpConn]> {
  const [server, client] = await Promise.all([
    listener.accept(),
    Deno.connect({ hostname: "127.0.0.1", port }),
  ]);
  return [client, server as Deno.TcpConn];
}

async function connectionPair(tree: Tree): Promise<[Pipe, Pipe]> {
  const [alice, bob] = [tree.generateIdentitySync(0), tree.generateIdentitySync(0)];
  const options = (incoming: boolean): AuthenticateOptions => ({
    identity: incoming ? bob : alice,
    powTarget: tree.makePowTarget(0),
    incoming,
    versions: tree.OCTEZ_MAINNET_VERSIONS,
    metadata: { disableMempool: false, privateNode: false },
    metadataCodec: tree.shellMetadataCodec,
    timeoutMs: 10_000,
  });
  const [client, server] = await tcpPair();
  const [a, b] = await Promise.all([
    tree.authenticate(client, {
      ...options(false),
      remotePoint: tree.makePointId("127.0.0.1", port),
    }),
    tree.authenticate(server, options(true)),
  ]);
  return await Promise.all([tree.accept(a, tree.rawAppCodec), tree.accept(b, tree.rawAppCodec)]);
}

const [sender, receiver] = await connectionPair(thisTree);
const baselineRoot = Deno.env.get("TZP2P_BASELINE");
const [oldSender, oldReceiver] = baselineRoot
  ? await connectionPair(await loadTree(baselineRoot))
  : [undefined, undefined];
const [rawWriter, rawReader] = await tcpPair();

function message(size: number): P2pMessage<RawAppMessage> {
  const body = Uint8Array.from({ length: size }, (_, i) => (i * 31) & 0xff);
  return { kind: "Message", message: { kind: "Raw", tag: 0x10, body } };
}

async function transfer(from: Pipe, to: Pipe, msg: P2pMessage<RawAppMessage>, count: number) {
  for (let i = 0; i < count; i++) {
    if (!from.writeNow(msg)) await from.write(msg);
  }
  let received = 0;
  while (received < count) {
    if (to.readNow() === undefined) await to.read();
    received++;
  }
}

// The raw TCP ceiling: `total` bytes from one socket to the other.
const RAW_WRITE = 256 * 1024;
const rawOut = new Uint8Array(RAW_WRITE);
const rawIn = new Uint8Array(256 * 1024);

async function rawTcp(total: number): Promise<void> {
  const writing = (async () => {
    for (let sent = 0; sent < total;) {
      sent += await rawWriter.write(rawOut.subarray(0, Math.min(RAW_WRITE, total - sent)));
    }
  })();
  for (let received = 0; received < total;) {
    const n = await rawReader.read(rawIn);
    if (n === null) throw new Error("raw TCP: end of stream");
    received += n;
  }
  await writing;
}

/** Plaintext bytes per chunk (the default `binaryChunksSize`). */
const PIECE = 65517;
const CHUNK_EXTRA = 18;

/** Seal + open of the chunks of `count` messages of `size` body bytes, straight on a backend. */
function cryptoCeiling(name: CryptoBackendName, size: number) {
  const encoded = size + 6;
  const pieces: number[] = [];
  for (let p = 0; p < encoded; p += PIECE) pieces.push(Math.min(PIECE, encoded - p));
  const plain = new Uint8Array(encoded).fill(7);
  const key = new Uint8Array(32).fill(9);
  const nonce = new Uint8Array(24);
  const views = pieces.map((length, i) => ({
    plaintext: plain.subarray(i * PIECE, i * PIECE + length),
    tag: new Uint8Array(16),
    ciphertext: new Uint8Array(length),
    opened: new Uint8Array(length),
  }));
  const frameBytes = encoded + CHUNK_EXTRA * pieces.length;
  return {
    frameBytes,
    run: async (count: number) => {
      const backend = await loadCryptoBackend(name);
      for (let i = 0; i < count; i++) {
        for (const v of views) {
          nonce[23]++;
          backend.sealDetached(v.ciphertext, v.tag, v.plaintext, nonce, key);
          if (!backend.openDetached(v.opened, v.ciphertext, v.tag, nonce, key)) {
            throw new Error("ceiling: open failed");
          }
        }
      }
    },
  };
}

// Fixed counts. `deno bench` (2.9.6) runs a function whose warm-up average is under 10 ms 10 000
// times per sample whatever `n` says, hence batches large enough for the fastest ceiling (native,
// 64 KiB) to stay above 10 ms, and no row for the crypto or the socket alone. Every `fn` is an
// `async` function: `deno bench` awaits only those (it tells by the constructor), a plain arrow
// returning a promise is timed as if synchronous.
const ITERATIONS = { n: 30, warmup: 3 };

// Warm-up before any timing: V8 optimises the send and receive paths only after some thousands of
// messages, and without this the first group timed the tier-up (its connection row came out 1.5–2×
// slower than the same work in the next group).
for (const [size, count] of [[64, 10_000], [1024, 4000], [65536, 100]]) {
  for (let round = 0; round < 3; round++) {
    await transfer(sender, receiver, message(size), count);
    if (oldSender !== undefined) await transfer(oldSender, oldReceiver!, message(size), count);
  }
}

const startUpBackend = cryptoBackendName();
const nativeAllowed = Deno.permissions.querySync({ name: "ffi" }).state === "granted";
const backends: CryptoBackendName[] = nativeAllowed ? ["wasm", "native"] : ["wasm"];

for (
  const [label, size, count] of [
    ["64 B", 64, 10_000],
    ["1 KiB", 1024, 4000],
    ["64 KiB", 65536, 100],
  ] as const
) {
  const msg = message(size);
  for (const name of backends) {
    const group = `throughput ${label}, ${name}`;
    const ceiling = cryptoCeiling(name, size);
    const socketBytes = count * ceiling.frameBytes;
    Deno.bench({
      name: `ceiling: ${name} seal + open, then raw TCP of ${socketBytes} B`,
      group,
      baseline: true,
      ...ITERATIONS,
      fn: async () => {
        await ceiling.run(count);
        await rawTcp(socketBytes);
      },
    });
    Deno.bench({
      name: `connection, ${name}: ${count} × ${label} over TCP loopback`,
      group,
      ...ITERATIONS,
      fn: async () => {
        await setCryptoBackend(name);
        try {
          await transfer(sender, receiver, msg, count);
        } finally {
          await setCryptoBackend(startUpBackend);
        }
      },
    });
    if (name === "wasm") {
      Deno.bench({
        name: `today's connection (${baselineRoot ?? "TZP2P_BASELINE unset"}): ${count} × ${label}`,
        group,
        ...ITERATIONS,
        ignore: oldSender === undefined,
        fn: async () => await transfer(oldSender!, oldReceiver!, msg, count),
      });
    }
  }
}

// Last in the file, so it runs last: release the sockets.
Deno.bench({
  name: "(teardown)",
  group: "zz teardown",
  n: 1,
  warmup: 0,
  fn: async () => {
    await Promise.all([sender.close(), receiver.close(), oldSender?.close(), oldReceiver?.close()]);
    for (const closable of [rawWriter, rawReader, listener]) {
      try {
        closable.close();
      } catch {
        // Already closed by an earlier run of this function.
      }
    }
  },
});

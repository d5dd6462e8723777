/**
 * Handshakes per second: TCP connect + `authenticate` + `accept` on both ends, then close, in one
 * process, with each crypto backend, beside the key agreement alone (the two channel keys the two
 * ends compute, with the same backend), beside the TCP connect + accept + close alone, and beside
 * today's code (the tree at commit 46813ca, imported from the directory in `TZP2P_BASELINE`; the
 * row is skipped when the variable is unset).
 *
 *     TZP2P_BASELINE=/tmp/tzp2p-46813ca deno bench --allow-read --allow-net=127.0.0.1 \
 *       --allow-env --allow-ffi bench/handshake_bench.ts
 *
 * The baseline of the group is today's handshake when `TZP2P_BASELINE` is set, else tweetnacl's.
 * The native backend needs `--allow-ffi` and is skipped without it. Both ends run in this one
 * thread, so one iteration costs both ends' crypto: two channel keys, four seals and four opens
 * (metadata and Ack each way). After the rows, a table of the CPU time each row spent per iteration
 * (bench/support/cpu_time.ts): under load the wall-clock figures moved by 2x between runs.
 */

import { rawAppCodec } from "../lib/encoding/mod.ts";
import { makePointId } from "../lib/base/point_id.ts";
import { generateIdentitySync, makePowTarget, setCryptoBackend } from "../lib/crypto/mod.ts";
import {
  type CryptoBackendName,
  cryptoBackendName,
  loadCryptoBackend,
} from "../lib/crypto/backend.ts";
import { CpuMeter } from "./support/cpu_time.ts";
import {
  accept,
  authenticate,
  type AuthenticateOptions,
  OCTEZ_MAINNET_VERSIONS,
  shellMetadataCodec,
} from "../lib/connection/mod.ts";

const alice = generateIdentitySync(0);
const bob = generateIdentitySync(0);

const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const { port } = listener.addr as Deno.NetAddr;

function sockets(): Promise<[Deno.Conn, Deno.Conn]> {
  return Promise.all([Deno.connect({ hostname: "127.0.0.1", port }), listener.accept()]);
}

function options(incoming: boolean): AuthenticateOptions {
  return {
    identity: incoming ? bob : alice,
    powTarget: makePowTarget(0),
    incoming,
    listeningPort: incoming ? port : 0,
    remotePoint: incoming ? undefined : makePointId("127.0.0.1", port),
    versions: OCTEZ_MAINNET_VERSIONS,
    metadata: { disableMempool: false, privateNode: false },
    metadataCodec: shellMetadataCodec,
    timeoutMs: 10_000,
  };
}
const outgoing = options(false);
const incoming = options(true);

async function handshake(): Promise<void> {
  const [client, server] = await sockets();
  const [a, b] = await Promise.all([
    authenticate(client, outgoing),
    authenticate(server, incoming),
  ]);
  const [ca, cb] = await Promise.all([accept(a, rawAppCodec), accept(b, rawAppCodec)]);
  await Promise.all([ca.close(), cb.close()]);
}

// Today's code, loaded from its own tree: its modules and ours share nothing but npm packages.
const baselineDir = Deno.env.get("TZP2P_BASELINE");
type Handshake = () => Promise<void>;
let oldHandshake: Handshake | undefined;
if (baselineDir !== undefined) {
  const root = new URL(`file://${baselineDir.replace(/\/$/, "")}/`);
  const oldConn = await import(new URL("lib/connection/mod.ts", root).href);
  const oldCrypto = await import(new URL("lib/crypto/mod.ts", root).href);
  const oldEnc = await import(new URL("lib/encoding/mod.ts", root).href);
  const oldBase = await import(new URL("lib/base/point_id.ts", root).href);
  const oldAlice = oldCrypto.generateIdentitySync(0);
  const oldBob = oldCrypto.generateIdentitySync(0);
  const oldOptions = (isIncoming: boolean) => ({
    identity: isIncoming ? oldBob : oldAlice,
    powTarget: oldCrypto.makePowTarget(0),
    incoming: isIncoming,
    listeningPort: isIncoming ? port : 0,
    remotePoint: isIncoming ? undefined : oldBase.makePointId("127.0.0.1", port),
    versions: oldConn.OCTEZ_MAINNET_VERSIONS,
    metadata: { disableMempool: false, privateNode: false },
    timeoutMs: 10_000,
  });
  const oldOut = oldOptions(false);
  const oldIn = oldOptions(true);
  oldHandshake = async () => {
    const [client, server] = await sockets();
    const [a, b] = await Promise.all([
      oldConn.authenticate(client, oldOut),
      oldConn.authenticate(server, oldIn),
    ]);
    const [ca, cb] = await Promise.all([
      oldConn.accept(a, oldEnc.rawAppCodec),
      oldConn.accept(b, oldEnc.rawAppCodec),
    ]);
    await Promise.all([ca.close(), cb.close()]);
  };
}

const GROUP = "handshake";
const TODAY = "today (46813ca, tweetnacl): handshake";
// Fixed counts: with deno bench's own budget the slow rows got few iterations, and on the shared
// machine a load burst during one row moved its figure by 2x between runs.
const RUNS = { n: 300, warmup: 100 };
const cpu = new CpuMeter(RUNS.warmup);
Deno.bench({
  name: "today (46813ca, tweetnacl): TCP connect + authenticate + accept + close, both ends",
  group: GROUP,
  baseline: true,
  ignore: oldHandshake === undefined,
  ...RUNS,
  // An async function: deno bench awaits only those (a plain arrow's promise would overlap).
  fn: async () => {
    await cpu.measure(TODAY, 1, () => oldHandshake!());
  },
});

Deno.bench({
  name: "TCP connect + accept + close alone, no handshake",
  group: GROUP,
  ...RUNS,
  fn: async () => {
    await cpu.measure("TCP connect + accept + close alone", 1, async () => {
      const [client, server] = await sockets();
      client.close();
      server.close();
    });
  },
});

let sink = 0;
const startUpBackend = cryptoBackendName();
const nativeAllowed = Deno.permissions.querySync({ name: "ffi" }).state === "granted";
for (const name of ["native", "wasm", "tweetnacl"] as const satisfies CryptoBackendName[]) {
  const ignore = name === "native" && !nativeAllowed;
  const backend = ignore ? undefined : await loadCryptoBackend(name);
  Deno.bench({
    name: `${name}: TCP connect + authenticate + accept + close, both ends`,
    group: GROUP,
    baseline: oldHandshake === undefined && name === "tweetnacl",
    ignore,
    ...RUNS,
    fn: async (b) => {
      await setCryptoBackend(name);
      try {
        b.start();
        await cpu.measure(`${name}: handshake`, 1, handshake);
        b.end();
      } finally {
        await setCryptoBackend(startUpBackend);
      }
    },
  });
  const out = new Uint8Array(32);
  Deno.bench({
    name: `${name}: key agreement alone, channel key × 2 (one per end)`,
    group: GROUP,
    ignore,
    fn: async () => {
      await cpu.measure(`${name}: key agreement × 2`, 1, () => {
        backend!.beforenm(out, bob.publicKey, alice.secretKey);
        sink += out[0];
        backend!.beforenm(out, alice.publicKey, bob.secretKey);
        sink += out[0];
      });
    },
  });
}

let printed = false;
// Last in the file, so it runs last: release the listener, print the CPU table.
Deno.bench({
  name: "(teardown)",
  group: "zz teardown",
  n: 1,
  warmup: 0,
  fn: () => {
    try {
      listener.close();
    } catch {
      // deno bench may run this more than once.
    }
    if (sink === -1) console.log(sink);
    if (!printed) {
      printed = true;
      const base = cpu.perOp(TODAY) !== undefined ? TODAY : "tweetnacl: handshake";
      console.log(`\nCPU time (user + system) per iteration, warm-up excluded:\n`);
      console.log(cpu.table("iteration", base));
    }
  },
});

/**
 * One measurement of bench/idle_bench.ts, in a fresh process: opens `count` TCP loopback pairs of
 * the given kind, lets them sit idle with their reads pending, and prints one JSON line with the
 * growth of the resident set size, the V8 heap and the external memory across them.
 *
 *     deno run --v8-flags=--expose-gc --allow-read --allow-net=127.0.0.1 --allow-env \
 *       bench/support/idle_child.ts bare-4k|bare-64k|ours|today COUNT [BASELINE_DIR]
 *
 * - `bare-4k`, `bare-64k`: two `Deno.Conn` per pair, each with one `read` pending into a 4 KiB
 *   (64 KiB) buffer, allocated once per socket as a reader would;
 * - `ours`: authenticated and accepted connection pairs of this tree (the crypto backend chosen at
 *   start-up; `--allow-ffi` makes it native);
 * - `today`: the same with the tree in BASELINE_DIR (commit 46813ca), imported dynamically.
 *
 * Before the measured pairs, a few pairs are opened and closed, so that modules, the crypto
 * backend and the runtime's first-use allocations are in the "before" figure.
 *
 * @module
 */

const [kind, countText, baselineDir] = Deno.args;
const count = Number(countText);
const KINDS = ["bare-4k", "bare-64k", "ours", "today"];
if (!KINDS.includes(kind) || !(count > 0) || (kind === "today" && baselineDir === undefined)) {
  throw new TypeError(`usage: idle_child.ts ${KINDS.join("|")} COUNT [BASELINE_DIR]`);
}

const gc = (globalThis as { gc?: () => void }).gc;
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    gc?.();
  }
}

interface Sample {
  rss: number;
  heapUsed: number;
  external: number;
}
function sample(): Sample {
  const m = Deno.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}

const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const { port } = listener.addr as Deno.NetAddr;
function sockets(): Promise<[Deno.Conn, Deno.Conn]> {
  return Promise.all([Deno.connect({ hostname: "127.0.0.1", port }), listener.accept()]);
}

type Open = () => Promise<() => Promise<void>>;

function bareOpener(bufferBytes: number): Promise<Open> {
  return Promise.resolve(async () => {
    const [a, b] = await sockets();
    const pending = [a, b].map((c) => c.read(new Uint8Array(bufferBytes)).catch(() => null));
    return async () => {
      a.close();
      b.close();
      await Promise.all(pending);
    };
  });
}

// deno-lint-ignore no-explicit-any
type Module = any;

async function connectionOpener(root: URL, withCodec: boolean): Promise<Open> {
  const conn: Module = await import(new URL("lib/connection/mod.ts", root).href);
  const cryptoMod: Module = await import(new URL("lib/crypto/mod.ts", root).href);
  const enc: Module = await import(new URL("lib/encoding/mod.ts", root).href);
  const alice = cryptoMod.generateIdentitySync(0);
  const bob = cryptoMod.generateIdentitySync(0);
  const options = (incoming: boolean) => ({
    identity: incoming ? bob : alice,
    powTarget: cryptoMod.makePowTarget(0),
    incoming,
    versions: conn.OCTEZ_MAINNET_VERSIONS,
    metadata: { disableMempool: false, privateNode: false },
    ...(withCodec ? { metadataCodec: conn.shellMetadataCodec } : {}),
    timeoutMs: 30_000,
  });
  const out = options(false);
  const inc = options(true);
  return async () => {
    const [a, b] = await sockets();
    const [x, y] = await Promise.all([conn.authenticate(a, out), conn.authenticate(b, inc)]);
    const [cx, cy] = await Promise.all([
      conn.accept(x, enc.rawAppCodec),
      conn.accept(y, enc.rawAppCodec),
    ]);
    return async () => {
      await Promise.all([cx.close(), cy.close()]);
    };
  };
}

const here = new URL("../../", import.meta.url);
const open: Open = kind === "bare-4k"
  ? await bareOpener(4096)
  : kind === "bare-64k"
  ? await bareOpener(65536)
  : kind === "ours"
  ? await connectionOpener(here, true)
  : await connectionOpener(new URL(`file://${baselineDir!.replace(/\/$/, "")}/`), false);

// Warm-up: first-use allocations of the modules, the backend and the runtime.
for (let i = 0; i < 20; i++) await (await open())();
await settle();
const before = sample();
const closers: (() => Promise<void>)[] = [];
for (let i = 0; i < count; i++) closers.push(await open());
await settle();
const after = sample();
await Promise.all(closers.map((close) => close()));
listener.close();
const ends = 2 * count;
console.log(JSON.stringify({
  kind,
  count,
  rssPerEnd: (after.rss - before.rss) / ends,
  heapPerEnd: (after.heapUsed - before.heapUsed) / ends,
  externalPerEnd: (after.external - before.external) / ends,
}));

// Loopback network benchmarks (results in BENCHMARKS.md, "Loopback network"). Run with:
//
//   deno bench --allow-read --allow-env --allow-ffi --allow-net=127.0.0.1 bench/network_bench.ts
//
// and, to measure today's tree beside it in the same run, with TZP2P_BASELINE set to a checkout
// of the older tree (its lib/node is imported dynamically; the case is skipped when unset):
//
//   TZP2P_BASELINE=/tmp/tzp2p-46813ca deno bench --allow-read --allow-env --allow-ffi \
//     --allow-net=127.0.0.1 bench/network_bench.ts
//
// A network is 20 nodes in this process on 127.0.0.1 (fresh PoW-4 identities, heartbeat 100 ms,
// maintenance every 200 ms, 6 / 9 / 15 connections, no swaps, everyone subscribed to one topic).
// Only one network runs at a time: each is formed at its first case (outside the timing) and
// closed when a case of another network starts, so that idle heartbeats of one do not load the
// other. The latency group and the throughput group each get a fresh network of this tree.
//
// Groups:
// - latency (this tree): one iteration publishes a probe from a random node and waits until all
//   19 other nodes delivered it; Deno's avg / p75 / p99 are the time to full delivery. The probe
//   runs on an idle network (baseline), then under background publications at 200 and 1,000
//   msg/s (started before, stopped after each timed probe). Every single delivery's latency
//   (probes and background) is also recorded and printed as p50 / p99 at exit.
// - throughput: a burst of 500 publications from random nodes, timed until all 9,500 deliveries
//   happened, on this tree's network, on the baseline tree's network (same parameters), and on
//   the same 20 gossipsub workers of this tree with this tree's links wired in memory (no
//   encoding, encryption or sockets: the baseline of the group), which isolates what the
//   connections cost. The medians and the two ratios (this ÷ baseline tree publications/s, and
//   network ÷ in-memory time) are printed at exit.

import { createNode, defaultNodeLimits, simpleGossip } from "../lib/node/mod.ts";
import { makeWorker, type P2pOutput } from "../lib/gossipsub/mod.ts";
import { peerIdKey } from "../lib/crypto/mod.ts";

const NODES = 20;
const TOPIC = "bench";
const HEARTBEAT = 100;
const BURST = 500;
const BASELINE_TREE = Deno.env.get("TZP2P_BASELINE");

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Payload = sequence number(4) ‖ send time(8, performance.now()) ‖ 52 bytes of filler.
function payload(sequence: number): Uint8Array {
  const bytes = new Uint8Array(64);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, sequence);
  view.setFloat64(4, performance.now());
  return bytes;
}

interface Waiter {
  remaining: number;
  resolve: () => void;
}

/** Deliveries by sequence number, and per-delivery latencies. */
class Tracker {
  readonly waiters = new Map<number, Waiter>();
  latencies: number[] = [];
  delivered = 0;

  deliver(bytes: Uint8Array): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.latencies.push(performance.now() - view.getFloat64(4));
    this.delivered++;
    const waiter = this.waiters.get(view.getUint32(0));
    if (waiter !== undefined && --waiter.remaining === 0) waiter.resolve();
  }

  expect(sequence: number, count: number): Promise<void> {
    return new Promise((resolve) => this.waiters.set(sequence, { remaining: count, resolve }));
  }
}

// What the bench uses of a node, the same in both trees.
interface BenchNode {
  readonly peerId: Uint8Array;
  readonly listeningPoint: { addr: string; port: number } | undefined;
  subscribe(topic: string): ReadableStream<{ message: Uint8Array }>;
  peers(): { peerId: Uint8Array }[];
  meshPeers(topic: string): Uint8Array[];
  close(): Promise<void>;
}

interface Tree {
  readonly name: string;
  // The node options of the tree's createNode for node `i` dialling `bootstrap`.
  create(i: number, bootstrap: { addr: string; port: number }[]): Promise<BenchNode>;
  publish(node: BenchNode, message: Uint8Array): void;
}

// Parameters common to both trees. The option names that differ: this tree's `expectedPow` was
// `powDifficulty` (both the PoW of fresh identities and the PoW required from peers), and this
// tree's `publish` returns a promise that rejects without recipients unless `allowNoPeers`. The
// rest of this tree's `simple` profile equals the old defaults (20 concurrent incoming
// handshakes, 8 MiB outgoing queues, peer discovery, sequential validation).
const common = (i: number, bootstrap: { addr: string; port: number }[]) => ({
  heartbeatMs: HEARTBEAT,
  maintenanceMs: 200,
  connections: { minConnections: 6, expectedConnections: 9, maxConnections: 15 },
  bootstrapPoints: bootstrap,
  swapLingerMs: null,
  seed: i + 1,
});

const thisTree: Tree = {
  name: "this tree",
  create: (i, bootstrap) => createNode({ ...common(i, bootstrap), expectedPow: 4 }),
  publish: (node, message) => {
    (node as Awaited<ReturnType<typeof createNode>>)
      .publish(TOPIC, message, { allowNoPeers: true })
      .catch(() => {});
  },
};

async function baselineTree(root: string): Promise<Tree> {
  // A variable specifier: not type-checked, resolved with this tree's import map (same npm
  // versions of tweetnacl and @noble/hashes as the older tree's deno.json).
  const mod = await import(`${root.replace(/\/$/, "")}/lib/node/mod.ts`);
  return {
    name: `baseline tree (${root})`,
    create: (i, bootstrap) => mod.createNode({ ...common(i, bootstrap), powDifficulty: 4 }),
    publish: (node, message) => {
      // The older publish is synchronous and returns the id.
      (node as unknown as { publish(t: string, m: Uint8Array): unknown }).publish(TOPIC, message);
    },
  };
}

/** One running network of 20 nodes. */
class Network {
  readonly tracker = new Tracker();
  readonly nodes: BenchNode[] = [];
  readonly #readers: Promise<void>[] = [];
  seed = 12345;
  // Connections and mesh degrees when the network formed and when it closed.
  formed = "";
  closed = "";
  // The links of the formed network, by peer-id key (the in-memory baseline copies them).
  adjacency: string[][] = [];
  keys: string[] = [];

  constructor(readonly tree: Tree) {}

  async start(): Promise<void> {
    const nodes = this.nodes;
    for (let i = 0; i < NODES; i++) {
      const node = await this.tree.create(
        i,
        nodes.slice(Math.max(0, i - 2)).map((n) => n.listeningPoint!),
      );
      this.#readers.push((async () => {
        for await (const { message } of node.subscribe(TOPIC)) this.tracker.deliver(message);
      })());
      nodes.push(node);
    }
    const deadline = performance.now() + 30_000;
    while (!nodes.every((n) => n.peers().length >= 7 && n.meshPeers(TOPIC).length >= 4)) {
      if (performance.now() > deadline) {
        throw new Error(`the bench network of ${this.tree.name} did not form`);
      }
      await sleep(50);
    }
    this.formed = this.shape();
    this.keys = nodes.map((n) => peerIdKey(n.peerId));
    this.adjacency = nodes.map((n) => n.peers().map((p) => peerIdKey(p.peerId)));
  }

  shape(): string {
    const connections = this.nodes.map((n) => n.peers().length);
    const degrees = this.nodes.map((n) => n.meshPeers(TOPIC).length);
    return `connections ${Math.min(...connections)}–${Math.max(...connections)}, ` +
      `mesh degree ${Math.min(...degrees)}–${Math.max(...degrees)}`;
  }

  randomNode(): BenchNode {
    this.seed = (Math.imul(this.seed, 1103515245) + 12345) >>> 0;
    return this.nodes[this.seed % NODES];
  }

  async close(): Promise<void> {
    this.closed = this.shape();
    await Promise.all(this.nodes.map((n) => n.close()));
    await Promise.all(this.#readers);
  }
}

// The network running now; starting another one closes it first.
let running: Network | undefined;
let sequence = 0;

async function use(network: Network): Promise<Network> {
  if (running === network) return network;
  if (network.closed !== "") {
    throw new Error(`${network.tree.name}: a closed network is not reused`);
  }
  await running?.close();
  running = network;
  await network.start();
  return network;
}

// This tree's networks: one for the latency group, and a fresh one for the throughput group (the
// 1,000 msg/s background leaves a backlog that would land in the first burst).
let latencyNetwork: Network | undefined;
let burstNetwork: Network | undefined;

function background(network: Network, rate: number): () => void {
  if (rate === 0) return () => {};
  const perTick = rate / 100;
  let carry = 0;
  const timer = setInterval(() => {
    carry += perTick;
    for (; carry >= 1; carry--) {
      network.tree.publish(network.randomNode(), payload(0x80000000 + sequence++));
    }
  }, 10);
  return () => clearInterval(timer);
}

const LATENCY_N = 40;
const LATENCY_WARMUP = 4;
const latenciesByRate = new Map<number, number[]>();

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

function latencyCase(rate: number): (b: Deno.BenchContext) => Promise<void> {
  return async (b) => {
    const network = await use(latencyNetwork ??= new Network(thisTree));
    const tracker = network.tracker;
    const latencies = latenciesByRate.get(rate) ?? [];
    latenciesByRate.set(rate, latencies);
    tracker.latencies = latencies;
    const stop = background(network, rate);
    await sleep(50);
    const probe = sequence++;
    const done = tracker.expect(probe, NODES - 1);
    b.start();
    network.tree.publish(network.randomNode(), payload(probe));
    await done;
    b.end();
    stop();
    tracker.waiters.delete(probe);
    await sleep(20); // let the background messages drain before the next probe
    tracker.latencies = [];
  };
}

for (const rate of [0, 200, 1000]) {
  Deno.bench({
    name: rate === 0 ? "probe, idle network" : `probe, ${rate} msg/s background`,
    group: "latency",
    baseline: rate === 0,
    n: LATENCY_N,
    warmup: LATENCY_WARMUP,
    fn: latencyCase(rate),
  });
}

// Burst times (ms) of every iteration, by case; the summary reads the last BURST_N (Deno calls
// the function once more than n + warmup).
const BURST_N = 5;
const burstTimes = new Map<string, number[]>();

function record(name: string, ms: number): void {
  const times = burstTimes.get(name) ?? [];
  times.push(ms);
  burstTimes.set(name, times);
}

function measured(name: string): number[] | undefined {
  return burstTimes.get(name)?.slice(-BURST_N);
}

function burstCase(
  name: string,
  network: () => Promise<Network>,
): (b: Deno.BenchContext) => Promise<void> {
  return async (b) => {
    const net = await network();
    const first = sequence;
    const all = Array.from({ length: BURST }, (_, k) => net.tracker.expect(first + k, NODES - 1));
    net.tracker.latencies = [];
    b.start();
    const start = performance.now();
    for (let k = 0; k < BURST; k++) net.tree.publish(net.randomNode(), payload(sequence++));
    await Promise.all(all);
    const ms = performance.now() - start;
    b.end();
    record(name, ms);
  };
}

const THIS_NETWORK = `this tree's network, burst of ${BURST}`;
const BASELINE_NETWORK = `baseline tree's network, burst of ${BURST}`;
const IN_MEMORY = `in-memory workers, burst of ${BURST}`;

Deno.bench({
  name: THIS_NETWORK,
  group: "throughput",
  n: BURST_N,
  warmup: 1,
  fn: burstCase(THIS_NETWORK, () => use(burstNetwork ??= new Network(thisTree))),
});

let baselineNetwork: Network | undefined;
Deno.bench({
  name: BASELINE_NETWORK,
  group: "throughput",
  ignore: BASELINE_TREE === undefined,
  n: BURST_N,
  warmup: 1,
  fn: burstCase(BASELINE_NETWORK, async () => {
    baselineNetwork ??= new Network(await baselineTree(BASELINE_TREE!));
    return use(baselineNetwork);
  }),
});

// The in-memory baseline: this tree's workers and links, messages passed as objects in memory.
class MemoryWiring {
  readonly tracker = new Tracker();
  readonly gossip = simpleGossip();
  readonly workers;
  readonly #byKey;
  readonly #pipes: Promise<void>[];
  readonly peerIds: Uint8Array[];
  sequence = 0;
  seed = 12345;

  constructor(keys: string[], adjacency: string[][], peerIds: Uint8Array[]) {
    this.peerIds = peerIds;
    const gossip = this.gossip;
    this.workers = keys.map((self, i) =>
      makeWorker<string, string, Uint8Array, Uint8Array>({
        limits: defaultNodeLimits<string>(HEARTBEAT),
        peer: { key: (p) => p, compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0) },
        topic: gossip.topic,
        messageId: gossip.messageId,
        message: gossip.message,
        rng: i + 1,
        self,
      })
    );
    const byKey = this.#byKey = new Map(keys.map((k, i) => [k, this.workers[i]]));
    this.#pipes = this.workers.flatMap((worker, i) => [
      (async () => {
        for await (
          const out of worker.p2pOutputStream as ReadableStream<
            P2pOutput<string, string, Uint8Array, Uint8Array>
          >
        ) {
          if (out.kind !== "OutMessage") continue;
          byKey.get(out.toPeer)?.p2pInput({
            kind: "InMessage",
            fromPeer: keys[i],
            p2pMessage: out.p2pMessage,
          });
        }
      })(),
      (async () => {
        for await (const { message } of worker.appOutputStream) this.tracker.deliver(message);
      })(),
    ]);
    for (const worker of this.workers) worker.start([TOPIC]);
    this.workers.forEach((worker, i) => {
      for (const peer of adjacency[i]) {
        if (!byKey.has(peer)) continue;
        worker.p2pInput({ kind: "NewConnection", peer, direct: false, outbound: peer > keys[i] });
      }
    });
  }

  async formed(): Promise<void> {
    while (!this.workers.every((w) => w.view.meshPeers(TOPIC).length >= 4)) await sleep(50);
  }

  publish(): void {
    this.seed = (Math.imul(this.seed, 1103515245) + 12345) >>> 0;
    const origin = this.seed % NODES;
    const id = this.gossip.newMessageId!(
      TOPIC,
      new Uint8Array(0),
      this.peerIds[origin],
      this.sequence,
    );
    this.workers[origin].appInput({
      kind: "PublishMessage",
      topic: TOPIC,
      messageId: id,
      message: payload(this.sequence++),
    });
  }
}

let memory: MemoryWiring | undefined;
Deno.bench({
  name: IN_MEMORY,
  group: "throughput",
  baseline: true,
  n: BURST_N,
  warmup: 1,
  async fn(b) {
    if (memory === undefined) {
      // The links of this tree's network (formed now if no case of it ran), then no network.
      let network = burstNetwork;
      if (network === undefined || network.formed === "") {
        network = await use(burstNetwork = new Network(thisTree));
      }
      await running?.close();
      running = undefined;
      memory = new MemoryWiring(
        network.keys,
        network.adjacency,
        network.nodes.map((n) => n.peerId),
      );
      await memory.formed();
    }
    const wiring = memory;
    const first = wiring.sequence;
    const all = Array.from(
      { length: BURST },
      (_, k) => wiring.tracker.expect(first + k, NODES - 1),
    );
    wiring.tracker.latencies = [];
    b.start();
    const start = performance.now();
    for (let k = 0; k < BURST; k++) wiring.publish();
    await Promise.all(all);
    const ms = performance.now() - start;
    b.end();
    record(IN_MEMORY, ms);
  },
});

globalThis.addEventListener("unload", () => {
  const lines = [...latenciesByRate].map(([rate, latencies]) => {
    const sorted = [...latencies].sort((x, y) => x - y);
    return `${rate} msg/s: ${sorted.length} deliveries, p50 ${
      percentile(sorted, 50).toFixed(2)
    } ms, p99 ${percentile(sorted, 99).toFixed(2)} ms`;
  });
  if (lines.length > 0) {
    console.log("per-delivery latency (probes and background):\n  " + lines.join("\n  "));
  }
  const networks = [
    ["latency", latencyNetwork],
    ["throughput", burstNetwork],
    ["throughput", baselineNetwork],
  ] as const;
  for (const [group, network] of networks) {
    if (network === undefined || network.formed === "") continue;
    const end = network.closed === "" ? network.shape() : network.closed;
    console.log(
      `${group}, ${network.tree.name}: ${NODES} nodes, formed with ${network.formed}; ` +
        `at the end ${end}`,
    );
  }
  const mine = measured(THIS_NETWORK);
  const old = measured(BASELINE_NETWORK);
  const mem = measured(IN_MEMORY);
  const show = (name: string, times: number[] | undefined) =>
    times === undefined
      ? ""
      : `\n  ${name}: median ${median(times).toFixed(0)} ms (${
        times.map((t) => t.toFixed(0)).join(", ")
      }), ${(BURST / median(times) * 1000).toFixed(0)} publications/s`;
  let text = "burst of " + BURST + ":" + show(THIS_NETWORK, mine) + show(BASELINE_NETWORK, old) +
    show(IN_MEMORY, mem);
  if (mine !== undefined && old !== undefined) {
    text += `\n  this tree ÷ baseline tree, publications/s: ${
      (median(old) / median(mine)).toFixed(2)
    }×`;
  }
  if (mine !== undefined && mem !== undefined) {
    text += `\n  this tree's network ÷ in-memory, time: ${
      (median(mine) / median(mem)).toFixed(2)
    }×`;
  }
  console.log(text);
});

// Deno bench has no teardown hook: the last network and the workers stay up until the process
// exits.

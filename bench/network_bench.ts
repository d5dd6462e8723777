// Loopback network benchmarks (results in BENCHMARKS.md, "Loopback network"). Run with:
//
//   deno bench --allow-net=127.0.0.1 bench/network_bench.ts
//
// One network of 20 nodes is set up once at load (fresh PoW-4 identities, heartbeat 100 ms,
// 6 / 9 / 15 connections, everyone subscribed to one topic) and reused by every case.
//
// Groups:
// - latency: one iteration publishes a probe from a random node and waits until all 19 other
//   nodes delivered it; Deno's avg / p75 / p99 are the time to full delivery. The probe runs on
//   an idle network (baseline), then under background publications at 200 and 1,000 msg/s
//   (started before, stopped after each timed probe). Every single delivery's latency (probes
//   and background) is also recorded and printed as p50 / p99 after the group.
// - throughput: a burst of 500 publications from random nodes, timed until all 9,500 deliveries
//   happened. Baseline: the same 20 gossipsub workers with the same links wired in memory (no
//   encoding, encryption or sockets), which isolates what the connections cost.

import { createNode, type Node, simpleGossip } from "../lib/node/mod.ts";
import { makeWorker, type P2pOutput } from "../lib/gossipsub/mod.ts";
import { defaultNodeLimits } from "../lib/node/mod.ts";
import { peerIdKey } from "../lib/crypto/mod.ts";

type SimpleNode = Node<string, Uint8Array, Uint8Array>;

const NODES = 20;
const TOPIC = "bench";
const HEARTBEAT = 100;

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

const tracker = new Tracker();
const nodes: SimpleNode[] = [];
const readers: Promise<void>[] = [];
for (let i = 0; i < NODES; i++) {
  const node = await createNode({
    expectedPow: 4,
    heartbeatMs: HEARTBEAT,
    maintenanceMs: 200,
    connections: { minConnections: 6, expectedConnections: 9, maxConnections: 15 },
    bootstrapPoints: nodes.slice(Math.max(0, i - 2)).map((n) => n.listeningPoint!),
    swapLingerMs: null,
    seed: i + 1,
  });
  readers.push((async () => {
    for await (const { message } of node.subscribe(TOPIC)) tracker.deliver(message);
  })());
  nodes.push(node);
}
const deadline = performance.now() + 20_000;
while (!nodes.every((n) => n.peers().length >= 7 && n.meshPeers(TOPIC).length >= 4)) {
  if (performance.now() > deadline) throw new Error("the bench network did not form");
  await sleep(50);
}

let sequence = 0;
let seed = 12345;
function randomNode(): SimpleNode {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return nodes[seed % NODES];
}

function background(rate: number): () => void {
  if (rate === 0) return () => {};
  const perTick = rate / 100;
  let carry = 0;
  const timer = setInterval(() => {
    carry += perTick;
    for (; carry >= 1; carry--) {
      void randomNode().publish(TOPIC, payload(0x80000000 + sequence++), { allowNoPeers: true });
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

function latencyCase(rate: number): (b: Deno.BenchContext) => Promise<void> {
  return async (b) => {
    const latencies = latenciesByRate.get(rate) ?? [];
    latenciesByRate.set(rate, latencies);
    tracker.latencies = latencies;
    const stop = background(rate);
    await sleep(50);
    const probe = sequence++;
    const done = tracker.expect(probe, NODES - 1);
    b.start();
    void randomNode().publish(TOPIC, payload(probe), { allowNoPeers: true });
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

const BURST = 500;

Deno.bench({
  name: `tzp2p network, burst of ${BURST}`,
  group: "throughput",
  n: 5,
  warmup: 1,
  async fn(b) {
    const first = sequence;
    const all = Array.from({ length: BURST }, (_, k) => tracker.expect(first + k, NODES - 1));
    b.start();
    for (let k = 0; k < BURST; k++) {
      void randomNode().publish(TOPIC, payload(sequence++), { allowNoPeers: true });
    }
    await Promise.all(all);
    b.end();
  },
});

// The baseline: the same workers and links, messages passed as objects in memory.
const adjacency = nodes.map((n) => n.peers().map((p) => peerIdKey(p.peerId)));
const keys = nodes.map((n) => peerIdKey(n.peerId));
const gossip = simpleGossip();
const workers = keys.map((self, i) =>
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
const byKey = new Map(keys.map((k, i) => [k, workers[i]]));
const memoryTracker = new Tracker();
const pipes = workers.flatMap((worker, i) => [
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
    for await (const { message } of worker.appOutputStream) memoryTracker.deliver(message);
  })(),
]);
for (const worker of workers) worker.start([TOPIC]);
workers.forEach((worker, i) => {
  for (const peer of adjacency[i]) {
    if (!byKey.has(peer)) continue;
    worker.p2pInput({ kind: "NewConnection", peer, direct: false, outbound: peer > keys[i] });
  }
});
while (!workers.every((w) => w.view.meshPeers(TOPIC).length >= 4)) await sleep(50);

let memorySequence = 0;
Deno.bench({
  name: `in-memory workers, burst of ${BURST}`,
  group: "throughput",
  baseline: true,
  n: 5,
  warmup: 1,
  async fn(b) {
    const first = memorySequence;
    const all = Array.from(
      { length: BURST },
      (_, k) => memoryTracker.expect(first + k, NODES - 1),
    );
    b.start();
    for (let k = 0; k < BURST; k++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const origin = seed % NODES;
      const id = gossip.newMessageId!(
        TOPIC,
        new Uint8Array(0),
        nodes[origin].peerId,
        memorySequence,
      );
      workers[origin].appInput({
        kind: "PublishMessage",
        topic: TOPIC,
        messageId: id,
        message: payload(memorySequence++),
      });
    }
    await Promise.all(all);
    b.end();
  },
});

globalThis.addEventListener("unload", () => {
  const lines = [...latenciesByRate].map(([rate, latencies]) => {
    const sorted = [...latencies].sort((x, y) => x - y);
    return `${rate} msg/s: ${sorted.length} deliveries, p50 ${
      percentile(sorted, 50).toFixed(2)
    } ms, ` +
      `p99 ${percentile(sorted, 99).toFixed(2)} ms`;
  });
  console.log("per-delivery latency (probes and background):\n  " + lines.join("\n  "));
  const connections = nodes.map((n) => n.peers().length);
  const degrees = nodes.map((n) => n.meshPeers(TOPIC).length);
  console.log(
    `network: ${NODES} nodes, connections ${Math.min(...connections)}–${
      Math.max(...connections)
    }, mesh degree ${Math.min(...degrees)}–${Math.max(...degrees)}`,
  );
});

// Deno bench has no teardown hook: the nodes and workers stay up until the process exits.
void readers;
void pipes;

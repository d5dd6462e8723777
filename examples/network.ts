/**
 * A gossip network on loopback in one command: 12 nodes with fresh low-PoW identities, each
 * linked at first to one or two others, discover more peers (Bootstrap / Advertise), join two of
 * three topics, and publish; the example then prints a short report (nodes, connections, mesh
 * degree, messages delivered / expected, delivery latency p50 / p99) and shuts every node down.
 *
 *     deno run --allow-net=127.0.0.1 examples/network.ts
 *
 * @module
 */

import { createNode, type Delivered, type Node } from "../lib/node/mod.ts";

const NODES = 12;
const TOPICS = ["blocks", "operations", "shards"];
const MESSAGES = 300;

type SimpleNode = Node<string, Uint8Array, Uint8Array>;

interface Member {
  readonly node: SimpleNode;
  readonly topics: string[];
  received: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

// Payload: 8 bytes of send time (performance.now(), shared by all nodes of this process) + filler.
function stamp(): Uint8Array {
  const payload = new Uint8Array(64);
  new DataView(payload.buffer).setFloat64(0, performance.now());
  return payload;
}

function sentAt(payload: Uint8Array): number {
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getFloat64(0);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function drain(
  stream: ReadableStream<Delivered<string, Uint8Array, Uint8Array>>,
  member: Member,
  latencies: number[],
): Promise<void> {
  for await (const { message } of stream) {
    latencies.push(performance.now() - sentAt(message));
    member.received++;
  }
}

/**
 * Runs the network and prints its report.
 *
 * @param log Where the report goes (default `console.log`).
 */
export async function main(log: (line: string) => void = console.log): Promise<void> {
  const started = performance.now();
  const members: Member[] = [];
  const readers: Promise<void>[] = [];
  const latencies: number[] = [];
  try {
    for (let i = 0; i < NODES; i++) {
      const previous = members.slice(Math.max(0, i - 2)).map((m) => m.node.listeningPoint!);
      const node = await createNode({
        expectedPow: 4,
        heartbeatMs: 100,
        maintenanceMs: 200,
        connections: { minConnections: 4, expectedConnections: 6, maxConnections: 10 },
        bootstrapPoints: previous,
        seed: i + 1,
      });
      const member: Member = { node, topics: TOPICS.filter((_, t) => t !== i % 3), received: 0 };
      for (const topic of member.topics) {
        readers.push(drain(node.subscribe(topic), member, latencies));
      }
      members.push(member);
    }
    const meshed = await until(
      () =>
        members.every((m) =>
          m.node.peers().length >= 4 && m.topics.every((t) => m.node.meshPeers(t).length >= 2)
        ),
      10_000,
    );
    log(
      `${NODES} nodes up in ${(performance.now() - started).toFixed(0)} ms, meshes ${
        meshed ? "formed" : "NOT formed"
      }`,
    );

    let expected = 0;
    for (let i = 0; i < MESSAGES; i++) {
      const publisher = members[i % NODES];
      const topic = TOPICS[(i * 7) % TOPICS.length];
      await publisher.node.publish(topic, stamp(), { allowNoPeers: true });
      expected += members.filter((m) => m !== publisher && m.topics.includes(topic)).length;
      if (i % 10 === 9) await sleep(2);
    }
    const received = () => members.reduce((n, m) => n + m.received, 0);
    await until(() => received() >= expected, 10_000);

    const connections = members.map((m) => m.node.peers().length);
    const degrees = members.flatMap((m) => m.topics.map((t) => m.node.meshPeers(t).length));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const sorted = [...latencies].sort((a, b) => a - b);
    log(`nodes: ${NODES}, topics: ${TOPICS.length} (each node joins 2)`);
    log(
      `connections per node: mean ${mean(connections).toFixed(1)}, min ${
        Math.min(...connections)
      }, max ${Math.max(...connections)}`,
    );
    log(
      `mesh degree: mean ${mean(degrees).toFixed(1)}, min ${Math.min(...degrees)}, max ${
        Math.max(...degrees)
      }`,
    );
    log(`messages: ${MESSAGES} published, ${received()} delivered / ${expected} expected`);
    log(
      `latency: p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${
        percentile(sorted, 99).toFixed(2)
      } ms`,
    );
  } finally {
    await Promise.all(members.map((m) => m.node.close()));
    await Promise.all(readers);
    log(`all nodes closed after ${(performance.now() - started).toFixed(0)} ms`);
  }
}

if (import.meta.main) await main();

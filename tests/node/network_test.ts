// The loopback network test of issue 5: 20 nodes, sparse initial links, 3 topics; every message
// reaches every subscribed node exactly once, before and after killing 5 nodes.

import assert from "node:assert/strict";
import { peerIdKey } from "../../lib/crypto/mod.ts";
import { collect, type Collected, sleep, waitFor } from "../support/async.ts";
import {
  assertPortFree,
  closeAll,
  type SimpleDelivered,
  type SimpleNode,
  testNode,
} from "./helpers.ts";

const NODES = 20;
const TOPICS = ["blocks", "operations", "shards"];
const FIRST_ROUND = 200;
const SECOND_ROUND = 100;
const KILLED = 5;

interface Member {
  readonly node: SimpleNode;
  readonly key: string;
  readonly topics: string[];
  readonly streams: Map<string, Collected<SimpleDelivered>>;
  alive: boolean;
}

// A node subscribes to two topics of three, so any two nodes share one.
function topicsOf(i: number): string[] {
  return TOPICS.filter((_, t) => i % TOPICS.length !== t);
}

function payload(index: number): Uint8Array {
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, index);
  view.setFloat64(4, performance.now());
  return bytes;
}

function indexOf(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
}

// Whether the living subscribers of `topic` form one connected component: gossip only crosses
// connections between subscribers (and the publisher's fanout).
function subscribersConnected(members: Member[], topic: string): boolean {
  const alive = members.filter((m) => m.alive && m.topics.includes(topic));
  if (alive.length === 0) return true;
  const byKey = new Map(alive.map((m) => [m.key, m]));
  const seen = new Set([alive[0].key]);
  const stack = [alive[0]];
  while (stack.length > 0) {
    const m = stack.pop()!;
    for (const peer of m.node.peers()) {
      const key = peerIdKey(peer.peerId);
      const next = byKey.get(key);
      if (next !== undefined && !seen.has(key)) {
        seen.add(key);
        stack.push(next);
      }
    }
  }
  return seen.size === alive.length;
}

function networkReady(members: Member[], minConnections: number): boolean {
  for (const m of members) {
    if (!m.alive) continue;
    if (m.node.peers().length < minConnections) return false;
    for (const topic of m.topics) if (m.node.meshPeers(topic).length === 0) return false;
  }
  return TOPICS.every((topic) => subscribersConnected(members, topic));
}

interface Publication {
  readonly index: number;
  readonly topic: string;
  readonly publisher: Member;
  readonly expected: Member[];
}

async function publishRound(
  members: Member[],
  first: number,
  count: number,
  random: () => number,
): Promise<Publication[]> {
  const alive = members.filter((m) => m.alive);
  const publications: Publication[] = [];
  for (let index = first; index < first + count; index++) {
    const publisher = alive[Math.floor(random() * alive.length)];
    const topic = TOPICS[Math.floor(random() * TOPICS.length)];
    await publisher.node.publish(topic, payload(index), { allowNoPeers: true });
    const expected = alive.filter((m) => m !== publisher && m.topics.includes(topic));
    publications.push({ index, topic, publisher, expected });
    if (index % 20 === 19) await sleep(10);
  }
  return publications;
}

function received(member: Member, topic: string, index: number): number {
  const items = member.streams.get(topic)?.items ?? [];
  let n = 0;
  for (const item of items) if (indexOf(item.message) === index) n++;
  return n;
}

function missing(publications: Publication[]): string[] {
  const out: string[] = [];
  for (const p of publications) {
    for (const m of p.expected) {
      if (received(m, p.topic, p.index) !== 1) out.push(`#${p.index} at ${m.key.slice(0, 8)}`);
    }
  }
  return out;
}

// Every stream holds exactly the publications it should, each once.
function checkExactlyOnce(members: Member[], publications: Publication[]): void {
  const expectedAt = new Map<Collected<SimpleDelivered>, Set<number>>();
  for (const p of publications) {
    for (const m of p.expected) {
      const stream = m.streams.get(p.topic)!;
      const set = expectedAt.get(stream) ?? new Set();
      set.add(p.index);
      expectedAt.set(stream, set);
    }
  }
  const range = new Set(publications.map((p) => p.index));
  for (const m of members) {
    for (const [topic, stream] of m.streams) {
      const got = stream.items.map((item) => indexOf(item.message)).filter((i) => range.has(i));
      const want = [...(expectedAt.get(stream) ?? [])].sort((a, b) => a - b);
      assert.deepEqual(
        [...got].sort((a, b) => a - b),
        want,
        `node ${m.key.slice(0, 8)} topic ${topic}`,
      );
      for (const item of stream.items) assert.equal(item.topic, topic);
    }
  }
}

Deno.test("20 loopback nodes deliver every message exactly once, also after 5 of them die", async () => {
  let seed = 0x2545f491;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const connections = { minConnections: 6, expectedConnections: 9, maxConnections: 15 };
  const members: Member[] = [];
  try {
    // Sparse initial links: each node knows the previous one and one random earlier node.
    for (let i = 0; i < NODES; i++) {
      const bootstrapPoints = i === 0 ? [] : [
        members[i - 1].node.listeningPoint!,
        members[Math.floor(random() * i)].node.listeningPoint!,
      ];
      const node = await testNode({ bootstrapPoints, connections, seed: i + 1 });
      const topics = topicsOf(i);
      const streams = new Map(topics.map((t) => [t, collect(node.subscribe(t))]));
      members.push({ node, key: peerIdKey(node.peerId), topics, streams, alive: true });
    }
    // Maintenance threshold for 6 / 9 / 15 is 7 connections.
    await waitFor("the mesh to form", () => networkReady(members, 7), 20_000, 50);

    const first = await publishRound(members, 0, FIRST_ROUND, random);
    await waitFor(
      "the first round to be delivered",
      () => missing(first).length === 0,
      10_000,
    ).catch((e) => assert.fail(`${e.message}; missing ${missing(first).slice(0, 10)}`));
    const expectedFirst = first.reduce((n, p) => n + p.expected.length, 0);
    assert.ok(expectedFirst > FIRST_ROUND * 10, `${expectedFirst} deliveries expected`);

    // Kill 5 random nodes; the others must repair their meshes and keep delivering.
    const victims = [...members].sort(() => random() - 0.5).slice(0, KILLED);
    for (const victim of victims) victim.alive = false;
    await closeAll(victims.map((v) => v.node));
    // Every socket of a closed node is gone: its peers all saw the connection end.
    const dead = new Set(victims.map((v) => v.key));
    await waitFor(
      "the survivors to drop the dead",
      () =>
        members.every((m) =>
          !m.alive || m.node.peers().every((p) => !dead.has(peerIdKey(p.peerId)))
        ),
    );
    await waitFor("the mesh to heal", () => networkReady(members, 7), 20_000, 50);

    const second = await publishRound(members, FIRST_ROUND, SECOND_ROUND, random);
    await waitFor(
      "the second round to be delivered",
      () => missing(second).length === 0,
      10_000,
    ).catch((e) => assert.fail(`${e.message}; missing ${missing(second).slice(0, 10)}`));
    // Give duplicates a chance to show up before counting.
    await sleep(300);
    checkExactlyOnce(members, [...first, ...second]);
  } finally {
    await closeAll(members.map((m) => m.node));
    await Promise.all(members.flatMap((m) => [...m.streams.values()].map((s) => s.done)));
  }
  for (const m of members) assertPortFree(m.node.listeningPoint!.port);
});

// The real side of bench/sim_vs_network.ts: 20 tzp2p nodes on 127.0.0.1 in this process, set up
// as bench/network_bench.ts sets up its network (fresh PoW-4 identities, heartbeat 100 ms, 6 / 9 /
// 15 connections, bootstrap on the two previous nodes, no swaps, one topic), the topology they
// settle on, and a run of publications at a low rate with every delivery recorded: when, at which
// node, and from which peer first — which gives each delivery's hop count and the time of each hop.

import { createNode, type Node } from "../../lib/node/mod.ts";
import { generateIdentitySync, peerIdToString } from "../../lib/crypto/mod.ts";
import { randomRegular, Rng } from "../../lib/sim/mod.ts";
import { DelayProxy } from "./delay_proxy.ts";

type SimpleNode = Node<string, Uint8Array, Uint8Array>;

/** The settings the real network and the simulation share. */
export interface NetworkSettings {
  /** Nodes. */
  readonly nodes: number;
  /** Gossipsub heartbeat (ms). */
  readonly heartbeatMs: number;
  /** Payload bytes of a publication. */
  readonly messageBytes: number;
  /** The topic. */
  readonly topic: string;
  /**
   * With a value > 0, links of this one-way delay (ms): every node listens behind a
   * {@link DelayProxy}, runs in private mode with the others as trusted peers, and dials the
   * relays of its neighbours in a random `linkDegree`-regular graph (the later node of each edge
   * dials), so no connection bypasses a relay.
   */
  readonly linkDelayMs?: number;
  /** Connections per node of the delayed network's graph (default 8). */
  readonly linkDegree?: number;
}

/** The connection graph and meshes of the real network at one instant. */
export interface RealTopology {
  /** Undirected connections, [dialler, listener] by node index. */
  readonly edges: [number, number][];
  /** Mesh peers of each node on the topic, by node index. */
  readonly meshes: number[][];
}

/** One delivery at a node other than the publisher. */
export interface RealDelivery {
  /** Publication index. */
  readonly index: number;
  /** Node index. */
  readonly node: number;
  /** `performance.now()` at the subscriber. */
  readonly at: number;
  /** The peer it came from first (node index; −1 if unknown). */
  readonly from: number;
}

/** What a run of publications recorded. */
export interface RealRun {
  /** Publication times (`performance.now()` just before `publish`). */
  readonly pubTime: number[];
  /** Publisher of each publication (node index). */
  readonly publishers: number[];
  /** Every delivery, in arrival order. */
  readonly deliveries: RealDelivery[];
  /** Topology before the first publication and after the last delivery. */
  readonly before: RealTopology;
  /** See `before`. */
  readonly after: RealTopology;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A running loopback network. */
export class LoopbackNetwork {
  readonly settings: NetworkSettings;
  readonly nodes: SimpleNode[] = [];
  readonly #index = new Map<string, number>();
  readonly #readers: Promise<void>[] = [];
  readonly #proxies: DelayProxy[] = [];
  #onDelivery: (d: { index: number; node: number; from: number }) => void = () => {};

  private constructor(settings: NetworkSettings) {
    this.settings = settings;
  }

  /** Starts the nodes and waits until every node has ≥ 7 connections and a mesh of ≥ 4. */
  static async start(settings: NetworkSettings): Promise<LoopbackNetwork> {
    const net = new LoopbackNetwork(settings);
    const delay = settings.linkDelayMs ?? 0;
    const identities = Array.from({ length: settings.nodes }, () => generateIdentitySync(4));
    const dials: number[][] = identities.map(() => []);
    const graphDegree: number[] = identities.map(() => 0);
    if (delay > 0) {
      const graph = randomRegular(settings.nodes, settings.linkDegree ?? 8, new Rng(0x5eed));
      for (const [a, b] of graph.edges) {
        dials[Math.max(a, b)].push(Math.min(a, b));
        graphDegree[a]++, graphDegree[b]++;
      }
    }
    for (let i = 0; i < settings.nodes; i++) {
      const common = {
        identity: identities[i],
        expectedPow: 4,
        heartbeatMs: settings.heartbeatMs,
        maintenanceMs: 200,
        connections: { minConnections: 6, expectedConnections: 9, maxConnections: 15 },
        swapLingerMs: null,
        seed: i + 1,
      };
      const node = delay > 0
        ? await createNode({
          ...common,
          privateMode: true,
          peerDiscovery: false,
          trustedPeers: identities.filter((_, j) => j !== i).map((id) => id.peerId),
          trustedPoints: dials[i].map((j) => `127.0.0.1:${net.#proxies[j].port}`),
        })
        : await createNode({
          ...common,
          bootstrapPoints: net.nodes.slice(Math.max(0, i - 2)).map((n) => n.listeningPoint!),
        });
      if (delay > 0) net.#proxies.push(new DelayProxy(node.listeningPoint!.port, delay));
      net.#index.set(peerIdToString(node.peerId), i);
      net.nodes.push(node);
      net.#readers.push((async () => {
        for await (const { message, from } of node.subscribe(settings.topic)) {
          const index = new DataView(message.buffer, message.byteOffset).getUint32(0);
          const sender = from === undefined ? -1 : net.#index.get(peerIdToString(from)) ?? -1;
          net.#onDelivery({ index, node: i, from: sender });
        }
      })());
    }
    const deadline = performance.now() + 30_000;
    const topic = settings.topic;
    const ready = (n: SimpleNode, i: number) =>
      n.peers().length >= (delay > 0 ? graphDegree[i] : 7) && n.meshPeers(topic).length >= 4;
    while (!net.nodes.every(ready)) {
      if (performance.now() > deadline) throw new Error("the loopback network did not form");
      await sleep(50);
    }
    return net;
  }

  /** The current connections (from each node's `snapshot()`) and meshes. */
  topology(): RealTopology {
    const seen = new Set<string>();
    const edges: [number, number][] = [];
    const meshes: number[][] = [];
    this.nodes.forEach((node, i) => {
      const snap = node.snapshot();
      for (const c of snap.connections) {
        const j = this.#index.get(c.peerId);
        if (j === undefined) continue;
        const key = i < j ? `${i}-${j}` : `${j}-${i}`;
        if (seen.has(key)) continue;
        seen.add(key);
        edges.push(c.incoming ? [j, i] : [i, j]);
      }
      const topic = snap.topics?.find((t) => t.topic === this.settings.topic);
      meshes.push(
        (topic?.mesh ?? []).map((p) => this.#index.get(p) ?? -1).filter((j) => j >= 0),
      );
    });
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return { edges, meshes };
  }

  /**
   * Publishes `count` messages `intervalMs` apart from nodes drawn by a seeded generator, and
   * waits until each reached every other node (or `tailMs` after the last one).
   */
  async publish(count: number, intervalMs: number, tailMs: number, seed: number): Promise<RealRun> {
    const { nodes: n, messageBytes, topic } = this.settings;
    const pubTime: number[] = [];
    const publishers: number[] = [];
    const deliveries: RealDelivery[] = [];
    const seen = new Set<number>();
    let pending = count * (n - 1);
    let allDone: () => void = () => {};
    const done = new Promise<void>((resolve) => (allDone = resolve));
    this.#onDelivery = ({ index, node, from }) => {
      const at = performance.now();
      if (index >= count || seen.has(index * n + node)) return;
      seen.add(index * n + node);
      deliveries.push({ index, node, at, from });
      if (--pending === 0) allDone();
    };
    const before = this.topology();
    let state = seed >>> 0;
    const start = performance.now();
    for (let k = 0; k < count; k++) {
      // Publish on a fixed schedule, not `intervalMs` after the previous one returned.
      const wait = start + k * intervalMs - performance.now();
      if (wait > 0) await sleep(wait);
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const origin = (state >>> 8) % n;
      const payload = new Uint8Array(messageBytes);
      new DataView(payload.buffer).setUint32(0, k);
      publishers.push(origin);
      pubTime.push(performance.now());
      void this.nodes[origin].publish(topic, payload, { allowNoPeers: true });
    }
    await Promise.race([done, sleep(tailMs)]);
    this.#onDelivery = () => {};
    return { pubTime, publishers, deliveries, before, after: this.topology() };
  }

  /** Closes every node. */
  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.close()));
    await Promise.all(this.#proxies.map((p) => p.close()));
    await Promise.allSettled(this.#readers);
  }
}

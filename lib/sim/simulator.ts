/**
 * The discrete-event loop. Everything happens at an instant of simulated time
 * taken from the event queue: a message arriving on a link, a node's
 * heartbeat, a publication, a periodic sample, a churn departure or return, a
 * connection from peer exchange, an adversary's tick. Handling an event may
 * schedule others, never at an earlier time. The loop is synchronous and owns
 * every random choice through generators derived from the run's seed (one per
 * concern, so that, say, turning loss on does not change the topology), so the
 * same configuration gives the same report byte for byte, run time aside.
 *
 * A message sent at `t` by a node leaves once the node's uplink is free
 * (serialisation: size / upload bandwidth, one message at a time), travels the
 * link's one-way delay (or a delay drawn for that message, with
 * `latencyPerMessage`), and arrives no earlier than the previous message on
 * the same link (links are FIFO, like TCP). A lost message still used the uplink.
 * Connections open at once on both sides; one from peer exchange opens after
 * a round trip (the dial).
 *
 * @module
 */

import { Rng } from "../base/rng.ts";
import { type AdversaryNetwork, adversaryTick, behaviourOf, isActive } from "./adversary.ts";
import { checkConfig, type SimConfig, type SimOptions, withDefaults } from "./config.ts";
import { EventQueue } from "./event_queue.ts";
import { assignRegions, drawLatency } from "./latency.ts";
import { Metrics, ScoreAccumulator } from "./metrics.ts";
import { buildReport, type SimReport } from "./report.ts";
import { ComponentAccumulator, scoreComponents } from "./score_components.ts";
import { type Link, type NodeNetwork, SimNode } from "./sim_node.ts";
import { randomRegular } from "./topology.ts";
import { type SimMessage, wireSize } from "./wire_size.ts";

/** Progress of a run, given to {@linkcode RunOptions.onProgress}. */
export interface SimProgress {
  /** Simulated time reached (ms). */
  readonly simTimeMs: number;
  /** Simulated time at which the run ends (ms). */
  readonly endMs: number;
  /** Events processed so far. */
  readonly events: number;
}

/** Options of {@linkcode simulate}. */
export interface RunOptions {
  /** Called every few thousand events. */
  readonly onProgress?: (progress: SimProgress) => void;
}

type SimEvent =
  | {
    readonly k: "msg";
    readonly from: number;
    readonly to: number;
    readonly link: Link;
    readonly message: SimMessage;
    readonly size: number;
  }
  | { readonly k: "hb"; readonly node: number; readonly epoch: number }
  | { readonly k: "adv"; readonly node: number; readonly epoch: number }
  | { readonly k: "pub"; readonly index: number }
  | { readonly k: "sample" }
  | { readonly k: "churn" }
  | { readonly k: "rejoin"; readonly node: number }
  | { readonly k: "dial"; readonly from: number; readonly to: number; readonly latency: number };

/** Ids of adversaries' fresh messages start here, far above any publication index. */
const FRESH_ID_BASE = 2 ** 40;

/** A seed for stream `stream` (and `sub`) of a run with seed `seed` (splitmix-style mixing). */
export function deriveSeed(seed: number, stream: number, sub = 0): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b) ^
    Math.imul(sub + 1, 0xc2b2ae35)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d);
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b);
  return (z ^ (z >>> 16)) >>> 0;
}

/** One simulation run; use {@linkcode simulate} unless you need the nodes afterwards. */
export class Simulation {
  /** The configuration, defaults filled in. */
  readonly config: SimConfig;
  /** Every node, honest first then adversaries (replaced on churn). */
  readonly #nodes: SimNode[] = [];
  /** Whether each node is online. */
  readonly onlineNodes: boolean[] = [];
  /** The measurements. */
  readonly metrics: Metrics;
  readonly #queue = new EventQueue<SimEvent>();
  readonly #epochs: number[] = [];
  readonly #regions: Uint8Array;
  readonly #linkRng: Rng;
  readonly #lossRng: Rng;
  readonly #jitterRng: Rng;
  readonly #churnRng: Rng;
  readonly #pubRng: Rng;
  readonly #messageRng: Rng;
  readonly #net: NodeNetwork & AdversaryNetwork;
  readonly #endMs: number;
  readonly #honest: number;
  #now = 0;
  #freshIds = 0;

  /** Builds the network at time 0: nodes, topology, adversaries, first events. */
  constructor(options: SimOptions) {
    const c = withDefaults(options);
    checkConfig(c);
    this.config = c;
    const honest = c.nodes;
    this.#honest = honest;
    const adversaries = c.adversaries?.count ?? 0;
    const total = honest + adversaries;
    this.metrics = new Metrics(total, honest, c.publications);
    this.#linkRng = new Rng(deriveSeed(c.seed, 2));
    this.#lossRng = new Rng(deriveSeed(c.seed, 3));
    this.#jitterRng = new Rng(deriveSeed(c.seed, 4));
    this.#churnRng = new Rng(deriveSeed(c.seed, 5));
    this.#pubRng = new Rng(deriveSeed(c.seed, 6));
    this.#messageRng = new Rng(deriveSeed(c.seed, 9));
    this.#regions = c.topology?.regions !== undefined
      ? Uint8Array.from([...c.topology.regions, ...new Array(adversaries).fill(0)])
      : assignRegions(c.latency, total, new Rng(deriveSeed(c.seed, 7)));
    this.#endMs = c.warmupMs + c.publications * c.publishIntervalMs + c.tailMs;
    // The callbacks run later, from inside node handlers; arrow functions keep `this`.
    const metrics = this.metrics;
    this.#net = {
      now: () => this.#now,
      send: (from, to, message) => this.#send(from, to, message),
      connect: (from, to) => this.#dial(from.id, to),
      delivered: (node, messageId, sender) => {
        if (messageId >= c.publications) return;
        metrics.hop(messageId, node.id, sender);
        if (node.id < honest) metrics.deliver(messageId, node.id, this.#now);
      },
      duplicate: (node) => {
        metrics.duplicates[node.id]++;
      },
      freshId: () => FRESH_ID_BASE + c.topics.length * this.#freshIds++,
    };
    for (let id = 0; id < total; id++) {
      this.#epochs.push(0);
      this.onlineNodes.push(true);
      this.#nodes.push(this.#makeNode(id));
    }
    for (const node of this.#nodes) node.joinTopics();
    const topology = c.topology ??
      randomRegular(honest, c.connections, new Rng(deriveSeed(c.seed, 1)));
    for (const [a, b] of topology.edges) this.#connect(a, b);
    const a = c.adversaries;
    if (a !== undefined) {
      const pick = new Rng(deriveSeed(c.seed, 8));
      const honestIds = Array.from({ length: honest }, (_, i) => i);
      for (let id = honest; id < total; id++) {
        if (a.kind === "eclipse") this.#connect(id, a.target ?? 0);
        else {for (const peer of pick.shuffle(honestIds, a.connections).slice(0, a.connections)) {
            this.#connect(id, peer);
          }}
        if (isActive(a.kind)) {
          const tick = a.tickMs ?? 200;
          this.#queue.push(c.warmupMs + pick.float() * tick, { k: "adv", node: id, epoch: 0 });
        }
      }
    }
    const interval = c.limits.heartbeatInterval;
    for (let id = 0; id < total; id++) {
      this.#queue.push(this.#jitterRng.float() * interval, { k: "hb", node: id, epoch: 0 });
    }
    if (c.publications > 0) this.#queue.push(c.warmupMs, { k: "pub", index: 0 });
    this.#queue.push(0, { k: "sample" });
    if (c.churn !== undefined && c.churn.count > 0) {
      this.#queue.push(c.warmupMs + c.churn.intervalMs, { k: "churn" });
    }
  }

  /** Simulated time now (ms). */
  get now(): number {
    return this.#now;
  }

  /** Simulated time at which the run ends (ms). */
  get endMs(): number {
    return this.#endMs;
  }

  #makeNode(id: number): SimNode {
    const c = this.config;
    const adversary = id >= this.#honest ? c.adversaries : undefined;
    return new SimNode({
      id,
      limits: c.limits,
      topics: c.topics,
      seed: deriveSeed(c.seed, 100 + id, this.#epochs[id]),
      net: this.#net,
      behaviour: adversary === undefined ? undefined : behaviourOf(adversary.kind),
    });
  }

  /** Opens a connection dialled by `a` to `b`, drawing its latency unless given. */
  #connect(a: number, b: number, latency?: number): void {
    const na = this.#nodes[a], nb = this.#nodes[b];
    if (a === b || na.links.has(b)) return;
    const l = latency ??
      drawLatency(this.config.latency, this.#linkRng, this.#regions[a], this.#regions[b]);
    na.connected(b, { latency: l, lastArrival: 0, outbound: true });
    nb.connected(a, { latency: l, lastArrival: 0, outbound: false });
  }

  /** Peer exchange: `from` dials `to` if both want more connections; it opens after a round trip. */
  #dial(from: number, to: number): void {
    const c = this.config;
    if (from >= this.#honest || !this.onlineNodes[to]) return;
    if (this.#nodes[from].links.size >= c.connections) return;
    const l = drawLatency(c.latency, this.#linkRng, this.#regions[from], this.#regions[to]);
    this.#queue.push(this.#now + 2 * l, { k: "dial", from, to, latency: l });
  }

  #send(from: SimNode, to: number, message: SimMessage): void {
    const link = from.links.get(to);
    if (link === undefined) return;
    const c = this.config;
    const m = this.metrics;
    const size = wireSize(message, c.idBytes);
    m.bytesSent[from.id] += size;
    m.messagesSent++;
    let departure = this.#now;
    if (c.uploadBandwidth !== undefined) {
      departure = Math.max(departure, from.uplinkFreeAt) + (size * 1000) / c.uploadBandwidth;
      from.uplinkFreeAt = departure;
    }
    if (c.lossRate > 0 && this.#lossRng.float() < c.lossRate) {
      m.messagesLost++;
      return;
    }
    const delay = c.latencyPerMessage === true
      ? drawLatency(c.latency, this.#messageRng, this.#regions[from.id], this.#regions[to])
      : link.latency;
    const arrival = Math.max(departure + delay, link.lastArrival);
    link.lastArrival = arrival;
    this.#queue.push(arrival, { k: "msg", from: from.id, to, link, message, size });
  }

  /** Runs to the end and returns the report. */
  run(options: RunOptions = {}): SimReport {
    const started = performance.now();
    const queue = this.#queue;
    const end = this.#endMs;
    const m = this.metrics;
    const progress = options.onProgress;
    for (;;) {
      const time = queue.peekTime();
      if (time === undefined || time > end) break;
      const { event } = queue.pop()!;
      this.#now = time;
      this.#handle(event);
      if ((++m.events & 0x3fff) === 0) {
        progress?.({ simTimeMs: time, endMs: end, events: m.events });
      }
    }
    this.#now = end;
    progress?.({ simTimeMs: end, endMs: end, events: m.events });
    return buildReport(this, performance.now() - started);
  }

  #handle(e: SimEvent): void {
    const c = this.config;
    switch (e.k) {
      case "msg": {
        if (this.#nodes[e.from].links.get(e.to) !== e.link) return; // connection closed since
        this.metrics.bytesReceived[e.to] += e.size;
        return this.#nodes[e.to].receive(e.from, e.message);
      }
      case "hb": {
        if (e.epoch !== this.#epochs[e.node] || !this.onlineNodes[e.node]) return;
        this.#nodes[e.node].heartbeat();
        const jitter = (2 * this.#jitterRng.float() - 1) * c.heartbeatJitterMs;
        this.#queue.push(this.#now + c.limits.heartbeatInterval + jitter, e);
        return;
      }
      case "adv": {
        if (e.epoch !== this.#epochs[e.node] || !this.onlineNodes[e.node]) return;
        const a = c.adversaries!;
        adversaryTick(a.kind, this.#nodes[e.node], c.topics[0], a, this.#net);
        this.#queue.push(this.#now + (a.tickMs ?? 200), e);
        return;
      }
      case "pub":
        return this.#publish(e.index);
      case "sample":
        this.#sample();
        if (this.#now + c.sampleIntervalMs <= this.#endMs) {
          this.#queue.push(this.#now + c.sampleIntervalMs, e);
        }
        return;
      case "churn":
        this.#churn();
        this.#queue.push(this.#now + c.churn!.intervalMs, e);
        return;
      case "rejoin":
        return this.#rejoin(e.node);
      case "dial":
        if (!this.onlineNodes[e.from] || !this.onlineNodes[e.to]) return;
        return this.#connect(e.from, e.to, e.latency);
    }
  }

  /** The honest nodes that may publish or churn: online, and not the eclipse target. */
  #candidates(): number[] {
    const target = this.config.adversaries?.kind === "eclipse"
      ? (this.config.adversaries.target ?? 0)
      : -1;
    const out: number[] = [];
    for (let i = 0; i < this.#honest; i++) if (this.onlineNodes[i] && i !== target) out.push(i);
    return out;
  }

  #publish(index: number): void {
    const c = this.config;
    const candidates = this.#candidates();
    if (candidates.length > 0) {
      const chosen = c.publishers?.[index % c.publishers.length];
      const node = chosen !== undefined && this.onlineNodes[chosen]
        ? chosen
        : candidates[this.#pubRng.int(candidates.length)];
      const payload = new Uint8Array(c.messageBytes);
      payload[0] = 1; // valid
      payload[1] = index & 0xff;
      this.metrics.pubTime[index] = this.#now;
      this.metrics.publisher[index] = node;
      this.metrics.deliver(index, node, this.#now);
      this.metrics.published(index, node);
      this.#nodes[node].publish(c.topics[index % c.topics.length], index, payload);
    }
    if (index + 1 < c.publications) {
      this.#queue.push(this.#now + c.publishIntervalMs, { k: "pub", index: index + 1 });
    }
  }

  #churn(): void {
    const churn = this.config.churn!;
    const candidates = this.#candidates();
    this.#churnRng.shuffle(candidates, churn.count);
    for (const id of candidates.slice(0, churn.count)) {
      const node = this.#nodes[id];
      this.onlineNodes[id] = false;
      this.#epochs[id]++;
      for (const peer of [...node.links.keys()].sort((a, b) => a - b)) {
        this.#nodes[peer].disconnected(id);
      }
      node.links.clear();
      this.metrics.left(id, this.#now);
      this.#queue.push(this.#now + churn.downtimeMs, { k: "rejoin", node: id });
    }
  }

  #rejoin(id: number): void {
    const c = this.config;
    this.onlineNodes[id] = true;
    const node = this.#makeNode(id);
    this.#nodes[id] = node;
    node.joinTopics();
    this.metrics.joined(id, this.#now);
    const others = this.#candidates().filter((i) => i !== id);
    const count = Math.min(c.connections, others.length);
    for (const peer of this.#churnRng.shuffle(others, count).slice(0, count)) {
      this.#connect(id, peer);
    }
    const interval = c.limits.heartbeatInterval;
    const at = this.#now + this.#jitterRng.float() * interval;
    this.#queue.push(at, { k: "hb", node: id, epoch: this.#epochs[id] });
  }

  #sample(): void {
    const topic = this.config.topics[0];
    const degrees: number[] = [];
    const honestScores = new ScoreAccumulator();
    const adversaryScores = new ScoreAccumulator();
    const honestParts = new ComponentAccumulator();
    const adversaryParts = new ComponentAccumulator();
    const limits = this.config.limits;
    let honestSlots = 0, adversarySlots = 0;
    for (let i = 0; i < this.#honest; i++) {
      if (!this.onlineNodes[i]) continue;
      const node = this.#nodes[i];
      const view = node.automaton.view;
      const mesh = view.meshPeers(topic);
      const d = mesh.length;
      while (degrees.length <= d) degrees.push(0);
      degrees[d]++;
      for (const peer of mesh) peer < this.#honest ? honestSlots++ : adversarySlots++;
      for (const peer of node.links.keys()) {
        const honest = peer < this.#honest;
        (honest ? honestScores : adversaryScores).add(view.peerScore(peer));
        const details = view.scoreDetails(peer);
        if (details !== undefined) {
          (honest ? honestParts : adversaryParts).add(scoreComponents(details, limits));
        }
      }
    }
    this.metrics.samples.push({
      t: this.#now,
      degrees,
      honestScores: honestScores.summary(),
      adversaryScores: adversaryScores.summary(),
      honestComponents: honestParts.means(),
      adversaryComponents: adversaryParts.means(),
      meshSlots: { honest: honestSlots, adversary: adversarySlots },
    });
  }
}

/**
 * Runs one simulation and returns its report.
 *
 * @param options The configuration (see {@linkcode withDefaults} for defaults).
 * @param run Progress callback.
 * @throws {SimError} `invalid_config` on a bad configuration.
 */
export function simulate(options: SimOptions, run: RunOptions = {}): SimReport {
  return new Simulation(options).run(run);
}

/**
 * Metrics of a running node in the Prometheus text exposition format (version 0.0.4): a small
 * dependency-free registry of counters, gauges and histograms with labels, and
 * {@link nodeMetrics}, which fills one from a node's events and, at scrape time, from its
 * `snapshot()` and `stats()`.
 *
 * @example Count events, read the node at scrape time, render the text.
 * ```ts
 * import { createNode, nodeMetrics } from "./mod.ts";
 *
 * const metrics = nodeMetrics();
 * const node = await createNode({ expectedPow: 0, onEvent: metrics.onEvent });
 * metrics.observe(node);
 * const text = metrics.registry.render(); // "# HELP tzp2p_connections …"
 * console.log(metrics.registry.value("tzp2p_connections", { direction: "incoming", private: "false" })); // 0
 * await node.close();
 * ```
 *
 * @module
 */

import { type Counter, type Gauge, type Histogram, MetricsRegistry } from "./metrics_registry.ts";
import type { P2pStat } from "../connection/mod.ts";
import type { NodeEvent } from "./events.ts";
import type { NodeSnapshot } from "./snapshot.ts";
import type { P2pLayerStats } from "./p2p_layer.ts";
import type { WorkerStats } from "../gossipsub/worker/types.ts";

/** What {@link nodeMetrics} reads of a node: a `Node` or a `ShellNode` (or anything alike). */
export interface ObservedNode {
  /** The operator's view (connections, points, peers, bans, topics). */
  snapshot(): NodeSnapshot;
  /** The counters; gossip nodes add their worker's and their delivery counters. */
  stats(): P2pLayerStats & {
    readonly gossip?: Readonly<WorkerStats>;
    readonly outMessagesDropped?: number;
    readonly inMessagesRejected?: number;
    readonly inMessagesDropped?: number;
    readonly deliveriesDropped?: number;
    readonly receivedDropped?: number;
  };
}

/**
 * Byte and message totals of a node since {@link NodeMetrics} started watching it: a connection's
 * figures summed over every connection, running or gone (rates over the running ones).
 */
export type TrafficTotals = P2pStat;

type ConnectionTotals = Pick<
  { -readonly [K in keyof TrafficTotals]: TrafficTotals[K] },
  "totalSent" | "totalRecv" | "messagesSent" | "messagesReceived"
>;

/**
 * Heartbeat buckets, seconds: 0.1 ms to 1 s in 1-2.5-5 steps. A heartbeat of a small node takes
 * well under a millisecond; Octez's DAL node warns when one exceeds its 1 s period.
 */
export const HEARTBEAT_BUCKETS: readonly number[] = [
  0.0001,
  0.00025,
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
];

const POINT_STATES = ["running", "pending", "disconnected"] as const;

// Event texts become label values only when they look like Octez names: a remote cannot grow
// the number of series by sending odd errors (`connection_closed` may carry any exception text).
function nameLabel(text: string): string {
  return /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(text) ? text : "other";
}

/**
 * Metrics of one node (prefix `tzp2p_`, no peer id in any label): event counters fed by
 * {@link NodeMetrics.onEvent}, and gauges and counters read from the node's `snapshot()` and
 * `stats()` at each scrape once {@link NodeMetrics.observe} was called. Build it with
 * {@link nodeMetrics}.
 *
 * Bytes and messages: `tzp2p_sent_bytes_total` and its siblings add the totals of running
 * connections to those of closed ones. The connection-closed event carries no totals, so a closed
 * connection counts with its figures at the last scrape (or {@link traffic} call) before it
 * closed: what it moved after that is not counted. The counters never decrease.
 */
export class NodeMetrics {
  /** The registry the metrics are in. */
  readonly registry: MetricsRegistry;
  #node: ObservedNode | undefined;
  readonly #live = new Map<string, ConnectionTotals>();
  readonly #closed = { totalSent: 0, totalRecv: 0, messagesSent: 0, messagesReceived: 0 };
  readonly #established: Counter;
  readonly #closedConnections: Counter;
  readonly #handshakeFailures: Counter;
  readonly #refusals: Counter;
  readonly #delivered: Counter;
  readonly #meshChanges: Counter;
  readonly #heartbeat: Histogram;

  /**
   * Declares the metrics in `registry`; use {@link nodeMetrics}.
   *
   * @param registry Where.
   */
  constructor(registry: MetricsRegistry) {
    this.registry = registry;
    const r = registry;
    this.#established = r.counter({
      name: "tzp2p_connections_established_total",
      help: "Connections established, by direction.",
      labelNames: ["direction"],
    });
    this.#closedConnections = r.counter({
      name: "tzp2p_connections_closed_total",
      help: "Running connections that ended, by reason (closed, closed_locally, or the error).",
      labelNames: ["reason"],
    });
    this.#handshakeFailures = r.counter({
      name: "tzp2p_handshake_failures_total",
      help: "Handshakes that failed, by direction and Octez error name.",
      labelNames: ["direction", "error"],
    });
    this.#refusals = r.counter({
      name: "tzp2p_handshake_refusals_total",
      help: "Handshakes ended by a Nack, by who sent it (local, remote) and Octez motive.",
      labelNames: ["by", "motive"],
    });
    this.#delivered = r.counter({
      name: "tzp2p_messages_delivered_total",
      help: "Application messages delivered to this node's subscribers or readers.",
    });
    this.#meshChanges = r.counter({
      name: "tzp2p_gossipsub_mesh_changes_total",
      help: "Grafts and Prunes, sent or received.",
      labelNames: ["kind", "direction"],
    });
    // Known label sets start at 0, so that a rate() sees the first event.
    for (const direction of ["incoming", "outgoing"]) this.#established.inc({ direction }, 0);
    for (const kind of ["graft", "prune"]) {
      for (const direction of ["sent", "received"]) this.#meshChanges.inc({ kind, direction }, 0);
    }
    this.#delivered.inc(undefined, 0);
    this.#heartbeat = r.histogram({
      name: "tzp2p_gossipsub_heartbeat_duration_seconds",
      help: "Duration of gossipsub heartbeats (automaton and emission).",
      buckets: HEARTBEAT_BUCKETS,
    });
  }

  /**
   * Counts an event: pass it as the node's `onEvent` option (or call it from yours).
   *
   * @param event The node's event.
   */
  readonly onEvent = (event: NodeEvent): void => {
    switch (event.event) {
      case "connection_established":
        this.#established.inc({ direction: event.direction });
        break;
      case "connection_closed":
        this.#closedConnections.inc({ reason: nameLabel(event.reason) });
        break;
      case "handshake_failed":
        this.#handshakeFailures.inc({ direction: event.direction, error: nameLabel(event.error) });
        break;
      case "handshake_refused":
        this.#refusals.inc({ by: event.by, motive: nameLabel(event.motive) });
        break;
      case "message_delivered":
        this.#delivered.inc();
        break;
      case "graft":
      case "prune":
        this.#meshChanges.inc({ kind: event.event, direction: event.direction });
        break;
      case "heartbeat":
        this.#heartbeat.observe(event.durationMs / 1000);
        break;
    }
  };

  /**
   * Reads `node` at every scrape from now on (connections, points, peers, traffic, pool,
   * maintenance and gossip counters, meshes, scores). Once per node; the same node again is a
   * no-op.
   *
   * @param node The node.
   * @throws {TypeError} When another node is already observed.
   */
  observe(node: ObservedNode): void {
    if (this.#node === node) return;
    if (this.#node !== undefined) {
      throw new TypeError("observe: these metrics already observe another node");
    }
    this.#node = node;
    this.#declareCollectors(node);
  }

  /**
   * Byte and message totals since {@link observe}, running connections included (see the
   * class documentation for what a closed connection counts).
   *
   * @param snapshot A snapshot just taken, if any (else one is taken).
   * @returns The totals; all 0 before {@link observe}.
   */
  traffic(snapshot?: NodeSnapshot): TrafficTotals {
    const node = this.#node;
    if (node === undefined) {
      return {
        ...this.#closed,
        currentInflow: 0,
        currentOutflow: 0,
      };
    }
    const connections = (snapshot ?? node.snapshot()).connections;
    const seen = new Set<string>();
    let currentInflow = 0;
    let currentOutflow = 0;
    for (const c of connections) {
      const key = `${c.peerId}@${c.establishedAt}`;
      seen.add(key);
      this.#live.set(key, {
        totalSent: c.stat.totalSent,
        totalRecv: c.stat.totalRecv,
        messagesSent: c.stat.messagesSent,
        messagesReceived: c.stat.messagesReceived,
      });
      currentInflow += c.stat.currentInflow;
      currentOutflow += c.stat.currentOutflow;
    }
    for (const [key, stat] of this.#live) {
      if (seen.has(key)) continue;
      this.#live.delete(key);
      addTotals(this.#closed, stat);
    }
    const totals = { ...this.#closed };
    for (const stat of this.#live.values()) addTotals(totals, stat);
    return { ...totals, currentInflow, currentOutflow };
  }

  #declareCollectors(node: ObservedNode): void {
    const r = this.registry;
    const connections = r.gauge({
      name: "tzp2p_connections",
      help: "Running connections, by direction and whether the remote is a private node.",
      labelNames: ["direction", "private"],
    });
    const pending = r.gauge({
      name: "tzp2p_pending_connections",
      help: "Connections being dialled or handshaken.",
    });
    const points = r.gauge({
      name: "tzp2p_known_points",
      help: "Known points, by state.",
      labelNames: ["state"],
    });
    const peers = r.gauge({
      name: "tzp2p_known_peers",
      help: "Known peers (connected, or with a known point), by state.",
      labelNames: ["state"],
    });
    const bans = r.gauge({
      name: "tzp2p_banned_peers",
      help: "Peers refused for now, by reason (kicked, greylisted).",
      labelNames: ["reason"],
    });
    const greylistedIps = r.gauge({
      name: "tzp2p_greylisted_ips",
      help: "Greylisted IP addresses.",
    });
    const bytes = r.counter({
      name: "tzp2p_bytes_total",
      help: "Bytes on sockets (framing included), by direction (sent, received).",
      labelNames: ["direction"],
    });
    const messages = r.counter({
      name: "tzp2p_p2p_messages_total",
      help: "P2P messages, by direction (sent, received).",
      labelNames: ["direction"],
    });
    const flow = r.gauge({
      name: "tzp2p_flow_bytes_per_second",
      help: "Current rate summed over running connections (Octez moving average), by direction.",
      labelNames: ["direction"],
    });
    const dials = r.counter({ name: "tzp2p_dials_total", help: "Dials started." });
    const dialFailures = r.counter({
      name: "tzp2p_dial_failures_total",
      help: "Dials that failed.",
    });
    const incoming = r.counter({
      name: "tzp2p_incoming_sockets_total",
      help: "Incoming TCP connections accepted by the listener.",
    });
    const refused = r.counter({
      name: "tzp2p_refused_connections_total",
      help: "Connections refused with a Nack or closed during the checks (both directions).",
    });
    const maintenance = r.counter({
      name: "tzp2p_maintenance_total",
      help: "Maintenance and peer exchange: rounds, and messages sent.",
      labelNames: ["what"],
    });
    const dropped = r.counter({
      name: "tzp2p_dropped_messages_total",
      help: "Application messages dropped or refused by the node, by where.",
      labelNames: ["where"],
    });
    const gossip = gossipCollector(r);
    r.onCollect(() => {
      // One snapshot per scrape: on a busy node it walks every connection and known point.
      const snapshot = node.snapshot();
      const stats = node.stats();
      gossip(snapshot, stats.gossip);
      connections.reset();
      for (const direction of ["incoming", "outgoing"]) {
        for (const priv of ["false", "true"]) connections.set(0, { direction, private: priv });
      }
      for (const c of snapshot.connections) {
        connections.inc({
          direction: c.incoming ? "incoming" : "outgoing",
          private: String(c.privateNode),
        });
      }
      pending.set(stats.pendingConnections);
      countByState(points, snapshot.points);
      countByState(peers, snapshot.peers);
      bans.reset();
      for (const ban of snapshot.bans) bans.inc({ reason: nameLabel(ban.reason) });
      greylistedIps.set(snapshot.greylistedIps.length);
      const traffic = this.traffic(snapshot);
      bytes.set(traffic.totalSent, { direction: "sent" });
      bytes.set(traffic.totalRecv, { direction: "received" });
      messages.set(traffic.messagesSent, { direction: "sent" });
      messages.set(traffic.messagesReceived, { direction: "received" });
      flow.set(traffic.currentOutflow, { direction: "sent" });
      flow.set(traffic.currentInflow, { direction: "received" });
      dials.set(stats.pool.dials);
      dialFailures.set(stats.pool.dialFailures);
      incoming.set(stats.pool.incoming);
      refused.set(stats.pool.refused);
      const m = stats.maintenance;
      maintenance.set(m.rounds, { what: "rounds" });
      maintenance.set(m.bootstrapsSent, { what: "bootstrap_sent" });
      maintenance.set(m.advertisesSent, { what: "advertise_sent" });
      maintenance.set(m.pointsAdvertised, { what: "points_advertised" });
      maintenance.set(m.swapRequestsSent, { what: "swap_request_sent" });
      maintenance.set(m.swapAcksSent, { what: "swap_ack_sent" });
      maintenance.set(m.swaps, { what: "swaps" });
      const drops: [string, number | undefined][] = [
        ["out_no_connection_or_full", stats.outMessagesDropped],
        ["in_rejected", stats.inMessagesRejected],
        ["in_queue_full", stats.inMessagesDropped],
        ["subscriber_full", stats.deliveriesDropped],
        ["reader_full", stats.receivedDropped],
      ];
      for (const [where, value] of drops) {
        if (value !== undefined) dropped.set(value, { where });
      }
    });
  }
}

function addTotals(into: ConnectionTotals, add: ConnectionTotals): void {
  into.totalSent += add.totalSent;
  into.totalRecv += add.totalRecv;
  into.messagesSent += add.messagesSent;
  into.messagesReceived += add.messagesReceived;
}

function countByState(
  gauge: Gauge,
  entries: readonly { readonly state: (typeof POINT_STATES)[number] }[],
): void {
  for (const state of POINT_STATES) gauge.set(0, { state });
  for (const entry of entries) gauge.inc({ state: entry.state });
}

// Worker counters (lib/gossipsub/worker/types.ts, Octez gossipsub_worker.ml's `stats`), meshes
// and scores: gossip nodes only, no series on a shell node.
function gossipCollector(
  r: MetricsRegistry,
): (snapshot: NodeSnapshot, g: Readonly<WorkerStats> | undefined) => void {
  const mesh = r.gauge({
    name: "tzp2p_gossipsub_mesh_peers",
    help: "Peers in our mesh, per topic we track.",
    labelNames: ["topic"],
  });
  const subscribers = r.gauge({
    name: "tzp2p_gossipsub_topic_subscribers",
    help: "Connected peers subscribed, per topic we track.",
    labelNames: ["topic"],
  });
  const received = r.counter({
    name: "tzp2p_gossipsub_received_messages_total",
    help: "Full messages received, by validity (valid, invalid, unknown, outdated, duplicate).",
    labelNames: ["validity"],
  });
  const sent = r.counter({
    name: "tzp2p_gossipsub_sent_messages_total",
    help: "Full messages sent (published, forwarded, or answering an IWant).",
  });
  const control = r.counter({
    name: "tzp2p_gossipsub_control_total",
    help: "Control messages: grafts, prunes, ihaves, iwants sent; grafts and prunes received.",
    labelNames: ["kind", "direction"],
  });
  const ihaveRequested = r.counter({
    name: "tzp2p_gossipsub_ihave_requested_ids_total",
    help: "Message ids requested (IWant) in answer to received IHaves.",
  });
  const iwantServed = r.counter({
    name: "tzp2p_gossipsub_iwant_served_messages_total",
    help: "Full messages sent in answer to received IWants.",
  });
  const queueDrops = r.counter({
    name: "tzp2p_gossipsub_queue_drops_total",
    help: "Worker inputs and outputs dropped because a queue was full or unread, by queue.",
    labelNames: ["queue"],
  });
  const late = r.counter({
    name: "tzp2p_gossipsub_late_heartbeats_total",
    help: "Heartbeat ticks that found the previous heartbeat still queued.",
  });
  const evicted = r.counter({
    name: "tzp2p_gossipsub_evicted_unknown_validity_total",
    help: "Messages of unknown validity evicted from the full retry buffer.",
  });
  const score = r.gauge({
    name: "tzp2p_gossipsub_peer_score",
    help: "Gossipsub scores of connected peers: min, median, max.",
    labelNames: ["quantile"],
  });
  const scored = r.gauge({
    name: "tzp2p_gossipsub_scored_peers",
    help: "Connected peers with a gossipsub score.",
  });
  return (snapshot, g) => {
    if (snapshot.topics !== undefined) {
      mesh.reset();
      subscribers.reset();
      for (const topic of snapshot.topics) {
        mesh.set(topic.mesh.length, { topic: topic.topic });
        subscribers.set(topic.subscribers, { topic: topic.topic });
      }
      const scores = snapshot.peers
        .filter((p) => p.state === "running" && p.score !== undefined)
        .map((p) => p.score!)
        .sort((a, b) => a - b);
      score.reset();
      scored.set(scores.length);
      if (scores.length > 0) {
        const mid = scores.length >> 1;
        const median = scores.length % 2 === 1 ? scores[mid] : (scores[mid - 1] + scores[mid]) / 2;
        score.set(scores[0], { quantile: "0" });
        score.set(median, { quantile: "0.5" });
        score.set(scores[scores.length - 1], { quantile: "1" });
      }
    }
    if (g === undefined) return;
    received.set(g.countRecvValidAppMessages, { validity: "valid" });
    received.set(g.countRecvInvalidAppMessages, { validity: "invalid" });
    received.set(g.countRecvUnknownValidityAppMessages, { validity: "unknown" });
    received.set(g.countRecvOutdatedAppMessages, { validity: "outdated" });
    received.set(g.countRecvDuplicateAppMessages, { validity: "duplicate" });
    sent.set(g.countSentAppMessages);
    control.set(g.countSentGrafts, { kind: "graft", direction: "sent" });
    control.set(g.countSentPrunes, { kind: "prune", direction: "sent" });
    control.set(g.countSentIhaves, { kind: "ihave", direction: "sent" });
    control.set(g.countSentIwants, { kind: "iwant", direction: "sent" });
    control.set(g.countRecvGrafts, { kind: "graft", direction: "received" });
    control.set(g.countRecvPrunes, { kind: "prune", direction: "received" });
    ihaveRequested.set(g.countRecvIhaves);
    iwantServed.set(g.countRecvIwants);
    queueDrops.set(g.countDroppedP2pInputs, { queue: "p2p_input" });
    queueDrops.set(g.countDroppedAppInputs, { queue: "app_input" });
    queueDrops.set(g.countDroppedP2pOutputs, { queue: "p2p_output" });
    queueDrops.set(g.countDroppedAppOutputs, { queue: "app_output" });
    late.set(g.countLateHeartbeats);
    evicted.set(g.countEvictedUnknownValidityMessages);
  };
}

/** Options of {@link nodeMetrics}. */
export interface NodeMetricsOptions {
  /** Where to declare the metrics (default: a new registry). */
  readonly registry?: MetricsRegistry;
}

/**
 * Metrics for one node. The node's events only reach an `onEvent` given when it is created, so
 * build these first, pass {@link NodeMetrics.onEvent} to `createNode`/`createShellNode`, then
 * call {@link NodeMetrics.observe} with the node.
 *
 * @param options Where to declare the metrics.
 * @returns The metrics; render them with `metrics.registry.render()`.
 */
export function nodeMetrics(options: NodeMetricsOptions = {}): NodeMetrics {
  return new NodeMetrics(options.registry ?? new MetricsRegistry());
}

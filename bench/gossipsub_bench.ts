// Gossipsub automaton benchmarks (results in BENCHMARKS.md, "Gossipsub
// automaton"). Run with:
//
//   deno bench --allow-env --v8-flags=--expose-gc bench/gossipsub_bench.ts
//
// Groups:
// - heartbeat/<peers>x<topics>: one heartbeat with its outputs, every peer
//   subscribed to every topic, all topics joined, one new message per topic per
//   heartbeat so that gossip has ids to advertise (published outside the timed
//   part). Timed on our side: the worker's heartbeat (`EventApplier`, which
//   calls the automaton's `heartbeat()`, `selectPxPeers()` and
//   `selectGossipMessages()` and emits one P2P output per Graft, Prune, IHave
//   and Ping) and, for each output, what the node does before the socket: the
//   link look-up, `toWire` (Prune PX peers to points) and the connection's
//   encode (`Connection` `#encode`: the P2P envelope with the simple gossip
//   codec, written into a slab view). A second tzp2p entry encodes into one
//   reused buffer instead: the floor for any buffer scheme. Not timed: the
//   worker's output stream hop (a `ReadableStream` enqueue and read) and the
//   connection's sealing.
//   Baseline: ChainSafe js-libp2p gossipsub 14.1.2 `score.refreshScores()`
//   (Octez refreshes scores inside the heartbeat) and `heartbeat()` with PX on,
//   its own `sendRpc` building and protobuf-encoding (`RPC.encode`) one RPC per
//   peer; only the outbound stream's `push` (length prefix and pipe to the
//   socket) is replaced by a byte counter.
// - heartbeat-churn/<peers>x<topics>: the same with mesh churn, so that every
//   heartbeat also grafts or prunes (with PX): before even heartbeats 7
//   non-mesh peers per topic graft us (mesh 13 > D_hi 12: the heartbeat prunes
//   7 with PX), before odd ones 2 mesh peers per topic prune us (mesh 4 < D_lo
//   5: the heartbeat grafts 2). The incoming Grafts and Prunes are handled
//   outside the timed part, by each side's own handler.
// - receive: 1,000 full messages handled per iteration at 1,000 peers, new
//   ones and duplicates (timed with b.start/b.end, heartbeat excluded).
// - state-design: why the automaton mutates its state instead of copying it.
// Memory per peer is printed once at load (needs --expose-gc for stable numbers).

import { gossipsub } from "@chainsafe/libp2p-gossipsub";
import {
  GossipsubAutomaton,
  type P2pOutput,
  type PeerModule,
  testLimits,
} from "../lib/gossipsub/mod.ts";
import type { OutputChannel } from "../lib/base/output_channel.ts";
import { EventApplier } from "../lib/gossipsub/worker/apply_event.ts";
import { simpleGossip, simpleMessageId } from "../lib/node/simple_gossip.ts";
import { toWire } from "../lib/node/gossip_instance.ts";
import { sizeOfP2pMessage, writeP2pMessage } from "../gen/p2p_message.ts";
import { allocateBytes, SLAB_MAX_ALLOCATION } from "../lib/base/slab.ts";
import { Writer } from "../lib/encoding/writer.ts";
import type { PxPeer } from "../gen/gossipsub.ts";

type GS = GossipsubAutomaton<number, number, number, string>;

const numbers = { key: (n: number) => n, compare: (a: number, b: number) => a - b };

function makeTz(peers: number, topics: number, seed = 1): { gs: GS; tick: () => void } {
  let now = 0;
  const gs: GS = new GossipsubAutomaton({
    limits: testLimits<number>(),
    peer: numbers,
    topic: numbers,
    // message id = topic + topics × sequence number
    messageId: { ...numbers, getTopic: (id: number) => id % topics, valid: () => "Valid" },
    message: { valid: () => "Valid" },
    now: () => now,
    rng: seed,
  });
  for (let p = 0; p < peers; p++) {
    gs.addPeer({ peer: p, direct: false, outbound: p % 3 === 0 });
    for (let t = 0; t < topics; t++) gs.handleSubscribe({ peer: p, topic: t });
  }
  for (let t = 0; t < topics; t++) gs.join({ topic: t });
  return {
    gs,
    tick: () => {
      now += 1000;
    },
  };
}

// --- heartbeat with outputs ---------------------------------------------------

/** What each side emitted in the timed part, to check that both do the same work. */
interface Emitted {
  rounds: number;
  messages: number;
  bytes: number;
  ihaves: number;
  grafts: number;
  prunes: number;
  pxPeers: number;
}

function emitted(): Emitted {
  return { rounds: 0, messages: 0, bytes: 0, ihaves: 0, grafts: 0, prunes: 0, pxPeers: 0 };
}

function perRound(e: Emitted): string {
  const r = Math.max(1, e.rounds);
  const f = (n: number) => (n / r).toFixed(0);
  return `${f(e.messages)} messages, ${f(e.bytes)} B, ${f(e.ihaves)} IHave, ${f(e.grafts)} ` +
    `Graft, ${f(e.prunes)} Prune (${f(e.pxPeers)} PX peers) per heartbeat`;
}

/** Churn applied before each heartbeat: the round number, then each side's own handlers. */
type Churn = boolean;

/** 16-byte peer id of peer `p`, and its node key (hex, as `peerIdKey`). */
function peerIdOf(p: number): Uint8Array {
  const id = new Uint8Array(16);
  new DataView(id.buffer).setUint32(12, p + 1);
  id[0] = 0x5a;
  return id;
}
const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

const stringPeers: PeerModule<string> = {
  key: (p) => p,
  compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
};

const ORIGIN = peerIdOf(1_000_000);

// No peer forwards anything in this benchmark (we publish every message), so with the mesh
// delivery score (P3, P3b) on, every mesh peer turns negative 5 heartbeats after its graft and
// is pruned. Each library then decays and thresholds those penalties its own way, and the two
// end up gossiping to different numbers of peers (at 1,000 × 100, 9,300 IHave against 16,200):
// not the same work. Both sides run with P3 and P3b weighted 0; grafts and prunes come from the
// churn group instead.
const NO_DELIVERY_SCORE = { meshMessageDeliveriesWeight: 0, meshFailurePenaltyWeight: 0 };
const topicName = (t: number) => `t${t}`;

interface Case {
  /** Untimed: publish, churn, advance the clock. */
  prepare(): void | Promise<void>;
  /** Timed: the heartbeat and its outputs. */
  run(): void | Promise<void>;
  readonly out: Emitted;
}

export function tzCase(peers: number, topics: number, churn: Churn, reuse = false): Case {
  const instance = simpleGossip();
  let now = 0;
  const gs = new GossipsubAutomaton<string, string, Uint8Array, Uint8Array>({
    limits: testLimits<string>(NO_DELIVERY_SCORE),
    peer: stringPeers,
    topic: instance.topic,
    messageId: instance.messageId,
    message: instance.message,
    now: () => now,
    rng: 1,
  });
  const keys = Array.from({ length: peers }, (_, p) => hex(peerIdOf(p)));
  // What the node's known-points table answers for a PX peer, and its pool of links.
  const known = new Map<string, PxPeer>(keys.map((k, p) => [k, {
    point: { addr: `10.${(p >> 16) & 255}.${(p >> 8) & 255}.${p & 255}`, port: 9732 },
    peerId: peerIdOf(p),
  }]));
  const links = new Map(keys.map((k) => [k, { key: k }]));
  const pxPeer = (key: string) => known.get(key);
  const out = emitted();
  let scratch = new Uint8Array(1 << 16);
  const p2pOutput = {
    depth: 0,
    open: true,
    push(o: P2pOutput<string, string, Uint8Array, Uint8Array>): boolean {
      if (o.kind !== "OutMessage") return true;
      // The node's `#apply` for an OutMessage, up to the connection's `writeNow` encode.
      if (links.get(o.toPeer) === undefined) throw new Error("no link");
      const message = toWire(o.p2pMessage, pxPeer);
      // What `Connection.writeNow` encodes (connection.ts `#encode`): the exact size, a view of a
      // shared 64 KiB slab (messages up to 8 KiB), the generated writer.
      // With `reuse`, one kept buffer instead: the floor for any allocation scheme.
      const p2p = { kind: "Message", message } as const;
      const size = sizeOfP2pMessage(p2p, instance.codec);
      let target: Uint8Array;
      if (reuse) {
        if (size > scratch.length) scratch = new Uint8Array(2 * size);
        target = scratch;
      } else {
        // Every message here is far below the 8 KiB slab limit (an IHave of 3 ids, a Prune
        // with 16 PX peers), so the queue's own large-message slabs are never used.
        if (size > SLAB_MAX_ALLOCATION) throw new Error(`unexpected ${size}-byte message`);
        target = allocateBytes(size);
      }
      const w = new Writer(target);
      writeP2pMessage(w, p2p, instance.codec);
      const bytes = w.finish();
      out.messages++;
      out.bytes += bytes.length;
      if (message.kind === "IHave") out.ihaves++;
      else if (message.kind === "Graft") out.grafts++;
      else if (message.kind === "Prune") {
        out.prunes++;
        out.pxPeers += message.px.length;
      }
      return true;
    },
  } as unknown as OutputChannel<P2pOutput<string, string, Uint8Array, Uint8Array>>;
  const appOutput = { depth: 0, open: true, push: () => true } as unknown as OutputChannel<never>;
  const applier = new EventApplier<string, string, Uint8Array, Uint8Array>({
    automaton: gs,
    peer: stringPeers,
    topic: instance.topic,
    messageId: instance.messageId,
    p2pOutput,
    appOutput,
    enqueue: () => {},
    now: () => now,
    unknownValidityCapacity: 10_000,
    reconnectionTicks: 15,
    dropEventInterval: 60_000,
    messageEquals: () => false,
  });
  for (const [p, peer] of keys.entries()) {
    gs.addPeer({ peer, direct: false, outbound: p % 3 === 0 });
    for (let t = 0; t < topics; t++) gs.handleSubscribe({ peer, topic: topicName(t) });
  }
  for (let t = 0; t < topics; t++) gs.join({ topic: topicName(t) });
  let sequence = 0;
  let round = 0;
  let cursor = 0;
  const payload = new Uint8Array(1);
  return {
    out,
    prepare() {
      for (let t = 0; t < topics; t++) {
        const topic = topicName(t);
        gs.publishMessage({
          topic,
          messageId: simpleMessageId(topic, ORIGIN, 0, sequence),
          message: payload,
        });
      }
      sequence++;
      if (churn && round > 0) {
        for (let t = 0; t < topics; t++) {
          const topic = topicName(t);
          const mesh = new Set(gs.view.meshPeers(topic));
          if (round % 2 === 0) {
            // 7 peers not in the mesh and not backed off graft us.
            for (let n = 0, tries = 0; n < 7 && tries < peers; tries++) {
              const peer = keys[cursor++ % peers];
              if (mesh.has(peer)) continue;
              if (gs.handleGraft({ peer, topic }).kind === "GraftingSuccessfully") n++;
            }
          } else {
            let n = 0;
            for (const peer of mesh) {
              if (n++ === 2) break;
              gs.handlePrune({ peer, topic, px: [], backoff: 60_000 });
            }
          }
        }
      }
      round++;
      now += 1000;
    },
    run() {
      out.rounds++;
      applier.apply({ kind: "Heartbeat" });
    },
  };
}

// A logger that drops everything, as ChainSafe's components expect.
function silentLog(): unknown {
  const log = () => {};
  return Object.assign(log, { error: log, trace: log, enabled: false });
}

export function chainsafeCase(peers: number, topics: number, churn: Churn): Case {
  const topicNames = Array.from({ length: topics }, (_, t) => topicName(t));
  const topicParams = Object.fromEntries(topicNames.map((t) => [t, {
    topicWeight: 1,
    timeInMeshWeight: 1,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 3600,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.5,
    firstMessageDeliveriesCap: 2000,
    meshMessageDeliveriesWeight: NO_DELIVERY_SCORE.meshMessageDeliveriesWeight,
    meshMessageDeliveriesDecay: 0.5,
    meshMessageDeliveriesCap: 100,
    meshMessageDeliveriesThreshold: 20,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 5000,
    meshFailurePenaltyWeight: NO_DELIVERY_SCORE.meshFailurePenaltyWeight,
    meshFailurePenaltyDecay: 0.5,
    invalidMessageDeliveriesWeight: -1,
    invalidMessageDeliveriesDecay: 0.3,
  }]));
  // The peer store answers at once, with no signed peer record (what `makePrune` finds for a peer
  // it has no record of); our node's PX look-up is likewise one map read.
  const peerStore = { get: () => Promise.resolve({}) };
  // ChainSafe reads the wall clock (`Date.now()`) for scores, backoffs and caches; it sees the same
  // virtual time as our automaton (1 s per heartbeat), so that score activation (P3 after 5 s)
  // and prune backoffs (60 s) happen after the same number of heartbeats on both sides.
  let clock = 1_700_000_000_000;
  const realNow = Date.now;
  const virtual = <R>(f: () => R): R => {
    Date.now = () => clock;
    try {
      return f();
    } finally {
      Date.now = realNow;
    }
  };
  const virtualAsync = async (f: () => Promise<void>): Promise<void> => {
    Date.now = () => clock;
    try {
      await f();
    } finally {
      Date.now = realNow;
    }
  };
  // Topic parameters are completed with defaults by the constructor.
  // deno-lint-ignore no-explicit-any
  const gs: any = virtual(() =>
    gossipsub({
      D: 6,
      Dlo: 5,
      Dhi: 12,
      Dscore: 4,
      Dout: 2,
      Dlazy: 6,
      doPX: true, // Octez always sends PX (limits.doPx)
      floodPublish: false,
      fallbackToFloodsub: false,
      scoreParams: { topics: topicParams, IPColocationFactorWeight: 0 },
      // Octez's thresholds (`limits.ts` commonLimits: gossip and publish at 0).
      scoreThresholds: { gossipThreshold: 0, publishThreshold: 0, graylistThreshold: -80 },
      // deno-lint-ignore no-explicit-any
    })({ logger: { forComponent: silentLog }, peerStore } as any)
  );
  const out = emitted();
  // The last step before the socket: `OutboundStream.push` length-prefixes the encoded RPC and
  // hands it to the stream's pipe. Everything before it (`sendRpc`, `RPC.encode`) runs.
  const stream = {
    protocol: "/meshsub/1.1.0",
    push(bytes: Uint8Array) {
      out.messages++;
      out.bytes += bytes.length;
    },
  };
  const ids = Array.from({ length: peers }, (_, p) => `12D3KooW${hex(peerIdOf(p))}`);
  for (const [p, id] of ids.entries()) {
    // A libp2p Ed25519 peer id is a 38-byte identity multihash.
    const multihash = new Uint8Array(38);
    multihash.set(peerIdOf(p), 22);
    gs.peers.set(id, { toString: () => id, toMultihash: () => ({ bytes: multihash }) });
    gs.streamsOutbound.set(id, stream);
    gs.outbound.set(id, p % 3 === 0);
    virtual(() => gs.score.addPeer(id));
  }
  for (const topic of topicNames) {
    gs.topics.set(topic, new Set(ids));
    gs.subscriptions.add(topic);
    gs.mesh.set(topic, new Set());
  }
  // Count the control entries `sendRpc` sends (its own graft/prune events, plus IHave).
  const sendRpc = gs.sendRpc.bind(gs);
  // deno-lint-ignore no-explicit-any
  gs.sendRpc = (id: string, rpc: any) => {
    const sent = sendRpc(id, rpc);
    const control = rpc.control;
    if (sent && control !== undefined) {
      out.ihaves += control.ihave.length;
      out.grafts += control.graft.length;
      out.prunes += control.prune.length;
      for (const prune of control.prune) out.pxPeers += prune.peers?.length ?? 0;
    }
    return sent;
  };
  let sequence = 0;
  let round = 0;
  let cursor = 0;
  return {
    out,
    prepare: () =>
      virtualAsync(async () => {
        for (const topic of topicNames) {
          const msgId = simpleMessageId(topic, ORIGIN, 0, sequence);
          const msgIdStr = btoa(String.fromCharCode(...msgId));
          gs.mcache.put({ msgId, msgIdStr }, { topic, data: new Uint8Array(1) }, true);
        }
        sequence++;
        if (churn && round > 0) {
          for (const topic of topicNames) {
            const mesh: Set<string> = gs.mesh.get(topic);
            if (round % 2 === 0) {
              for (let n = 0, tries = 0; n < 7 && tries < peers; tries++) {
                const id = ids[cursor++ % peers];
                if (mesh.has(id)) continue;
                // `handleGraft` returns the Prunes it would answer with; none means accepted.
                const refused = await gs.handleGraft(id, [{ topicID: topic }]);
                if (refused.length === 0 && mesh.has(id)) n++;
              }
            } else {
              let n = 0;
              for (const id of [...mesh]) {
                if (n++ === 2) break;
                await gs.handlePrune(id, [{ topicID: topic, peers: [], backoff: 60 }]);
              }
            }
          }
        }
        round++;
        clock += 1000;
      }),
    run: () =>
      virtualAsync(async () => {
        out.rounds++;
        gs.score.refreshScores();
        await gs.heartbeat();
      }),
  };
}

const SCALES: [number, number][] = [
  [100, 10],
  [100, 100],
  [1000, 10],
  [1000, 20],
  [1000, 100],
  [5000, 10],
  [5000, 100],
];
const CHURN_SCALES: [number, number][] = [
  [1000, 10],
  [1000, 100],
  [5000, 10],
];

const WARM_UP = 5; // heartbeats to reach the steady state (full gossip window)
const reports: (() => string)[] = [];

function benchPair(kind: "heartbeat" | "heartbeat-churn", peers: number, topics: number): void {
  const group = `${kind}/${peers}x${topics}`;
  const churn = kind === "heartbeat-churn";
  // About 2 million peer·topic visits per side (20 to 500 heartbeats), so that one run of the
  // file stays within a few minutes on a loaded 2-core machine.
  const n = Math.max(20, Math.min(500, Math.floor(2_000_000 / (peers * topics))));
  const warmup = 5;
  let cs: Case | undefined;
  const label = `${peers} peers × ${topics} topics${churn ? ", churn" : ""}`;
  for (const reuse of [false, true]) {
    let tz: Case | undefined;
    const variant = reuse ? " (one encode buffer reused)" : "";
    Deno.bench({
      name: `tzp2p heartbeat + outputs${variant} ${label}`,
      group,
      n,
      warmup,
      fn: (b) => {
        if (tz === undefined) {
          tz = tzCase(peers, topics, churn, reuse);
          for (let i = 0; i < WARM_UP; i++) {
            tz.prepare();
            tz.run();
          }
          Object.assign(tz.out, emitted());
          if (!reuse) reports.push(() => `tzp2p     ${label}: ${perRound(tz!.out)}`);
        }
        tz.prepare();
        b.start();
        tz.run();
        b.end();
      },
    });
  }
  Deno.bench({
    name: `ChainSafe heartbeat + outputs ${label}`,
    group,
    baseline: true,
    n,
    warmup,
    fn: async (b) => {
      if (cs === undefined) {
        cs = chainsafeCase(peers, topics, churn);
        for (let i = 0; i < WARM_UP; i++) {
          await cs.prepare();
          await cs.run();
        }
        Object.assign(cs.out, emitted());
        reports.push(() => `ChainSafe ${label}: ${perRound(cs!.out)}`);
      }
      await cs.prepare();
      b.start();
      await cs.run();
      b.end();
    },
  });
}

for (const [peers, topics] of SCALES) benchPair("heartbeat", peers, topics);
for (const [peers, topics] of CHURN_SCALES) benchPair("heartbeat-churn", peers, topics);
globalThis.addEventListener("unload", () => {
  if (reports.length > 0) {
    console.log(`emitted after the warm-up:\n  ${reports.map((r) => r()).join("\n  ")}`);
  }
});

// --- received messages at 1,000 peers ----------------------------------------

const BATCH = 1000;
{
  const peers = 1000, topics = 10;
  const { gs, tick } = makeTz(peers, topics, 7);
  let sequence = 0;
  Deno.bench({
    name: `handle ${BATCH} new messages (1,000 peers, 10 topics)`,
    group: "receive",
    baseline: true,
    fn: (b) => {
      const first = sequence;
      sequence += BATCH;
      b.start();
      for (let i = first; i < first + BATCH; i++) {
        gs.handleReceiveMessage({
          sender: (i * 7919) % peers,
          topic: i % topics,
          messageId: i,
          message: "m",
        });
      }
      b.end();
      tick();
      gs.heartbeat(); // keep the caches in their steady state
    },
  });
}
{
  const peers = 1000, topics = 10;
  const { gs } = makeTz(peers, topics, 8);
  for (let i = 0; i < BATCH; i++) {
    gs.handleReceiveMessage({ sender: i % peers, topic: i % topics, messageId: i, message: "m" });
  }
  let round = 1;
  Deno.bench({
    name: `handle ${BATCH} duplicate messages (1,000 peers, 10 topics)`,
    group: "receive",
    fn: () => {
      round++;
      for (let i = 0; i < BATCH; i++) {
        gs.handleReceiveMessage({
          sender: (i + round * 31) % peers,
          topic: i % topics,
          messageId: i,
          message: "m",
        });
      }
    },
  });
}

// --- why a mutable state ---------------------------------------------------------

{
  const { gs } = makeTz(1000, 10, 9);
  let id = 0;
  Deno.bench({
    name: "handle one new message (1,000 peers)",
    group: "state-design",
    baseline: true,
    fn: () => {
      gs.handleReceiveMessage({ sender: id % 1000, topic: id % 10, messageId: id, message: "m" });
      id++;
    },
  });
  const scores = new Map(Array.from({ length: 1000 }, (_, i) => [i, { value: i }]));
  Deno.bench({
    name: "copy a 1,000-entry Map (what one persistent update of the score map costs)",
    group: "state-design",
    fn: () => {
      const copy = new Map(scores);
      copy.set(1, { value: 2 });
    },
  });
}

// --- memory per peer ---------------------------------------------------------------

{
  const gc = (globalThis as { gc?: () => void }).gc;
  const heap = () => {
    gc?.();
    gc?.();
    return Deno.memoryUsage().heapUsed;
  };
  const lines: string[] = [];
  for (const [peers, topics] of [[1000, 1], [1000, 10], [5000, 10], [5000, 100]] as const) {
    const before = heap();
    const { gs } = makeTz(peers, topics);
    const after = heap();
    lines.push(
      `${peers} peers × ${topics} topics: ${((after - before) / peers).toFixed(0)} B/peer, ` +
        `${((after - before) / (peers * topics)).toFixed(0)} B/subscription`,
    );
    if (gs.view.metrics().connections !== peers) throw new Error("setup failed");
  }
  console.log(`gossipsub memory${gc ? "" : " (no --expose-gc: noisy)"}:\n  ${lines.join("\n  ")}`);
}

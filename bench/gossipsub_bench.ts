// Gossipsub automaton benchmarks (results in BENCHMARKS.md, "Gossipsub
// automaton"). Run with:
//
//   deno bench --allow-env --v8-flags=--expose-gc bench/gossipsub_bench.ts
//
// Groups:
// - heartbeat/<peers>x<topics>: one heartbeat plus the IHave selection the
//   worker makes right after it (`selectGossipMessages`), every peer subscribed
//   to every topic, all topics joined, one new message per topic per heartbeat
//   so that gossip has ids to advertise. Baseline: ChainSafe js-libp2p
//   gossipsub's `heartbeat()` (plus `score.refreshScores()`, which Octez does
//   inside the heartbeat) on the same population, with `sendRpc` stubbed out so
//   that neither side pays for encoding or I/O.
// - receive: 1,000 full messages handled per iteration at 1,000 peers, new
//   ones and duplicates (timed with b.start/b.end, heartbeat excluded).
// - state-design: why the automaton mutates its state instead of copying it.
// Memory per peer is printed once at load (needs --expose-gc for stable numbers).

import { gossipsub } from "@chainsafe/libp2p-gossipsub";
import { GossipsubAutomaton, testLimits } from "../lib/gossipsub/mod.ts";

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

function tzHeartbeatCase(peers: number, topics: number): () => void {
  const { gs, tick } = makeTz(peers, topics);
  let sequence = 0;
  const round = () => {
    for (let t = 0; t < topics; t++) {
      gs.publishMessage({ topic: t, messageId: t + topics * sequence, message: "m" });
    }
    sequence++;
    tick();
    gs.heartbeat();
    gs.selectGossipMessages();
  };
  for (let i = 0; i < 5; i++) round(); // reach the steady state (full gossip window)
  return round;
}

// A logger that drops everything, as ChainSafe's components expect.
function silentLog(): unknown {
  const log = () => {};
  return Object.assign(log, { error: log, trace: log, enabled: false });
}

function chainsafeHeartbeatCase(peers: number, topics: number): () => Promise<void> {
  const topicNames = Array.from({ length: topics }, (_, t) => `t${t}`);
  const topicParams = Object.fromEntries(topicNames.map((t) => [t, {
    topicWeight: 1,
    timeInMeshWeight: 1,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 3600,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.5,
    firstMessageDeliveriesCap: 2000,
    meshMessageDeliveriesWeight: -1,
    meshMessageDeliveriesDecay: 0.5,
    meshMessageDeliveriesCap: 100,
    meshMessageDeliveriesThreshold: 20,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 5000,
    meshFailurePenaltyWeight: -1,
    meshFailurePenaltyDecay: 0.5,
    invalidMessageDeliveriesWeight: -1,
    invalidMessageDeliveriesDecay: 0.3,
  }]));
  // Topic parameters are completed with defaults by the constructor.
  // deno-lint-ignore no-explicit-any
  const gs: any = gossipsub({
    D: 6,
    Dlo: 5,
    Dhi: 12,
    Dscore: 4,
    Dout: 2,
    Dlazy: 6,
    floodPublish: false,
    fallbackToFloodsub: false,
    scoreParams: { topics: topicParams, IPColocationFactorWeight: 0 },
    // deno-lint-ignore no-explicit-any
  })({ logger: { forComponent: silentLog } } as any);
  gs.sendRpc = () => true;
  const stream = { protocol: "/meshsub/1.1.0", push() {} };
  const ids = Array.from({ length: peers }, (_, p) => `peer${p}`);
  for (const [p, id] of ids.entries()) {
    gs.streamsOutbound.set(id, stream);
    gs.outbound.set(id, p % 3 === 0);
    gs.score.addPeer(id);
  }
  for (const topic of topicNames) {
    gs.topics.set(topic, new Set(ids));
    gs.subscriptions.add(topic);
    gs.mesh.set(topic, new Set());
  }
  let sequence = 0;
  const round = async () => {
    for (const topic of topicNames) {
      const msgIdStr = `${topic}/${sequence}`;
      gs.mcache.put({ msgId: new TextEncoder().encode(msgIdStr), msgIdStr }, {
        topic,
        data: new Uint8Array(1),
      }, true);
    }
    sequence++;
    gs.score.refreshScores();
    await gs.heartbeat();
  };
  return round;
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

for (const [peers, topics] of SCALES) {
  const group = `heartbeat/${peers}x${topics}`;
  let tz: (() => void) | undefined;
  let cs: (() => Promise<void>) | undefined;
  Deno.bench({
    name: `tzp2p heartbeat ${peers} peers × ${topics} topics`,
    group,
    n: peers * topics >= 500_000 ? 30 : undefined,
    fn: () => {
      tz ??= tzHeartbeatCase(peers, topics);
      tz();
    },
  });
  Deno.bench({
    name: `ChainSafe heartbeat ${peers} peers × ${topics} topics`,
    group,
    baseline: true,
    n: peers * topics >= 500_000 ? 30 : undefined,
    fn: async () => {
      if (cs === undefined) {
        cs = chainsafeHeartbeatCase(peers, topics);
        for (let i = 0; i < 5; i++) await cs();
      }
      await cs();
    },
  });
}

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

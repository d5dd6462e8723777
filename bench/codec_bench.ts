/**
 * Codec throughput: tzp2p's generated codecs against the protobuf codec js-libp2p gossipsub uses
 * for its RPC (protons, from `@chainsafe/libp2p-gossipsub`), on equivalent messages, in one run.
 *
 *     deno bench --allow-read --allow-env bench/codec_bench.ts
 *     TZP2P_BASELINE=/path/to/older/checkout deno bench --allow-read --allow-env bench/codec_bench.ts
 *
 * Every iteration makes many calls (`times(n, …)`: 500 connection messages, 20 Advertise, 5 IHave,
 * 50 or 500 64 KiB messages), so a printed time is for that many calls, and both sides' garbage
 * collection is in their averages (a single 150 ns call sits at the timer's resolution, and one
 * call's average or minimum leaves the collector's pauses to chance).
 *
 * Pairs (each group: ours, and the baseline marked `baseline`):
 * - connection message (no gossipsub equivalent; the baseline is an RPC message with the same
 *   fields: 32-byte key, two 24-byte fields, a 13-byte string);
 * - Advertise of 100 IPv6 points vs a Prune carrying 100 peer records of the same text: one
 *   message decoded again and again, then 200 distinct messages of each decoded in turn (20,000
 *   addresses, none seen twice in a row: nothing can be remembered between decodes);
 * - IHave of 1,000 DAL message ids (76 bytes) vs an RPC IHave of 1,000 76-byte ids: first with
 *   every field distinct (no two ids share a key hash, slot or commitment: the worst case), then
 *   the IHave Octez sends, the ids of one topic over two levels;
 * - Message_with_header with a 64 KiB payload vs an RPC message with a 64 KiB payload.
 */

import { RPC } from "@chainsafe/libp2p-gossipsub/message";
import { rawAppCodec } from "../lib/encoding/mod.ts";
import { makePointId, pointIdToString } from "../lib/base/point_id.ts";
import { decodeConnectionMessage, encodeConnectionMessage } from "../gen/connection.ts";
import { decodeP2pMessage, encodeP2pMessage, type P2pMessage } from "../gen/p2p_message.ts";
import {
  dalGossipCodec,
  type DalGossipMessage,
  type DalMessageId,
  encodeDalMessageId,
  simpleGossipCodec,
  type SimpleGossipMessage,
} from "../gen/gossipsub.ts";

/**
 * `fn` run `n` times in one iteration: each group runs enough calls per iteration (50 µs or more)
 * that the timer's resolution and the garbage collector's pauses are spread over many calls, on
 * both sides alike, so the average is throughput, garbage collection included.
 */
function times(n: number, fn: () => void): () => void {
  return () => {
    for (let k = 0; k < n; k++) fn();
  };
}

const fill = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
let sink = 0;

// ---------------------------------------------------------------- connection message
const connection = {
  port: 9732,
  publicKey: fill(32, 1),
  proofOfWorkStamp: fill(24, 2),
  messageNonce: fill(24, 3),
  version: { chainName: "TEZOS_MAINNET", distributedDbVersion: 2, p2pVersion: 1 },
};
const connectionBytes = encodeConnectionMessage(connection);
const connectionRpc = {
  subscriptions: [],
  messages: [{
    from: fill(32, 1),
    seqno: fill(24, 2),
    signature: fill(24, 3),
    topic: "TEZOS_MAINNET",
  }],
};
const connectionRpcBytes = RPC.encode(connectionRpc);

Deno.bench(
  "encode connection message",
  { group: "encode connection message" },
  times(500, () => {
    sink += encodeConnectionMessage(connection).length;
  }),
);
Deno.bench(
  "protobuf RPC (same fields)",
  { group: "encode connection message", baseline: true },
  times(500, () => {
    sink += RPC.encode(connectionRpc).length;
  }),
);
Deno.bench(
  "decode connection message",
  { group: "decode connection message" },
  times(500, () => {
    sink += decodeConnectionMessage(connectionBytes).port;
  }),
);
Deno.bench(
  "protobuf RPC (same fields)",
  { group: "decode connection message", baseline: true },
  times(500, () => {
    sink += RPC.decode(connectionRpcBytes).messages.length;
  }),
);

// ---------------------------------------------------------------- Advertise, 100 IPv6 points
const points = Array.from(
  { length: 100 },
  (_, i) => makePointId(`2001:db8:${i.toString(16)}:42::${(i * 7).toString(16)}:1`, 9700 + i),
);
const advertise: P2pMessage<never> = { kind: "Advertise", points };
const advertiseBytes = encodeP2pMessage(advertise, rawAppCodec as never);
const text = new TextEncoder();
const pruneRpc = {
  subscriptions: [],
  messages: [],
  control: {
    ihave: [],
    iwant: [],
    graft: [],
    idontwant: [],
    prune: [{
      topicID: "t",
      peers: points.map((p, i) => ({
        peerID: fill(16, i),
        signedPeerRecord: text.encode(pointIdToString(p)),
      })),
    }],
  },
};
const pruneRpcBytes = RPC.encode(pruneRpc);

Deno.bench(
  "encode Advertise (100 IPv6 points)",
  { group: "encode Advertise" },
  times(20, () => {
    sink += encodeP2pMessage(advertise, rawAppCodec as never).length;
  }),
);
Deno.bench(
  "protobuf RPC Prune (100 peer records)",
  { group: "encode Advertise", baseline: true },
  times(20, () => {
    sink += RPC.encode(pruneRpc).length;
  }),
);
Deno.bench(
  "decode Advertise (100 IPv6 points)",
  { group: "decode Advertise" },
  times(20, () => {
    sink += decodeP2pMessage(advertiseBytes, rawAppCodec).kind.length;
  }),
);
Deno.bench(
  "protobuf RPC Prune (100 peer records)",
  { group: "decode Advertise", baseline: true },
  times(20, () => {
    sink += RPC.decode(pruneRpcBytes).messages.length;
  }),
);

// Points never seen before: 200 Advertise messages of 100 distinct points (20,000 addresses)
// decoded in turn, beside 200 Prune messages carrying the same texts, decoded in the same turn.
const coldPoints = Array.from({ length: 200 }, (_, m) =>
  Array.from(
    { length: 100 },
    (_, i) =>
      makePointId(
        `2001:db8:${m.toString(16)}:${i.toString(16)}::${(i * 7).toString(16)}:1`,
        9700 + i,
      ),
  ));
const coldAdvertise = coldPoints.map((points) =>
  encodeP2pMessage({ kind: "Advertise", points }, rawAppCodec as never)
);
const coldPrune = coldPoints.map((points) =>
  RPC.encode({
    ...pruneRpc,
    control: {
      ...pruneRpc.control,
      prune: [{
        topicID: "t",
        peers: points.map((p, i) => ({
          peerID: fill(16, i),
          signedPeerRecord: text.encode(pointIdToString(p)),
        })),
      }],
    },
  })
);
let coldNext = 0;
let coldPruneNext = 0;
Deno.bench(
  "decode Advertise (100 IPv6 points never seen)",
  {
    group: "decode Advertise, new points",
  },
  times(20, () => {
    sink += decodeP2pMessage(coldAdvertise[coldNext], rawAppCodec).kind.length;
    coldNext = coldNext === 199 ? 0 : coldNext + 1;
  }),
);
Deno.bench(
  "protobuf RPC Prune (100 peer records never seen)",
  { group: "decode Advertise, new points", baseline: true },
  times(20, () => {
    sink += RPC.decode(coldPrune[coldPruneNext]).messages.length;
    coldPruneNext = coldPruneNext === 199 ? 0 : coldPruneNext + 1;
  }),
);

// ---------------------------------------------------------------- IHave, 1,000 DAL ids
const ids: DalMessageId[] = Array.from({ length: 1000 }, (_, i) => ({
  level: 1_000_000 + i,
  slotIndex: i % 32,
  commitment: fill(48, i),
  shardIndex: i,
  pkh: { kind: "Bls", hash: fill(20, i + 7) },
}));
const topic = { slotIndex: 3, pkh: { kind: "Bls" as const, hash: fill(20, 9) } };
const ihave: P2pMessage<DalGossipMessage> = {
  kind: "Message",
  message: { kind: "IHave", topic, messageIds: ids },
};
const ihaveBytes = encodeP2pMessage(ihave, dalGossipCodec);
const ihaveRpc = {
  subscriptions: [],
  messages: [],
  control: {
    ihave: [{ topicID: "t3", messageIDs: ids.map((_, i) => fill(76, i)) }],
    iwant: [],
    graft: [],
    prune: [],
    idontwant: [],
  },
};
const ihaveRpcBytes = RPC.encode(ihaveRpc);

Deno.bench(
  "encode IHave (1,000 DAL ids)",
  { group: "encode IHave" },
  times(5, () => {
    sink += encodeP2pMessage(ihave, dalGossipCodec).length;
  }),
);
Deno.bench(
  "protobuf RPC IHave (1,000 ids)",
  { group: "encode IHave", baseline: true },
  times(5, () => {
    sink += RPC.encode(ihaveRpc).length;
  }),
);
Deno.bench(
  "decode IHave (1,000 DAL ids)",
  { group: "decode IHave" },
  times(5, () => {
    sink += decodeP2pMessage(ihaveBytes, dalGossipCodec).kind.length;
  }),
);
Deno.bench(
  "protobuf RPC IHave (1,000 ids)",
  { group: "decode IHave", baseline: true },
  times(5, () => {
    sink += RPC.decode(ihaveRpcBytes).messages.length;
  }),
);

// The IHave Octez sends: the ids of one topic (Message_cache.get_message_ids_to_gossip topic,
// src/lib_gossipsub/gossipsub_automaton.ml 2299-2300), so every id carries the topic's slot index
// and key hash; shuffled (List.shuffle, 2294), here over two levels (two commitments). The protobuf
// IHave carries the same 1,000 ids as opaque 76-byte strings.
const topicCommitments = [fill(48, 100), fill(48, 101)];
const topicIds: DalMessageId[] = Array.from({ length: 1000 }, (_, k) => {
  const i = (k * 389) % 1000; // a fixed permutation (389 is prime to 1,000)
  return {
    level: 1_000_000 + (i & 1),
    slotIndex: topic.slotIndex,
    commitment: topicCommitments[i & 1],
    shardIndex: i >> 1,
    pkh: topic.pkh,
  };
});
const topicIhaveBytes = encodeP2pMessage(
  { kind: "Message", message: { kind: "IHave", topic, messageIds: topicIds } },
  dalGossipCodec,
);
const topicIhaveRpcBytes = RPC.encode({
  ...ihaveRpc,
  control: {
    ...ihaveRpc.control,
    ihave: [{ topicID: "t3", messageIDs: topicIds.map(encodeDalMessageId) }],
  },
});
Deno.bench(
  "decode IHave (1,000 DAL ids of one topic)",
  { group: "decode IHave, one topic" },
  times(5, () => {
    sink += decodeP2pMessage(topicIhaveBytes, dalGossipCodec).kind.length;
  }),
);
Deno.bench(
  "protobuf RPC IHave (the same 1,000 ids)",
  { group: "decode IHave, one topic", baseline: true },
  times(5, () => {
    sink += RPC.decode(topicIhaveRpcBytes).messages.length;
  }),
);

// Before and after in one run: with TZP2P_BASELINE=<checkout of an older tree> (e.g. the worktree
// of 46813ca), that tree's generated decoder decodes the same two IHave messages beside ours.
const before = Deno.env.get("TZP2P_BASELINE");
if (before !== undefined) {
  const old = await import(`${before}/gen/p2p_message.ts`);
  const oldGossip = await import(`${before}/gen/gossipsub.ts`);
  Deno.bench(
    "decode IHave (1,000 DAL ids), tree before",
    { group: "decode IHave" },
    times(5, () => {
      sink += old.decodeP2pMessage(ihaveBytes, oldGossip.dalGossipCodec).kind.length;
    }),
  );
  Deno.bench(
    "decode IHave (one topic), tree before",
    { group: "decode IHave, one topic" },
    times(5, () => {
      sink += old.decodeP2pMessage(topicIhaveBytes, oldGossip.dalGossipCodec).kind.length;
    }),
  );
}

// ---------------------------------------------------------------- Message_with_header, 64 KiB
const payload = fill(65536, 5);
const full: P2pMessage<SimpleGossipMessage> = {
  kind: "Message",
  message: { kind: "MessageWithHeader", message: payload, topic: "blocks", messageId: fill(32, 6) },
};
const fullBytes = encodeP2pMessage(full, simpleGossipCodec);
const fullRpc = {
  subscriptions: [],
  messages: [{ topic: "blocks", data: payload, seqno: fill(32, 6) }],
};
const fullRpcBytes = RPC.encode(fullRpc);

Deno.bench(
  "encode Message_with_header (64 KiB)",
  { group: "encode 64 KiB message" },
  times(50, () => {
    sink += encodeP2pMessage(full, simpleGossipCodec).length;
  }),
);
Deno.bench(
  "protobuf RPC message (64 KiB)",
  { group: "encode 64 KiB message", baseline: true },
  times(50, () => {
    sink += RPC.encode(fullRpc).length;
  }),
);
Deno.bench(
  "decode Message_with_header (64 KiB)",
  { group: "decode 64 KiB message" },
  times(500, () => {
    sink += decodeP2pMessage(fullBytes, simpleGossipCodec).kind.length;
  }),
);
Deno.bench(
  "protobuf RPC message (64 KiB)",
  { group: "decode 64 KiB message", baseline: true },
  times(500, () => {
    sink += RPC.decode(fullRpcBytes).messages.length;
  }),
);

/** Sizes, for turning times into MB/s (printed once, outside the measured functions). */
export const sizes: Record<string, number> = {
  connection: connectionBytes.length,
  connectionRpc: connectionRpcBytes.length,
  advertise: advertiseBytes.length,
  pruneRpc: pruneRpcBytes.length,
  ihave: ihaveBytes.length,
  ihaveRpc: ihaveRpcBytes.length,
  full: fullBytes.length,
  fullRpc: fullRpcBytes.length,
};
if (Deno.env.get("TZP2P_BENCH_SIZES")) console.log(JSON.stringify(sizes), sink);

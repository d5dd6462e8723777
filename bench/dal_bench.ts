/**
 * Cost of the structural checks of a received DAL message (`lib/node/dal_values.ts`), beside
 * decoding the same message from its P2P bytes with the generated codec, in one run.
 *
 *     deno bench --allow-read --allow-env bench/dal_bench.ts
 *     TZP2P_BASELINE=/tmp/tzp2p-46813ca deno bench --allow-read --allow-env bench/dal_bench.ts
 *
 * A realistic shard: 64 scalars on mainnet today (protocols 023/024: slot 126,944 B, page 3,967 B,
 * redundancy 8, 512 shards; `Parameters_check.compute_lengths` gives 32 pages × 128 scalars × 8
 * / 512 = 64), 192 with the 380,832-byte slots of protocol 025. Groups:
 * - per message at 64 and at 192 scalars: decode (baseline) vs every check from scratch
 *   (commitment, proof, scalars) vs what the DAL instance does (its commitment cache hits: many
 *   shards share one commitment);
 * - one G1 point: the full check vs a cache hit, and its two parts (square root, subgroup check);
 * - 64 scalars: byte comparison with r vs the BigInt route (`bytes → bigint`, `< r`);
 * - an IHave of 1,000 ids: the DAL instance's key and validity of each id, beside decoding it (and
 *   the older tree's instance with `TZP2P_BASELINE=<checkout>`).
 */

import { bls12_381 } from "@noble/curves/bls12-381.js";
import { decodeP2pMessage, encodeP2pMessage, type P2pMessage } from "../gen/p2p_message.ts";
import {
  dalGossipCodec,
  type DalGossipMessage,
  type DalMessage,
  type DalMessageId,
} from "../gen/gossipsub.ts";
import { dalGossip } from "../lib/node/dal_gossip.ts";
import {
  checkDalMessage,
  checkDalMessageId,
  isValidG1Compressed,
  isValidScalar,
} from "../lib/node/dal_values.ts";

const G1 = bls12_381.G1.Point;
const R = bls12_381.fields.Fr.ORDER;
let sink = 0;

// Deterministic scalars below r: 32 pseudo-random bytes, little-endian, top byte below r's (0x73).
function scalars(count: number, seed: number): Uint8Array[] {
  let state = seed >>> 0;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) >>> 24;
  return Array.from({ length: count }, () => {
    const bytes = Uint8Array.from({ length: 32 }, next);
    bytes[31] %= 0x73;
    return bytes;
  });
}

function dalMessage(shareLength: number): { id: DalMessageId; message: DalMessage } {
  const id: DalMessageId = {
    level: 1_000_000,
    slotIndex: 7,
    commitment: G1.BASE.multiply(0x1234_5678_9abc_def0n).toBytes(true),
    shardIndex: 300,
    pkh: { kind: "Bls", hash: new Uint8Array(20).fill(9) },
  };
  const message: DalMessage = {
    share: scalars(shareLength, shareLength),
    shardProof: G1.BASE.multiply(0x0fed_cba9_8765_4321n).toBytes(true),
  };
  return { id, message };
}

for (const shareLength of [64, 192]) {
  const { id, message } = dalMessage(shareLength);
  const wire: P2pMessage<DalGossipMessage> = {
    kind: "Message",
    message: {
      kind: "MessageWithHeader",
      message,
      topic: { slotIndex: id.slotIndex, pkh: id.pkh },
      messageId: id,
    },
  };
  const bytes = encodeP2pMessage(wire, dalGossipCodec);
  const group = `DAL message, ${shareLength} scalars (${bytes.length} B)`;
  const instance = dalGossip();
  if (instance.messageId.valid(id) !== "Valid") throw new Error("bench input is not valid");
  if (checkDalMessage(message).kind !== "Valid") throw new Error("bench input is not valid");

  Deno.bench(`decode (generated codec)`, { group, baseline: true }, () => {
    sink += decodeP2pMessage(bytes, dalGossipCodec).kind.length;
  });
  Deno.bench(`check commitment + proof + ${shareLength} scalars, no cache`, { group }, () => {
    sink += checkDalMessageId(id).kind.length + checkDalMessage(message).kind.length;
  });
  Deno.bench(`dalGossip() id + message validity (commitment cached)`, { group }, () => {
    sink += instance.messageId.valid(id).length + instance.message.valid(message, id).length;
  });
}

// ---------------------------------------------------------------- one point
{
  const point = G1.BASE.multiply(0xabcdefn).toBytes(true);
  const instance = dalGossip();
  const id = { ...dalMessage(0).id, commitment: point };
  Deno.bench(
    "isValidG1Compressed (decompress + subgroup)",
    { group: "G1 point", baseline: true },
    () => {
      sink += isValidG1Compressed(point) ? 1 : 0;
    },
  );
  Deno.bench("dalGossip() id validity, commitment cache hit", { group: "G1 point" }, () => {
    sink += instance.messageId.valid(id).length;
  });
  // Where the time goes: the square root of decompression, and the subgroup check.
  const Fp = bls12_381.fields.Fp;
  const affine = G1.fromBytes(point).toAffine();
  const rhs = Fp.add(Fp.pow(affine.x, 3n), 4n);
  Deno.bench("part: square root in Fp (decompression)", { group: "G1 point" }, () => {
    sink += Fp.sqrt(rhs) > 0n ? 1 : 0;
  });
  Deno.bench("part: subgroup check (isTorsionFree)", { group: "G1 point" }, () => {
    sink += G1.fromAffine(affine).isTorsionFree() ? 1 : 0;
  });
}

// ---------------------------------------------------------------- scalars
{
  const share = scalars(64, 1);
  Deno.bench("64 scalars < r, BigInt route", { group: "64 scalars", baseline: true }, () => {
    for (const s of share) {
      let value = 0n;
      for (let i = 31; i >= 0; i--) value = (value << 8n) | BigInt(s[i]);
      sink += value < R ? 1 : 0;
    }
  });
  Deno.bench("64 scalars < r, BigInt via hex", { group: "64 scalars" }, () => {
    for (const s of share) {
      let hex = "0x";
      for (let i = 31; i >= 0; i--) hex += s[i].toString(16).padStart(2, "0");
      sink += BigInt(hex) < R ? 1 : 0;
    }
  });
  Deno.bench("64 scalars < r, isValidScalar (bytes)", { group: "64 scalars" }, () => {
    for (const s of share) sink += isValidScalar(s) ? 1 : 0;
  });
}

// ---------------------------------------------------------------- an IHave's ids
// What the node does with each id of an IHave before the automaton decides: its key (the message
// cache, validation and first senders look it up by key) and its validity (commitment cached).
// The IHave Octez sends: 1,000 ids of one topic over two levels. Beside decoding that IHave, and,
// with TZP2P_BASELINE=<older checkout> (e.g. the worktree of 46813ca), that tree's instance.
{
  const { id } = dalMessage(0);
  const commitments = [id.commitment, G1.BASE.multiply(0x4242n).toBytes(true)];
  const ids: DalMessageId[] = Array.from({ length: 1000 }, (_, k) => {
    const i = (k * 389) % 1000;
    return { ...id, level: id.level + (i & 1), commitment: commitments[i & 1], shardIndex: i >> 1 };
  });
  const bytes = encodeP2pMessage(
    {
      kind: "Message",
      message: { kind: "IHave", topic: { slotIndex: id.slotIndex, pkh: id.pkh }, messageIds: ids },
    },
    dalGossipCodec,
  );
  const group = "IHave of 1,000 ids: key + validity of each";
  Deno.bench("decode the IHave (generated codec)", { group, baseline: true }, () => {
    sink += decodeP2pMessage(bytes, dalGossipCodec).kind.length;
  });
  const instance = dalGossip();
  Deno.bench("dalGossip() key + validity of the 1,000 ids", { group }, () => {
    for (const i of ids) {
      sink += String(instance.messageId.key(i)).length + instance.messageId.valid(i).length;
    }
  });
  const before = Deno.env.get("TZP2P_BASELINE");
  if (before !== undefined) {
    const old = (await import(`${before}/lib/node/dal_gossip.ts`)).dalGossip() as typeof instance;
    Deno.bench("dalGossip() key + validity, tree before", { group }, () => {
      for (const i of ids) {
        sink += String(old.messageId.key(i)).length + old.messageId.valid(i).length;
      }
    });
  }
}

// Keeps the results observable so that no measured call is optimised away.
if (Deno.env.get("TZP2P_BENCH_SINK")) console.log(sink);

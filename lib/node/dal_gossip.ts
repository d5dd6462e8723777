/**
 * The DAL gossipsub instance (spec gossipsub §12–§13): topics are (slot index, attester pkh), ids
 * name a shard by level, slot, commitment, shard index and attester, and messages are shards with
 * their proof, all in Octez's wire layout (`dalGossipCodec`, tags 0x10–0x16). Ids come from the
 * application (`publish(topic, shard, id)`), as in the DAL node.
 *
 * Order of ids, as Octez: level, then shard index, then commitment, then topic (so that "smallest
 * unknown id first" is "lowest level first").
 *
 * Validation has two stages. First the values Octez's decoder would refuse (`dal_values.ts`): an id
 * whose commitment is not a compressed G1 point of the subgroup, a shard proof likewise, or a share
 * scalar not below r makes the id or the message `Invalid`, so the automaton charges the sender
 * (P4), never caches it and never forwards it (`messages.ts`: `reject`; IHave ids too,
 * `control.ts`: `handleIhave`). Then, for well-formed values only, the application's `validate`
 * hook (levels, committee, the KZG proof of Octez's `message_validation.ml`) decides; without a
 * hook a well-formed value is `Valid`.
 *
 * Deliberate difference: in Octez these values fail to decode, the whole P2P message (a full
 * message, or an IHave/IWant list of ids: `transport_layer_interface.ml` 84-115, 145-158) is a
 * decoding error, and the connection is closed and the peer's IP greylisted
 * (`src/lib_p2p/p2p_conn.ml` 112-114). Here they reach the automaton and cost the sender score;
 * an IWant for such an id finds nothing, as none is ever cached.
 *
 * @module
 */

import {
  dalGossipCodec,
  type DalMessage,
  type DalMessageId,
  type DalTopic,
  type Pkh,
} from "../../gen/gossipsub.ts";
import { compareBytes } from "../base/bytes.ts";
import { toHex } from "../encoding/hex.ts";
import type { Validity } from "../gossipsub/mod.ts";
import { checkDalMessage, isValidG1Compressed } from "./dal_values.ts";
import type { GossipInstance } from "./gossip_instance.ts";

/** The DAL instance's types: topic, message id, shard. */
export type DalGossipInstance = GossipInstance<DalTopic, DalMessageId, DalMessage>;

/** Options of {@link dalGossip}. */
export interface DalGossipOptions {
  /**
   * Validity of a shard (default `Valid`); the id alone is checked with `message` undefined. Only
   * called on well-formed values: a commitment, shard proof or share scalar that Octez could not
   * decode is `Invalid` without asking.
   */
  readonly validate?: (id: DalMessageId, message: DalMessage | undefined) => Validity;
}

// Distinct commitments remembered by one instance. A slot has one commitment for all its shards
// (512 on mainnet) and the id is checked on every IHave and every full message, while a G1
// decompression and subgroup check costs hundreds of µs in JavaScript (bench/dal_bench.ts);
// 32 slots per level times a few levels in flight stays well under this bound.
const COMMITMENT_CACHE_SIZE = 1024;

// Map keys of ids and commitments pack two bytes in each UTF-16 unit, in one `fromCharCode`
// call: an IHave names up to 5,000 ids and each is looked up several times (validation, the
// message cache, first senders), and the hex text key cost 373 ns an id against 66 ns packed
// (deno bench, 1,000 ids). Keys are never shown. An id whose fields break its type keeps a text key
// that starts "dal:": its fourth unit (':', 0x3a) can never be a packed key's fourth unit, whose
// low byte is a key-hash tag (0 to 4), so the two kinds never meet.

/** Bytes `k` and `k + 1` of `b` as one 16-bit unit. */
function pair(b: Uint8Array, k: number): number {
  return (b[k] << 8) | b[k + 1];
}

/** A 48-byte commitment as 24 units, or undefined when it is not 48 bytes. */
function commitmentKey(c: Uint8Array): string | undefined {
  if (c.length !== 48) return undefined;
  // deno-fmt-ignore
  return String.fromCharCode(
    pair(c, 0), pair(c, 2), pair(c, 4), pair(c, 6), pair(c, 8), pair(c, 10), pair(c, 12),
    pair(c, 14), pair(c, 16), pair(c, 18), pair(c, 20), pair(c, 22), pair(c, 24), pair(c, 26),
    pair(c, 28), pair(c, 30), pair(c, 32), pair(c, 34), pair(c, 36), pair(c, 38), pair(c, 40),
    pair(c, 42), pair(c, 44), pair(c, 46),
  );
}

/**
 * The key of an id: 38 units (level in two, shard index, slot index and key-hash tag, the
 * commitment's 24, the key hash's 10), or the text key of an id whose fields are out of range.
 */
function idKey(id: DalMessageId): string {
  const { level, shardIndex, slotIndex, commitment: c, pkh } = id;
  const tag = Object.hasOwn(PKH_TAGS, pkh.kind) ? PKH_TAGS[pkh.kind] : undefined;
  const h = pkh.hash;
  const wellFormed = Number.isInteger(level) && level >= -0x80000000 && level <= 0x7fffffff &&
    Number.isInteger(shardIndex) && shardIndex >= 0 && shardIndex <= 0xffff &&
    Number.isInteger(slotIndex) && slotIndex >= 0 && slotIndex <= 0xff &&
    tag !== undefined && c.length === 48 && h.length === 20;
  if (!wellFormed) {
    const fields = [level, shardIndex, slotIndex, toHex(c), pkh.kind, toHex(h)].map(String);
    return `dal:${JSON.stringify(fields)}`;
  }
  // deno-fmt-ignore
  return String.fromCharCode(
    level >>> 16, level & 0xffff, shardIndex, (slotIndex << 8) | tag,
    pair(c, 0), pair(c, 2), pair(c, 4), pair(c, 6), pair(c, 8), pair(c, 10), pair(c, 12),
    pair(c, 14), pair(c, 16), pair(c, 18), pair(c, 20), pair(c, 22), pair(c, 24), pair(c, 26),
    pair(c, 28), pair(c, 30), pair(c, 32), pair(c, 34), pair(c, 36), pair(c, 38), pair(c, 40),
    pair(c, 42), pair(c, 44), pair(c, 46),
    pair(h, 0), pair(h, 2), pair(h, 4), pair(h, 6), pair(h, 8), pair(h, 10), pair(h, 12),
    pair(h, 14), pair(h, 16), pair(h, 18),
  );
}

/** Whether a commitment is well formed, remembering the answer for the last distinct ones. */
function commitmentChecker(): (commitment: Uint8Array) => boolean {
  const known = new Map<string, boolean>();
  return (commitment) => {
    const key = commitmentKey(commitment);
    if (key === undefined) return false; // not 48 bytes: not a compressed G1 point
    const cached = known.get(key);
    if (cached !== undefined) return cached;
    const valid = isValidG1Compressed(commitment);
    // First in, first out: an attacker's flood of distinct commitments only evicts, at the cost
    // of one check each, which it would cost without the cache too.
    if (known.size >= COMMITMENT_CACHE_SIZE) known.delete(known.keys().next().value!);
    known.set(key, valid);
    return valid;
  };
}

const PKH_TAGS: Record<Pkh["kind"], number> = {
  Ed25519: 0,
  Secp256k1: 1,
  P256: 2,
  Bls: 3,
  MlDsa44: 4,
};

function comparePkh(a: Pkh, b: Pkh): number {
  return PKH_TAGS[a.kind] - PKH_TAGS[b.kind] || compareBytes(a.hash, b.hash);
}

function compareTopics(a: DalTopic, b: DalTopic): number {
  return a.slotIndex - b.slotIndex || comparePkh(a.pkh, b.pkh);
}

function topicKey(topic: DalTopic): string {
  return `${topic.slotIndex}/${PKH_TAGS[topic.pkh.kind]}/${toHex(topic.pkh.hash)}`;
}

/**
 * The DAL instance.
 *
 * @param options Shard validation.
 * @returns The instance.
 */
export function dalGossip(options: DalGossipOptions = {}): DalGossipInstance {
  const validate = options.validate;
  const commitmentOk = commitmentChecker();
  return {
    name: "dal",
    codec: dalGossipCodec,
    topic: { key: topicKey, compare: compareTopics },
    messageId: {
      key: idKey,
      compare: (a, b) =>
        a.level - b.level || a.shardIndex - b.shardIndex ||
        compareBytes(a.commitment, b.commitment) || compareTopics(a, b),
      getTopic: (id) => ({ slotIndex: id.slotIndex, pkh: id.pkh }),
      valid: (id) => {
        if (!commitmentOk(id.commitment)) return "Invalid";
        return validate?.(id, undefined) ?? "Valid";
      },
    },
    message: {
      // The automaton checks the id first on every path (`messages.ts`); the commitment is checked
      // again here (a cache hit) so that the hook never sees a malformed id whatever the caller.
      valid: (message, id) => {
        if (!commitmentOk(id.commitment) || checkDalMessage(message).kind !== "Valid") {
          return "Invalid";
        }
        return validate?.(id, message) ?? "Valid";
      },
    },
    // Octez never compares a message's topic with its id's (spec gossipsub §12.2).
    accept: () => true,
    checkTopic(topic) {
      if (!Number.isInteger(topic?.slotIndex) || topic.slotIndex < 0 || topic.slotIndex > 255) {
        throw new RangeError(`dal gossip: slot index ${topic?.slotIndex} is not a uint8`);
      }
      if (!(topic.pkh?.hash instanceof Uint8Array) || topic.pkh.hash.length !== 20) {
        throw new RangeError("dal gossip: a topic's pkh needs a 20-byte hash");
      }
      if (
        topic.slotIndex === 0 && topic.pkh.kind === "Ed25519" &&
        topic.pkh.hash.every((b) => b === 0)
      ) {
        throw new RangeError("dal gossip: slot 0 of the all-zero tz1 is the Ping on the wire");
      }
    },
  };
}

/**
 * The DAL gossipsub instance (spec gossipsub §12–§13): topics are (slot index, attester pkh), ids
 * name a shard by level, slot, commitment, shard index and attester, and messages are shards with
 * their proof, all in Octez's wire layout (`dalGossipCodec`, tags 0x10–0x16). Ids come from the
 * application (`publish(topic, shard, id)`), as in the DAL node.
 *
 * Order of ids, as Octez: level, then shard index, then commitment, then topic (so that "smallest
 * unknown id first" is "lowest level first"). Validation is the application's: without a
 * `validate` hook every shard is `Valid`; the KZG proof checks of the DAL node are not done here.
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
import { toHex } from "../encoding/hex.ts";
import type { Validity } from "../gossipsub/worker.ts";
import type { GossipInstance } from "./gossip_instance.ts";

/** The DAL instance's types: topic, message id, shard. */
export type DalGossipInstance = GossipInstance<DalTopic, DalMessageId, DalMessage>;

/** Options of {@link dalGossip}. */
export interface DalGossipOptions {
  /** Validity of a shard (default `Valid`); the id alone is checked with `message` undefined. */
  readonly validate?: (id: DalMessageId, message: DalMessage | undefined) => Validity;
}

const PKH_TAGS: Record<Pkh["kind"], number> = {
  Ed25519: 0,
  Secp256k1: 1,
  P256: 2,
  Bls: 3,
  MlDsa44: 4,
};

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

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
  return {
    name: "dal",
    codec: dalGossipCodec,
    topic: { key: topicKey, compare: compareTopics },
    messageId: {
      key: (id) => `${id.level}/${id.shardIndex}/${toHex(id.commitment)}/${topicKey(id)}`,
      compare: (a, b) =>
        a.level - b.level || a.shardIndex - b.shardIndex ||
        compareBytes(a.commitment, b.commitment) || compareTopics(a, b),
      getTopic: (id) => ({ slotIndex: id.slotIndex, pkh: id.pkh }),
      valid: (id) => validate?.(id, undefined) ?? "Valid",
    },
    message: { valid: (message, id) => validate?.(id, message) ?? "Valid" },
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

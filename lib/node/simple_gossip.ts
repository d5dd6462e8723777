/**
 * The simple gossipsub instance: string topics, byte payloads, and byte message ids minted per
 * publication, carried by `simpleGossipCodec` (same tags and layout as the DAL instance, spec
 * gossipsub §13, with strings and byte strings in place of DAL topics, ids and shards).
 *
 * The automaton needs the topic of a bare id (an IWant names ids only), so an id starts with its
 * topic; the rest makes it unique per publication:
 *
 * ```text
 * message id = topic length(2, BE) ‖ topic (UTF-8) ‖ origin peer id(16) ‖ session(4) ‖ sequence(4, BE)
 * ```
 *
 * `session` is random per node instance, so that a node restarted with the same identity does not
 * reuse the ids of its previous run while other nodes still remember them.
 *
 * @module
 */

import { simpleGossipCodec } from "../../gen/gossipsub.ts";
import { compareBytes } from "../base/bytes.ts";
import { toHex } from "../encoding/hex.ts";
import type { TopicModule, Validity } from "../gossipsub/mod.ts";
import type { GossipInstance, GossipWireMessage } from "./gossip_instance.ts";
import { DEFAULT_MAX_TOPIC_BYTES } from "./options.ts";

/** The simple instance's types: topic, message id, payload. */
export type SimpleGossipInstance = GossipInstance<string, Uint8Array, Uint8Array>;

/** Options of {@link simpleGossip}. */
export interface SimpleGossipOptions {
  /**
   * Validity of a received payload (default: every payload is `Valid`). `Invalid` lowers the
   * sender's score; `Unknown` keeps the message aside and retries it after each heartbeat.
   */
  readonly validate?: (topic: string, payload: Uint8Array) => Validity;
  /**
   * Longest topic in UTF-8 bytes (default {@link DEFAULT_MAX_TOPIC_BYTES}, at most 65 535): a
   * received message naming a longer one is refused by `accept`, so a peer cannot make the node
   * keep large topic names; joining, subscribing to or publishing on one throws. Together with
   * the limits' `maxTopicsPerPeer` it bounds the topic text kept per peer.
   */
  readonly maxTopicBytes?: number;
}

const ORIGIN_LENGTH = 16;
const SUFFIX_LENGTH = ORIGIN_LENGTH + 4 + 4;
/** Longest topic, in UTF-8 bytes: the length field is 16 bits. */
export const MAX_SIMPLE_TOPIC_BYTES = 0xffff;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The topic length field of `id`, or -1 when `id` cannot be an id of this layout. */
function topicLength(id: Uint8Array): number {
  if (id.length < 2 + SUFFIX_LENGTH) return -1;
  const length = (id[0] << 8) | id[1];
  return id.length === 2 + length + SUFFIX_LENGTH ? length : -1;
}

/**
 * The topic an id names.
 *
 * @param id A message id of the simple instance.
 * @returns Its topic, or `undefined` when `id` is malformed.
 */
export function simpleMessageIdTopic(id: Uint8Array): string | undefined {
  const length = topicLength(id);
  if (length < 0) return undefined;
  if (length <= MAX_CACHED_TOPIC_BYTES) return shortTopic(id, length);
  try {
    return decoder.decode(id.subarray(2, 2 + length));
  } catch {
    return undefined;
  }
}

// Every received id (IHave ids included) names its topic, and a node has few topics: the last
// short topic is kept with its bytes, and ASCII is read without the fatal decoder. This took the
// decoder's 3% of a 20-node burst's CPU (bench/network_bench.ts profile) away.
const MAX_CACHED_TOPIC_BYTES = 256;
let lastTopicBytes = new Uint8Array(0);
let lastTopic = "";

function shortTopic(id: Uint8Array, length: number): string | undefined {
  if (length === lastTopicBytes.length) {
    let i = 0;
    while (i < length && id[2 + i] === lastTopicBytes[i]) i++;
    if (i === length) return lastTopic;
  }
  const bytes = id.subarray(2, 2 + length);
  let ascii = true;
  for (let i = 0; i < length; i++) {
    if (bytes[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  let topic: string;
  if (ascii) topic = String.fromCharCode.apply(null, bytes as unknown as number[]);
  else {
    try {
      topic = decoder.decode(bytes);
    } catch {
      return undefined;
    }
  }
  lastTopicBytes = bytes.slice();
  lastTopic = topic;
  return topic;
}

/**
 * A message id of the simple instance.
 *
 * @param topic The topic (at most 65 535 UTF-8 bytes).
 * @param origin The publisher's peer id (16 bytes).
 * @param session 32 bits chosen at random per node instance.
 * @param sequence The publisher's counter (taken modulo 2^32).
 * @returns The id.
 * @throws {RangeError} When the topic is too long or `origin` is not 16 bytes.
 */
export function simpleMessageId(
  topic: string,
  origin: Uint8Array,
  session: number,
  sequence: number,
): Uint8Array {
  const text = encoder.encode(topic);
  if (text.length > MAX_SIMPLE_TOPIC_BYTES) {
    throw new RangeError(`simple gossip: topic of ${text.length} bytes is over 65535`);
  }
  if (origin.length !== ORIGIN_LENGTH) {
    throw new RangeError(`simple gossip: origin must be a 16-byte peer id, got ${origin.length}`);
  }
  const id = new Uint8Array(2 + text.length + SUFFIX_LENGTH);
  const view = new DataView(id.buffer);
  view.setUint16(0, text.length);
  id.set(text, 2);
  id.set(origin, 2 + text.length);
  view.setUint32(2 + text.length + ORIGIN_LENGTH, session >>> 0);
  view.setUint32(2 + text.length + ORIGIN_LENGTH + 4, sequence >>> 0);
  return id;
}

// Ids are short, so a Latin-1 string of their bytes is a cheap map key whose order is byte order.
function idKey(id: Uint8Array): string {
  return String.fromCharCode.apply(null, id as unknown as number[]);
}

const stringTopics: TopicModule<string> = {
  key: (topic) => topic,
  compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
};

// UTF-8 takes at least one byte per UTF-16 unit and at most three, so most topics are judged
// without encoding them.
function topicFits(topic: string, maxBytes: number): boolean {
  if (topic.length > maxBytes) return false;
  if (topic.length * 3 <= maxBytes) return true;
  return encoder.encode(topic).length <= maxBytes;
}

/**
 * The simple instance (the default of `createNode`).
 *
 * @param options Payload validation and the topic bound.
 * @returns The instance.
 * @throws {RangeError} When `maxTopicBytes` is not an integer from 1 to 65 535.
 */
export function simpleGossip(options: SimpleGossipOptions = {}): SimpleGossipInstance {
  const validate = options.validate;
  const maxTopicBytes = options.maxTopicBytes ?? DEFAULT_MAX_TOPIC_BYTES;
  if (
    !Number.isInteger(maxTopicBytes) || maxTopicBytes < 1 ||
    maxTopicBytes > MAX_SIMPLE_TOPIC_BYTES
  ) {
    throw new RangeError(
      `simple gossip: maxTopicBytes must be an integer from 1 to 65535, got ${maxTopicBytes}`,
    );
  }
  const session = crypto.getRandomValues(new Uint32Array(1))[0];
  return {
    name: "simple",
    codec: simpleGossipCodec,
    describe: { topic: (topic) => topic, messageId: toHex, size: (message) => message.length },
    topic: stringTopics,
    messageId: {
      key: idKey,
      compare: compareBytes,
      // Only ids that passed `accept` (or that we minted) reach the automaton.
      getTopic: (id) => simpleMessageIdTopic(id) as string,
      valid: () => "Valid",
    },
    message: {
      valid: (payload, id) => validate?.(simpleMessageIdTopic(id) as string, payload) ?? "Valid",
    },
    accept: (message) => acceptSimple(message, maxTopicBytes),
    checkTopic(topic) {
      if (typeof topic !== "string") throw new TypeError("simple gossip: a topic is a string");
      if (topic === "") {
        throw new RangeError("simple gossip: the empty topic is reserved (it is the Ping)");
      }
      if (!topicFits(topic, maxTopicBytes)) {
        throw new RangeError(`simple gossip: topic over ${maxTopicBytes} UTF-8 bytes`);
      }
    },
    newMessageId: (topic, _message, origin, sequence) =>
      simpleMessageId(topic, origin, session, sequence),
  };
}

function acceptSimple(
  message: GossipWireMessage<string, Uint8Array, Uint8Array>,
  maxTopicBytes: number,
): boolean {
  if ("topic" in message && typeof message.topic === "string") {
    if (!topicFits(message.topic, maxTopicBytes)) return false;
  }
  switch (message.kind) {
    case "IHave":
    case "IWant":
      // An id embeds its topic: the same bound keeps long ids out of the IWant bookkeeping.
      return message.messageIds.every((id) =>
        topicLength(id) <= maxTopicBytes && simpleMessageIdTopic(id) !== undefined
      );
    case "MessageWithHeader":
      return simpleMessageIdTopic(message.messageId) === message.topic;
    default:
      return true;
  }
}

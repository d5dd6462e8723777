/**
 * What a node needs to know about one gossipsub instance (spec gossipsub §12–§13): the application
 * codec that carries its messages in the P2P envelope, the topic, message-id and message modules
 * of the automaton, and how to mint ids for local publications. Also the mapping between the
 * worker's messages and the wire messages, which differ only in Prune:
 *
 * ```text
 * worker Prune { topic, px: peer keys,             backoff: ms      }
 * wire   Prune { topic, px: {point, peerId} pairs, backoff: int16 s }
 * ```
 *
 * Every other case has the same fields on both sides, so it crosses unchanged (no copy).
 *
 * @module
 */

import type { PxPeer } from "../../gen/gossipsub.ts";
import type { AppCodec } from "../encoding/app_codec.ts";
import type {
  MessageIdModule,
  MessageModule,
  PeerMessage as WorkerMessage,
  TopicModule,
} from "../gossipsub/mod.ts";

/** A gossipsub message as the worker of a node sees it: peers are peer-id keys (hex). */
export type NodeGossipMessage<T, I, M> = WorkerMessage<string, T, I, M>;

/**
 * A gossipsub message as the wire codecs see it: `SimpleGossipMessage` and `DalGossipMessage`
 * (gen/gossipsub.ts) are both of this shape.
 */
export type GossipWireMessage<T, I, M> =
  | Exclude<NodeGossipMessage<T, I, M>, { readonly kind: "Prune" }>
  | {
    readonly kind: "Prune";
    readonly topic: T;
    /** Peer exchange: where other subscribers listen, and their ids. */
    readonly px: readonly PxPeer[];
    /** Whole seconds, an int16 on the wire. */
    readonly backoff: number;
  };

/** One gossipsub instance: wire codec, automaton modules and message ids. */
export interface GossipInstance<T, I, M> {
  /** A short name for logs and reports (`"simple"`, `"dal"`). */
  readonly name: string;
  /** The application codec of the P2P envelope (tags 0x10–0x16 for both Octez layouts). */
  readonly codec: AppCodec<GossipWireMessage<T, I, M>>;
  /** Topic identity and order. */
  readonly topic: TopicModule<T>;
  /**
   * Message-id identity, order, topic and id-only validity. `getTopic` is only called on ids that
   * {@link GossipInstance.accept} let through, so it may assume they are well formed.
   */
  readonly messageId: MessageIdModule<I, T>;
  /** Full-message validity. */
  readonly message: MessageModule<string, T, I, M>;
  /**
   * Whether a received message is well formed beyond what the codec checks (e.g. that its ids
   * name a topic); a message refused here is dropped before the worker sees it.
   */
  accept(message: GossipWireMessage<T, I, M>): boolean;
  /**
   * Throws a `RangeError` for a topic the application may not use (e.g. the simple instance's
   * empty topic, which is the Ping on the wire).
   */
  checkTopic(topic: T): void;
  /**
   * A fresh id for a local publication, unique per publication; absent when ids come from the
   * application (the DAL names shards by level, slot, commitment and shard index).
   *
   * @param topic The topic.
   * @param message The payload.
   * @param origin The publishing node's peer id (16 bytes).
   * @param sequence A per-node counter.
   */
  newMessageId?(topic: T, message: M, origin: Uint8Array, sequence: number): I;
  /** Text forms of topics and ids and the payload size, for events and logs. */
  readonly describe?: GossipDescription<T, I, M>;
}

/** How to show an instance's topics, ids and payloads in events and logs. */
export interface GossipDescription<T, I, M> {
  /** A topic as text. */
  topic(topic: T): string;
  /** A message id as text. */
  messageId(id: I): string;
  /** The payload's size in bytes. */
  size(message: M): number;
}

const INT16_MAX = 0x7fff;

/**
 * A worker message in wire form. Prune PX peers whose listening point is unknown are left out:
 * nobody could dial them.
 *
 * @param message The worker's message.
 * @param pxPeer Where a peer (by key) listens, with its id; `undefined` when unknown.
 * @returns The wire message.
 */
export function toWire<T, I, M>(
  message: NodeGossipMessage<T, I, M>,
  pxPeer: (peerKey: string) => PxPeer | undefined,
): GossipWireMessage<T, I, M> {
  if (message.kind !== "Prune") return message;
  const px: PxPeer[] = [];
  for (const peer of message.px) {
    const entry = pxPeer(peer);
    if (entry !== undefined) px.push(entry);
  }
  // Octez encodes the span in whole seconds (fraction dropped) into an int16.
  const backoff = Math.min(INT16_MAX, Math.max(0, Math.floor(message.backoff / 1000)));
  return { kind: "Prune", topic: message.topic, px, backoff };
}

/**
 * A wire message in worker form. The Prune backoff becomes milliseconds, a negative int16 included:
 * Octez's DAL node hands the decoded value to the automaton as it is
 * (`gs_transport_connection.ml`, `unwrap_p2p_message`). Each PX entry is handed to `learnPx`,
 * which records where the peer listens and returns its key.
 *
 * @param message The received wire message.
 * @param learnPx Records a PX entry; returns the peer's key, or `undefined` to leave it out.
 * @returns The worker's message.
 */
export function fromWire<T, I, M>(
  message: GossipWireMessage<T, I, M>,
  learnPx: (entry: PxPeer) => string | undefined,
): NodeGossipMessage<T, I, M> {
  if (message.kind !== "Prune") return message;
  const px: string[] = [];
  for (const entry of message.px) {
    const key = learnPx(entry);
    if (key !== undefined) px.push(key);
  }
  return {
    kind: "Prune",
    topic: message.topic,
    px,
    backoff: message.backoff * 1000,
  };
}

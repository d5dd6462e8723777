/**
 * Bookkeeping of a gossip node around its worker: the publications waiting to learn their
 * recipients, and the first sender of each received message until it is delivered (told to
 * validators and to subscribers).
 *
 * @module
 */

import type { Key } from "../gossipsub/mod.ts";
import { NodeError } from "./errors.ts";

/** Options of `Node.publish`. */
export interface PublishOptions<I> {
  /** The id; required when the instance does not mint ids (the DAL names its shards). */
  readonly messageId?: I;
  /**
   * Resolve even when no peer receives the message (it stays in our cache for gossip); by
   * default that rejects with `no_peers_subscribed`, as js-libp2p gossipsub does.
   */
  readonly allowNoPeers?: boolean;
}

/** What `Node.publish` did. */
export interface PublishResult<I> {
  /** The message id. */
  readonly messageId: I;
  /** The peers it was handed to (mesh or fanout peers, and direct peers). */
  readonly recipients: readonly Uint8Array[];
}

interface Pending<I> {
  readonly messageId: I;
  readonly allowNoPeers: boolean;
  resolve(result: PublishResult<I>): void;
  reject(error: unknown): void;
}

/** Publications waiting for the worker to apply them, by message-id key. */
export class Publications<I> {
  readonly #pending = new Map<Key, Pending<I>>();

  /**
   * Whether a publication of that id is waiting.
   *
   * @param key The id's key.
   * @returns `true` when it is.
   */
  has(key: Key): boolean {
    return this.#pending.has(key);
  }

  /**
   * Waits for the worker to apply a publication.
   *
   * @param key The id's key.
   * @param messageId The id.
   * @param allowNoPeers Resolve even without recipients.
   * @returns Resolves with the recipients, or rejects (see {@link Publications.applied}).
   */
  wait(key: Key, messageId: I, allowNoPeers: boolean): Promise<PublishResult<I>> {
    return new Promise((resolve, reject) => {
      this.#pending.set(key, { messageId, allowNoPeers, resolve, reject });
    });
  }

  /**
   * The worker applied a publication.
   *
   * @param key The id's key.
   * @param recipients The peers it was handed to; `undefined` when the id was already seen.
   */
  applied(key: Key, recipients: readonly Uint8Array[] | undefined): void {
    const pending = this.#pending.get(key);
    if (pending === undefined) return;
    this.#pending.delete(key);
    if (recipients === undefined) {
      pending.reject(
        new NodeError(
          "already_published",
          "publish: this message id was already published or seen",
        ),
      );
    } else if (recipients.length === 0 && !pending.allowNoPeers) {
      pending.reject(
        new NodeError(
          "no_peers_subscribed",
          "publish: no peer received the message (no mesh, fanout or direct peer on its topic)",
        ),
      );
    } else pending.resolve({ messageId: pending.messageId, recipients });
  }

  /** Rejects every waiting publication: the node closed first. */
  close(): void {
    for (const pending of this.#pending.values()) {
      pending.reject(new NodeError("closed", "publish: the node closed first"));
    }
    this.#pending.clear();
  }
}

// Senders remembered for messages not delivered yet (a few seconds of a busy DAL node).
const MAX_REMEMBERED_SENDERS = 16_384;

/**
 * The first sender of each received message, until it is delivered. The node remembers a sender
 * only for an id the worker has not seen yet, so what stays here is messages in flight and those
 * never delivered (invalid, or on a topic not joined); the latter age out, oldest first.
 *
 * Two generations of at most half the bound each: when the young one is full it becomes the old
 * one and the previous old one is dropped whole. A single insertion-ordered map evicting its first
 * key cost a scan over the holes that deliveries leave at its front (2.3 % of a 20-node burst's
 * CPU profile, with every duplicate remembered).
 */
export class FirstSenders {
  #young = new Map<Key, string>();
  #old = new Map<Key, string>();

  /**
   * Whether a sender is remembered for a message.
   *
   * @param key The message id's key.
   * @returns `true` when one is.
   */
  has(key: Key): boolean {
    return this.#young.has(key) || this.#old.has(key);
  }

  /**
   * Records the sender of a message, unless one is known.
   *
   * @param key The message id's key.
   * @param peerKey The sender's key.
   */
  remember(key: Key, peerKey: string): void {
    if (this.has(key)) return;
    if (this.#young.size >= MAX_REMEMBERED_SENDERS / 2) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(key, peerKey);
  }

  /**
   * The first sender of a message.
   *
   * @param key The message id's key.
   * @returns The sender's key, if known.
   */
  get(key: Key): string | undefined {
    return this.#young.get(key) ?? this.#old.get(key);
  }

  /**
   * The first sender of a delivered message, forgotten on the way.
   *
   * @param key The message id's key.
   * @returns The sender's key, if known.
   */
  take(key: Key): string | undefined {
    const young = this.#young.get(key);
    if (young !== undefined) {
      this.#young.delete(key);
      return young;
    }
    const old = this.#old.get(key);
    if (old !== undefined) this.#old.delete(key);
    return old;
  }
}

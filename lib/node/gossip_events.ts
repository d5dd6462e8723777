/**
 * The events a gossip node reports about gossip (lib/node/events.ts): deliveries, Grafts and
 * Prunes both ways, heartbeats. Each event is built only when someone listens, and a failing
 * observer never stops the node.
 *
 * @module
 */

import type { GossipsubView, MessageWithHeader } from "../gossipsub/mod.ts";
import type { NodeEvent } from "./events.ts";
import type { GossipDescription } from "./gossip_instance.ts";

/** Builds and hands over a gossip node's events. */
export class GossipEvents<T, I, M> {
  readonly #onEvent: ((event: NodeEvent) => void) | undefined;
  readonly #describe: GossipDescription<T, I, M> | undefined;
  readonly #peerText: (peerKey: string) => string;

  /**
   * Events for one node.
   *
   * @param onEvent Where they go (nothing is built without it).
   * @param describe Text forms of the instance's topics and ids.
   * @param peerText A peer's base58 id from its key.
   */
  constructor(
    onEvent: ((event: NodeEvent) => void) | undefined,
    describe: GossipDescription<T, I, M> | undefined,
    peerText: (peerKey: string) => string,
  ) {
    this.#onEvent = onEvent;
    this.#describe = describe;
    this.#peerText = peerText;
  }

  /** Whether anyone listens. */
  get listening(): boolean {
    return this.#onEvent !== undefined;
  }

  #emit(event: () => NodeEvent): void {
    if (this.#onEvent === undefined) return;
    try {
      this.#onEvent(event());
    } catch {
      // A failing observer must not stop the node.
    }
  }

  /**
   * A message was delivered to the subscribers.
   *
   * @param out The message.
   * @param from Its first sender's key, if known.
   */
  delivered(out: MessageWithHeader<T, I, M>, from: string | undefined): void {
    const describe = this.#describe;
    this.#emit(() => ({
      event: "message_delivered",
      topic: describe?.topic(out.topic),
      messageId: describe?.messageId(out.messageId),
      from: from === undefined ? undefined : this.#peerText(from),
      size: describe?.size(out.message) ?? 0,
    }));
  }

  /**
   * A Graft or Prune was sent or received.
   *
   * @param kind Graft or Prune.
   * @param direction Sent or received.
   * @param peerKey The peer.
   * @param topic The topic.
   */
  meshChange(
    kind: "graft" | "prune",
    direction: "sent" | "received",
    peerKey: string,
    topic: T,
  ): void {
    this.#emit(() => ({
      event: kind,
      direction,
      peerId: this.#peerText(peerKey),
      topic: this.#describe?.topic(topic) ?? String(topic),
    }));
  }

  /**
   * A heartbeat ran.
   *
   * @param view The automaton after it.
   * @param connections Running connections.
   * @param durationMs How long it took.
   */
  heartbeat(view: GossipsubView<string, T, I, M>, connections: number, durationMs: number): void {
    this.#emit(() => {
      let meshPeers = 0;
      for (const topic of view.joinedTopics()) meshPeers += view.meshPeers(topic).length;
      return { event: "heartbeat", ticks: view.heartbeatTicks, durationMs, connections, meshPeers };
    });
  }
}

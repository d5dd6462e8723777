/**
 * The events a gossip node reports about gossip (lib/node/events.ts): deliveries, Grafts and
 * Prunes both ways, heartbeats, handed to the node's {@link EventHub} (which builds an event only
 * when someone listens).
 *
 * @module
 */

import type { GossipsubView, MessageWithHeader } from "../gossipsub/mod.ts";
import type { EventHub } from "./event_hub.ts";
import type { NodeEvent } from "./events.ts";
import type { GossipDescription } from "./gossip_instance.ts";

/** Builds and hands over a gossip node's events. */
export class GossipEvents<T, I, M> {
  readonly #hub: EventHub;
  readonly #describe: GossipDescription<T, I, M> | undefined;
  readonly #peerText: (peerKey: string) => string;

  /**
   * Events for one node.
   *
   * @param hub Where they go (nothing is built while nobody listens).
   * @param describe Text forms of the instance's topics and ids.
   * @param peerText A peer's base58 id from its key.
   */
  constructor(
    hub: EventHub,
    describe: GossipDescription<T, I, M> | undefined,
    peerText: (peerKey: string) => string,
  ) {
    this.#hub = hub;
    this.#describe = describe;
    this.#peerText = peerText;
  }

  // Every method returns before building its closure when nobody listens: a delivery, a Graft
  // and a Prune each cost one otherwise, thousands a second on a busy node.
  #emit(event: () => NodeEvent): void {
    this.#hub.emit(event);
  }

  /**
   * A message was delivered to the subscribers.
   *
   * @param out The message.
   * @param from Its first sender's key, if known.
   */
  delivered(out: MessageWithHeader<T, I, M>, from: string | undefined): void {
    if (!this.#hub.listening) return;
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
    if (!this.#hub.listening) return;
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
    if (!this.#hub.listening) return;
    this.#emit(() => {
      let meshPeers = 0;
      for (const topic of view.joinedTopics()) meshPeers += view.meshPeers(topic).length;
      return { event: "heartbeat", ticks: view.heartbeatTicks, durationMs, connections, meshPeers };
    });
  }
}

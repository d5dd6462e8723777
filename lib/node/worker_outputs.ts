/**
 * The gossipsub worker's P2P outputs, applied to a gossip node's P2P layer (spec gossipsub §12.3):
 *
 * ```text
 * OutMessage ─ toWire ─ send now (never waits; counted as dropped without a connection or room)
 * Disconnect → close · Kick → close and ban · Connect → dial the peer's point
 * ConnectPoint → dial the point · Forget → nothing
 * ```
 *
 * @module
 */

import { parsePointId } from "../base/point_id.ts";
import type { PxPeer } from "../../gen/gossipsub.ts";
import type { P2pMessage } from "../../gen/p2p_message.ts";
import type { P2pOutput } from "../gossipsub/mod.ts";
import type { GossipEvents } from "./gossip_events.ts";
import { type GossipWireMessage, toWire } from "./gossip_instance.ts";
import type { P2pLayer } from "./p2p_layer.ts";

type Wire<T, I, M> = GossipWireMessage<T, I, M>;

/** Applies the worker's P2P outputs to the P2P layer, one at a time, in the worker's order. */
export class WorkerOutputs<T, I, M> {
  /** Gossip messages not sent: no connection, or its outgoing queue was full. */
  dropped = 0;
  readonly #p2p: P2pLayer<Wire<T, I, M>, unknown>;
  readonly #events: GossipEvents<T, I, M>;
  readonly #kickBanMs: number;
  #lastSent: unknown;
  #envelope: P2pMessage<Wire<T, I, M>> | undefined;

  /**
   * Outputs applied to a P2P layer.
   *
   * @param p2p The node's P2P layer.
   * @param events Where the mesh changes we send are reported.
   * @param kickBanMs How long a `Kick`ed peer is refused, ms.
   */
  constructor(
    p2p: P2pLayer<Wire<T, I, M>, unknown>,
    events: GossipEvents<T, I, M>,
    kickBanMs: number,
  ) {
    this.#p2p = p2p;
    this.#events = events;
    this.#kickBanMs = kickBanMs;
  }

  #pxPeer = (peerKey: string): PxPeer | undefined => {
    const entry = this.#p2p.known.pointOfPeer(peerKey);
    return entry?.peerId === undefined ? undefined : { point: entry.point, peerId: entry.peerId };
  };

  /**
   * Applies one output.
   *
   * @param out The worker's output.
   * @throws {PointIdError} On a `ConnectPoint` whose point does not parse.
   */
  apply(out: P2pOutput<string, T, I, M>): void {
    const pool = this.#p2p.pool;
    switch (out.kind) {
      case "OutMessage": {
        const link = pool.get(out.toPeer);
        const sent = out.p2pMessage;
        if (sent.kind === "Graft" || sent.kind === "Prune") {
          this.#events.meshChange(
            sent.kind === "Graft" ? "graft" : "prune",
            "sent",
            out.toPeer,
            sent.topic,
          );
        }
        // The worker hands one message object to all the recipients of a full message, in a row:
        // they share one envelope too (a Prune's PX is converted for each).
        if (sent !== this.#lastSent || sent.kind === "Prune") {
          this.#lastSent = sent;
          this.#envelope = { kind: "Message", message: toWire(sent, this.#pxPeer) };
        }
        if (link === undefined || !link.send(this.#envelope!)) this.dropped++;
        return;
      }
      case "Disconnect":
        pool.disconnect(out.peer).catch(() => {});
        return;
      case "Kick":
        this.#p2p.kick(out.peer, this.#kickBanMs);
        return;
      case "Connect": {
        const entry = this.#p2p.known.pointOfPeer(out.peer);
        if (entry !== undefined) pool.dial(entry.point, "px", out.peer).catch(() => {});
        return;
      }
      case "ConnectPoint":
        pool.dial(parsePointId(out.point), "config").catch(() => {});
        return;
      case "Forget":
        // Nothing, as Octez's DAL node (`gs_callback_worker.ml` 162): a PX point the worker did
        // not dial keeps its place (and its back-off) in the bounded known-points table, so the
        // next PX naming it cannot reset its schedule by learning it afresh.
        return;
    }
  }
}

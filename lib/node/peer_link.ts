/**
 * One running connection of a node's pool: the accepted `Connection`, who the remote is, where it
 * listens, and its swap bookkeeping. Writes never wait: a full outgoing queue drops the message
 * and counts it, so one slow peer cannot stall the node's single output consumer.
 *
 * @module
 */

import type { P2pMessage } from "../../gen/p2p_message.ts";
import type { PointId } from "../base/point_id.ts";
import type { Connection } from "../connection/mod.ts";
import type { KnownPoint } from "./known_points.ts";

/** An established connection in the pool. */
export class PeerLink<W, Meta = unknown> {
  /** The remote peer's key (`peerIdKey`). */
  readonly key: string;
  /** The remote peer id. */
  readonly peerId: Uint8Array;
  /** The connection. */
  readonly conn: Connection<W, Meta>;
  /** The remote opened it. */
  readonly incoming: boolean;
  /** Key of the side that opened it: the tie-break between two simultaneous connections. */
  readonly initiatorKey: string;
  /** Where the remote listens, when known (the dialled point, or its advertised port). */
  readonly point: KnownPoint | undefined;
  /** When it was established (ms, `performance.now()`). */
  readonly establishedAt: number;
  /** The last Swap_request sent on it: when, and which peer it proposed. */
  lastSwapRequest: { readonly at: number; readonly peerKey: string } | undefined;
  /** When the last Swap_request was sent on it (ms; kept after its answer, unlike the above). */
  lastSwapRequestAt = -Infinity;
  /** Messages dropped because its outgoing queue was full or it was closing. */
  dropped = 0;
  /** The reader loop; settles when the connection is gone and the pool has forgotten it. */
  reader: Promise<void> = Promise.resolve();

  /**
   * Wraps an accepted connection.
   *
   * @param conn The connection.
   * @param key The remote peer's key.
   * @param selfKey This node's key.
   * @param point Where the remote listens.
   * @param now The current time (ms).
   */
  constructor(
    conn: Connection<W, Meta>,
    key: string,
    selfKey: string,
    point: KnownPoint | undefined,
    now: number,
  ) {
    this.conn = conn;
    this.key = key;
    this.peerId = conn.peerId;
    this.incoming = conn.info.incoming;
    this.initiatorKey = this.incoming ? key : selfKey;
    this.point = point;
    this.establishedAt = now;
  }

  /** Where the remote listens. */
  get listeningPoint(): PointId | undefined {
    return this.point?.point;
  }

  /** The remote runs in private mode. */
  get privateNode(): boolean {
    return this.conn.info.privateNode;
  }

  /**
   * Queues a message without waiting (Octez `write_now`).
   *
   * @param message The message.
   * @returns `true` if queued; `false` if dropped (queue full, connection closing, or a message
   * that cannot be encoded).
   */
  send(message: P2pMessage<W>): boolean {
    let queued = false;
    try {
      queued = this.conn.writeNow(message);
    } catch {
      // Closed meanwhile, or not encodable: either way it is not sent.
    }
    if (!queued) this.dropped++;
    return queued;
  }
}

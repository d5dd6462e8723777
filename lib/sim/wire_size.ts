/**
 * How many bytes a gossipsub message takes on a link, for the bandwidth model
 * and the byte counters. The sizes follow the shape of Octez's DAL encoding
 * (`src/lib_dal_node/gossipsub/gs_interface.ml` `p2p_message_encoding`, as in
 * our `gen/gossipsub.ts`): a 2-byte tag inside a 4-byte length-prefixed frame,
 * a topic as a 4-byte length and its bytes, an id as a fixed 8-byte integer
 * (the DAL's ids are larger, ~100 bytes: callers can raise `idBytes`), a PX
 * peer as a 16-byte peer id plus a 19-byte point, a backoff as 2 bytes.
 * Authentication and encryption overhead (16-byte MAC per chunk) is left out:
 * the point is the relative cost of data and control traffic, not the exact
 * bill.
 *
 * @module
 */

import type { PeerMessage } from "../gossipsub/mod.ts";

/** A message of the simulator: peers and ids are numbers, topics strings, payloads bytes. */
export type SimMessage = PeerMessage<number, string, number, Uint8Array>;

/** Frame (4) + tag (2). */
const FRAME = 6;
/** Peer id (16) + point (19). */
const PX_PEER = 35;

/** The size of `message` on the wire, in bytes, with ids of `idBytes` bytes. */
export function wireSize(message: SimMessage, idBytes = 8): number {
  switch (message.kind) {
    case "Graft":
    case "Subscribe":
    case "Unsubscribe":
      return FRAME + 4 + message.topic.length;
    case "Prune":
      return FRAME + 4 + message.topic.length + 4 + PX_PEER * message.px.length + 2;
    case "IHave":
      return FRAME + 4 + message.topic.length + 4 + idBytes * message.messageIds.length;
    case "IWant":
      return FRAME + 4 + idBytes * message.messageIds.length;
    case "MessageWithHeader":
      return FRAME + 4 + message.topic.length + idBytes + 4 + message.message.length;
    case "Ping":
      return FRAME;
  }
}

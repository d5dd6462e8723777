/**
 * A decoded `P2p_message` as the JSON fields `tzp2p decode` prints, under Octez's case names.
 *
 * @module
 */

import { pointIdToString } from "../base/point_id.ts";
import { peerIdToString } from "../crypto/mod.ts";
import { toHex } from "../encoding/mod.ts";
import type { P2pMessage } from "../../gen/p2p_message.ts";
import type { AppFormat } from "./conversation_app.ts";
import type { P2pMessageFields } from "./conversation_item.ts";

/**
 * The printable fields of a message.
 *
 * @param message The decoded message.
 * @param tag The message's u16 tag (needed for application messages, whose decoded value need
 * not carry it).
 * @param app How the application messages were decoded and print.
 * @returns The fields, with `message` set to the Octez case name.
 */
export function p2pMessageFields<M>(
  message: P2pMessage<M>,
  tag: number,
  app: AppFormat<M>,
): P2pMessageFields {
  switch (message.kind) {
    case "Disconnect":
    case "Bootstrap":
      return { message: message.kind };
    case "Advertise":
      return { message: "Advertise", points: message.points.map(pointIdToString) };
    case "SwapRequest":
    case "SwapAck":
      return {
        message: message.kind === "SwapRequest" ? "Swap_request" : "Swap_ack",
        point: pointIdToString(message.point),
        peer_id: peerIdToString(message.peerId),
        peer_id_hex: toHex(message.peerId),
      };
    case "Message":
      return { message: "Message", tag, ...app.fields(message.message, tag) };
  }
}

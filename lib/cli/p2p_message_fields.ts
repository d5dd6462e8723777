/**
 * A decoded `P2p_message` as the JSON fields `tzp2p decode` prints, under Octez's case names.
 *
 * @module
 */

import { pointIdToString } from "../base/point_id.ts";
import { peerIdToString } from "../crypto/mod.ts";
import { type RawAppMessage, toHex } from "../encoding/mod.ts";
import type { P2pMessage } from "../../gen/p2p_message.ts";
import type { P2pMessageFields } from "./conversation_item.ts";

/**
 * Names of the application tags of the Octez shell (`distributed_db_message.ml`, spec §11.3),
 * printed next to messages whose body is shown raw.
 */
export const SHELL_MESSAGE_TITLES: ReadonlyMap<number, string> = new Map([
  [0x10, "Get_current_branch"],
  [0x11, "Current_branch"],
  [0x12, "Deactivate"],
  [0x13, "Get_current_head"],
  [0x14, "Current_head"],
  [0x20, "Get_block_headers"],
  [0x21, "Block_header"],
  [0x30, "Get_operations"],
  [0x31, "Operation"],
  [0x40, "Get_protocols"],
  [0x41, "Protocol"],
  [0x60, "Get_operations_for_blocks"],
  [0x61, "Operations_for_blocks"],
  [0x70, "Get_checkpoint"],
  [0x71, "Checkpoint"],
  [0x80, "Get_protocol_branch"],
  [0x81, "Protocol_branch"],
  [0x90, "Get_predecessor_header"],
  [0x91, "Predecessor_header"],
]);

function isRaw(value: unknown): value is RawAppMessage {
  return typeof value === "object" && value !== null &&
    (value as { kind?: unknown }).kind === "Raw" &&
    (value as { body?: unknown }).body instanceof Uint8Array;
}

/**
 * The printable fields of a message.
 *
 * @param message The decoded message.
 * @param tag The message's u16 tag (needed for application messages, whose decoded value need
 * not carry it).
 * @returns The fields, with `message` set to the Octez case name.
 */
export function p2pMessageFields<M>(message: P2pMessage<M>, tag: number): P2pMessageFields {
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
    case "Message": {
      const body = message.message;
      if (!isRaw(body)) return { message: "Message", tag, value: body };
      // Titles only for raw bodies: a registered codec may cover another application than the
      // shell, whose tags mean something else.
      const title = SHELL_MESSAGE_TITLES.get(tag);
      return { message: "Message", tag, ...(title && { title }), hex: toHex(body.body) };
    }
  }
}

/**
 * A user's own application messages, declared with the tzp2p schema language and plugged into the
 * P2P envelope next to (or instead of) gossipsub. Regenerate `examples/gen/chat.ts` with:
 *
 *     deno run --allow-read --allow-write lib/codegen/main.ts --runtime lib/encoding/mod.ts \
 *       --extern schema/mod.ts examples/chat_schema.ts
 *
 * (Outside this repository, with tzp2p from JSR: `--package @tzp2p/tzp2p` instead of `--runtime`.)
 *
 * @module
 */

import {
  type Decl,
  declare,
  int64,
  list,
  obj,
  opt,
  ref,
  req,
  type SchemaFile,
  string,
  tagged,
  union,
} from "../lib/codegen/dsl.ts";
import { PeerId, Point } from "../schema/base.ts";

/** A chat line. */
export const ChatLine: Decl = declare(
  "ChatLine",
  "A line of chat.",
  obj(
    req("room", string(), "Room name."),
    req("text", string(), "The text, UTF-8."),
    req("sentAtMs", int64(), "Sender's clock, milliseconds since the epoch."),
    opt("replyTo", ref(PeerId), "Peer being answered, if any."),
  ),
);

/** The chat application's messages: tags 0x0100–0x0102, far from Octez's shell and DAL tags. */
export const ChatMessage: Decl = declare(
  "ChatMessage",
  "Messages of the example chat application.",
  union(2, [
    tagged(0x0100, "Say", [req("line", ref(ChatLine))], "Posts a line."),
    tagged(0x0101, "Join", [req("room", string())], "Joins a room."),
    tagged(
      0x0102,
      "Rooms",
      [req("rooms", list(string(), 64)), req("seen", list(ref(Point), 10))],
      "Known rooms, and where other members were seen.",
    ),
  ]),
  { appCodec: "chatCodec" },
);

/** Generation settings of this schema. */
export const schemaFile: SchemaFile = {
  source: "examples/chat_schema.ts",
  output: "examples/gen/chat.ts",
  doc: "Codecs of the example chat application (generated from examples/chat_schema.ts).",
  decls: [ChatLine, ChatMessage],
};

/**
 * tzp2p's wire schema: the declarations its codecs (`gen/`, exported by the package root) are
 * generated from. Your own schema files reference them with `ref` — a chat line naming a peer, a
 * message carrying points — and the codec generator imports their codecs from the package:
 *
 * ```ts
 * import { declare, obj, opt, ref, req, type SchemaFile, string } from "../lib/codegen/mod.ts";
 * import { PeerId } from "./mod.ts";
 *
 * export const ChatLine = declare("ChatLine", "A line of chat.", obj(
 *   req("text", string()),
 *   opt("replyTo", ref(PeerId), "Peer being answered, if any."),
 * ));
 *
 * export const schemaFile: SchemaFile = {
 *   source: "chat_schema.ts",
 *   output: "gen/chat.ts",
 *   doc: "Chat codecs.",
 *   decls: [ChatLine],
 * };
 * ```
 *
 * (From JSR: `@tzp2p/tzp2p/codegen` and `@tzp2p/tzp2p/schema`; then
 * `deno run --allow-read --allow-write jsr:@tzp2p/tzp2p/codegen-cli --package @tzp2p/tzp2p
 * chat_schema.ts`.)
 *
 * {@link schemaFiles} lists every file in generation order: `deno task gen` passes this module to
 * the generator.
 *
 * @module
 */

import type { SchemaFile } from "../lib/codegen/dsl.ts";
import { schemaFile as base } from "./base.ts";
import { schemaFile as connection } from "./connection.ts";
import { schemaFile as p2pMessage } from "./p2p_message.ts";
import { schemaFile as gossipsub } from "./gossipsub.ts";
import { schemaFile as shell } from "./shell.ts";

export { NetworkVersion, PeerId, Point } from "./base.ts";
export {
  AckMessage,
  ConnectionMessage,
  ConnectionMetadata,
  DalConnectionMetadata,
} from "./connection.ts";
export { P2pMessage } from "./p2p_message.ts";
export {
  DalGossipMessage,
  DalMessage,
  DalMessageId,
  DalTopic,
  gossipMessages,
  Pkh,
  PxPeer,
  SimpleGossipMessage,
} from "./gossipsub.ts";
export {
  BlockHash,
  BlockHeader,
  BlockLocator,
  ChainId,
  ContextHash,
  Fitness,
  Mempool,
  Operation,
  OperationHash,
  OperationListListHash,
  OperationListListPath,
  OperationsForBlock,
  OperationShellHeader,
  Protocol,
  ProtocolComponent,
  ProtocolHash,
  ShellHeader,
  ShellMessage,
} from "./shell.ts";
export type {
  Base58Display,
  Case,
  Conversion,
  Decl,
  Field,
  MergeNode,
  Node,
  SchemaFile,
  Size,
  UnionNode,
} from "../lib/codegen/dsl.ts";

/** The schema files `deno task gen` generates, in order. */
export const schemaFiles: readonly SchemaFile[] = [
  base,
  connection,
  p2pMessage,
  gossipsub,
  shell,
];

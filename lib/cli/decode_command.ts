/**
 * `tzp2p decode`: prints a recorded conversation as JSON lines, one per decoded item.
 *
 * @module
 */

import { parseArgs } from "./args.ts";
import { ConversationDecoder } from "./conversation.ts";
import { APP_CHOICES, type AppChoice } from "./conversation_app.ts";
import { METADATA_FORMATS } from "./conversation_metadata.ts";
import { parseConversation } from "./conversation_input.ts";
import { type ConversationItem, itemToJsonLine } from "./conversation_item.ts";
import { CliError } from "./errors.ts";
import { loadIdentity } from "./identity_command.ts";
import type { CliIo } from "./io.ts";

/** Usage text of the decode command. */
export const DECODE_USAGE: string = `\
tzp2p decode --identity FILE [--incoming] [--metadata shell|dal] [--app auto|shell|dal|raw]
             CONVERSATION.jsonl
    Decodes a recorded conversation: one JSON object per line, {"direction": "sent" |
    "received", "hex": "…"}, the bytes read from the socket in that direction (frames need not
    be aligned on lines). "sent" is the side whose identity is given; --incoming says that side
    accepted the connection; --metadata names the connection metadata encoding: shell (Octez
    node, the default) or dal (DAL node). --app says how application messages decode: shell
    (the L1 distributed-db messages, printed as Octez's JSON: {"title": "Get_block_headers",
    "value": {"get_block_headers": ["BL…"]}}), dal (DAL gossipsub), raw ({tag, title, hex}), or
    auto (the default: shell when the sent connection message's chain name is TEZOS_… or
    SANDBOXED_TEZOS…, dal for DAL_…, raw otherwise). An application message that does not decode
    is an error item (decoding_error, with decode_error such as unexpected_tag) and the next
    message is decoded. Prints one JSON line per connection message, metadata, Ack/Nack, P2P
    message or error. CONVERSATION may be - for standard input.
`;

// Output is written in batches: one write per item costs a system call per line.
const BATCH_CHARS = 1 << 16;

/**
 * `decode --identity FILE [--incoming] [--metadata shell|dal] [--app auto|shell|dal|raw]
 * CONVERSATION`.
 *
 * @param args Arguments after `decode`.
 * @param io Where to print.
 * @throws {CliError} `usage` on bad arguments, `identity` on an unreadable identity, `io` on an
 * unreadable input file, `invalid_input` on a malformed line (nothing is printed then).
 */
export async function decodeCommand(args: readonly string[], io: CliIo): Promise<void> {
  const parsed = parseArgs(args, { flags: ["incoming"], options: ["identity", "metadata", "app"] });
  const identityPath = parsed.options.get("identity");
  if (identityPath === undefined) throw new CliError("usage", "decode needs --identity FILE");
  const metadataName = parsed.options.get("metadata") ?? "shell";
  const metadata = METADATA_FORMATS.get(metadataName);
  if (metadata === undefined) {
    throw new CliError(
      "usage",
      `--metadata takes ${[...METADATA_FORMATS.keys()].join(" or ")}, got ${
        JSON.stringify(metadataName)
      }`,
    );
  }
  const appName = parsed.options.get("app") ?? "auto";
  if (!(APP_CHOICES as readonly string[]).includes(appName)) {
    throw new CliError(
      "usage",
      `--app takes ${APP_CHOICES.slice(0, -1).join(", ")} or ${APP_CHOICES.at(-1)}, got ${
        JSON.stringify(appName)
      }`,
    );
  }
  if (parsed.positional.length !== 1) {
    throw new CliError("usage", "decode takes one conversation file (or - for standard input)");
  }
  const identity = await loadIdentity(identityPath);
  const pieces = parseConversation(await readInput(parsed.positional[0]));

  const decoder = new ConversationDecoder(identity, {
    incoming: parsed.flags.has("incoming"),
    metadata,
    app: appName as AppChoice,
  });
  let batch = "";
  const emit = async (items: ConversationItem[]) => {
    for (const item of items) batch += itemToJsonLine(item) + "\n";
    if (batch.length >= BATCH_CHARS) {
      await io.out(batch);
      batch = "";
    }
  };
  for (const piece of pieces) await emit(decoder.push(piece.direction, piece.bytes));
  await emit(decoder.finish());
  if (batch !== "") await io.out(batch);
}

async function readInput(path: string): Promise<string> {
  try {
    if (path === "-") return await new Response(Deno.stdin.readable).text();
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new CliError("io", `cannot read ${path}: no such file`, {}, { cause: e });
    }
    if (e instanceof Error && !(e instanceof TypeError)) {
      throw new CliError("io", `cannot read ${path}: ${e.message}`, {}, { cause: e });
    }
    throw e;
  }
}

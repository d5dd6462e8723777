/**
 * The `tzp2p` command line (`deno task tzp2p …`): node identities and a decoder of recorded P2P
 * conversations.
 *
 * ```sh
 * deno task tzp2p identity generate --pow 26 --out identity.json
 * deno task tzp2p identity show identity.json
 * deno task tzp2p decode --identity identity.json conversation.jsonl
 * ```
 *
 * Exit codes: 0 on success (also when `decode` reports `error` items: the input was read),
 * 1 when a file cannot be read, written or parsed, 2 on bad arguments, 130 on Ctrl-C.
 *
 * @module
 */

import { DECODE_USAGE, decodeCommand } from "./decode_command.ts";
import { CliError, isCliError } from "./errors.ts";
import { IDENTITY_USAGE, identityGenerate, identityShow } from "./identity_command.ts";
import { type CliIo, denoIo } from "./io.ts";

/** The full usage text. */
export const USAGE: string = `usage:\n${IDENTITY_USAGE}${DECODE_USAGE}`;

/**
 * Runs one command line.
 *
 * @param args The arguments (without the program name).
 * @param io Where to print (default: the process's standard streams).
 * @returns The exit code.
 */
export async function main(args: readonly string[], io: CliIo = denoIo()): Promise<number> {
  try {
    const [command, sub, ...rest] = args;
    if (command === undefined || command === "help" || command === "--help" || command === "-h") {
      await io.out(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === "identity" && sub === "generate") await identityGenerate(rest, io);
    else if (command === "identity" && sub === "show") await identityShow(rest, io);
    else if (command === "decode") await decodeCommand(args.slice(1), io);
    else if (command === "identity") {
      throw new CliError("usage", `identity takes generate or show, got ${JSON.stringify(sub)}`);
    } else throw new CliError("usage", `unknown command ${JSON.stringify(command)}`);
    return 0;
  } catch (e) {
    if (!isCliError(e)) throw e;
    io.err(`tzp2p: ${e.message}\n`);
    if (e.kind === "usage") io.err(USAGE);
    return e.exitCode;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

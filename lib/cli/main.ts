/**
 * The `tzp2p` command line (`deno task tzp2p …`): node identities, a decoder of recorded P2P
 * conversations, and a node.
 *
 * ```sh
 * deno task tzp2p identity generate --pow 26 --out identity.json
 * deno task tzp2p identity show identity.json
 * deno task tzp2p decode --identity identity.json conversation.jsonl
 * deno task tzp2p node --profile dal --topic 0:tz1… --peer 198.51.100.7:11732 --log json
 * deno task tzp2p crawl --chain TEZOS_MAINNET --peer boot.tzbeta.net > points.jsonl
 * deno task tzp2p simulate --nodes 1000 --scenario honest --seed 1 --out sim/
 * ```
 *
 * Exit codes: 0 on success (also when `decode` reports `error` items: the input was read, and when
 * `node` stops on SIGINT or SIGTERM), 1 when a file cannot be read, written or parsed or the node
 * cannot listen, 2 on bad arguments, 130 on Ctrl-C during an identity search.
 *
 * @module
 */

import { DECODE_USAGE, decodeCommand } from "./decode_command.ts";
import { CliError, isCliError } from "./errors.ts";
import { IDENTITY_USAGE, identityGenerate, identityShow } from "./identity_command.ts";
import { type CliIo, denoIo } from "./io.ts";

export type { CliIo };
import { NODE_USAGE, nodeCommand } from "./node_command.ts";
import { CRAWL_USAGE, crawlCommand } from "./crawl_command.ts";
import { SIMULATE_USAGE, simulateCommand } from "./simulate_command.ts";

/** The full usage text. */
export const USAGE: string =
  `usage:\n${IDENTITY_USAGE}${DECODE_USAGE}${NODE_USAGE}${CRAWL_USAGE}${SIMULATE_USAGE}`;

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
    else if (command === "node") await nodeCommand(args.slice(1), io);
    else if (command === "crawl") await crawlCommand(args.slice(1), io);
    else if (command === "simulate") await simulateCommand(args.slice(1), io);
    else if (command === "identity") {
      throw new CliError("usage", `identity takes generate or show, got ${JSON.stringify(sub)}`);
    } else throw new CliError("usage", `unknown command ${JSON.stringify(command)}`);
    return 0;
  } catch (e) {
    if (!isCliError(e)) throw e;
    // `node` is often run by scripts and supervisors: one line, so that a log shows the cause.
    const oneLine = args[0] === "node";
    io.err(`tzp2p: ${e.message}${e.kind === "usage" && oneLine ? " (see tzp2p help)" : ""}\n`);
    if (e.kind === "usage" && !oneLine) io.err(USAGE);
    return e.exitCode;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

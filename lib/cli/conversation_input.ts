/**
 * The input of `tzp2p decode`: a recorded conversation in JSON Lines, one socket read per line,
 * `{"direction": "sent" | "received", "hex": "…"}`. Blank lines are skipped; any other line that
 * is not such an object is refused with its line number.
 *
 * ```ts
 * import { parseConversation } from "./conversation_input.ts";
 *
 * const pieces = parseConversation('{"direction":"sent","hex":"0086"}\n');
 * console.log(pieces[0].direction, pieces[0].bytes.length); // "sent" 2
 * ```
 *
 * @module
 */

import { fromHex } from "../encoding/mod.ts";
import type { ConversationPiece } from "./conversation.ts";
import { CliError } from "./errors.ts";

/**
 * Parses one line of a recorded conversation.
 *
 * @param line The text of the line (without its newline).
 * @param lineNumber Its 1-based number, for error messages.
 * @returns The piece, or `undefined` for a blank line.
 * @throws {CliError} `invalid_input` when the line is not a conversation piece.
 */
export function parseConversationLine(
  line: string,
  lineNumber: number,
): ConversationPiece | undefined {
  const text = line.trim();
  if (text === "") return undefined;
  const fail = (why: string): CliError =>
    new CliError("invalid_input", `line ${lineNumber}: ${why}`, { line: lineNumber });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw fail(`not JSON (${(e as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw fail(`expected an object {"direction", "hex"}`);
  }
  const { direction, hex } = value as Record<string, unknown>;
  if (direction !== "sent" && direction !== "received") {
    throw fail(`"direction" must be "sent" or "received", got ${JSON.stringify(direction)}`);
  }
  if (typeof hex !== "string") throw fail(`"hex" must be a string of hexadecimal digits`);
  let bytes: Uint8Array;
  try {
    bytes = fromHex(hex);
  } catch (e) {
    throw fail(`"hex" is not hexadecimal: ${(e as Error).message}`);
  }
  return { direction, bytes };
}

/**
 * Parses a whole recorded conversation.
 *
 * @param text The JSON Lines text.
 * @returns The pieces, in order.
 * @throws {CliError} `invalid_input` at the first line that is not a conversation piece.
 */
export function parseConversation(text: string): ConversationPiece[] {
  const pieces: ConversationPiece[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const piece = parseConversationLine(lines[i], i + 1);
    if (piece !== undefined) pieces.push(piece);
  }
  return pieces;
}

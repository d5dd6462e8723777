/**
 * A small argument parser for the subcommands: `--flag`, `--option value`, `--option=value` and
 * positional arguments, with every unknown option refused.
 *
 * @module
 */

import { CliError } from "./errors.ts";

/** Which options a command takes. */
export interface ArgSpec {
  /** Options without a value (`--incoming`). */
  readonly flags?: readonly string[];
  /** Options with a value (`--pow 26`, `--pow=26`). */
  readonly options?: readonly string[];
  /** Options with a value that may be given several times (`--peer A --peer B`). */
  readonly repeatable?: readonly string[];
}

/** Parsed arguments. */
export interface ParsedArgs {
  /** Flags given, by name without dashes. */
  readonly flags: ReadonlySet<string>;
  /** Option values, by name without dashes (the last one wins). */
  readonly options: ReadonlyMap<string, string>;
  /** Values of the repeatable options, in the order given (an absent option has none). */
  readonly lists: ReadonlyMap<string, readonly string[]>;
  /** Everything else, in order; after `--` everything is positional. */
  readonly positional: readonly string[];
}

/**
 * Parses `args` against `spec`.
 *
 * @throws {CliError} `usage` on an unknown option, a flag given a value, or a missing value.
 */
export function parseArgs(args: readonly string[], spec: ArgSpec): ParsedArgs {
  const flagNames = new Set(spec.flags ?? []);
  const optionNames = new Set([...spec.options ?? [], ...spec.repeatable ?? []]);
  const repeatable = new Set(spec.repeatable ?? []);
  const lists = new Map<string, string[]>();
  const flags = new Set<string>();
  const options = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (flagNames.has(name)) {
      if (eq >= 0) throw new CliError("usage", `option --${name} takes no value`);
      flags.add(name);
    } else if (optionNames.has(name)) {
      let value: string | undefined;
      if (eq >= 0) value = arg.slice(eq + 1);
      else if (i + 1 < args.length) value = args[++i];
      if (value === undefined) throw new CliError("usage", `option --${name} needs a value`);
      options.set(name, value);
      if (repeatable.has(name)) lists.set(name, [...lists.get(name) ?? [], value]);
    } else {
      throw new CliError("usage", `unknown option --${name}`);
    }
  }
  return { flags, options, lists, positional };
}

/**
 * Reads a numeric option value.
 *
 * @param value The text given, or `undefined` when the option was not given.
 * @param name The option's name, for the message.
 * @param fallback The value when the option was not given.
 * @param valid Whether a number is acceptable.
 * @param what What an acceptable value is, for the message (`"a number from 0 to 256"`).
 * @returns The number.
 * @throws {CliError} `usage` on an empty, non-numeric or unacceptable value.
 */
export function numberOption(
  value: string | undefined,
  name: string,
  fallback: number,
  valid: (n: number) => boolean,
  what: string,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !valid(n)) {
    throw new CliError("usage", `--${name} must be ${what}, got ${JSON.stringify(value)}`);
  }
  return n;
}

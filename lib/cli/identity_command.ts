/**
 * `tzp2p identity generate` and `tzp2p identity show`.
 *
 * @module
 */

import {
  expectedPowAttempts,
  generateIdentity,
  type Identity,
  isCryptoError,
  makePowTarget,
  peerIdToString,
  readIdentityFile,
  writeIdentityFile,
} from "../crypto/mod.ts";
import { toHex } from "../encoding/mod.ts";
import { numberOption, parseArgs } from "./args.ts";
import { CliError } from "./errors.ts";
import type { CliIo } from "./io.ts";
import { powBitsReached } from "./pow_bits.ts";
import { formatCount, ProgressReporter } from "./progress.ts";

/** Usage text of the identity commands. */
export const IDENTITY_USAGE: string = `\
tzp2p identity generate [--pow 26] [--out identity.json] [--force] [--workers N]
    Generates a node identity (X25519 key pair and proof-of-work stamp) on all cores and writes
    it as Octez's identity.json. --pow is Octez's expected_pow (default 26, about 67 million
    attempts). An existing file is kept unless --force is given. Ctrl-C stops the search.
tzp2p identity show [--json] FILE
    Prints the peer id, public key, stamp and the PoW difficulty the stamp reaches.
`;

/**
 * Reads an identity file for a command, turning every failure into a {@link CliError}.
 *
 * @param path The identity file.
 * @returns The identity (its parts checked to agree; the stamp is not checked).
 * @throws {CliError} `identity` when the file is missing, is not an identity or does not agree.
 */
export async function loadIdentity(path: string): Promise<Identity> {
  try {
    return await readIdentityFile(path);
  } catch (e) {
    if (isCryptoError(e)) throw new CliError("identity", e.message, {}, { cause: e });
    // Any other failure to read the file (permissions, a directory, bad UTF-8): programming
    // errors (TypeError, RangeError) still surface with their stack.
    if (e instanceof Error && !(e instanceof TypeError || e instanceof RangeError)) {
      throw new CliError("identity", `cannot read the identity file ${path}: ${e.message}`, {}, {
        cause: e,
      });
    }
    throw e;
  }
}

/**
 * `identity show [--json] FILE`.
 *
 * @param args Arguments after `identity show`.
 * @param io Where to print.
 * @throws {CliError} `usage` on bad arguments, `identity` on an unreadable identity.
 */
export async function identityShow(args: readonly string[], io: CliIo): Promise<void> {
  const parsed = parseArgs(args, { flags: ["json"] });
  if (parsed.positional.length !== 1) {
    throw new CliError("usage", "identity show takes one identity file");
  }
  const identity = await loadIdentity(parsed.positional[0]);
  const shown = {
    peer_id: peerIdToString(identity.peerId),
    public_key: toHex(identity.publicKey),
    proof_of_work_stamp: toHex(identity.proofOfWorkStamp),
    pow_bits: powBitsReached(identity.publicKey, identity.proofOfWorkStamp),
  };
  await io.out(
    parsed.flags.has("json")
      ? `${JSON.stringify(shown)}\n`
      : Object.entries(shown).map(([k, v]) => `${k}: ${v}\n`).join(""),
  );
}

/**
 * `identity generate [--pow 26] [--out identity.json] [--force] [--workers N]`.
 *
 * @param args Arguments after `identity generate`.
 * @param io Where to print the result (stdout) and the progress (stderr).
 * @throws {CliError} `usage` on bad arguments, `io` when the file exists (without `--force`) or
 * cannot be written, `interrupted` on Ctrl-C.
 */
export async function identityGenerate(args: readonly string[], io: CliIo): Promise<void> {
  const parsed = parseArgs(args, { flags: ["force"], options: ["pow", "out", "workers"] });
  if (parsed.positional.length > 0) {
    throw new CliError("usage", `unexpected argument ${JSON.stringify(parsed.positional[0])}`);
  }
  const pow = numberOption(
    parsed.options.get("pow"),
    "pow",
    26,
    (n) => n >= 0 && n <= 256,
    "a number from 0 to 256",
  );
  const workers = numberOption(
    parsed.options.get("workers"),
    "workers",
    Math.max(1, navigator.hardwareConcurrency || 1),
    (n) => Number.isInteger(n) && n >= 1 && n <= 1024,
    "a positive integer",
  );
  const out = parsed.options.get("out") ?? "identity.json";
  const force = parsed.flags.has("force");
  // Refuse before the search, not after minutes of work.
  if (!force && await exists(out)) {
    throw new CliError("io", `${out} exists; not overwriting it (use --force to replace it)`);
  }

  // Ctrl-C aborts the search; the listener is in place before anything says the search started.
  const controller = new AbortController();
  const onInterrupt = () => controller.abort(new Error("interrupted"));
  Deno.addSignalListener("SIGINT", onInterrupt);
  const reporter = new ProgressReporter(
    (text) => io.err(text),
    io.errIsTerminal,
    io.errColumns,
  );
  let identity: Identity;
  try {
    io.err(
      `searching a proof-of-work stamp of difficulty ${pow} ` +
        `(~${formatCount(expectedPowAttempts(makePowTarget(pow)))} attempts) on ${workers} ` +
        `worker${workers === 1 ? "" : "s"}\n`,
    );
    identity = await generateIdentity(pow, {
      signal: controller.signal,
      workers,
      onProgress: (progress) => reporter.update(progress),
      progressIntervalMs: io.errIsTerminal ? 250 : 5000,
    });
  } catch (e) {
    if (isCryptoError(e, "aborted")) {
      throw new CliError("interrupted", "interrupted: no identity written", {}, { cause: e });
    }
    throw e;
  } finally {
    reporter.done();
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }

  try {
    await writeIdentityFile(out, identity, { overwrite: force });
  } catch (e) {
    if (isCryptoError(e, "identity_file_exists")) {
      throw new CliError("io", `${out} appeared during the search; not overwriting it`, {}, {
        cause: e,
      });
    }
    if (e instanceof Error && !(e instanceof TypeError || e instanceof RangeError)) {
      throw new CliError("io", `cannot write ${out}: ${e.message}`, {}, { cause: e });
    }
    throw e;
  }
  await io.out(
    `peer_id: ${peerIdToString(identity.peerId)}\n` +
      `pow_bits: ${powBitsReached(identity.publicKey, identity.proofOfWorkStamp)}\n` +
      `file: ${out}\n`,
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw new CliError("io", `cannot check ${path}: ${(e as Error).message}`, {}, { cause: e });
  }
}

/**
 * The identity of a long-running command (`node`, `crawl`): the file's, else a new one of
 * `expectedPow` written there, with `identity generate`'s progress on standard error (standard
 * output carries only the command's JSON lines). An existing file is used even below
 * `expectedPow`, with a warning, as Octez's `Identity_file.init` does.
 *
 * @param path The identity file.
 * @param expectedPow The difficulty peers expect.
 * @param io Where to print.
 * @returns The identity.
 * @throws {CliError} `io` when the file cannot be checked, and the errors of `loadIdentity`.
 */
export async function identityOnDemand(
  path: string,
  expectedPow: number,
  io: CliIo,
): Promise<Identity> {
  let exists = true;
  try {
    await Deno.lstat(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new CliError("io", `cannot check ${path}: ${(e as Error).message}`, {}, { cause: e });
    }
    exists = false;
  }
  if (!exists) {
    io.err(`no identity at ${path}: generating one\n`);
    await identityGenerate(
      ["--pow", String(expectedPow), "--out", path],
      { ...io, out: (text) => Promise.resolve(io.err(text)) },
    );
  }
  const identity = await loadIdentity(path);
  const bits = powBitsReached(identity.publicKey, identity.proofOfWorkStamp);
  if (bits < expectedPow) {
    io.err(
      `warning: the identity in ${path} reaches proof-of-work difficulty ${bits}, below ` +
        `--expected-pow ${expectedPow}: peers that expect ${expectedPow} refuse it (make a new ` +
        `one with tzp2p identity generate --pow ${expectedPow})\n`,
    );
  }
  return identity;
}

/**
 * Where the commands write: standard output for results, standard error for progress and
 * messages. Commands take a {@link CliIo} so tests can capture what they print.
 *
 * @module
 */

/** The outputs of a command. */
export interface CliIo {
  /** Writes result text to standard output, as is. */
  out(text: string): Promise<void>;
  /** Writes progress or diagnostic text to standard error, as is. */
  err(text: string): void;
  /** Whether standard error is a terminal (progress is then redrawn in place). */
  readonly errIsTerminal: boolean;
  /** Width of that terminal in columns, when known. */
  readonly errColumns?: number;
}

const encoder = new TextEncoder();

/** Writes all of `bytes` (a single `write` may write fewer). */
async function writeAll(writer: { write(p: Uint8Array): Promise<number> }, bytes: Uint8Array) {
  let done = 0;
  while (done < bytes.length) done += await writer.write(bytes.subarray(done));
}

/**
 * The process's standard streams. A closed standard output (`tzp2p decode … | head`) is not an
 * error: further output is dropped.
 */
export function denoIo(): CliIo {
  let stdoutClosed = false;
  return {
    async out(text) {
      if (stdoutClosed) return;
      try {
        await writeAll(Deno.stdout, encoder.encode(text));
      } catch (e) {
        if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
        stdoutClosed = true;
      }
    },
    err(text) {
      const bytes = encoder.encode(text);
      let done = 0;
      while (done < bytes.length) done += Deno.stderr.writeSync(bytes.subarray(done));
    },
    errIsTerminal: Deno.stderr.isTerminal(),
    errColumns: terminalColumns(),
  };
}

function terminalColumns(): number | undefined {
  try {
    return Deno.consoleSize().columns || undefined;
  } catch {
    return undefined; // no terminal
  }
}

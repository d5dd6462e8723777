// `tzp2p node` as a child process, run as `deno task tzp2p` runs it (same permissions), with its
// JSON event lines read as they come.

const ROOT = new URL("../../", import.meta.url);
const MAIN = new URL("lib/cli/main.ts", ROOT).pathname;

/** The permissions of `deno task tzp2p` in deno.json. */
export const TASK_PERMISSIONS = ["--allow-read", "--allow-write", "--allow-net"];

/** One JSON event line of `tzp2p node --log json`. */
export type CliEvent = Record<string, unknown> & { readonly event: string };

/** A running `tzp2p node` process. */
export class CliNode {
  readonly child: Deno.ChildProcess;
  /** Every event read so far, in order. */
  readonly events: CliEvent[] = [];
  /** Everything written to standard error so far. */
  stderr = "";
  readonly #stdoutDone: Promise<void>;
  readonly #stderrDone: Promise<void>;
  #waiters: (() => void)[] = [];
  #ended = false;

  constructor(args: readonly string[]) {
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...TASK_PERMISSIONS, MAIN, "node", ...args],
      cwd: ROOT.pathname,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.#stdoutDone = this.#readLines(this.child.stdout, (line) => {
      try {
        this.events.push(JSON.parse(line));
      } catch {
        this.events.push({ event: "not_json", line }); // every test checks there is none
      }
    });
    this.#stderrDone = this.#readLines(this.child.stderr, (line) => {
      this.stderr += `${line}\n`;
    });
  }

  async #readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
    let buffered = "";
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      buffered += text;
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        onLine(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        this.#wake();
      }
    }
    if (buffered !== "") onLine(buffered);
    this.#ended = true;
    this.#wake();
  }

  #wake() {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /**
   * The first event (from the start) that satisfies `match`; waits for it up to `timeoutMs`.
   * Throws with the events and stderr seen so far when it does not come.
   */
  async waitFor(
    what: string,
    match: (e: CliEvent) => boolean,
    timeoutMs = 20_000,
  ): Promise<CliEvent> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const found = this.events.find(match);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0 || this.#ended) {
        throw new Error(
          `no ${what} ${this.#ended ? "before the process ended" : `within ${timeoutMs} ms`}\n` +
            `events: ${JSON.stringify(this.events)}\nstderr: ${this.stderr}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== wake);
          resolve();
        }, Math.min(left, 500));
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        this.#waiters.push(wake);
      });
    }
  }

  /** The `listening` event (the first line). */
  listening(): Promise<CliEvent> {
    return this.waitFor("listening event", (e) => e.event === "listening");
  }

  /** Sends `signal` and waits for the exit; returns the exit code. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<number> {
    try {
      this.child.kill(signal);
    } catch { /* already exited */ }
    return await this.exit();
  }

  /** Kills the process if it still runs and waits for it (for `finally` blocks). */
  async dispose(): Promise<void> {
    try {
      this.child.kill("SIGKILL");
    } catch { /* already exited */ }
    await this.exit();
  }

  /** Waits for the process to end and its streams to be read; returns the exit code. */
  async exit(): Promise<number> {
    const status = await this.child.status;
    await this.#stdoutDone;
    await this.#stderrDone;
    return status.code;
  }
}

/** Runs `body` with a fresh temporary directory, removed afterwards. */
export async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "tzp2p_node_cli_test_" });
  try {
    return await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Whether a TCP port of 127.0.0.1 can be listened on again. */
export function portIsFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AddrInUse) return false;
    throw e;
  }
}

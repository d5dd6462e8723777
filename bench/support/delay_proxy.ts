// A TCP relay on 127.0.0.1 that delays every chunk by a fixed time in each direction, to give a
// loopback network links of a known latency without touching the nodes: node B listens on its
// port, a relay listens on another and forwards to it; nodes that dial the relay's port reach B
// `delayMs` later in each direction. Order is kept (one FIFO queue per direction), as on a TCP
// path; the relay adds its own copying time, like any middlebox.

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}

/** Copies `src` to `dst`, each chunk `delayMs` after it was read; resolves when `src` ends. */
async function delayedPipe(src: Deno.Conn, dst: Deno.Conn, delayMs: number): Promise<void> {
  const queue: { due: number; bytes: Uint8Array }[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const writer = (async () => {
    for (;;) {
      while (queue.length === 0 && !ended) await new Promise<void>((r) => (wake = r));
      const next = queue.shift();
      if (next === undefined) return;
      const wait = next.due - performance.now();
      if (wait > 0) await sleep(wait);
      await writeAll(dst, next.bytes);
    }
  })();
  const buffer = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await src.read(buffer);
      if (n === null) break;
      queue.push({ due: performance.now() + delayMs, bytes: buffer.slice(0, n) });
      wake?.();
    }
  } finally {
    ended = true;
    wake?.();
    await writer.catch(() => {});
  }
}

/** A running relay to one target port. */
export class DelayProxy {
  readonly port: number;
  readonly #listener: Deno.TcpListener;
  readonly #conns = new Set<Deno.Conn>();
  readonly #done: Promise<void>;

  constructor(targetPort: number, delayMs: number) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#listener = listener;
    this.port = listener.addr.port;
    this.#done = (async () => {
      const pipes: Promise<void>[] = [];
      try {
        for await (const inbound of listener) {
          pipes.push(this.#relay(inbound, targetPort, delayMs));
        }
      } catch {
        // listener closed
      }
      await Promise.allSettled(pipes);
    })();
  }

  async #relay(inbound: Deno.Conn, targetPort: number, delayMs: number): Promise<void> {
    this.#conns.add(inbound);
    let outbound: Deno.Conn | undefined;
    try {
      outbound = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
      this.#conns.add(outbound);
      const o = outbound;
      const close = () => {
        for (const c of [inbound, o]) {
          try {
            c.close();
          } catch { /* already closed */ }
          this.#conns.delete(c);
        }
      };
      await Promise.race([
        delayedPipe(inbound, o, delayMs).catch(() => {}),
        delayedPipe(o, inbound, delayMs).catch(() => {}),
      ]);
      // One side ended: let the other direction's queued bytes go out, then close both.
      await sleep(delayMs + 5);
      close();
    } catch {
      for (const c of [inbound, outbound]) {
        try {
          c?.close();
        } catch { /* already closed */ }
      }
    }
  }

  /** Stops listening and closes every relayed connection. */
  async close(): Promise<void> {
    this.#listener.close();
    for (const c of this.#conns) {
      try {
        c.close();
      } catch { /* already closed */ }
    }
    await this.#done;
  }
}

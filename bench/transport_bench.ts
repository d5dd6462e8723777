/**
 * The direct socket path: bytes through a `Transport` over TCP loopback when it reads and writes
 * the `Deno.Conn` directly, beside the same `Transport` over the socket's Web streams (the path
 * every socket took before), today's `Transport` (commit 46813ca, imported from `TZP2P_BASELINE`;
 * skipped when unset) and the ceiling: `Deno.Conn.read/write` with nothing around them.
 *
 *     TZP2P_BASELINE=/tmp/tzp2p-46813ca deno bench --allow-read --allow-net=127.0.0.1 \
 *       --allow-env bench/transport_bench.ts
 *
 * One iteration writes `total` bytes in writes of `size` bytes from one end and reads them all at
 * the other, in this one thread. Each read is copied once into a 128 KiB buffer, as the
 * connection's frame reader does, except in today's row: its `Transport` copied every read into
 * its own buffer instead (`pull`), and that copy is its one. A fresh socket pair per row. After
 * the rows, a table of the CPU time each row spent per MiB (bench/support/cpu_time.ts): under load
 * the wall-clock figures of loopback I/O move by 2-4x between runs, CPU time much less.
 */

import { type ByteStream, Transport } from "../lib/connection/transport.ts";
import { CpuMeter } from "./support/cpu_time.ts";

// Fixed counts: under load the budget-driven ones were a handful of iterations for the 16 MiB rows,
// and the first row of a group ran before the socket buffers had grown.
const RUNS = { n: 100, warmup: 10 };
const cpu = new CpuMeter(RUNS.warmup);

interface Reader {
  read(): Promise<Uint8Array | undefined>;
}
interface Writer {
  write(bytes: Uint8Array): Promise<void>;
}
interface Ends {
  readonly writer: Writer;
  readonly reader: Reader;
  /** Whether a read already is a copy in the reader's own buffer (today's `Transport`). */
  readonly copied?: boolean;
  close(): void;
}

const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const { port } = listener.addr as Deno.NetAddr;
function sockets(): Promise<[Deno.Conn, Deno.Conn]> {
  return Promise.all([Deno.connect({ hostname: "127.0.0.1", port }), listener.accept()]);
}

// A Deno.Conn seen only through its Web streams: what `Transport` did with every socket before.
function streamsOnly(conn: Deno.Conn): ByteStream {
  return {
    readable: conn.readable,
    writable: conn.writable,
    remoteAddr: conn.remoteAddr,
    close: () => conn.close(),
  };
}

type TransportClass = new (stream: ByteStream) => Reader & Writer & { close(): void };

async function transportEnds(
  make: TransportClass,
  wrap: (conn: Deno.Conn) => ByteStream,
): Promise<Ends> {
  const [a, b] = await sockets();
  const ta = new make(wrap(a));
  const tb = new make(wrap(b));
  return { writer: ta, reader: tb, close: () => (ta.close(), tb.close()) };
}

async function rawEnds(): Promise<Ends> {
  const [a, b] = await sockets();
  const buf = new Uint8Array(65536);
  return {
    writer: {
      async write(bytes) {
        let offset = 0;
        while (offset < bytes.length) offset += await a.write(bytes.subarray(offset));
      },
    },
    reader: {
      async read() {
        const n = await b.read(buf);
        return n === null ? undefined : buf.subarray(0, n);
      },
    },
    close: () => (a.close(), b.close()),
  };
}

const sink = new Uint8Array(131072);

async function move(ends: Ends, size: number, total: number): Promise<void> {
  const chunk = new Uint8Array(size).fill(7);
  const writing = (async () => {
    // A fresh array per write: a Web stream may keep what it is given.
    for (let sent = 0; sent < total; sent += size) await ends.writer.write(chunk.slice());
  })();
  let got = 0;
  while (got < total) {
    const bytes = await ends.reader.read();
    if (bytes === undefined) throw new Error("end of stream");
    if (!ends.copied) sink.set(bytes);
    got += bytes.length;
  }
  await writing;
}

// Today's Transport: `pull` appends one stream read to its buffer, `consume` takes bytes out.
interface OldTransport extends Writer {
  readonly buf: Uint8Array;
  readonly buffered: number;
  pull(): Promise<boolean>;
  consume(n: number): number;
  close(): void;
}
const baselineDir = Deno.env.get("TZP2P_BASELINE");
const OldTransportClass: (new (stream: ByteStream) => OldTransport) | undefined =
  baselineDir === undefined ? undefined : (await import(
    new URL("lib/connection/transport.ts", `file://${baselineDir.replace(/\/$/, "")}/`).href
  )).Transport;

async function oldEnds(): Promise<Ends> {
  const [a, b] = await sockets();
  const ta = new OldTransportClass!(a);
  const tb = new OldTransportClass!(b);
  return {
    writer: ta,
    reader: {
      async read() {
        if (!(await tb.pull())) return undefined;
        const n = tb.buffered;
        const at = tb.consume(n);
        return tb.buf.subarray(at, at + n);
      },
    },
    copied: true,
    close: () => (ta.close(), tb.close()),
  };
}

const rows: [string, () => Promise<Ends>][] = [
  ["Deno.Conn.read/write alone (ceiling)", rawEnds],
  ["Transport, direct Deno.Conn path", () => transportEnds(Transport, (conn) => conn)],
  ["Transport over the socket's Web streams", () => transportEnds(Transport, streamsOnly)],
];
const open: Ends[] = [];
for (const [size, total] of [[65536, 16 << 20], [1024, 2 << 20]]) {
  const group = `${size === 65536 ? "64 KiB" : "1 KiB"} writes, ${total >> 20} MiB per iteration`;
  for (const [name, make] of rows) {
    const ends = await make();
    open.push(ends);
    Deno.bench({
      name,
      group,
      baseline: name.startsWith("Deno.Conn"),
      ...RUNS,
      fn: async () => {
        await cpu.measure(`${group}: ${name}`, total / (1 << 20), () => move(ends, size, total));
      },
    });
  }
  const old = OldTransportClass === undefined ? undefined : await oldEnds();
  if (old !== undefined) open.push(old);
  Deno.bench({
    name: "today's Transport (46813ca)",
    group,
    ignore: old === undefined,
    ...RUNS,
    fn: async () => {
      await cpu.measure(
        `${group}: today's Transport (46813ca)`,
        total / (1 << 20),
        () => move(old!, size, total),
      );
    },
  });
}

const CPU_BASELINE = "64 KiB writes, 16 MiB per iteration: Transport, direct Deno.Conn path";
let printed = false;
// Last in the file, so it runs last: release the sockets, print the CPU table.
Deno.bench({
  name: "(teardown)",
  group: "zz teardown",
  n: 1,
  warmup: 0,
  fn: () => {
    for (const ends of open.splice(0)) ends.close();
    if (open.length === 0 && cpu.perOp(CPU_BASELINE) !== undefined && !printed) {
      printed = true;
      console.log(`\nCPU time (user + system) per MiB moved, warm-up excluded:\n`);
      console.log(cpu.table("MiB", CPU_BASELINE));
    }
    try {
      listener.close();
    } catch {
      // deno bench may run this more than once.
    }
  },
});

/**
 * The transport under a connection, over both of its paths: a real TCP loopback socket (the
 * direct `Deno.Conn.read/write` path) and an in-memory pipe (the Web streams path) pass the same
 * tests; a few more cover what only the direct path has (its read buffer, never building streams).
 */

import assert from "node:assert/strict";
import {
  type ByteStream,
  LARGE_READ_BYTES,
  SMALL_READ_BYTES,
  Transport,
} from "../../lib/connection/transport.ts";
import { isP2pError } from "../../lib/connection/errors.ts";
import { memoryPipe } from "./helpers.ts";

interface Pair {
  readonly a: ByteStream;
  readonly b: ByteStream;
  readonly direct: boolean;
}

async function tcpStreams(): Promise<Pair> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const { port } = listener.addr as Deno.NetAddr;
    const [a, b] = await Promise.all([
      Deno.connect({ hostname: "127.0.0.1", port }),
      listener.accept(),
    ]);
    return { a, b, direct: true };
  } finally {
    listener.close();
  }
}

function pipeStreams(): Promise<Pair> {
  const [a, b] = memoryPipe();
  return Promise.resolve({ a, b, direct: false });
}

const PATHS = [
  { name: "TCP socket (direct)", make: tcpStreams },
  { name: "in-memory pipe (streams)", make: pipeStreams },
] as const;

function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 7 + seed + (i >> 8)) & 0xff;
  return bytes;
}

/** Reads until `length` bytes arrived, copying each read (its bytes are only valid until the next). */
async function readExactly(t: Transport, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const bytes = await t.read();
    if (bytes === undefined) throw new Error(`end of stream after ${got} of ${length} bytes`);
    assert(got + bytes.length <= length, "more bytes than were sent");
    out.set(bytes, got);
    got += bytes.length;
  }
  return out;
}

/** What `run` rejects with; fails the test when it resolves. */
async function rejection(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

function closeBoth(...ts: Transport[]): void {
  for (const t of ts) t.close();
}

for (const { name, make } of PATHS) {
  Deno.test(`${name}: the path is direct exactly for a socket`, async () => {
    const { a, b, direct } = await make();
    const ta = new Transport(a);
    const tb = new Transport(b);
    assert.deepStrictEqual(ta.direct, direct);
    assert.deepStrictEqual(tb.direct, direct);
    // Both let go of the bytes once a write settled: the stream path writes a copy.
    assert.ok(ta.writeReleasesBytes);
    closeBoth(ta, tb);
  });

  Deno.test(`${name}: 1 MiB written at once arrives whole, and both ends count the bytes`, async () => {
    const { a, b } = await make();
    const ta = new Transport(a);
    const tb = new Transport(b);
    const sent = pattern(1 << 20, 3);
    const [, received] = await Promise.all([ta.write(sent), readExactly(tb, sent.length)]);
    assert.deepStrictEqual(received, sent);
    assert.deepStrictEqual(ta.outbound.total, sent.length);
    assert.deepStrictEqual(tb.inbound.total, sent.length);
    // And back the other way.
    const back = pattern(1000, 9);
    const [, echoed] = await Promise.all([tb.write(back), readExactly(ta, back.length)]);
    assert.deepStrictEqual(echoed, back);
    closeBoth(ta, tb);
  });

  Deno.test(`${name}: writes not awaited in between go out whole and in call order`, async () => {
    const { a, b } = await make();
    const ta = new Transport(a);
    const tb = new Transport(b);
    const parts = [pattern(300_000, 1), pattern(17, 2), pattern(200_000, 3), pattern(1, 4)];
    const writes = parts.map((p) => ta.write(p));
    const total = parts.reduce((n, p) => n + p.length, 0);
    const received = await readExactly(tb, total);
    await Promise.all(writes);
    let offset = 0;
    for (const p of parts) {
      assert.deepStrictEqual(received.subarray(offset, offset + p.length), p);
      offset += p.length;
    }
    closeBoth(ta, tb);
  });

  Deno.test(`${name}: close ends a pending read with undefined, and later writes fail`, async () => {
    const { a, b } = await make();
    const ta = new Transport(a);
    const tb = new Transport(b);
    const pending = ta.read();
    await new Promise((resolve) => setTimeout(resolve, 5));
    ta.close();
    assert.deepStrictEqual(await pending, undefined);
    assert(ta.closed);
    assert.deepStrictEqual(await ta.read(), undefined);
    const error = await rejection(() => ta.write(new Uint8Array([1])));
    assert(isP2pError(error, "connection_closed"));
    ta.close(); // idempotent
    tb.close();
  });

  Deno.test(`${name}: the remote closing is end of stream, and readUntil says so`, async () => {
    const { a, b } = await make();
    const ta = new Transport(a);
    const tb = new Transport(b);
    // Not awaited: a pipe's write waits for a reader.
    const write = ta.write(pattern(10, 0));
    ta.close(true);
    const sink: Uint8Array[] = [];
    const error = await rejection(() =>
      tb.readUntil({ push: (bytes) => sink.push(bytes.slice()) }, () => undefined, "a frame")
    );
    assert(isP2pError(error, "connection_closed"));
    assert(String((error as Error).message).includes("end of stream while reading a frame"));
    assert.deepStrictEqual(sink.reduce((n, s) => n + s.length, 0), 10);
    assert.deepStrictEqual(await tb.read(), undefined);
    await write;
    tb.close();
  });

  Deno.test(`${name}: closeGracefully delivers what was written, then ends when the remote closes`, async () => {
    const { a, b } = await make();
    const ta = new Transport(a);
    const tb = new Transport(b);
    const last = pattern(70_000, 5);
    const write = ta.write(last).catch(() => {});
    const started = performance.now();
    const graceful = ta.closeGracefully(5_000);
    assert.deepStrictEqual(await readExactly(tb, last.length), last);
    // The writer half-closed: end of stream after the bytes.
    assert.deepStrictEqual(await tb.read(), undefined);
    tb.close();
    await graceful;
    await write;
    assert(ta.closed);
    assert(performance.now() - started < 4_000, "closeGracefully waited out its grace period");
  });

  Deno.test(`${name}: closeGracefully gives up after its grace period when the remote stays`, async () => {
    const { a, b } = await make();
    const ta = new Transport(a);
    const tb = new Transport(b);
    const started = performance.now();
    await ta.closeGracefully(50);
    assert(ta.closed);
    assert(performance.now() - started >= 45);
    tb.close();
  });
}

Deno.test("direct path: a Deno.Conn's readable and writable are never read", async () => {
  const { a, b } = await tcpStreams();
  const touched: string[] = [];
  const wrap = (conn: ByteStream): ByteStream => ({
    get readable(): ReadableStream<Uint8Array> {
      touched.push("readable");
      return conn.readable;
    },
    get writable(): WritableStream<Uint8Array> {
      touched.push("writable");
      return conn.writable;
    },
    remoteAddr: conn.remoteAddr,
    read: (p) => conn.read!(p),
    write: (p) => conn.write!(p),
    close: () => conn.close!(),
    closeWrite: () => conn.closeWrite!(),
  });
  const ta = new Transport(wrap(a));
  const tb = new Transport(wrap(b));
  const [, got] = await Promise.all([ta.write(pattern(5000, 1)), readExactly(tb, 5000)]);
  assert.deepStrictEqual(got, pattern(5000, 1));
  const graceful = ta.closeGracefully(5_000);
  assert.deepStrictEqual(await tb.read(), undefined);
  tb.close();
  await graceful;
  assert.deepStrictEqual(touched, []);
  assert.deepStrictEqual(ta.remoteAddr, a.remoteAddr);
});

Deno.test("direct path: the read buffer grows when a read fills it and shrinks when quiet", async () => {
  const { a, b } = await tcpStreams();
  const ta = new Transport(a);
  const tb = new Transport(b);
  assert.deepStrictEqual(tb.readBufferBytes, SMALL_READ_BYTES);
  // A small write: one read of it, the buffer stays small.
  await ta.write(pattern(100, 0));
  assert.deepStrictEqual((await readExactly(tb, 100)).length, 100);
  assert.deepStrictEqual(tb.readBufferBytes, SMALL_READ_BYTES);
  // 1 MiB: the first read fills the small buffer, the next ones use 64 KiB.
  const big = pattern(1 << 20, 1);
  const writing = ta.write(big);
  const first = await tb.read();
  assert.deepStrictEqual(first?.length, SMALL_READ_BYTES);
  assert.deepStrictEqual(tb.readBufferBytes, LARGE_READ_BYTES);
  const rest = await readExactly(tb, big.length - SMALL_READ_BYTES);
  assert.deepStrictEqual(rest, big.subarray(SMALL_READ_BYTES));
  await writing;
  // Quiet again: a read that fits the small buffer sends the next read back to it.
  await ta.write(pattern(10, 2));
  assert.deepStrictEqual((await readExactly(tb, 10)).length, 10);
  assert.deepStrictEqual(tb.readBufferBytes, SMALL_READ_BYTES);
  closeBoth(ta, tb);
});

Deno.test("direct path: a write interrupted by close fails with connection_closed", async () => {
  const { a, b } = await tcpStreams();
  const ta = new Transport(a);
  const tb = new Transport(b);
  // 64 MiB that nobody reads: the kernel buffers fill and the write stays pending.
  const writing = ta.write(new Uint8Array(64 << 20));
  await new Promise((resolve) => setTimeout(resolve, 20));
  ta.close();
  const error = await rejection(() => writing);
  assert(isP2pError(error, "connection_closed"));
  tb.close();
});

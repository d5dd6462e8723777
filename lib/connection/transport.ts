/**
 * The byte pipe under a connection: reading, counted writing and one idempotent close. It parses
 * nothing: each read is handed whole to a {@link FrameSink} (the connection's `FrameReader`), which
 * copies it into its own buffer and cuts frames out of it. Awaiting one read per frame instead was
 * about 10x slower for small frames.
 *
 * Two paths, chosen once in the constructor:
 *
 * - direct, when the stream has `read(p)` and `write(p)` (a `Deno.Conn`, `Deno.TlsConn`): reads go
 *   into a buffer the transport owns and writes go straight to `write`, looping on partial writes.
 *   `readable` and `writable` are never touched, since reading either getter makes Deno build a Web
 *   stream over the socket. Measured on loopback (2 cores, Deno 2.9.6): 2.4 GB/s through
 *   `Deno.Conn.read/write` against 0.90 GB/s through its Web streams;
 * - streams, for anything else (an in-memory pipe): a reader of `readable`, a writer of `writable`.
 *
 * The direct read buffer is small while the connection is quiet and 64 KiB while it is busy. An
 * idle connection always has one read pending, holding its buffer: with 64 KiB that buffer alone
 * was more than half of what an idle connection costs (bench/idle_bench.ts). A read that fills the
 * small buffer switches to the large one; a read that would have fit the small one switches back
 * and lets the large one go.
 *
 * @module
 */

import { connectionClosed } from "./errors.ts";
import { RateMeter } from "./stat.ts";

/**
 * The remote end of a socket, as `Deno.Conn.remoteAddr` and Node's sockets describe it: an IP
 * socket has a `hostname` and a `port`; other transports (Unix sockets) have neither.
 */
export interface RemoteAddress {
  /** `"tcp"`, `"unix"`, … */
  readonly transport: string;
  /** The remote IP address, for an IP socket. */
  readonly hostname?: string;
  /** The remote port, for an IP socket. */
  readonly port?: number;
}

/**
 * A bidirectional byte stream: a `Deno.Conn` (TCP or Unix socket), a `Deno.TlsConn`, or any pair of
 * Web streams such as an in-memory pipe. When it has both `read` and `write` (as a `Deno.Conn`
 * does), those are used and `readable` and `writable` are never read.
 */
export interface ByteStream {
  /** Bytes from the remote. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes to the remote. */
  readonly writable: WritableStream<Uint8Array>;
  /** The remote socket address, when the stream is a socket. */
  readonly remoteAddr?: RemoteAddress;
  /** Closes the socket at once, interrupting pending reads and writes (`Deno.Conn.close`). */
  close?(): void;
  /** Sends end-of-stream but keeps reading (`Deno.Conn.closeWrite`). */
  closeWrite?(): Promise<void>;
  /**
   * Reads into `p` (`Deno.Conn.read`): the number of bytes read, or `null` at end of stream.
   * Used together with {@link ByteStream.write}, instead of the streams, when both are present.
   */
  read?(p: Uint8Array): Promise<number | null>;
  /**
   * Writes some of `p` (`Deno.Conn.write`): the number of bytes written, at least 1. Once the
   * promise settles the stream must hold no reference to `p` (a `Deno.Conn` has handed the bytes to
   * the kernel): the transport then reuses `p` for other connections' frames. A stream that queues
   * `p` instead must copy it, or offer only `readable` and `writable`.
   */
  write?(p: Uint8Array): Promise<number>;
}

/** Where {@link Transport.readUntil} puts what it reads (a `FrameReader`). */
export interface FrameSink {
  /** Takes one stream read; copies it. */
  push(bytes: Uint8Array): void;
}

/**
 * Read buffer of a quiet direct connection. The handshake frames are under 200 bytes (a connection
 * message with a 64-byte chain name is 156), an Ack 19, so they fit; one 4 KiB page is what the
 * pending read of an idle connection holds.
 */
export const SMALL_READ_BYTES = 4096;

/**
 * Read buffer of a busy direct connection: Deno's own stream reads are 64 KiB, and a chunk frame is
 * at most 65 537 bytes.
 */
export const LARGE_READ_BYTES = 65536;

type Direct = Required<Pick<ByteStream, "read" | "write">> & ByteStream;

function directOf(stream: ByteStream): Direct | undefined {
  return typeof stream.read === "function" && typeof stream.write === "function"
    ? stream as Direct
    : undefined;
}

/** Reading, counted writing and closing of a {@link ByteStream}. */
export class Transport {
  /** Bytes received, with the inflow rate. */
  readonly inbound: RateMeter;
  /** Bytes sent, with the outflow rate. */
  readonly outbound: RateMeter;
  /** The remote socket address, if any. */
  readonly remoteAddr: RemoteAddress | undefined;
  readonly #stream: ByteStream;
  readonly #direct: Direct | undefined;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #small: Uint8Array | undefined;
  #large: Uint8Array | undefined;
  #useLarge = false;
  // The direct write in progress, so that a second write waits for the first to finish whole.
  #writing: Promise<void> | undefined;
  #closed = false;
  #eof = false;

  /**
   * Takes hold of `stream`: of its `read` and `write` when it has both, else of both Web streams
   * (locks them).
   *
   * @param stream The byte stream.
   */
  constructor(stream: ByteStream) {
    this.#stream = stream;
    this.#direct = directOf(stream);
    if (this.#direct === undefined) {
      this.#reader = stream.readable.getReader();
      this.#writer = stream.writable.getWriter();
      // A write error also surfaces through `closed`; nobody awaits it before a write fails.
      this.#writer.closed.catch(() => {});
    }
    this.remoteAddr = stream.remoteAddr;
    const now = performance.now();
    this.inbound = new RateMeter(now);
    this.outbound = new RateMeter(now);
  }

  /** Whether {@link Transport.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether reads and writes go to the stream's `read` and `write` rather than its Web streams. */
  get direct(): boolean {
    return this.#direct !== undefined;
  }

  /**
   * Whether a write that settled (resolved or failed) keeps no reference to its bytes, so the caller
   * may reuse them. Always `true`: the direct path's stream must not keep them (the `ByteStream`
   * contract; a `Deno.Conn` has handed them to the kernel), and the stream path writes a copy.
   */
  get writeReleasesBytes(): boolean {
    return true;
  }

  /** Bytes of the buffer the next direct read goes into (0 for the stream path; for tests). */
  get readBufferBytes(): number {
    if (this.#direct === undefined) return 0;
    return this.#useLarge ? LARGE_READ_BYTES : SMALL_READ_BYTES;
  }

  /**
   * One read.
   *
   * @returns The bytes, valid until the next read (the transport's buffer, or the stream's own
   * array: copy before keeping), or `undefined` at end of stream (or once closed).
   * @throws {P2pError} `connection_closed` when the read fails.
   */
  read(): Promise<Uint8Array | undefined> {
    if (this.#closed || this.#eof) return Promise.resolve(undefined);
    return this.#direct !== undefined ? this.#readDirect(this.#direct) : this.#readStream();
  }

  async #readDirect(conn: Direct): Promise<Uint8Array | undefined> {
    const buf = this.#useLarge
      ? (this.#large ??= new Uint8Array(LARGE_READ_BYTES))
      : (this.#small ??= new Uint8Array(SMALL_READ_BYTES));
    let n: number | null;
    try {
      n = await conn.read(buf);
    } catch (e) {
      if (this.#closed) return undefined;
      throw connectionClosed("read failed", e);
    }
    if (n === null || this.#closed) {
      this.#eof = true;
      return undefined;
    }
    if (n === buf.length) {
      this.#useLarge = true;
    } else if (n <= SMALL_READ_BYTES && this.#useLarge) {
      // Quiet again: the next (maybe long-pending) read holds one page, not 64 KiB.
      this.#useLarge = false;
      this.#large = undefined;
    }
    this.inbound.add(n, performance.now());
    return buf.subarray(0, n);
  }

  async #readStream(): Promise<Uint8Array | undefined> {
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await this.#reader!.read();
    } catch (e) {
      if (this.#closed) return undefined;
      throw connectionClosed("read failed", e);
    }
    if (result.done || this.#closed) {
      this.#eof = true;
      return undefined;
    }
    const chunk = result.value;
    this.inbound.add(chunk.length, performance.now());
    return chunk;
  }

  /**
   * Reads into `sink` until `step` returns a frame.
   *
   * @param sink Where the bytes go (the frame reader).
   * @param step Takes the next frame from the sink, `undefined` while incomplete.
   * @param what What is being read, for the error message.
   * @returns The frame.
   * @throws {P2pError} `connection_closed` at end of stream or on a read error; whatever `step`
   * throws.
   */
  async readUntil<T>(sink: FrameSink, step: () => T | undefined, what: string): Promise<T> {
    for (;;) {
      const frame = step();
      if (frame !== undefined) return frame;
      const bytes = await this.read();
      if (bytes === undefined) {
        throw connectionClosed(
          this.#closed ? `closed while reading ${what}` : `end of stream while reading ${what}`,
        );
      }
      sink.push(bytes);
    }
  }

  /**
   * Writes `frame` and, at the same time, runs `read`: both ends of a handshake write before they
   * read, so neither waits for the other. The read's outcome wins: a remote that refuses us and
   * closes makes our write fail too, but what it sent before closing is the better error.
   *
   * @param frame What to write.
   * @param read The matching read.
   * @returns What `read` returns.
   * @throws What `read` throws, else the write's `connection_closed`.
   */
  async exchange<T>(frame: Uint8Array, read: () => Promise<T>): Promise<T> {
    let writeError: unknown;
    const written = this.write(frame).catch((e: unknown) => {
      writeError = e;
    });
    const result = await read();
    await written;
    if (writeError !== undefined) throw writeError;
    return result;
  }

  /**
   * Writes `bytes`; resolves when all were accepted (for a socket: handed to the kernel). Writes
   * happen in call order, each whole. On the direct path the transport keeps no reference to
   * `bytes` once this resolves, so the caller may reuse them then; a Web stream is given a copy,
   * which it may keep or transfer, and `bytes` stay the caller's.
   *
   * @param bytes The bytes to send.
   * @throws {P2pError} `connection_closed` when the write fails or the transport is closed.
   */
  write(bytes: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(connectionClosed("write after close"));
    const conn = this.#direct;
    if (conn === undefined) return this.#writeStream(bytes);
    const before = this.#writing;
    const writing = before === undefined
      ? this.#writeDirect(conn, bytes)
      : before.then(() => this.#writeDirect(conn, bytes), () => this.#writeDirect(conn, bytes));
    this.#writing = writing;
    const done = () => {
      if (this.#writing === writing) this.#writing = undefined;
    };
    writing.then(done, done);
    return writing;
  }

  async #writeDirect(conn: Direct, bytes: Uint8Array): Promise<void> {
    if (this.#closed) throw connectionClosed("write after close");
    try {
      // Deno.Conn.write may take part of the bytes (a full socket buffer); 0 would loop forever.
      let offset = 0;
      while (offset < bytes.length) {
        const n = await conn.write(offset === 0 ? bytes : bytes.subarray(offset));
        if (!(n > 0)) throw new Error(`write returned ${n}`);
        offset += n;
      }
    } catch (e) {
      throw connectionClosed("write failed", e);
    }
    this.outbound.add(bytes.length, performance.now());
  }

  async #writeStream(bytes: Uint8Array): Promise<void> {
    try {
      // A copy of its own: a Web stream may keep the array or transfer (detach) its buffer (a byte
      // stream's `enqueue` does), and the caller's bytes may be a view of a shared slab or still
      // needed (the handshake derives its nonces from the connection message it sent).
      await this.#writer!.write(bytes.slice());
    } catch (e) {
      throw connectionClosed("write failed", e);
    }
    this.outbound.add(bytes.length, performance.now());
  }

  /**
   * Sends end-of-stream, then reads and discards until the remote closes too or `graceMs` passed,
   * then closes. Used after a Nack, so that the remote reads the Nack before seeing the socket go
   * away (closing a socket with unread input makes the kernel send a reset, which may discard
   * what the remote has not read yet).
   *
   * @param graceMs How long to wait for the remote to close.
   */
  async closeGracefully(graceMs: number): Promise<void> {
    if (this.#closed) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const drain = (async () => {
      // The end-of-stream goes after what is being written.
      await this.#writing?.catch(() => {});
      // A pipe's writable may never finish closing if the remote stops reading: not awaited.
      if (this.#stream.closeWrite) await this.#stream.closeWrite();
      else this.#writer?.close().catch(() => {});
      while ((await this.read()) !== undefined) {
        // Discarded: the connection is refused.
      }
    })().catch(() => {});
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    try {
      await Promise.race([drain, expired]);
    } finally {
      clearTimeout(timer);
      this.close(true);
    }
    await drain;
  }

  /**
   * Closes both directions; pending reads end (they resolve to `undefined`), pending writes fail.
   * Idempotent.
   *
   * @param graceful For streams without a `close()` method (in-memory pipes): end the writable
   * normally, so that what was written is still delivered, instead of aborting it. A socket keeps
   * in the kernel what was written before it closes, so this changes nothing for sockets.
   */
  close(graceful = false): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#small = undefined;
    this.#large = undefined;
    if (this.#stream.close) {
      try {
        this.#stream.close();
      } catch {
        // Already closed by the runtime (e.g. after end of stream).
      }
    }
    if (this.#direct !== undefined) return;
    this.#reader!.cancel().catch(() => {});
    if (graceful && !this.#stream.close) this.#writer!.close().catch(() => {});
    else this.#writer!.abort().catch(() => {});
  }
}

/**
 * The byte pipe under a connection: reads from a `ReadableStream`, writes to a `WritableStream`,
 * byte counting for statistics, and one idempotent close. It parses nothing: each stream read
 * (64 KiB for a `Deno.Conn`) is handed whole to a {@link FrameSink} (the connection's
 * `FrameReader`), which owns the buffer and cuts frames out of it. Awaiting one read per frame
 * instead was about 10x slower for small frames.
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
 * Web streams such as an in-memory pipe.
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
}

/** Where {@link Transport.readUntil} puts what it reads (a `FrameReader`). */
export interface FrameSink {
  /** Takes one stream read; copies it. */
  push(bytes: Uint8Array): void;
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
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #closed = false;
  #eof = false;

  /**
   * Takes hold of both halves of `stream` (locks them).
   *
   * @param stream The byte stream.
   */
  constructor(stream: ByteStream) {
    this.#stream = stream;
    this.#reader = stream.readable.getReader();
    this.#writer = stream.writable.getWriter();
    this.remoteAddr = stream.remoteAddr;
    const now = performance.now();
    this.inbound = new RateMeter(now);
    this.outbound = new RateMeter(now);
    // A write error also surfaces through `closed`; nobody awaits it before a write fails.
    this.#writer.closed.catch(() => {});
  }

  /** Whether {@link Transport.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * One stream read.
   *
   * @returns The bytes (the stream's own array: copy before keeping), or `undefined` at end of
   * stream (or once closed).
   * @throws {P2pError} `connection_closed` when the read fails.
   */
  async read(): Promise<Uint8Array | undefined> {
    if (this.#closed || this.#eof) return undefined;
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await this.#reader.read();
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
    const written = this.write(frame).then(() => undefined, (e: unknown) => e);
    const result = await read();
    const writeError = await written;
    if (writeError !== undefined) throw writeError;
    return result;
  }

  /**
   * Writes `bytes`; resolves when the stream accepted them (for a socket: handed to the kernel).
   * The stream may keep `bytes`: the caller must not reuse them.
   *
   * @param bytes The bytes to send.
   * @throws {P2pError} `connection_closed` when the write fails or the transport is closed.
   */
  async write(bytes: Uint8Array): Promise<void> {
    if (this.#closed) throw connectionClosed("write after close");
    try {
      await this.#writer.write(bytes);
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
      // A pipe's writable may never finish closing if the remote stops reading: not awaited.
      if (this.#stream.closeWrite) await this.#stream.closeWrite();
      else this.#writer.close().catch(() => {});
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
   * Closes both directions; pending reads end, pending writes fail. Idempotent.
   *
   * @param graceful For streams without a `close()` method (in-memory pipes): end the writable
   * normally, so that what was written is still delivered, instead of aborting it. A socket keeps
   * in the kernel what was written before it closes, so this changes nothing for sockets.
   */
  close(graceful = false): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#stream.close) {
      try {
        this.#stream.close();
      } catch {
        // Already closed by the runtime (e.g. after end of stream).
      }
    }
    this.#reader.cancel().catch(() => {});
    if (graceful && !this.#stream.close) this.#writer.close().catch(() => {});
    else this.#writer.abort().catch(() => {});
  }
}

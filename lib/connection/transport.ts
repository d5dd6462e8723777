/**
 * The byte pipe under a connection: buffered reads from a `ReadableStream`, writes to a
 * `WritableStream`, byte counting for statistics, and one idempotent close.
 *
 * Reads are large: each stream read (64 KiB for a `Deno.Conn`) is appended to one buffer and frames
 * are parsed out of it, instead of awaiting one read per frame (about 10x slower for small frames).
 * The buffer is reused and bytes are decrypted in it in place, so nothing delivered to a caller
 * may be a view into it.
 *
 * @module
 */

import { connectionClosed } from "./errors.ts";
import { RateMeter } from "./stat.ts";

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
  readonly remoteAddr?: Deno.Addr;
  /** Closes the socket at once, interrupting pending reads and writes (`Deno.Conn.close`). */
  close?(): void;
  /** Sends end-of-stream but keeps reading (`Deno.Conn.closeWrite`). */
  closeWrite?(): Promise<void>;
}

const INITIAL_CAPACITY = 128 * 1024;

/** Buffered reading, counted writing and closing of a {@link ByteStream}. */
export class Transport {
  /** Bytes received, with the inflow rate. */
  readonly inbound: RateMeter;
  /** Bytes sent, with the outflow rate. */
  readonly outbound: RateMeter;
  /** The remote socket address, if any. */
  readonly remoteAddr: Deno.Addr | undefined;
  /** Read buffer; bytes `[start, end)` are received and not yet consumed. */
  buf: Uint8Array = new Uint8Array(INITIAL_CAPACITY);
  /** First unconsumed byte of {@link Transport.buf}. */
  start = 0;
  /** End of the received bytes in {@link Transport.buf}. */
  end = 0;
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

  /** Bytes received and not yet consumed. */
  get buffered(): number {
    return this.end - this.start;
  }

  /**
   * Appends one stream read to the buffer.
   *
   * @returns `false` at end of stream (or once closed).
   * @throws {P2pError} `connection_closed` when the read fails.
   */
  async pull(): Promise<boolean> {
    if (this.#closed || this.#eof) return false;
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await this.#reader.read();
    } catch (e) {
      if (this.#closed) return false;
      throw connectionClosed("read failed", e);
    }
    if (result.done || this.#closed) {
      this.#eof = true;
      return false;
    }
    const chunk = result.value;
    this.inbound.add(chunk.length, performance.now());
    this.#append(chunk);
    return true;
  }

  #append(chunk: Uint8Array): void {
    const length = chunk.length;
    if (this.start === this.end) this.start = this.end = 0;
    if (this.end + length > this.buf.length) {
      const live = this.end - this.start;
      if (live + length <= this.buf.length) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const grown = new Uint8Array(Math.max(2 * this.buf.length, live + length));
        grown.set(this.buf.subarray(this.start, this.end));
        this.buf = grown;
      }
      this.start = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += length;
  }

  /**
   * Reads until at least `n` bytes are buffered.
   *
   * @param n Bytes needed.
   * @param what What is being read, for the error message.
   * @throws {P2pError} `connection_closed` at end of stream or on a read error.
   */
  async ensure(n: number, what: string): Promise<void> {
    while (this.end - this.start < n) {
      if (!(await this.pull())) {
        throw connectionClosed(
          this.#closed ? `closed while reading ${what}` : `end of stream while reading ${what}`,
        );
      }
    }
  }

  /**
   * Consumes `n` buffered bytes.
   *
   * @param n Bytes to consume (at most {@link Transport.buffered}).
   * @returns Their offset in {@link Transport.buf}, valid until the next {@link Transport.pull}.
   */
  consume(n: number): number {
    const at = this.start;
    this.start += n;
    return at;
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
      while (await this.pull()) this.start = this.end;
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

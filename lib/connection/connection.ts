/**
 * The accepted connection (Octez `P2p_socket.t`): one reader loop that pushes large socket reads
 * into the connection's `FrameReader` (which opens the chunks and reassembles P2P messages), decodes
 * the messages into a bounded incoming queue, and one writer loop that cuts queued messages into
 * chunks, encrypts them and writes them in batches. `accept` (in `answer.ts`) builds it.
 *
 * ```text
 * write(msg) ─ encode ─▶ outgoing queue (≤ 8 MiB) ─ writer: cut · seal · batch ─▶ socket
 * socket ─ reader: large reads ─▶ FrameReader: open in place · reassemble ─ decode ─▶ incoming
 *   queue ─▶ read()
 * ```
 *
 * ## Who owns a delivered message
 *
 * A message returned by `read`, `readNow` or `readable` belongs to the caller and stays valid for as
 * long as the caller keeps it: its byte fields (a `Raw` body, ids, hashes) are views into bytes
 * that no later message, socket read or write ever overwrites. What that costs:
 *
 * - a message of at most 8 KiB (length prefix included) is copied out of the decrypted chunk into
 *   the process-wide 64 KiB slab (`lib/base/slab.ts`): its fields are views of that slab, so
 *   keeping any of them keeps the whole 64 KiB slab alive (as a Node `Buffer` keeps its pool);
 * - a longer message has a buffer of exactly its size, decrypted straight into it after its first
 *   chunk (above 128 KiB the buffer grows with what arrived, copying what is in): keeping a field
 *   keeps that buffer alive, nothing more;
 * - to keep a small field for long (a cache, a table) without its slab, copy it:
 *   `body.slice()`, one allocation of its own size;
 * - never transfer a field's `.buffer` (`postMessage` with a transfer list, a byte stream's
 *   `enqueue`) nor read it whole: it is the shared slab, holding other messages (other peers'
 *   plaintext too). Transfer a copy, and use `byteOffset` and `byteLength` with `.buffer`.
 *
 * Messages given to `write`, `writeNow` and `writeSync` are encoded at once (into the shared slab up
 * to 8 KiB, the outgoing queue's recycled 1 MiB slabs up to 128 KiB, else a buffer of their own):
 * the caller may reuse or change the message object as soon as the call returns. Sealing buffers
 * come from a process-wide pool and go back when the socket write that carried them settled, so an
 * idle connection holds no sealing buffer, and its frame reader gives its input buffer back to a
 * shared pool whenever nothing is left unread (see `outgoing_queue.ts`, `frame_reader.ts`).
 *
 * @module
 */

import type { NetworkVersion } from "../../gen/base.ts";
import {
  decodeP2pMessage,
  type P2pMessage,
  sizeOfP2pMessage,
  writeP2pMessage,
} from "../../gen/p2p_message.ts";
import { allocateBytes, SLAB_MAX_ALLOCATION } from "../base/slab.ts";
import { Writer } from "../encoding/writer.ts";
import type { ConnectionMetadata } from "../../gen/connection.ts";
import type { AppCodec } from "../encoding/app_codec.ts";
import type { ConnectionInfo } from "./connection_info.ts";
import { chunkContentLength } from "./chunk.ts";
import { codecError } from "./codec_error.ts";
import { connectionClosed, isP2pError, type P2pError } from "./errors.ts";
import { formatConnectionInfo } from "./format.ts";
import type { FrameReader } from "./frame_reader.ts";
import { Fifo } from "../base/fifo.ts";
import { encodeArena, OutgoingQueue } from "./outgoing_queue.ts";
import type { P2pStat } from "./stat.ts";
import type { Transport } from "./transport.ts";

/** Default bound of each message queue, in bytes (Octez `P2p_limits.default`). */
export const DEFAULT_QUEUE_SIZE: number = 8 * 1024 * 1024;

/** Options of `accept`. */
export interface AcceptOptions {
  /** Bound of the incoming queue in bytes; the socket is not read while it is full (8 MiB). */
  readonly incomingQueueSize?: number;
  /** Bound of the outgoing queue in bytes; `write` waits and `writeNow` drops while full (8 MiB). */
  readonly outgoingQueueSize?: number;
  /** Bytes per chunk frame, in [19, 65535]; 65 535 (65 517 of plaintext) when omitted. */
  readonly binaryChunksSize?: number;
  /** Time limit of the Ack exchange, in milliseconds (none when omitted). */
  readonly timeoutMs?: number;
  /** Cancels the Ack exchange. */
  readonly signal?: AbortSignal;
}

/** A received message and its size on the wire (length prefix included, chunking excluded). */
export interface ReceivedMessage<M> {
  /** Bytes the message took: 4 + its length field. */
  readonly size: number;
  /** The decoded message. */
  readonly message: P2pMessage<M>;
}

/** Options of {@link Connection.close}. */
export interface CloseOptions {
  /** Send everything already queued before closing (default: drop it). */
  readonly wait?: boolean;
}

/**
 * What an authenticated connection hands to its answer and then to its `Connection`: the socket,
 * the frame reader (channel key and remote nonce set, possibly holding bytes already read) and
 * what sending needs. Internal to this package.
 */
export interface Link {
  /** The socket. */
  readonly transport: Transport;
  /** The one reader of everything the remote sends. */
  readonly reader: FrameReader;
  /** The channel key. */
  readonly channelKey: Uint8Array;
  /** Nonce of the next chunk to send (incremented in place). */
  readonly localNonce: Uint8Array;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * An accepted connection exchanging `P2pMessage<M>`s (Octez `P2p_socket.t`). Build it with
 * `accept`.
 *
 * @typeParam M The application message type.
 * @typeParam Meta The connection metadata type.
 */
export class Connection<M, Meta = ConnectionMetadata> {
  /** What is known about the remote (Octez `P2p_socket.info`). */
  readonly info: ConnectionInfo<Meta>;
  /**
   * Settles when the connection is closed: with `undefined` after a local {@link close}, else
   * with the error that ended it (`connection_closed` on end of stream, `decoding_error`, …).
   */
  readonly closed: Promise<P2pError | undefined>;

  readonly #transport: Transport;
  readonly #reader: FrameReader;
  readonly #app: AppCodec<M>;
  readonly #outgoing: OutgoingQueue;
  readonly #deliver = (bytes: Uint8Array) => this.#deliverMessage(bytes);
  #resolveClosed!: (reason: P2pError | undefined) => void;
  readonly #inQueue = new Fifo<ReceivedMessage<M>>();
  #inBytes = 0;
  readonly #inMax: number;
  readonly #readers = new Fifo<Waiter<ReceivedMessage<M>>>();
  #resumeReading: (() => void) | undefined;
  #messagesReceived = 0;
  #state: "open" | "closing" | "closed" = "open";
  #reason: P2pError | undefined;
  readonly #loops: Promise<unknown>;
  #readable: ReadableStream<P2pMessage<M>> | undefined;
  #writable: WritableStream<P2pMessage<M>> | undefined;

  /**
   * Starts the reader and writer loops of an accepted connection; `accept` calls it after the
   * Ack exchange.
   *
   * @internal
   * @param info What is known about the remote.
   * @param link The socket, frame reader and sending keys the handshake produced.
   * @param app Codec of the application messages.
   * @param options Chunk size and queue bounds (already checked by `accept`).
   */
  constructor(info: ConnectionInfo<Meta>, link: Link, app: AppCodec<M>, options: AcceptOptions) {
    const { transport, reader, channelKey, localNonce } = link;
    this.info = info;
    this.#transport = transport;
    this.#reader = reader;
    this.#app = app;
    this.#inMax = options.incomingQueueSize ?? DEFAULT_QUEUE_SIZE;
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
    this.#outgoing = new OutgoingQueue(transport, channelKey, localNonce, {
      contentLength: chunkContentLength(options.binaryChunksSize),
      maxBytes: options.outgoingQueueSize ?? DEFAULT_QUEUE_SIZE,
      onFailure: (e) => this.#fail(e),
    });
    this.#loops = Promise.all([this.#readLoop(), this.#outgoing.done]);
  }

  /** The remote peer id. */
  get peerId(): Uint8Array {
    return this.info.peerId;
  }

  /** The metadata this node sent (Octez `P2p_socket.local_metadata`). */
  get localMetadata(): Meta {
    return this.info.localMetadata;
  }

  /** The metadata the remote sent (Octez `P2p_socket.remote_metadata`). */
  get remoteMetadata(): Meta {
    return this.info.remoteMetadata;
  }

  /**
   * Whether the remote is a private node, as the metadata codec reads it from the remote's
   * metadata (Octez `P2p_socket.private_node`).
   */
  get privateNode(): boolean {
    return this.info.privateNode;
  }

  /**
   * Whether `other` is this same connection: the same socket and keys (Octez `P2p_socket.equal`
   * compares the ids of the underlying scheduled connections; here each connection owns its
   * transport, so the transports are compared). The message and metadata types do not matter.
   *
   * @param other Another connection.
   * @returns `true` when both are the same connection.
   */
  equal(other: Connection<unknown, unknown>): boolean {
    return #transport in other && other.#transport === this.#transport;
  }

  /**
   * One line in the words of Octez `P2p_socket.pp`, e.g.
   * `Connection(incoming id… 127.0.0.1:9732 TEZOS_MAINNET.2 (p2p: 1))`.
   *
   * @returns The text.
   */
  toString(): string {
    return `Connection(${formatConnectionInfo(this.info)})`;
  }

  /**
   * What `Deno.inspect` and `console.log` show: {@link Connection.toString}.
   *
   * @returns The text.
   */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** The negotiated version (`undefined` if version selection failed and it was accepted anyway). */
  get version(): NetworkVersion | undefined {
    const selection = this.info.versionSelection;
    return selection.kind === "selected" ? selection.version : undefined;
  }

  #closedError(): P2pError {
    return this.#reason ?? connectionClosed("closed locally");
  }

  #encode(message: P2pMessage<M>): Uint8Array {
    if (this.#state !== "open") throw this.#closedError();
    try {
      // Into a slab, not an ArrayBuffer per message: the shared 64 KiB slabs up to 8 KiB, the
      // queue's recycled 1 MiB slabs up to 128 KiB, freed once sealed (outgoing_queue.ts).
      const app = this.#app;
      const size = sizeOfP2pMessage(message, app);
      const writer = new Writer(
        size <= SLAB_MAX_ALLOCATION ? allocateBytes(size) : encodeArena.allocate(size),
      );
      writeP2pMessage(writer, message, app);
      return writer.finish();
    } catch (e) {
      throw codecError(e, "P2P message");
    }
  }

  /**
   * Queues `message`, waiting while the outgoing queue is full.
   *
   * @param message The message.
   * @returns Resolves once queued.
   * @throws {P2pError} `encoding_error` (nothing queued) or `connection_closed`.
   */
  write(message: P2pMessage<M>): Promise<void> {
    try {
      return this.#outgoing.push(this.#encode(message), false);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Queues `message` if the outgoing queue has room, without waiting.
   *
   * @param message The message.
   * @returns `true` if queued, `false` if dropped because the queue is full.
   * @throws {P2pError} `encoding_error` or `connection_closed`.
   */
  writeNow(message: P2pMessage<M>): boolean {
    return this.#outgoing.pushNow(this.#encode(message));
  }

  /**
   * Queues `message` and waits until all its chunks are encrypted and handed to the socket.
   *
   * @param message The message.
   * @returns Resolves once written.
   * @throws {P2pError} `encoding_error` or `connection_closed`.
   */
  writeSync(message: P2pMessage<M>): Promise<void> {
    try {
      return this.#outgoing.push(this.#encode(message), true);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * The next received message, waiting if there is none yet. Messages received before the
   * connection ended are still delivered, then the reason it ended is thrown.
   *
   * @returns The message and its size.
   * @throws {P2pError} `connection_closed`, `decoding_error`, `decipher_error`, … once closed.
   */
  read(): Promise<ReceivedMessage<M>> {
    const item = this.#take();
    if (item !== undefined) return Promise.resolve(item);
    if (this.#state === "closed") return Promise.reject(this.#closedError());
    return new Promise((resolve, reject) => this.#readers.push({ resolve, reject }));
  }

  /**
   * The next received message if there is one.
   *
   * @returns The message, or `undefined` when none is queued.
   * @throws {P2pError} The reason the connection ended, once it ended and the queue is empty.
   */
  readNow(): ReceivedMessage<M> | undefined {
    const item = this.#take();
    if (item === undefined && this.#state === "closed") throw this.#closedError();
    return item;
  }

  #take(): ReceivedMessage<M> | undefined {
    const item = this.#inQueue.shift();
    if (item === undefined) return undefined;
    this.#inBytes -= item.size;
    if (this.#resumeReading !== undefined && this.#inBytes < this.#inMax) {
      const resume = this.#resumeReading;
      this.#resumeReading = undefined;
      resume();
    }
    return item;
  }

  /**
   * A snapshot of the traffic: socket bytes (handshake included) and rates, message counts.
   *
   * @returns The statistics.
   */
  stat(): P2pStat {
    const now = performance.now();
    const t = this.#transport;
    return {
      totalSent: t.outbound.total,
      totalRecv: t.inbound.total,
      currentInflow: t.inbound.rate(now),
      currentOutflow: t.outbound.rate(now),
      messagesSent: this.#outgoing.messagesSent,
      messagesReceived: this.#messagesReceived,
    };
  }

  /**
   * Closes the connection. Without `wait`, queued messages are dropped and the socket closes at
   * once; with `wait`, writing is refused and the queue is sent first. Pending reads and writes
   * fail with `connection_closed`. Resolves when both loops have stopped.
   *
   * @param options Whether to flush the outgoing queue first.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    if (this.#state === "open" && options.wait) {
      this.#state = "closing";
      await this.#outgoing.drain();
    }
    this.#fail(undefined, options.wait === true);
    await this.#loops;
  }

  /** The received messages as a stream; it ends when the connection closes cleanly. */
  get readable(): ReadableStream<P2pMessage<M>> {
    this.#readable ??= new ReadableStream<P2pMessage<M>>({
      pull: async (controller) => {
        try {
          controller.enqueue((await this.read()).message);
        } catch (e) {
          if (isP2pError(e, "connection_closed")) controller.close();
          else controller.error(e);
        }
      },
      cancel: () => this.close(),
    }, { highWaterMark: 0 });
    return this.#readable;
  }

  /** A stream to write messages to; closing it closes the connection after a flush. */
  get writable(): WritableStream<P2pMessage<M>> {
    this.#writable ??= new WritableStream<P2pMessage<M>>({
      write: (message) => this.write(message),
      close: () => this.close({ wait: true }),
      abort: () => this.close(),
    });
    return this.#writable;
  }

  #fail(reason: P2pError | undefined, graceful = false): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#reason = reason;
    this.#transport.close(graceful);
    const error = this.#closedError();
    for (const reader of this.#readers.clear()) reader.reject(error);
    this.#outgoing.fail(error);
    const resume = this.#resumeReading;
    this.#resumeReading = undefined;
    resume?.();
    this.#resolveClosed(reason);
  }

  #deliverMessage(bytes: Uint8Array): void {
    const message = decodeP2pMessage(bytes, this.#app);
    const item: ReceivedMessage<M> = { size: bytes.length, message };
    this.#messagesReceived++;
    const reader = this.#readers.shift();
    if (reader !== undefined) {
      reader.resolve(item);
      return;
    }
    this.#inQueue.push(item);
    this.#inBytes += item.size;
  }

  async #readLoop(): Promise<void> {
    const t = this.#transport;
    const reader = this.#reader;
    try {
      for (;;) {
        // Every complete chunk already buffered (the Ack read may have left some).
        while (reader.messageChunk(this.#deliver)) {
          if (this.#inBytes >= this.#inMax && this.#state !== "closed") {
            // Back-pressure: stop reading the socket until a reader makes room.
            await new Promise<void>((resolve) => this.#resumeReading = resolve);
          }
          if (this.#state === "closed") return;
        }
        // Nothing unread: an idle connection keeps no input buffer (the shared pool does).
        reader.releaseInput();
        const bytes = await t.read();
        if (bytes === undefined) {
          this.#fail(connectionClosed("end of stream"));
          return;
        }
        reader.push(bytes);
      }
    } catch (e) {
      const error = codecError(e, "P2P message");
      this.#fail(isP2pError(error) ? error : connectionClosed("reader failed", error));
    }
  }
}

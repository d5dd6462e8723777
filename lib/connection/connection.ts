/**
 * The accepted connection (Octez `P2p_socket.t`): the Ack exchange, then one reader loop that
 * parses chunks out of large socket reads, decrypts them and reassembles P2P messages into a
 * bounded incoming queue, and one writer loop that cuts queued messages into chunks, encrypts
 * them and writes them in batches.
 *
 * ```text
 * write(msg) ─ encode ─▶ outgoing queue (≤ 8 MiB) ─ writer: cut · seal · batch ─▶ socket
 * socket ─ reader: large reads · open in place · reassemble · decode ─▶ incoming queue ─▶ read()
 * ```
 *
 * @module
 */

import { decodeAckMessage } from "../../gen/connection.ts";
import type { NetworkVersion } from "../../gen/base.ts";
import { decodeP2pMessage, encodeP2pMessage, type P2pMessage } from "../../gen/p2p_message.ts";
import type { ConnectionMetadata } from "../../gen/connection.ts";
import type { AppCodec } from "../encoding/app_codec.ts";
import { incrementNonceInPlace } from "../crypto/nonce.ts";
import { TAG_LENGTH } from "../crypto/box.ts";
import {
  type AuthenticatedConnection,
  codecError,
  type ConnectionInfo,
  exchange,
  readOneChunk,
  releaseAckedState,
  takeAuthState,
} from "./authenticate.ts";
import {
  CHUNK_HEADER_LENGTH,
  chunkContentLength,
  encryptChunk,
  openChunkInPlace,
  openChunkInto,
} from "./chunk.ts";
import { withDeadline } from "./deadline.ts";
import { connectionClosed, isP2pError, P2pError } from "./errors.ts";
import { formatConnectionInfo } from "./format.ts";
import { MessageAssembler } from "./message_assembler.ts";
import { Fifo } from "../base/fifo.ts";
import { OutgoingQueue } from "./outgoing_queue.ts";
import type { P2pStat } from "./stat.ts";
import type { Transport } from "./transport.ts";

/** Default bound of each message queue, in bytes (Octez `P2p_limits.default`). */
export const DEFAULT_QUEUE_SIZE: number = 8 * 1024 * 1024;

/** Options of {@link accept}. */
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

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

function checkQueueSize(name: string, size: number | undefined): number {
  if (size === undefined) return DEFAULT_QUEUE_SIZE;
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`accept: ${name} must be a positive integer, got ${size}`);
  }
  return size;
}

const ACK_PLAINTEXT = new Uint8Array([0x00]);

/**
 * Accepts an authenticated connection (Octez `P2p_socket.accept`): sends Ack, waits for the
 * remote's Ack, then starts reading and writing P2P messages whose application part `appCodec`
 * encodes. On failure the socket is closed.
 *
 * @param auth The authenticated connection; it cannot be used afterwards. Its metadata type
 * carries over to the connection.
 * @param appCodec Codec of the application messages (`rawAppCodec` keeps them as bytes).
 * @param options Queue bounds, chunk size and limits of the Ack exchange.
 * @returns The connection.
 * @throws {P2pError} `rejected_by_nack` (with `motive` and `alternativePoints`),
 * `rejected_socket_connection` (the remote closed), `invalid_auth` (the Ack failed
 * authentication), `decoding_error`, `invalid_incoming_ciphertext_size`, `invalid_chunks_size`
 * (nothing sent), `timeout` or `canceled`.
 * @throws {RangeError} On a bad queue size (nothing sent).
 * @throws {TypeError} When `auth` was already answered or closed.
 */
export async function accept<M, Meta = ConnectionMetadata>(
  auth: AuthenticatedConnection<Meta>,
  appCodec: AppCodec<M>,
  options: AcceptOptions = {},
): Promise<Connection<M, Meta>> {
  chunkContentLength(options.binaryChunksSize);
  const incomingQueueSize = checkQueueSize("incomingQueueSize", options.incomingQueueSize);
  const outgoingQueueSize = checkQueueSize("outgoingQueueSize", options.outgoingQueueSize);
  const state = takeAuthState(auth, "accept");
  const { transport, channelKey, localNonce, remoteNonce } = state;
  const ackFrame = encryptChunk(channelKey, localNonce, ACK_PLAINTEXT);
  incrementNonceInPlace(localNonce);
  try {
    await withDeadline(
      () =>
        exchange(transport, ackFrame, async () => {
          const plaintext = await readOneChunk(transport, channelKey, remoteNonce, "Ack");
          let answer;
          try {
            answer = decodeAckMessage(plaintext);
          } catch (e) {
            throw codecError(e, "Ack");
          }
          if (answer.kind === "Nack") {
            throw new P2pError("rejected_by_nack", `rejected by Nack (motive ${answer.motive})`, {
              peerId: auth.info.peerId,
              motive: answer.motive,
              alternativePoints: answer.alternativePoints,
            });
          }
          if (answer.kind === "NackV0") {
            throw new P2pError("rejected_by_nack", "rejected by Nack_v_0", {
              peerId: auth.info.peerId,
              motive: 0,
            });
          }
        }),
      {
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        what: "Ack exchange",
        onExpire: () => transport.close(),
      },
    );
  } catch (e) {
    transport.close();
    if (isP2pError(e, "connection_closed")) {
      throw new P2pError(
        "rejected_socket_connection",
        "the remote closed during the Ack exchange",
        {
          peerId: auth.info.peerId,
        },
        { cause: e },
      );
    }
    if (isP2pError(e, "decipher_error")) {
      throw new P2pError("invalid_auth", "the Ack failed authentication", {
        peerId: auth.info.peerId,
      }, { cause: e });
    }
    throw e;
  }
  state.acked = true;
  return new Connection(auth, appCodec, { ...options, incomingQueueSize, outgoingQueueSize });
}

/**
 * An accepted connection exchanging `P2pMessage<M>`s (Octez `P2p_socket.t`). Build it with
 * {@link accept}.
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
  readonly #channelKey: Uint8Array;
  readonly #remoteNonce: Uint8Array;
  readonly #app: AppCodec<M>;
  readonly #outgoing: OutgoingQueue;
  readonly #assembler = new MessageAssembler();
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
   * Starts the reader and writer loops of an accepted connection. Called by {@link accept}: any
   * other use throws.
   *
   * @param auth The authenticated connection, after a successful Ack exchange.
   * @param app Codec of the application messages.
   * @param options Chunk size and queue bounds (already checked by {@link accept}).
   * @throws {TypeError} When `auth` did not go through {@link accept}.
   */
  constructor(auth: AuthenticatedConnection<Meta>, app: AppCodec<M>, options: AcceptOptions) {
    const { transport, channelKey, localNonce, remoteNonce } = releaseAckedState(auth);
    this.info = auth.info;
    this.#transport = transport;
    this.#channelKey = channelKey;
    this.#remoteNonce = remoteNonce;
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
      return encodeP2pMessage(message, this.#app);
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
    const key = this.#channelKey;
    const nonce = this.#remoteNonce;
    const assembler = this.#assembler;
    try {
      for (;;) {
        // Every complete frame already buffered (the Ack read may have left some).
        while (t.end - t.start >= CHUNK_HEADER_LENGTH) {
          const b = t.buf;
          const clen = (b[t.start] << 8) | b[t.start + 1];
          if (clen < TAG_LENGTH) {
            throw new P2pError(
              "invalid_incoming_ciphertext_size",
              `chunk of ${clen} bytes is shorter than a tag`,
              { peerId: this.info.peerId, value: clen },
            );
          }
          if (t.end - t.start < CHUNK_HEADER_LENGTH + clen) break;
          const at = t.consume(CHUNK_HEADER_LENGTH + clen) + CHUNK_HEADER_LENGTH;
          const box = b.subarray(at, at + clen);
          const length = clen - TAG_LENGTH;
          const target = assembler.target;
          try {
            if (target !== undefined && length > 0 && length <= assembler.room) {
              // The rest of a long message: decrypt straight into its buffer, no copy.
              openChunkInto(key, nonce, box, target, assembler.fill);
              assembler.commit(length, this.#deliver);
            } else {
              // A message start: decrypt in place, then copy into per-message buffers.
              openChunkInPlace(key, nonce, box);
              assembler.push(b, at + TAG_LENGTH, at + clen, this.#deliver);
            }
          } finally {
            incrementNonceInPlace(nonce);
          }
          if (this.#inBytes >= this.#inMax && this.#state !== "closed") {
            // Back-pressure: stop reading the socket until a reader makes room.
            await new Promise<void>((resolve) => this.#resumeReading = resolve);
          }
          if (this.#state === "closed") return;
        }
        if (!(await t.pull())) {
          this.#fail(connectionClosed("end of stream"));
          return;
        }
      }
    } catch (e) {
      const error = codecError(e, "P2P message");
      this.#fail(isP2pError(error) ? error : connectionClosed("reader failed", error));
    }
  }
}

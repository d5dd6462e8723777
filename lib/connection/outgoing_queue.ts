/**
 * The outgoing side of a connection: a queue of encoded messages bounded in bytes, and the writer
 * loop that cuts them into chunks, encrypts the chunks with successive nonces and writes them.
 *
 * Chunks of several queued messages are sealed into one buffer and written with one stream write
 * (up to {@link BATCH_BYTES} of plaintext): with one write per 64-byte message, the per-write cost
 * of the socket dominated everything else. A message is still cut exactly as Octez cuts it, from
 * its first byte, in pieces of the chunk content length; only the socket writes are grouped.
 * Each batch gets a fresh buffer, because a stream may keep what it is given (an in-memory pipe
 * hands the very same array to the reader).
 *
 * @module
 */

import { incrementNonceInPlace } from "../crypto/nonce.ts";
import { CHUNK_EXTRA_BYTES, sealChunk } from "./chunk.ts";
import { connectionClosed, isP2pError, type P2pError } from "./errors.ts";
import { Fifo } from "../base/fifo.ts";
import type { Transport } from "./transport.ts";

/** Plaintext bytes sealed into one socket write, at most (a single chunk may exceed it). */
export const BATCH_BYTES = 256 * 1024;

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

interface Entry {
  readonly bytes: Uint8Array;
  offset: number;
  readonly sync: Waiter | undefined;
}

interface Pending {
  readonly bytes: Uint8Array;
  readonly sync: boolean;
  readonly waiter: Waiter;
}

/** Options of {@link OutgoingQueue}. */
export interface OutgoingQueueOptions {
  /** Plaintext bytes per chunk. */
  readonly contentLength: number;
  /** Bound of the queue in bytes (one message larger than it is still accepted alone). */
  readonly maxBytes: number;
  /** Called once when a write fails. */
  readonly onFailure: (error: P2pError) => void;
}

/** A bounded queue of encoded messages and the loop that writes them. */
export class OutgoingQueue {
  /** Messages fully handed to the socket. */
  messagesSent = 0;
  /** Settles when the writer loop has stopped. */
  readonly done: Promise<void>;
  readonly #transport: Transport;
  readonly #channelKey: Uint8Array;
  readonly #localNonce: Uint8Array;
  readonly #contentLength: number;
  readonly #maxBytes: number;
  readonly #onFailure: (error: P2pError) => void;
  readonly #entries = new Fifo<Entry>();
  #bytes = 0;
  readonly #pending = new Fifo<Pending>();
  #inFlight: Entry[] = [];
  #wake: (() => void) | undefined;
  readonly #drained: (() => void)[] = [];
  #failure: P2pError | undefined;

  /**
   * Starts the writer loop.
   *
   * @param transport The socket.
   * @param channelKey The channel key.
   * @param localNonce Nonce of the next chunk to send (incremented in place).
   * @param options Chunk size, bound and failure callback.
   */
  constructor(
    transport: Transport,
    channelKey: Uint8Array,
    localNonce: Uint8Array,
    options: OutgoingQueueOptions,
  ) {
    this.#transport = transport;
    this.#channelKey = channelKey;
    this.#localNonce = localNonce;
    this.#contentLength = options.contentLength;
    this.#maxBytes = options.maxBytes;
    this.#onFailure = options.onFailure;
    this.done = this.#run();
  }

  #fits(size: number): boolean {
    return this.#bytes === 0 || this.#bytes + size <= this.#maxBytes;
  }

  #enqueue(bytes: Uint8Array, sync: Waiter | undefined): void {
    this.#entries.push({ bytes, offset: 0, sync });
    this.#bytes += bytes.length;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /**
   * Queues `bytes`, waiting for room behind earlier waiting writers.
   *
   * @param bytes An encoded message (kept, not copied).
   * @param sync Resolve only once the message is handed to the socket.
   * @returns Resolves when queued (or written, with `sync`).
   */
  push(bytes: Uint8Array, sync: boolean): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise<void>((resolve, reject) => {
      const waiter = { resolve, reject };
      if (this.#pending.length === 0 && this.#fits(bytes.length)) {
        this.#enqueue(bytes, sync ? waiter : undefined);
        if (!sync) resolve();
      } else {
        this.#pending.push({ bytes, sync, waiter });
      }
    });
  }

  /**
   * Queues `bytes` if there is room now.
   *
   * @param bytes An encoded message (kept, not copied).
   * @returns `false` when the queue is full (the message is dropped).
   */
  pushNow(bytes: Uint8Array): boolean {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#pending.length > 0 || !this.#fits(bytes.length)) return false;
    this.#enqueue(bytes, undefined);
    return true;
  }

  #admitPending(): void {
    while (this.#pending.length > 0 && this.#fits(this.#pending.at(0)!.bytes.length)) {
      const { bytes, sync, waiter } = this.#pending.shift()!;
      this.#enqueue(bytes, sync ? waiter : undefined);
      if (!sync) waiter.resolve();
    }
  }

  /**
   * Resolves once everything queued (and waiting for room) is handed to the socket, or the queue
   * failed.
   *
   * @returns Resolves when drained.
   */
  drain(): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  #idle(): boolean {
    return this.#failure !== undefined ||
      (this.#entries.length === 0 && this.#pending.length === 0 && this.#inFlight.length === 0);
  }

  /**
   * Stops the loop: every queued, waiting and in-flight message fails with `error`.
   *
   * @param error The reason.
   */
  fail(error: P2pError): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    for (const entry of this.#entries.clear()) entry.sync?.reject(error);
    for (const entry of this.#inFlight) entry.sync?.reject(error);
    for (const { waiter } of this.#pending.clear()) waiter.reject(error);
    this.#bytes = 0;
    this.#inFlight = [];
    for (const resolve of this.#drained.splice(0)) resolve();
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #run(): Promise<void> {
    try {
      for (;;) {
        if (this.#failure !== undefined) return;
        if (this.#entries.length === 0) {
          for (const resolve of this.#drained.splice(0)) resolve();
          await new Promise<void>((resolve) => this.#wake = resolve);
          continue;
        }
        const frames = this.#sealBatch();
        this.#admitPending();
        await this.#transport.write(frames);
        if (this.#failure !== undefined) return;
        for (const entry of this.#inFlight) entry.sync?.resolve();
        this.messagesSent += this.#inFlight.length;
        this.#inFlight = [];
      }
    } catch (e) {
      const error = isP2pError(e) ? e : connectionClosed("writer failed", e);
      this.#onFailure(error);
      this.fail(error);
    }
  }

  // Seals queued chunks into one buffer. Whole pieces of `contentLength` bytes are taken from the
  // head entries until BATCH_BYTES of plaintext; a message longer than that is split over several
  // batches (at piece boundaries, so the chunking is the same as one message at a time).
  #sealBatch(): Uint8Array {
    const piece = this.#contentLength;
    const entries = this.#entries;
    let plaintext = 0;
    let frameBytes = 0;
    const takes: number[] = [];
    for (let i = 0; i < entries.length && plaintext < BATCH_BYTES; i++) {
      const entry = entries.at(i)!;
      const remaining = entry.bytes.length - entry.offset;
      const budget = Math.max(piece, Math.floor((BATCH_BYTES - plaintext) / piece) * piece);
      const take = Math.min(remaining, budget);
      takes.push(take);
      plaintext += take;
      frameBytes += take + CHUNK_EXTRA_BYTES * Math.ceil(take / piece);
      if (take < remaining) break;
    }
    const out = new Uint8Array(frameBytes);
    const key = this.#channelKey;
    const nonce = this.#localNonce;
    let offset = 0;
    for (const take of takes) {
      const entry = entries.at(0)!;
      const end = entry.offset + take;
      for (let p = entry.offset; p < end; p += piece) {
        const chunk = entry.bytes.subarray(p, Math.min(p + piece, end));
        offset += sealChunk(key, nonce, chunk, out, offset);
        incrementNonceInPlace(nonce);
      }
      entry.offset = end;
      if (end === entry.bytes.length) {
        this.#inFlight.push(entries.shift()!);
        this.#bytes -= entry.bytes.length;
      }
    }
    return out;
  }
}

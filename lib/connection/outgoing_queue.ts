/**
 * The outgoing side of a connection: a queue of encoded messages bounded in bytes, and the writer
 * loop that cuts them into chunks, encrypts the chunks with successive nonces and writes them.
 *
 * Chunks of several queued messages are sealed into one buffer and written with one socket write
 * (up to {@link BATCH_BYTES} of plaintext): with one write per 64-byte message, the per-write cost
 * of the socket dominated everything else. A message is still cut exactly as Octez cuts it, from
 * its first byte, in pieces of the chunk content length; only the socket writes are grouped.
 *
 * No `ArrayBuffer` is allocated per message or per batch on this path (a CPU profile of a 20-node
 * burst spent 13.5% of its busy time in such allocations, issue 12):
 *
 * - the queue holds each encoded message and, in a parallel queue, its waiter (`undefined` for all
 *   but `writeSync`), not an object per message;
 * - `Connection` encodes a message of up to 8 KiB into the shared slab, one of up to 128 KiB into
 *   the queue's own 1 MiB slabs ({@link encodeArena}, freed message by message once sealed and
 *   reused), a longer one into a buffer of its own;
 * - a batch of up to {@link SLAB_MAX_ALLOCATION} bytes of frames (8 KiB: one to a hundred small
 *   messages) is sealed into a view of the shared slab (`lib/base/slab.ts`), never written again,
 *   so whatever the transport does with it is safe (a Web Streams transport writes a copy, which
 *   the stream may keep or transfer);
 * - a larger batch is sealed into a buffer of the process-wide {@link sealBuffers} pool, given back
 *   when the write that carried it resolved, if the transport says a resolved write keeps no
 *   reference to its bytes (`Transport.writeReleasesBytes`: the direct `Deno.Conn` path, whose
 *   stream contract says so, and the Web Streams path, which writes a copy). The pool is shared,
 *   not per connection: a connection holds no sealing buffer between writes, so an idle one costs
 *   nothing here.
 *
 * @module
 */

import { incrementNonceInPlace } from "../crypto/nonce.ts";
import { CHUNK_EXTRA_BYTES, sealChunk, sealChunkUnchecked, standaloneKeys } from "./chunk.ts";
import { connectionClosed, isP2pError, type P2pError } from "./errors.ts";
import { BufferPool } from "../base/buffer_pool.ts";
import { Fifo } from "../base/fifo.ts";
import { Arena } from "../base/arena.ts";
import { allocateBytes, SLAB_MAX_ALLOCATION } from "../base/slab.ts";
import type { Transport } from "./transport.ts";

/** Plaintext bytes sealed into one socket write, at most (a single chunk may exceed it). */
export const BATCH_BYTES = 256 * 1024;

/**
 * The sealing buffers of every connection of the process: 2^k bytes, 16 KiB to 1 MiB (a full batch
 * is at most 256 KiB + 64 KiB of plaintext plus 18 bytes per chunk), four idle ones per size kept.
 */
export const sealBuffers: BufferPool = new BufferPool({
  minBytes: 16 * 1024,
  maxBytes: 1024 * 1024,
  perClass: 4,
});

/**
 * Where `Connection` encodes messages of 8 KiB to 128 KiB: 1 MiB slabs that the queue frees message
 * by message once sealed, reused when empty (two kept). A `new Uint8Array(65542)` per message was 9%
 * of a 64 KiB transfer's CPU profile, and writing into fresh slabs (page faults) 11% with native
 * crypto. Longer messages get a buffer of their own.
 */
export const encodeArena: Arena = new Arena(1024 * 1024, 128 * 1024, 2);

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
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
  /** Seals without overlap checks: the keys are standalone and `#sealBatch`'s buffers disjoint. */
  readonly #seal: typeof sealChunk;
  readonly #contentLength: number;
  readonly #maxBytes: number;
  readonly #onFailure: (error: P2pError) => void;
  /** Encoded messages, oldest first; the head one is sent from `#headOffset`. */
  readonly #messages = new Fifo<Uint8Array>();
  /** The waiter of each queued message (`writeSync`), else `undefined`; parallel to `#messages`. */
  readonly #syncs = new Fifo<Waiter | undefined>();
  #headOffset = 0;
  #bytes = 0;
  readonly #pending = new Fifo<Pending>();
  /** Messages whose last chunk is in the write under way. */
  #inFlight = 0;
  /** Their `writeSync` waiters. */
  readonly #inFlightSyncs: Waiter[] = [];
  /** Bytes taken from each head message by the batch being sealed (reused). */
  readonly #takes: number[] = [];
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
    this.#seal = standaloneKeys(channelKey, localNonce) ? sealChunkUnchecked : sealChunk;
    this.#contentLength = options.contentLength;
    this.#maxBytes = options.maxBytes;
    this.#onFailure = options.onFailure;
    this.done = this.#run();
  }

  #fits(size: number): boolean {
    return this.#bytes === 0 || this.#bytes + size <= this.#maxBytes;
  }

  #enqueue(bytes: Uint8Array, sync: Waiter | undefined): void {
    this.#messages.push(bytes);
    this.#syncs.push(sync);
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
      (this.#messages.length === 0 && this.#pending.length === 0 && this.#inFlight === 0);
  }

  /**
   * Stops the loop: every queued, waiting and in-flight message fails with `error`.
   *
   * @param error The reason.
   */
  fail(error: P2pError): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#messages.clear();
    for (const sync of this.#syncs.clear()) sync?.reject(error);
    for (const sync of this.#inFlightSyncs.splice(0)) sync.reject(error);
    for (const { waiter } of this.#pending.clear()) waiter.reject(error);
    this.#bytes = 0;
    this.#headOffset = 0;
    this.#inFlight = 0;
    for (const resolve of this.#drained.splice(0)) resolve();
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #run(): Promise<void> {
    const transport = this.#transport;
    const reusable = transport.writeReleasesBytes;
    try {
      for (;;) {
        if (this.#failure !== undefined) return;
        if (this.#messages.length === 0) {
          for (const resolve of this.#drained.splice(0)) resolve();
          await new Promise<void>((resolve) => this.#wake = resolve);
          continue;
        }
        const frameBytes = this.#measureBatch();
        const pooled = frameBytes > SLAB_MAX_ALLOCATION && reusable
          ? sealBuffers.take(frameBytes)
          : undefined;
        const out = pooled ?? allocateBytes(frameBytes);
        this.#sealBatch(out);
        this.#admitPending();
        try {
          await transport.write(pooled === undefined ? out : out.subarray(0, frameBytes));
        } finally {
          // Resolved or failed, the write is over: the transport holds no reference any more.
          if (pooled !== undefined) sealBuffers.give(pooled);
        }
        if (this.#failure !== undefined) return;
        for (const sync of this.#inFlightSyncs) sync.resolve();
        this.#inFlightSyncs.length = 0;
        this.messagesSent += this.#inFlight;
        this.#inFlight = 0;
      }
    } catch (e) {
      const error = isP2pError(e) ? e : connectionClosed("writer failed", e);
      this.#onFailure(error);
      this.fail(error);
    }
  }

  // Chooses the next batch: whole pieces of `contentLength` bytes are taken from the head messages
  // until BATCH_BYTES of plaintext; a message longer than that is split over several batches (at
  // piece boundaries, so the chunking is the same as one message at a time). Fills `#takes` and
  // returns the bytes of the frames.
  #measureBatch(): number {
    const piece = this.#contentLength;
    const messages = this.#messages;
    const takes = this.#takes;
    takes.length = 0;
    let offset = this.#headOffset;
    let plaintext = 0;
    let frameBytes = 0;
    for (let i = 0; i < messages.length && plaintext < BATCH_BYTES; i++) {
      const remaining = messages.at(i)!.length - offset;
      offset = 0;
      const budget = Math.max(piece, Math.floor((BATCH_BYTES - plaintext) / piece) * piece);
      const take = Math.min(remaining, budget);
      takes.push(take);
      plaintext += take;
      frameBytes += take + CHUNK_EXTRA_BYTES * Math.ceil(take / piece);
      if (take < remaining) break;
    }
    return frameBytes;
  }

  // Seals the batch `#measureBatch` chose into `out`, from its start.
  #sealBatch(out: Uint8Array): void {
    const piece = this.#contentLength;
    const messages = this.#messages;
    const key = this.#channelKey;
    const nonce = this.#localNonce;
    // `out` is a fresh slab view or a pool buffer, never a message's memory: disjoint.
    const seal = this.#seal;
    let offset = 0;
    for (const take of this.#takes) {
      const bytes = messages.at(0)!;
      const start = this.#headOffset;
      const end = start + take;
      if (start === 0 && end === bytes.length && take <= piece) {
        // The whole message in one chunk, the common case: no view of it.
        offset += seal(key, nonce, bytes, out, offset);
        incrementNonceInPlace(nonce);
      } else {
        for (let p = start; p < end; p += piece) {
          const chunk = bytes.subarray(p, Math.min(p + piece, end));
          offset += seal(key, nonce, chunk, out, offset);
          incrementNonceInPlace(nonce);
        }
      }
      if (end === bytes.length) {
        messages.shift();
        const sync = this.#syncs.shift();
        if (sync !== undefined) this.#inFlightSyncs.push(sync);
        this.#inFlight++;
        this.#bytes -= bytes.length;
        this.#headOffset = 0;
        // Sealed: nothing reads it any more (ignored unless it came from the arena).
        if (bytes.length > SLAB_MAX_ALLOCATION) encodeArena.free(bytes);
      } else {
        this.#headOffset = end;
      }
    }
  }
}

/**
 * The third step of a connection (Octez `P2p_socket.accept` and `P2p_socket.nack`, spec §8): an
 * authenticated connection is answered exactly once, with an Ack ({@link accept}: then messages
 * flow) or a Nack ({@link nack}: then it closes).
 *
 * ```text
 * Ack  chunk = clen(2) ‖ tag(16) ‖ E(0x00)
 * Nack chunk = clen(2) ‖ tag(16) ‖ E(0x01 ‖ motive(2) ‖ points)   (Nack_v_0: E(0xff))
 * ```
 *
 * The keys, nonces, socket and frame reader of an authenticated connection live in a WeakMap
 * private to this module: only `authenticate` puts them there (through
 * {@link authenticatedConnection}), and only {@link accept}, {@link nack} and
 * {@link AuthenticatedConnection.close} take them out.
 *
 * @module
 */

import { type AckMessage, decodeAckMessage, encodeAckMessage } from "../../gen/connection.ts";
import type { ConnectionMetadata } from "../../gen/connection.ts";
import type { PointId } from "../base/point_id.ts";
import type { RejectionMotiveCode } from "../base/rejection.ts";
import { incrementNonceInPlace } from "../crypto/nonce.ts";
import type { AppCodec } from "../encoding/app_codec.ts";
import type { ConnectionInfo } from "./connection_info.ts";
import { chunkContentLength, encryptChunk } from "./chunk.ts";
import { codecError } from "./codec_error.ts";
import { type AcceptOptions, Connection, DEFAULT_QUEUE_SIZE, type Link } from "./connection.ts";
import { withDeadline } from "./deadline.ts";
import { isP2pError, P2pError } from "./errors.ts";
import { formatConnectionInfo } from "./format.ts";
import type { VersionSelection } from "./version.ts";

// Written by authenticatedConnection, taken (once) by accept, nack and close.
const links = new WeakMap<object, Link>();

/**
 * A connection that passed authentication but is not accepted yet (Octez
 * `P2p_socket.authenticated_connection`). Answer it exactly once, with {@link accept} or
 * {@link nack}, or drop it with {@link AuthenticatedConnection.close}.
 *
 * @typeParam Meta The connection metadata type.
 */
export class AuthenticatedConnection<Meta = ConnectionMetadata> {
  /** What is known about the remote. */
  readonly info: ConnectionInfo<Meta>;

  /**
   * Wraps what a handshake learnt. Only `authenticate` builds answerable ones; one built here
   * has no socket, and {@link accept} and {@link nack} refuse it.
   *
   * @param info What is known about the remote.
   */
  constructor(info: ConnectionInfo<Meta>) {
    this.info = info;
  }

  /** The remote peer id. */
  get peerId(): Uint8Array {
    return this.info.peerId;
  }

  /** The version selected for this connection, or the motive to refuse it with. */
  get version(): VersionSelection {
    return this.info.versionSelection;
  }

  /** The remote's metadata. */
  get remoteMetadata(): Meta {
    return this.info.remoteMetadata;
  }

  /** Closes the socket without sending Ack or Nack (e.g. for a banned peer). */
  close(): void {
    links.get(this)?.transport.close();
    links.delete(this);
  }

  /**
   * One line in the words of Octez `P2p_connection.Info.pp`, e.g.
   * `AuthenticatedConnection(incoming id… 127.0.0.1:9732 TEZOS_MAINNET.2 (p2p: 1))`.
   *
   * @returns The text.
   */
  toString(): string {
    return `AuthenticatedConnection(${formatConnectionInfo(this.info)})`;
  }

  /**
   * What `Deno.inspect` and `console.log` show: {@link AuthenticatedConnection.toString}.
   *
   * @returns The text.
   */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}

/**
 * Builds the answerable connection `authenticate` returns (internal to this package).
 *
 * @param info What is known about the remote.
 * @param link Its socket, frame reader (channel set) and sending keys.
 * @returns The authenticated connection.
 */
export function authenticatedConnection<Meta>(
  info: ConnectionInfo<Meta>,
  link: Link,
): AuthenticatedConnection<Meta> {
  const auth = new AuthenticatedConnection(info);
  links.set(auth, link);
  return auth;
}

function takeLink(auth: AuthenticatedConnection<unknown>, op: string): Link {
  const link = links.get(auth);
  if (link === undefined) {
    throw new TypeError(
      `${op}: this authenticated connection was already accepted, nacked or closed`,
    );
  }
  links.delete(auth);
  return link;
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
  const link = takeLink(auth, "accept");
  const { transport, reader, channelKey, localNonce } = link;
  const ackFrame = encryptChunk(channelKey, localNonce, ACK_PLAINTEXT);
  incrementNonceInPlace(localNonce);
  try {
    await withDeadline(
      () =>
        transport.exchange(ackFrame, async () => {
          const plaintext = await transport.readUntil(reader, () => reader.chunk(), "Ack");
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
        { peerId: auth.info.peerId },
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
  return new Connection(auth.info, link, appCodec, {
    ...options,
    incomingQueueSize,
    outgoingQueueSize,
  });
}

/** Options of {@link nack}. */
export interface NackOptions {
  /** How long to wait for the remote to close after the Nack, in milliseconds (default 1 000). */
  readonly graceMs?: number;
}

/**
 * Refuses an authenticated connection (Octez `P2p_socket.nack`): sends a Nack with `motive` and
 * `alternativePoints` (or a bare Nack_v_0 when the remote announced P2P version 0), then closes.
 * Write errors are ignored.
 *
 * @param auth The connection to refuse; it cannot be used afterwards.
 * @param motive A `P2p_rejection` code (an int16, e.g. `RejectionMotive.TooManyConnections`).
 * @param alternativePoints At most 100 points the remote may try instead (Octez sends ≤ 50).
 * @param options Grace period before closing.
 * @throws {RangeError} When there are more than 100 points or `motive` is not an int16.
 * @throws {TypeError} When `auth` was already answered or closed.
 * @throws {P2pError} `encoding_error` when a point cannot be encoded (the socket is closed).
 */
export async function nack<Meta>(
  auth: AuthenticatedConnection<Meta>,
  motive: RejectionMotiveCode,
  alternativePoints: readonly PointId[] = [],
  options: NackOptions = {},
): Promise<void> {
  if (alternativePoints.length > 100) {
    throw new RangeError(`nack: at most 100 alternative points, got ${alternativePoints.length}`);
  }
  if (!Number.isInteger(motive) || motive < -0x8000 || motive > 0x7fff) {
    throw new RangeError(`nack: motive ${motive} is not an int16`);
  }
  const { transport, channelKey, localNonce } = takeLink(auth, "nack");
  const message: AckMessage = auth.info.announcedVersion.p2pVersion > 0
    ? { kind: "Nack", motive, alternativePoints }
    : { kind: "NackV0" };
  let frame: Uint8Array;
  try {
    frame = encryptChunk(channelKey, localNonce, encodeAckMessage(message));
  } catch (e) {
    transport.close();
    throw codecError(e, "Nack");
  }
  incrementNonceInPlace(localNonce);
  try {
    await transport.write(frame);
  } catch {
    // Octez ignores a failed Nack write: the connection is refused either way.
  }
  await transport.closeGracefully(options.graceMs ?? 1000);
}

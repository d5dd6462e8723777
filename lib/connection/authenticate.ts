/**
 * The first two steps of a connection (Octez `P2p_socket.authenticate`, spec §4–§8): both ends
 * write, then read, a clear connection message; each checks the other's proof of work, derives the
 * channel key and the two chunk nonces, then both exchange their metadata in one encrypted chunk
 * each. The third step, Ack or Nack, is `accept` (in `connection.ts`) or {@link nack}.
 *
 * ```text
 * connection message = len(2, BE) ‖ port(2) ‖ public key(32) ‖ PoW stamp(24) ‖ nonce(24) ‖ version
 * nonces             = derived from both whole frames, prefixes included (spec §6.2)
 * metadata chunk     = clen(2) ‖ tag(16) ‖ E(metadata)   (the application's MetadataCodec)
 * ```
 *
 * @module
 */

import {
  type AckMessage,
  type ConnectionMetadata,
  decodeConnectionMessage,
  encodeAckMessage,
  encodeConnectionMessage,
} from "../../gen/connection.ts";
import type { NetworkVersion } from "../../gen/base.ts";
import { makePointId, type PointId } from "../base/point_id.ts";
import type { RejectionMotiveCode } from "../base/rejection.ts";
import { channelKey, TAG_LENGTH } from "../crypto/box.ts";
import type { Identity } from "../crypto/identity.ts";
import { deriveNonces, incrementNonceInPlace, NONCE_LENGTH } from "../crypto/nonce.ts";
import { peerIdEquals, peerIdOfPublicKey, peerIdToString } from "../crypto/peer_id.ts";
import { checkProofOfWork } from "../crypto/proof_of_work.ts";
import { DecodeError, EncodeError } from "../encoding/errors.ts";
import {
  CHUNK_HEADER_LENGTH,
  encryptChunk,
  MAX_CHUNK_CONTENT_LENGTH,
  openChunkInPlace,
} from "./chunk.ts";
import { withDeadline } from "./deadline.ts";
import { P2pError } from "./errors.ts";
import { formatConnectionInfo } from "./format.ts";
import type { MetadataCodec } from "./metadata.ts";
import { type ByteStream, Transport } from "./transport.ts";
import {
  announcedVersion,
  selectVersion,
  type SupportedVersions,
  type VersionSelection,
} from "./version.ts";

/**
 * Options of {@link authenticate}.
 *
 * @typeParam Meta The connection metadata type (the shell's {@link ConnectionMetadata} by default).
 */
export interface AuthenticateOptions<Meta = ConnectionMetadata> {
  /** This node's identity. */
  readonly identity: Identity;
  /** The proof-of-work target the remote stamp must reach (`makePowTarget(26)` for Octez). */
  readonly powTarget: bigint;
  /** Whether the remote opened the TCP connection. */
  readonly incoming: boolean;
  /** The port this node advertises (its listening port); omitted or 0 means none. */
  readonly listeningPort?: number;
  /** The versions this node supports; it announces the greatest of each. */
  readonly versions: SupportedVersions;
  /** This node's metadata, sent to the remote. */
  readonly metadata: Meta;
  /** How metadata is encoded, decoded and read for the private flag (`shellMetadataCodec`, …). */
  readonly metadataCodec: MetadataCodec<Meta>;
  /**
   * The remote point: for an outgoing connection, the point dialled; for an incoming one, the
   * remote socket address. Taken from the stream's `remoteAddr` when omitted.
   */
  readonly remotePoint?: PointId;
  /** Time limit of the whole authentication, in milliseconds (Octez: 10 000 out, 5 000 in). */
  readonly timeoutMs?: number;
  /** Cancels the authentication; the error is then `canceled`. */
  readonly signal?: AbortSignal;
  /** The 24 random bytes of the connection message; fresh random bytes when omitted (tests only). */
  readonly messageNonce?: Uint8Array;
}

/**
 * What is known about an authenticated remote peer (Octez `P2p_connection.Info`).
 *
 * @typeParam Meta The connection metadata type.
 */
export interface ConnectionInfo<Meta = ConnectionMetadata> {
  /** Whether the remote opened the TCP connection. */
  readonly incoming: boolean;
  /** The remote peer id (16 bytes). */
  readonly peerId: Uint8Array;
  /** The version the remote announced. */
  readonly announcedVersion: NetworkVersion;
  /** The version selected from it, or why none could be (then answer with {@link nack}). */
  readonly versionSelection: VersionSelection;
  /** The remote IP address, when the stream is a socket or `remotePoint` was given. */
  readonly remoteAddress: string | undefined;
  /** The remote socket port, when known. */
  readonly remoteSocketPort: number | undefined;
  /**
   * Where the remote listens: the dialled point for an outgoing connection, the remote address
   * with the advertised port for an incoming one (`undefined` when it advertised none).
   */
  readonly remoteListeningPoint: PointId | undefined;
  /** The remote runs in private mode (`metadataCodec.privateNode` of its metadata). */
  readonly privateNode: boolean;
  /** The metadata this node sent. */
  readonly localMetadata: Meta;
  /** The metadata the remote sent. */
  readonly remoteMetadata: Meta;
}

/** Keys, nonces and socket of an authenticated connection, for accept and nack. */
export interface AuthState {
  /** The socket. */
  readonly transport: Transport;
  /** The channel key. */
  readonly channelKey: Uint8Array;
  /** Nonce of the next chunk to send (incremented in place). */
  readonly localNonce: Uint8Array;
  /** Nonce of the next chunk to receive (incremented in place). */
  readonly remoteNonce: Uint8Array;
  /** Set once the Ack exchange succeeded. */
  acked: boolean;
}

// The state stays out of the public object, so that only accept and nack can reach the keys.
const states = new WeakMap<object, AuthState>();
const answered = new WeakSet<object>();

/**
 * A connection that passed authentication but is not accepted yet (Octez
 * `P2p_socket.authenticated_connection`). Answer it exactly once, with `accept` or {@link nack},
 * or drop it with {@link AuthenticatedConnection.close}.
 *
 * @typeParam Meta The connection metadata type.
 */
export class AuthenticatedConnection<Meta = ConnectionMetadata> {
  /** What is known about the remote. */
  readonly info: ConnectionInfo<Meta>;

  /**
   * Wraps what a handshake learnt; only {@link authenticate} builds usable ones.
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
    states.get(this)?.transport.close();
    states.delete(this);
    answered.add(this);
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
 * Takes the keys and socket of `auth` for its one answer (Ack or Nack).
 *
 * @param auth The authenticated connection.
 * @param op The answer, for the error message.
 * @returns Its state; `auth` cannot be answered again.
 * @throws {TypeError} When `auth` was already answered or closed.
 */
export function takeAuthState(auth: AuthenticatedConnection<unknown>, op: string): AuthState {
  const state = states.get(auth);
  if (state === undefined || answered.has(auth)) {
    throw new TypeError(
      `${op}: this authenticated connection was already accepted, nacked or closed`,
    );
  }
  answered.add(auth);
  return state;
}

/**
 * Hands the state of an accepted connection over to its `Connection`, once.
 *
 * @param auth The authenticated connection, after a successful Ack exchange.
 * @returns Its state.
 * @throws {TypeError} When `auth` was not accepted, or was handed over already.
 */
export function releaseAckedState(auth: AuthenticatedConnection<unknown>): AuthState {
  const state = states.get(auth);
  if (state === undefined || !state.acked) {
    throw new TypeError("Connection: build connections with accept()");
  }
  states.delete(auth);
  return state;
}

/**
 * Reads one encrypted chunk with the next remote nonce and returns its plaintext, a view into the
 * transport buffer that is valid until the next read.
 *
 * @param transport The socket.
 * @param key The channel key.
 * @param remoteNonce Nonce of the chunk; incremented, even when authentication fails.
 * @param what What is being read, for error messages.
 * @returns The plaintext.
 * @throws {P2pError} `connection_closed`, `invalid_incoming_ciphertext_size` or `decipher_error`.
 */
export async function readOneChunk(
  transport: Transport,
  key: Uint8Array,
  remoteNonce: Uint8Array,
  what: string,
): Promise<Uint8Array> {
  await transport.ensure(CHUNK_HEADER_LENGTH, what);
  const b = transport.buf;
  const clen = (b[transport.start] << 8) | b[transport.start + 1];
  if (clen < TAG_LENGTH) {
    throw new P2pError(
      "invalid_incoming_ciphertext_size",
      `${what}: chunk of ${clen} bytes is shorter than a tag`,
      { value: clen },
    );
  }
  await transport.ensure(CHUNK_HEADER_LENGTH + clen, what);
  const at = transport.consume(CHUNK_HEADER_LENGTH + clen) + CHUNK_HEADER_LENGTH;
  const box = transport.buf.subarray(at, at + clen);
  try {
    return openChunkInPlace(key, remoteNonce, box);
  } finally {
    incrementNonceInPlace(remoteNonce);
  }
}

/**
 * Writes `frame` and, at the same time, runs `read`: both ends of a handshake write before they
 * read, so neither waits for the other. The read's outcome wins: a remote that refuses us and
 * closes makes our write fail too, but what it sent before closing is the better error.
 *
 * @param transport The socket.
 * @param frame What to write.
 * @param read The matching read.
 * @returns What `read` returns.
 * @throws What `read` throws, else the write's `connection_closed`.
 */
export async function exchange<T>(
  transport: Transport,
  frame: Uint8Array,
  read: () => Promise<T>,
): Promise<T> {
  const written = transport.write(frame).then(() => undefined, (e: unknown) => e);
  const result = await read();
  const writeError = await written;
  if (writeError !== undefined) throw writeError;
  return result;
}

/**
 * The error to throw for `e`, caught while decoding or encoding `what`: a codec error becomes a
 * `decoding_error` (or `encoding_error`) carrying it; anything else is returned as it is.
 *
 * @param e The caught error.
 * @param what What was being decoded or encoded.
 * @returns The error to throw.
 */
export function codecError(e: unknown, what: string): unknown {
  if (e instanceof DecodeError) {
    return new P2pError("decoding_error", `malformed ${what}: ${e.message}`, { codecError: e }, {
      cause: e,
    });
  }
  if (e instanceof EncodeError) {
    return new P2pError("encoding_error", `cannot encode ${what}: ${e.message}`, {
      codecError: e,
    }, { cause: e });
  }
  return e;
}

function checkOptions<Meta>(options: AuthenticateOptions<Meta>): void {
  const { identity, powTarget, listeningPort, messageNonce, metadataCodec } = options;
  if (identity?.publicKey?.length !== 32 || identity.secretKey?.length !== 32) {
    throw new TypeError("authenticate: identity needs 32-byte public and secret keys");
  }
  if (identity.proofOfWorkStamp?.length !== 24 || identity.peerId?.length !== 16) {
    throw new TypeError("authenticate: identity needs a 24-byte stamp and a 16-byte peer id");
  }
  if (typeof powTarget !== "bigint" || powTarget < 0n) {
    throw new TypeError("authenticate: powTarget must be a non-negative bigint (makePowTarget)");
  }
  if (
    listeningPort !== undefined &&
    !(Number.isInteger(listeningPort) && listeningPort >= 0 && listeningPort <= 0xffff)
  ) {
    throw new RangeError(`authenticate: listeningPort ${listeningPort} is not a port`);
  }
  if (messageNonce !== undefined && messageNonce.length !== NONCE_LENGTH) {
    throw new RangeError(`authenticate: messageNonce must be ${NONCE_LENGTH} bytes`);
  }
  if (
    typeof metadataCodec?.encode !== "function" || typeof metadataCodec.decode !== "function" ||
    typeof metadataCodec.privateNode !== "function"
  ) {
    throw new TypeError("authenticate: metadataCodec is required (e.g. shellMetadataCodec)");
  }
}

/**
 * Decodes the remote's metadata. Whatever the codec throws (a `DecodeError` from a generated
 * codec, anything from an application's own) is a `decoding_error`: Octez turns every read
 * failure of `conn_meta_encoding`, trailing bytes included, into `Decoding_error`
 * (src/lib_p2p/p2p_socket.ml 273-287).
 */
function decodeMetadata<Meta>(codec: MetadataCodec<Meta>, plaintext: Uint8Array): Meta {
  try {
    return codec.decode(plaintext);
  } catch (e) {
    const error = codecError(e, `${codec.name} metadata`);
    if (error instanceof P2pError) throw error;
    throw new P2pError(
      "decoding_error",
      `malformed ${codec.name} metadata: ${e instanceof Error ? e.message : String(e)}`,
      {},
      { cause: e },
    );
  }
}

function pointOf(addr: string | undefined, port: number | undefined): PointId | undefined {
  if (addr === undefined || port === undefined) return undefined;
  try {
    return makePointId(addr, port);
  } catch {
    return undefined;
  }
}

/**
 * Authenticates the remote end of `stream`: connection messages, proof-of-work check, channel key
 * and nonces, metadata, self-connection check, version selection. On failure the stream is closed.
 *
 * @param stream The byte stream (e.g. a `Deno.Conn`); this function takes hold of it.
 * @param options Identity, PoW target, direction, versions, metadata and its codec, limits.
 * @returns The authenticated, not yet accepted, connection.
 * @throws {P2pError} `not_enough_proof_of_work`, `myself`, `connection_closed`, `decipher_error`,
 * `decoding_error` (including metadata the codec rejects), `invalid_incoming_ciphertext_size`,
 * `invalid_auth` (the remote key is a low-order point), `encoding_error` (our chain name is too
 * long, or our metadata cannot be encoded: then nothing is sent), `invalid_message_size` (our
 * metadata does not fit one chunk: nothing is sent), `timeout` or `canceled`.
 * @throws {TypeError | RangeError} On malformed options (nothing is sent).
 */
export async function authenticate<Meta = ConnectionMetadata>(
  stream: ByteStream,
  options: AuthenticateOptions<Meta>,
): Promise<AuthenticatedConnection<Meta>> {
  checkOptions(options);
  const announced = announcedVersion(options.versions);
  const transport = new Transport(stream);
  try {
    return await withDeadline(() => handshake(transport, options, announced), {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      what: "authentication",
      onExpire: () => transport.close(),
    });
  } catch (e) {
    transport.close();
    throw e;
  }
}

async function handshake<Meta>(
  transport: Transport,
  options: AuthenticateOptions<Meta>,
  announced: NetworkVersion,
): Promise<AuthenticatedConnection<Meta>> {
  const { identity, incoming, metadata, metadataCodec } = options;
  // Encoded before anything is sent, so that metadata we cannot encode sends nothing (Octez
  // encodes it later, in Metadata.write, and fails with Encoding_error: same kind).
  let metadataBytes: Uint8Array;
  try {
    metadataBytes = metadataCodec.encode(metadata);
  } catch (e) {
    throw codecError(e, `${metadataCodec.name} metadata`);
  }
  if (metadataBytes.length > MAX_CHUNK_CONTENT_LENGTH) {
    // One chunk carries the metadata (Octez Crypto.write_chunk: Invalid_message_size).
    throw new P2pError(
      "invalid_message_size",
      `${metadataCodec.name} metadata of ${metadataBytes.length} bytes does not fit one chunk`,
      { value: metadataBytes.length, max: MAX_CHUNK_CONTENT_LENGTH },
    );
  }
  const remoteAddr = transport.remoteAddr;
  const socket = remoteAddr !== undefined && "hostname" in remoteAddr ? remoteAddr : undefined;
  const remoteAddress = options.remotePoint?.addr ?? pointOf(socket?.hostname, 0)?.addr;
  const remoteSocketPort = incoming
    ? (socket?.port ?? options.remotePoint?.port)
    : (options.remotePoint?.port ?? socket?.port);

  // Step 1: connection messages, in the clear. Both ends write first, then read.
  let sentFrame: Uint8Array;
  try {
    sentFrame = encodeConnectionMessage({
      port: options.listeningPort ?? 0,
      publicKey: identity.publicKey,
      proofOfWorkStamp: identity.proofOfWorkStamp,
      messageNonce: options.messageNonce ?? crypto.getRandomValues(new Uint8Array(NONCE_LENGTH)),
      version: announced,
    });
  } catch (e) {
    throw codecError(e, "connection message");
  }
  const recvFrame = await exchange(transport, sentFrame, async () => {
    await transport.ensure(2, "connection message");
    const b = transport.buf;
    const length = (b[transport.start] << 8) | b[transport.start + 1];
    await transport.ensure(2 + length, "connection message");
    const at = transport.consume(2 + length);
    // A copy: the frame feeds the nonces, and the decoded message views into it.
    return transport.buf.slice(at, at + 2 + length);
  });
  let remote;
  try {
    remote = decodeConnectionMessage(recvFrame);
  } catch (e) {
    throw codecError(e, "connection message");
  }
  const peerId = peerIdOfPublicKey(remote.publicKey);
  const remoteListeningPoint = incoming
    ? (remote.port === 0 ? undefined : pointOf(remoteAddress, remote.port))
    : (options.remotePoint ?? pointOf(remoteAddress, remoteSocketPort));
  const point = remoteListeningPoint ?? pointOf(remoteAddress, remoteSocketPort);
  if (!checkProofOfWork(remote.publicKey, remote.proofOfWorkStamp, options.powTarget)) {
    throw new P2pError(
      "not_enough_proof_of_work",
      `peer ${peerIdToString(peerId)} has not enough proof of work`,
      { peerId, point },
    );
  }
  let key: Uint8Array;
  try {
    key = channelKey(remote.publicKey, identity.secretKey);
  } catch (e) {
    throw new P2pError("invalid_auth", `peer ${peerIdToString(peerId)}: unusable public key`, {
      peerId,
      point,
    }, { cause: e });
  }
  const { localNonce, remoteNonce } = deriveNonces(sentFrame, recvFrame, incoming);

  // Step 2: metadata, one encrypted chunk each way.
  const metadataFrame = encryptChunk(key, localNonce, metadataBytes);
  incrementNonceInPlace(localNonce);
  const remoteMetadata = await exchange(transport, metadataFrame, async () => {
    const plaintext = await readOneChunk(transport, key, remoteNonce, "metadata");
    return decodeMetadata(metadataCodec, plaintext);
  });
  if (peerIdEquals(peerId, identity.peerId)) {
    throw new P2pError("myself", `connected to ourselves (${peerIdToString(peerId)})`, {
      peerId,
      point,
    });
  }
  const info: ConnectionInfo<Meta> = {
    incoming,
    peerId,
    announcedVersion: remote.version,
    versionSelection: selectVersion(options.versions, remote.version),
    remoteAddress,
    remoteSocketPort,
    remoteListeningPoint,
    privateNode: metadataCodec.privateNode(remoteMetadata),
    localMetadata: metadata,
    remoteMetadata,
  };
  const auth = new AuthenticatedConnection(info);
  states.set(auth, { transport, channelKey: key, localNonce, remoteNonce, acked: false });
  return auth;
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
  const { transport, channelKey: key, localNonce } = takeAuthState(auth, "nack");
  const message: AckMessage = auth.info.announcedVersion.p2pVersion > 0
    ? { kind: "Nack", motive, alternativePoints }
    : { kind: "NackV0" };
  let frame: Uint8Array;
  try {
    frame = encryptChunk(key, localNonce, encodeAckMessage(message));
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

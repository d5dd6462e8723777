/**
 * The first two steps of a connection (Octez `P2p_socket.authenticate`, spec §4–§8): both ends
 * write, then read, a clear connection message; each checks the other's proof of work, derives the
 * channel key and the two chunk nonces, then both exchange their metadata in one encrypted chunk
 * each. The third step, Ack or Nack, is `accept` or `nack` (in `answer.ts`). Every frame is read by
 * the connection's one `FrameReader`, which then carries on into the live connection.
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
  type ConnectionMetadata,
  decodeConnectionMessage,
  encodeConnectionMessage,
} from "../../gen/connection.ts";
import type { NetworkVersion } from "../../gen/base.ts";
import { makePointId, type PointId } from "../base/point_id.ts";
import { channelKey } from "../crypto/box.ts";
import type { Identity } from "../crypto/identity.ts";
import { deriveNonces, incrementNonceInPlace, NONCE_LENGTH } from "../crypto/nonce.ts";
import { peerIdEquals, peerIdOfPublicKey, peerIdToString } from "../crypto/peer_id.ts";
import { checkProofOfWork } from "../crypto/proof_of_work.ts";
import { type AuthenticatedConnection, authenticatedConnection } from "./answer.ts";
import { encryptChunk, MAX_CHUNK_CONTENT_LENGTH } from "./chunk.ts";
import { codecError } from "./codec_error.ts";
import { withDeadline } from "./deadline.ts";
import { P2pError } from "./errors.ts";
import { FrameReader } from "./frame_reader.ts";
import type { MetadataCodec } from "./metadata.ts";
import { type ByteStream, Transport } from "./transport.ts";
import type { ConnectionInfo } from "./connection_info.ts";
import { announcedVersion, selectVersion, type SupportedVersions } from "./version.ts";

export type { ConnectionInfo } from "./connection_info.ts";

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
  const socket = remoteAddr?.hostname !== undefined ? remoteAddr : undefined;
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
  const reader = new FrameReader();
  // A copy: the frame feeds the nonces, and the decoded message views into it.
  const recvFrame = await transport.exchange(
    sentFrame,
    () => transport.readUntil(reader, () => reader.connectionMessage(), "connection message"),
  );
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
  reader.setChannel(key, remoteNonce, peerId);

  // Step 2: metadata, one encrypted chunk each way.
  const metadataFrame = encryptChunk(key, localNonce, metadataBytes);
  incrementNonceInPlace(localNonce);
  const remoteMetadata = await transport.exchange(metadataFrame, async () => {
    const plaintext = await transport.readUntil(reader, () => reader.chunk(), "metadata");
    // A copy: the plaintext is a view of the frame reader's input, which goes back to a shared pool
    // once read, and an application codec's metadata may keep views of it.
    return decodeMetadata(metadataCodec, plaintext.slice());
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
  return authenticatedConnection(info, { transport, reader, channelKey: key, localNonce });
}

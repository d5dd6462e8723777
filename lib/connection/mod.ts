/**
 * Authenticated, encrypted connections between Tezos P2P peers (Octez `P2p_socket`), over any
 * byte stream: a `Deno.Conn` or an in-memory pipe.
 *
 * 1. {@link authenticate}: connection messages, proof-of-work check, channel key and nonces,
 *    metadata, self-connection check, version selection. The metadata's type and encoding are
 *    the application's, through a {@link MetadataCodec}: {@link shellMetadataCodec} for the
 *    Octez shell's {@link ConnectionMetadata}, {@link dalMetadataCodec} for the DAL node's
 *    {@link DalConnectionMetadata}.
 * 2. {@link accept} (Ack, then messages flow) or {@link nack} (refuse and close).
 * 3. {@link Connection}: `write` / `writeNow` / `writeSync`, `read` / `readNow`, `stat`, `close`,
 *    Web Streams views, `info`, `equal`, `privateNode`, and a one-line `toString`.
 *
 * ```ts
 * import { accept, authenticate, OCTEZ_MAINNET_VERSIONS, shellMetadataCodec } from "./mod.ts";
 * import { makePointId } from "../base/point_id.ts";
 * import { generateIdentitySync, makePowTarget, peerIdToString } from "../crypto/mod.ts";
 * import { rawAppCodec } from "../encoding/mod.ts";
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const { port } = listener.addr as Deno.NetAddr;
 * const common = {
 *   powTarget: makePowTarget(0),
 *   versions: OCTEZ_MAINNET_VERSIONS,
 *   metadata: { disableMempool: false, privateNode: false },
 *   metadataCodec: shellMetadataCodec,
 *   timeoutMs: 5_000,
 * };
 * const alice = generateIdentitySync(0);
 * const bob = generateIdentitySync(0);
 *
 * const [server, client] = await Promise.all([
 *   listener.accept().then((conn) =>
 *     authenticate(conn, { ...common, identity: bob, incoming: true })
 *   ).then((auth) => accept(auth, rawAppCodec)),
 *   Deno.connect({ hostname: "127.0.0.1", port }).then((conn) =>
 *     authenticate(conn, {
 *       ...common,
 *       identity: alice,
 *       incoming: false,
 *       remotePoint: makePointId("127.0.0.1", port),
 *     })
 *   ).then((auth) => accept(auth, rawAppCodec)),
 * ]);
 * listener.close();
 *
 * console.log(peerIdToString(server.peerId) === peerIdToString(alice.peerId)); // true
 * console.log(server.privateNode); // false
 * console.log(`${server}`); // "Connection(incoming id… 127.0.0.1:… TEZOS_MAINNET.2 (p2p: 1))"
 * await client.write({ kind: "Bootstrap" });
 * console.log((await server.read()).message.kind); // "Bootstrap"
 * await client.close();
 * await server.close();
 * ```
 *
 * @module
 */

export { authenticate, type AuthenticateOptions, type ConnectionInfo } from "./authenticate.ts";
export { accept, AuthenticatedConnection, nack, type NackOptions } from "./answer.ts";
export {
  type AcceptOptions,
  type CloseOptions,
  Connection,
  DEFAULT_QUEUE_SIZE,
  type ReceivedMessage,
} from "./connection.ts";
export {
  checkBinaryChunksSize,
  CHUNK_EXTRA_BYTES,
  chunkContentLength,
  encryptChunk,
  MAX_BINARY_CHUNKS_SIZE,
  MAX_CHUNK_CONTENT_LENGTH,
  MIN_BINARY_CHUNKS_SIZE,
} from "./chunk.ts";
export { isP2pError, P2pError, type P2pErrorDetails, type P2pErrorKind } from "./errors.ts";
export type { ConnectionMetadata, DalConnectionMetadata } from "../../gen/connection.ts";
export { dalMetadataCodec, type MetadataCodec, shellMetadataCodec } from "./metadata.ts";
export {
  P2P_ADDR_LENGTH,
  type P2pAddr,
  p2pAddrOfOctets,
  p2pAddrToOctets,
} from "../base/p2p_addr.ts";
export { decryptChunk, FrameReader } from "./frame_reader.ts";
export { MAX_P2P_MESSAGE_SIZE } from "./message_assembler.ts";
export { type P2pStat, RateMeter } from "./stat.ts";
export { connect, type ConnectOptions } from "./tcp.ts";
export type { ByteStream, RemoteAddress } from "./transport.ts";
export {
  announcedVersion,
  OCTEZ_MAINNET_VERSIONS,
  selectVersion,
  type SupportedVersions,
  type VersionSelection,
} from "./version.ts";

// Types this entry point's API uses, defined in other entry points: re-exported so that it documents
// itself on its own (`deno doc --lint lib/connection/mod.ts`).
export { type ErrorGuard, isTzError, TzError } from "../base/error.ts";
export type { PointId } from "../base/point_id.ts";
export type { RejectionMotiveCode } from "../base/rejection.ts";
export type { Identity } from "../crypto/identity.ts";
export type { NetworkVersion, PeerId, Point } from "../../gen/base.ts";
export type * from "../../gen/p2p_message.ts";
export type * from "../encoding/mod.ts";

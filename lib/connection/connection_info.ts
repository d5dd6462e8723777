/**
 * What the handshake learns about the remote peer (`ConnectionInfo`, Octez `P2p_connection.Info`):
 * made by `authenticate.ts`, kept by the connection (`answer.ts`, `connection.ts`) and printed by
 * `format.ts`, which all import it from here rather than from one another.
 *
 * @module
 */

import type { ConnectionMetadata } from "../../gen/connection.ts";
import type { NetworkVersion } from "../../gen/base.ts";
import type { PointId } from "../base/point_id.ts";
import type { VersionSelection } from "./version.ts";

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
  /** The version selected from it, or why none could be (then answer with `nack`). */
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

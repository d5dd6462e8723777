/**
 * Connection metadata codecs (Octez `P2p_params.conn_meta_config`): the application chooses what
 * both ends send each other, encrypted, right after the keys are agreed (`P2p_socket.Metadata`,
 * src/lib_p2p/p2p_socket.ml 242-287), and which of its fields says the remote is a private node.
 *
 * ```text
 * shell = disable_mempool(1) ‖ private_node(1)                                     e.g. 00 00
 * DAL   = [00 | FF ‖ len(4) = 16 ‖ addr(16)] ‖ [00 | FF ‖ port(2)] ‖ is_bootstrap_peer(1)
 *                                                                             e.g. 00 FF 2D D4 00
 * ```
 *
 * ```ts
 * import { dalMetadataCodec } from "./metadata.ts";
 *
 * const bytes = dalMetadataCodec.encode({ advertisedNetPort: 11732, isBootstrapPeer: false });
 * console.log(bytes); // Uint8Array(5) [ 0, 255, 45, 212, 0 ]
 * console.log(dalMetadataCodec.decode(bytes).advertisedNetPort); // 11732
 * ```
 *
 * @module
 */

import {
  type ConnectionMetadata,
  type DalConnectionMetadata,
  decodeConnectionMetadata,
  decodeDalConnectionMetadata,
  encodeConnectionMetadata,
  encodeDalConnectionMetadata,
} from "../../gen/connection.ts";

/** How a connection's metadata is encoded (Octez `P2p_params.conn_meta_config`). */
export interface MetadataCodec<Meta> {
  /** A short name for messages and tools, e.g. `"shell"` or `"dal"`. */
  readonly name: string;
  /**
   * The metadata's bytes, exactly what goes into the metadata chunk.
   *
   * @param metadata This node's metadata.
   * @returns Its encoding.
   * @throws {EncodeError} When `metadata` cannot be encoded.
   */
  encode(metadata: Meta): Uint8Array;
  /**
   * The metadata in `bytes`, which it must span exactly (Octez fails with `Extra_bytes` else).
   *
   * @param bytes The plaintext of the remote's metadata chunk.
   * @returns The metadata.
   * @throws {DecodeError} On malformed bytes, a wrong length or trailing bytes.
   */
  decode(bytes: Uint8Array): Meta;
  /**
   * Whether metadata received from a remote says it is a private node
   * (`conn_meta_config.private_node`).
   *
   * @param metadata The remote's metadata.
   * @returns `true` for a private node.
   */
  privateNode(metadata: Meta): boolean;
}

/**
 * The Octez shell's metadata (`Connection_metadata.t`); the private flag is its `private_node`
 * field (src/lib_shell/p2p_node.ml 42).
 */
export const shellMetadataCodec: MetadataCodec<ConnectionMetadata> = {
  name: "shell",
  encode: encodeConnectionMetadata,
  decode: decodeConnectionMetadata,
  privateNode: (metadata) => metadata.privateNode,
};

/**
 * The Octez DAL node's metadata (`Types.P2P.Metadata.Connection.t`); a DAL node is never a
 * private node (`private_node = fun _ -> false`, src/lib_dal_node_services/types.ml 678).
 */
export const dalMetadataCodec: MetadataCodec<DalConnectionMetadata> = {
  name: "dal",
  encode: encodeDalConnectionMetadata,
  decode: decodeDalConnectionMetadata,
  privateNode: () => false,
};

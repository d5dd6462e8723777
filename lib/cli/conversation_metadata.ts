/**
 * How `tzp2p decode` reads and prints a metadata chunk: a metadata codec of the connection layer
 * and the JSON fields of what it decodes, under the Octez JSON names of that metadata.
 *
 * ```text
 * shell  {"disable_mempool": false, "private_node": false}                  (Connection_metadata)
 * dal    {"advertised_net_port": 11732, "is_bootstrap_peer": false}          (DAL types.ml 655-680)
 *        absent optional fields are left out, as Octez's JSON encoding of an `opt` field does
 * ```
 *
 * @module
 */

import {
  type ConnectionMetadata,
  type DalConnectionMetadata,
  dalMetadataCodec,
  type MetadataCodec,
  shellMetadataCodec,
} from "../connection/mod.ts";
import type { DalMetadataFields, ShellMetadataFields } from "./conversation_item.ts";

/**
 * A metadata codec and the JSON fields of its values.
 *
 * @typeParam Meta The metadata type.
 */
export interface MetadataFormat<Meta> {
  /** Decodes the chunk's plaintext (its `name` is what `--metadata` takes). */
  readonly codec: MetadataCodec<Meta>;
  /**
   * The fields printed for `metadata`.
   *
   * @param metadata Decoded metadata.
   * @returns Its fields, snake_case.
   */
  fields(metadata: Meta): ShellMetadataFields | DalMetadataFields;
}

/** The Octez shell's metadata: `disable_mempool`, `private_node`. */
export const shellMetadataFormat: MetadataFormat<ConnectionMetadata> = {
  codec: shellMetadataCodec,
  fields: (m) => ({ disable_mempool: m.disableMempool, private_node: m.privateNode }),
};

/** The DAL node's metadata: `advertised_net_addr`?, `advertised_net_port`?, `is_bootstrap_peer`. */
export const dalMetadataFormat: MetadataFormat<DalConnectionMetadata> = {
  codec: dalMetadataCodec,
  fields: (m) => ({
    ...(m.advertisedNetAddr === undefined ? {} : { advertised_net_addr: m.advertisedNetAddr }),
    ...(m.advertisedNetPort === undefined ? {} : { advertised_net_port: m.advertisedNetPort }),
    is_bootstrap_peer: m.isBootstrapPeer,
  }),
};

/** The formats `tzp2p decode --metadata` accepts, by codec name. */
export const METADATA_FORMATS: ReadonlyMap<string, MetadataFormat<unknown>> = new Map<
  string,
  MetadataFormat<unknown>
>([
  [shellMetadataCodec.name, shellMetadataFormat as MetadataFormat<unknown>],
  [dalMetadataCodec.name, dalMetadataFormat as MetadataFormat<unknown>],
]);

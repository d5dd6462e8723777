/**
 * Base types shared by every wire message: points, peer ids and network versions.
 *
 * @module
 */

import {
  checkSize,
  conv,
  type Decl,
  declare,
  fixedBytes,
  obj,
  req,
  type SchemaFile,
  string,
  uint16,
} from "../lib/codegen/dsl.ts";

/**
 * `P2p_point.Id`: a point travels as its text (`1.2.3.4:9732`, `[2001:db8::1]:9732`), at most 47
 * bytes: `check_size 51` counts the 4-byte length prefix too.
 */
export const Point: Decl = declare(
  "Point",
  "A network point (`P2p_point.Id`), on the wire as its text form (at most 47 bytes).",
  conv(checkSize(51, string()), {
    tsType: "PointId",
    module: "lib/base/point_id.ts",
    encode: "pointIdToString",
    decode: "parsePointId",
    decodeAscii: "pointIdFromAscii",
    encodesAscii: true,
    errorKind: "invalid_point",
  }),
);

/** `P2p_peer.Id`: the 16-byte BLAKE2b-128 hash of the peer's public key, no prefix. */
export const PeerId: Decl = declare(
  "PeerId",
  "A peer id (`P2p_peer.Id`): BLAKE2b-128 of the peer's public key, 16 raw bytes.",
  fixedBytes(16),
);

/** `Network_version`: the chain name and the two protocol versions a node announces. */
export const NetworkVersion: Decl = declare(
  "NetworkVersion",
  "The network version a node announces (`Network_version.t`).",
  obj(
    req("chainName", string(), "Chain name, e.g. `TEZOS_MAINNET`."),
    req("distributedDbVersion", uint16(), "Distributed DB (application) protocol version."),
    req("p2pVersion", uint16(), "P2P protocol version."),
  ),
);

/** The declarations of this file and where they are generated. */
export const schemaFile: SchemaFile = {
  source: "schema/base.ts",
  output: "gen/base.ts",
  doc: "Codecs of the base wire types: points, peer ids, network versions.",
  decls: [Point, PeerId, NetworkVersion],
};

/**
 * The messages of the connection handshake (`P2p_socket`): the clear-text connection message, the
 * encrypted metadata and the Ack / Nack that accepts or refuses the connection.
 *
 * @module
 */

import {
  bool,
  bytes,
  conv,
  type Decl,
  declare,
  dynamicSize,
  fixedBytes,
  int16,
  list,
  obj,
  opt,
  ref,
  req,
  type SchemaFile,
  tagged,
  uint16,
  union,
} from "../lib/codegen/dsl.ts";
import { NetworkVersion, Point } from "./base.ts";

/** The first message of a connection, sent in clear with its 2-byte length prefix. */
export const ConnectionMessage: Decl = declare(
  "ConnectionMessage",
  "The first, unencrypted message of a connection, framed by its 2-byte length.\n" +
    "The whole frame (prefix included) feeds the nonce derivation.",
  dynamicSize(
    obj(
      req("port", uint16(), "Advertised listening port; 0 when none."),
      req("publicKey", fixedBytes(32), "The sender's X25519 public key."),
      req("proofOfWorkStamp", fixedBytes(24), "Proof-of-work stamp for the public key."),
      req("messageNonce", fixedBytes(24), "Random bytes making the frame unique."),
      req("version", ref(NetworkVersion), "The announced network version."),
    ),
    2,
  ),
);

/** `Connection_metadata.t` of the Octez shell. */
export const ConnectionMetadata: Decl = declare(
  "ConnectionMetadata",
  "Connection metadata of the Octez shell, exchanged encrypted right after the keys.",
  obj(
    req("disableMempool", bool(), "The peer promises not to send mempool content."),
    req("privateNode", bool(), "The peer runs in private mode."),
  ),
);

/**
 * `Types.P2P.Metadata.Connection.t` of the DAL node (Octez src/lib_dal_node_services/types.ml
 * 655-680): `obj3 (opt "advertised_net_addr" P2p_addr.encoding) (opt "advertised_net_port"
 * uint16) (req "is_bootstrap_peer" bool)`. An `opt` field of an `obj` is one presence byte
 * (`0x00` absent, `0xFF` present; any non-zero reads as present) then the value; `P2p_addr` is
 * `conv Ipaddr.V6.to_octets Ipaddr.V6.of_octets_exn string` (src/lib_base/p2p_addr.ml 28-34),
 * so a 4-byte length (16) then the 16 address bytes, IPv4 as IPv4-mapped IPv6.
 *
 * ```text
 * metadata = [00 | FF ‖ len(4) = 16 ‖ addr(16)] ‖ [00 | FF ‖ port(2, BE)] ‖ is_bootstrap_peer(1)
 * e.g.       00 FF 2D D4 00 = no address, port 11732, not a bootstrap peer (5 bytes)
 * ```
 */
export const DalConnectionMetadata: Decl = declare(
  "DalConnectionMetadata",
  "Connection metadata of the Octez DAL node, exchanged encrypted right after the keys.",
  obj(
    opt(
      "advertisedNetAddr",
      conv(bytes(), {
        tsType: "P2pAddr",
        module: "lib/base/p2p_addr.ts",
        encode: "p2pAddrToOctets",
        decode: "p2pAddrOfOctets",
        errorKind: "invalid_conversion",
      }),
      "Public address the peer can be reached at (16 bytes on the wire, IPv4 as IPv4-mapped).",
    ),
    opt("advertisedNetPort", uint16(), "Port the peer can be reached at."),
    req("isBootstrapPeer", bool(), "The peer runs with the bootstrap profile."),
  ),
);

/** The third handshake message. */
export const AckMessage: Decl = declare(
  "AckMessage",
  "Accepts (`Ack`) or refuses (`Nack`, `NackV0`) a connection.",
  union(1, [
    tagged(0x00, "Ack", [], "The connection is accepted."),
    tagged(
      0x01,
      "Nack",
      [
        req("motive", int16(), "`P2p_rejection` code; unknown codes are kept as they are."),
        req(
          "alternativePoints",
          list(ref(Point), 100),
          "Points to try instead (at most 100 decode; Octez sends at most 50).",
        ),
      ],
      "The connection is refused, with a motive and alternative points (p2p version > 0).",
    ),
    tagged(0xff, "NackV0", [], "The connection is refused (p2p version 0 form)."),
  ]),
);

/** The declarations of this file and where they are generated. */
export const schemaFile: SchemaFile = {
  source: "schema/connection.ts",
  output: "gen/connection.ts",
  doc: "Codecs of the handshake messages: connection message, metadata (shell, DAL), Ack/Nack.",
  decls: [ConnectionMessage, ConnectionMetadata, DalConnectionMetadata, AckMessage],
};

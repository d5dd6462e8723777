/**
 * The messages of the connection handshake (`P2p_socket`): the clear-text connection message, the
 * encrypted metadata and the Ack / Nack that accepts or refuses the connection.
 *
 * @module
 */

import {
  bool,
  type Decl,
  declare,
  dynamicSize,
  fixedBytes,
  int16,
  list,
  obj,
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
  doc: "Codecs of the handshake messages: connection message, metadata, Ack/Nack.",
  decls: [ConnectionMessage, ConnectionMetadata, AckMessage],
};

/**
 * `P2p_message.t`: the envelope of every message after the handshake, generic over the application
 * messages plugged into it by tag.
 *
 * @module
 */

import {
  checkSize,
  type Decl,
  declare,
  dynamicSize,
  ref,
  req,
  type SchemaFile,
  size,
  tagged,
  union,
  variableList,
} from "../lib/codegen/dsl.ts";
import { PeerId, Point } from "./base.ts";

/** The P2P envelope: `check_size (100 MiB) (dynamic_size (union u16 …))`. */
export const P2pMessage: Decl = declare(
  "P2pMessage",
  "A P2P-layer message: peer discovery and swapping, or an application message (`Message`).\n" +
    "On the wire: 4-byte length (at most 100 MiB - 4), 2-byte tag, body.",
  checkSize(
    size("100 * 1024 * 1024"),
    dynamicSize(
      union(2, [
        tagged(0x01, "Disconnect", [], "Ending of the connection (Octez never sends it)."),
        tagged(0x02, "Bootstrap", [], "Asks for known points; answered with `Advertise`."),
        tagged(
          0x03,
          "Advertise",
          [req("points", variableList(ref(Point), 100), "Known points (at most 100).")],
          "Known points, in answer to `Bootstrap`.",
        ),
        tagged(
          0x04,
          "SwapRequest",
          [
            req("point", ref(Point), "The proposed point."),
            req("peerId", ref(PeerId), "The proposed peer."),
          ],
          "Proposes a connection swap.",
        ),
        tagged(
          0x05,
          "SwapAck",
          [
            req("point", ref(Point), "The point proposed in exchange."),
            req("peerId", ref(PeerId), "The peer proposed in exchange."),
          ],
          "Accepts a swap.",
        ),
      ], { appCase: "Message" }),
    ),
  ),
);

/** The declarations of this file and where they are generated. */
export const schemaFile: SchemaFile = {
  source: "schema/p2p_message.ts",
  output: "gen/p2p_message.ts",
  doc: "Codecs of the P2P message envelope (`P2p_message`).",
  decls: [P2pMessage],
};

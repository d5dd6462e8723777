/**
 * tzp2p: the Tezos (Octez) peer-to-peer layer in TypeScript, byte-for-byte interoperable with
 * Octez nodes.
 *
 * This entry point re-exports the generated wire codecs (connection message, metadata, Ack/Nack,
 * the P2P envelope, gossipsub messages, the shell's distributed-db messages with their Octez JSON
 * form), the codec runtime they run on, and the base types (points, rejection motives). Sub-modules: `@tzp2p/tzp2p/encoding` (codec runtime),
 * `@tzp2p/tzp2p/codegen` (schema language and generator).
 *
 * ```ts
 * import { decodeP2pMessage, encodeP2pMessage, parsePointId, rawAppCodec, toHex } from "./mod.ts";
 *
 * const bytes = encodeP2pMessage(
 *   { kind: "Advertise", points: [parsePointId("1.2.3.4:9732"), parsePointId("[::1]:9733")] },
 *   rawAppCodec,
 * );
 * console.log(toHex(bytes));
 * const back = decodeP2pMessage(bytes, rawAppCodec);
 * console.log(back.kind); // "Advertise"
 * ```
 *
 * @module
 */

export * from "./gen/base.ts";
export * from "./gen/connection.ts";
export * from "./gen/p2p_message.ts";
export * from "./gen/gossipsub.ts";
export * from "./gen/shell.ts";
export * from "./lib/encoding/shell_json.ts";
export * from "./lib/encoding/mod.ts";
export * from "./lib/base/point_id.ts";
export * from "./lib/base/rejection.ts";
export type { P2pAddr } from "./lib/base/p2p_addr.ts";

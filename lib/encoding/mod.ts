/**
 * The small runtime that generated codecs call: a bounded {@link Reader}, an exact-size
 * {@link Writer}, the {@link DecodeError} / {@link EncodeError} classes and the
 * {@link AppCodec} plug-in point of the P2P envelope.
 *
 * ```ts
 * import { DecodeError, Reader } from "./mod.ts";
 *
 * const r = new Reader(new Uint8Array([0x00, 0x00, 0x00, 0x09]));
 * try {
 *   r.openRegion(r.u30()); // announces 9 bytes, none follow
 * } catch (e) {
 *   if (e instanceof DecodeError) console.log(e.kind); // "not_enough_data"
 * }
 * ```
 *
 * @module
 */

export * from "./errors.ts";
export * from "./reader.ts";
export * from "./writer.ts";
export * from "./app_codec.ts";
export * from "./hex.ts";

/**
 * How codec failures surface at the connection layer: as `P2pError`s carrying the codec's error
 * (Octez wraps every read failure as `Decoding_error`, src/lib_p2p/p2p_socket.ml 225-231).
 *
 * @module
 */

import { DecodeError, EncodeError } from "../encoding/errors.ts";
import { P2pError } from "./errors.ts";

/**
 * The error to throw for `e`, caught while decoding or encoding `what`: a codec error becomes a
 * `decoding_error` (or `encoding_error`) carrying it; anything else is returned as it is.
 *
 * @param e The caught error.
 * @param what What was being decoded or encoded.
 * @returns The error to throw.
 */
export function codecError(e: unknown, what: string): unknown {
  if (e instanceof DecodeError) {
    return new P2pError("decoding_error", `malformed ${what}: ${e.message}`, { codecError: e }, {
      cause: e,
    });
  }
  if (e instanceof EncodeError) {
    return new P2pError("encoding_error", `cannot encode ${what}: ${e.message}`, {
      codecError: e,
    }, { cause: e });
  }
  return e;
}

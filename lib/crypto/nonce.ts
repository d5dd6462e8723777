/**
 * Chunk nonces: derivation from the two connection-message frames (spec §6.2) and the per-chunk
 * increment (spec §6.3).
 *
 * @module
 */

import { cryptoBackend } from "./backend.ts";

/** Bytes in a nonce. */
export const NONCE_LENGTH = 24;

const INIT_TO_RESP = new TextEncoder().encode("Init -> Resp");
const RESP_TO_INIT = new TextEncoder().encode("Resp -> Init");

/** The nonces of the first chunk each way. */
export interface Nonces {
  /** Nonce of the first chunk this node sends. */
  readonly localNonce: Uint8Array;
  /** Nonce of the first chunk this node receives. */
  readonly remoteNonce: Uint8Array;
}

/**
 * Derives the two first-chunk nonces of a connection (Octez `Crypto_box.generate_nonces`):
 *
 * ```text
 * (init, resp) = incoming ? (recv, sent) : (sent, recv)     // init = frame of the TCP initiator
 * n_i2r = first24(H256(init ‖ resp ‖ "Init -> Resp"))
 * n_r2i = first24(H256(init ‖ resp ‖ "Resp -> Init"))
 * incoming: local = n_i2r, remote = n_r2i;  outgoing: local = n_r2i, remote = n_i2r
 * ```
 *
 * (the initiator sends with the "Resp -> Init" nonce: the labels are the other way round).
 *
 * @param sentFrame The whole connection-message frame this node wrote, 2-byte length included.
 * @param recvFrame The whole connection-message frame it read, 2-byte length included.
 * @param incoming Whether the remote peer opened the TCP connection.
 * @returns The local and remote nonces (fresh arrays).
 */
export function deriveNonces(
  sentFrame: Uint8Array,
  recvFrame: Uint8Array,
  incoming: boolean,
): Nonces {
  const [init, resp] = incoming ? [recvFrame, sentFrame] : [sentFrame, recvFrame];
  // One buffer init ‖ resp ‖ label for the backend's one-shot BLAKE2b; the labels are 12 bytes.
  const input = new Uint8Array(init.length + resp.length + INIT_TO_RESP.length);
  input.set(init, 0);
  input.set(resp, init.length);
  const hash = new Uint8Array(32);
  const nonce = (label: Uint8Array) => {
    input.set(label, init.length + resp.length);
    cryptoBackend().blake2b256(hash, input);
    return hash.slice(0, NONCE_LENGTH);
  };
  const initToResp = nonce(INIT_TO_RESP);
  const respToInit = nonce(RESP_TO_INIT);
  return incoming
    ? { localNonce: initToResp, remoteNonce: respToInit }
    : { localNonce: respToInit, remoteNonce: initToResp };
}

/**
 * Adds one to a nonce in place, as a 192-bit big-endian integer modulo 2^192 (`ff…ff` + 1 =
 * `00…00`).
 *
 * @param nonce 24 bytes, modified.
 * @throws {RangeError} When `nonce` is not 24 bytes.
 */
export function incrementNonceInPlace(nonce: Uint8Array): void {
  if (nonce.length !== NONCE_LENGTH) {
    throw new RangeError(`nonce must be ${NONCE_LENGTH} bytes, got ${nonce.length}`);
  }
  for (let i = NONCE_LENGTH - 1; i >= 0; i--) {
    const b = (nonce[i] + 1) & 0xff;
    nonce[i] = b;
    if (b !== 0) return;
  }
}

/**
 * The nonce after `nonce` (see {@link incrementNonceInPlace}).
 *
 * @param nonce 24 bytes, left unchanged.
 * @returns A fresh incremented copy.
 * @throws {RangeError} When `nonce` is not 24 bytes.
 */
export function incrementNonce(nonce: Uint8Array): Uint8Array {
  const next = nonce.slice();
  incrementNonceInPlace(next);
  return next;
}

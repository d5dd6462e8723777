/**
 * `P2p_addr.t` (an `Ipaddr.V6.t`) in its binary form, for the DAL connection metadata: the 16
 * raw bytes of the IPv6 address, IPv4 addresses being IPv4-mapped (`::ffff:a.b.c.d`). In
 * TypeScript an address is its canonical text, as in `PointId.addr`: a dotted quad for an
 * IPv4-mapped address, RFC 5952 otherwise.
 *
 * ```text
 * P2p_addr (binary) = len(4, BE) = 16 ‖ address(16)      (Octez src/lib_base/p2p_addr.ml 28-34)
 * ```
 *
 * @module
 */

import { makePointId, pointIdAddressBytes } from "./point_id.ts";

/** An IP address in canonical text (`PointId.addr` form): `1.2.3.4` or `2001:db8::1`. */
export type P2pAddr = string;

/** Length of an address in bytes (`Ipaddr.V6.to_octets`). */
export const P2P_ADDR_LENGTH = 16;

/**
 * The 16 bytes of an address (`Ipaddr.V6.to_octets`; IPv4 becomes IPv4-mapped).
 *
 * @param addr IPv4 or IPv6 text, brackets optional.
 * @returns The 16 bytes.
 * @throws {PointIdError} When `addr` is not an IP address.
 */
export function p2pAddrToOctets(addr: P2pAddr): Uint8Array {
  return pointIdAddressBytes(makePointId(addr, 0));
}

/**
 * The canonical text of the address in the first 16 of `bytes` (`Ipaddr.V6.of_octets_exn`).
 * Like ocaml-ipaddr, bytes beyond the 16th are ignored: `of_octets_exn` only fails when fewer
 * than 16 are given (it reads `String.sub bs 0 16`), so Octez accepts a longer string too.
 *
 * @param bytes At least 16 bytes.
 * @returns The canonical text.
 * @throws {RangeError} When fewer than 16 bytes are given.
 */
export function p2pAddrOfOctets(bytes: Uint8Array): P2pAddr {
  if (bytes.length < P2P_ADDR_LENGTH) {
    throw new RangeError(`an address needs ${P2P_ADDR_LENGTH} bytes, got ${bytes.length}`);
  }
  // Full uncompressed text; makePointId puts it in canonical form (dotted quad for ::ffff:0:0/96).
  let text = "";
  for (let i = 0; i < P2P_ADDR_LENGTH; i += 2) {
    if (i > 0) text += ":";
    text += ((bytes[i] << 8) | bytes[i + 1]).toString(16);
  }
  return makePointId(text, 0).addr;
}

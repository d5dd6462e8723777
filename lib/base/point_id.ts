/**
 * `P2p_point.Id`: a network point (IPv6 address, port) and its text form, which is what travels on
 * the wire. IPv4 addresses are IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) printed as dotted
 * quads; every other address prints as `[v6]:port` in RFC 5952 form, exactly as Octez (through
 * ocaml-ipaddr) prints it.
 *
 * ```ts
 * import { parsePointId, pointIdToString } from "./point_id.ts";
 *
 * const p = parsePointId("[2001:DB8:0:0::1]:80");
 * console.log(p.addr, p.port); // "2001:db8::1" 80
 * console.log(pointIdToString(p)); // "[2001:db8::1]:80"
 * ```
 *
 * @module
 */

import { TzError } from "./error.ts";

/** A point. `addr` is canonical: a dotted quad for IPv4(-mapped) addresses, RFC 5952 otherwise. */
export interface PointId {
  /** Canonical address text, without brackets. */
  readonly addr: string;
  /** TCP port, 0..65535. */
  readonly port: number;
}

/** Why a point was refused: one kind, the text is not a point. */
export type PointIdErrorKind =
  /** Not `addr:port[#peer_id]`, not an IP address, or a port outside [0, 65535]. */
  "invalid_point";

/** Structured context of a {@link PointIdError}. */
export interface PointIdErrorDetails {
  /** The rejected text (whole, even when the message shortens it). */
  readonly text: string;
}

/** Thrown by {@link parsePointId}, {@link makePointId} and their kin on text that is not a point. */
export class PointIdError extends TzError<PointIdErrorKind, PointIdErrorDetails> {
  /** Always `"PointIdError"`. */
  override readonly name = "PointIdError";

  /**
   * Creates a point error.
   *
   * @param kind What went wrong.
   * @param message A human-readable explanation.
   * @param details The rejected text.
   * @param options Standard error options (`cause`).
   */
  constructor(
    kind: PointIdErrorKind,
    message: string,
    details: PointIdErrorDetails,
    options?: ErrorOptions,
  ) {
    super(kind, message, details, options);
  }

  /** The rejected text (`details.text`). */
  get text(): string {
    return this.details.text;
  }
}

/**
 * Whether `value` is a {@link PointIdError}, optionally of one given kind.
 *
 * @param value Anything caught.
 * @param kind When given, also require this kind.
 * @returns `true` when `value` is a `PointIdError` (of `kind`, if given).
 */
export function isPointIdError(value: unknown, kind?: PointIdErrorKind): value is PointIdError {
  return value instanceof PointIdError && (kind === undefined || value.kind === kind);
}

/** The `invalid_point` error for `text`; the message quotes at most 80 characters of it. */
function invalidPoint(text: string, reason: string): PointIdError {
  const shown = JSON.stringify(text.length > 80 ? text.slice(0, 80) + "…" : text);
  return new PointIdError("invalid_point", `invalid point ${shown}: ${reason}`, { text });
}

// Address parsing works on char codes into a scratch array: a regex-and-split parser cost about
// 2 µs a point, which made decoding an Advertise of 100 points 25x slower than protobuf.
const scratch = new Uint16Array(8);

/** Parses a dotted quad in `s[from, to)` (no leading zeros, as ocaml-ipaddr); -1 if it is not one. */
function parseIpv4At(s: string, from: number, to: number): number {
  let value = 0;
  let parts = 0;
  let i = from;
  while (i < to) {
    const start = i;
    let octet = 0;
    while (i < to) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      octet = octet * 10 + (c - 48);
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || octet > 255) return -1;
    if (digits > 1 && s.charCodeAt(start) === 48) return -1;
    value = value * 256 + octet;
    parts++;
    if (i === to) break;
    if (s.charCodeAt(i) !== 46 || parts === 4) return -1;
    i++;
    if (i === to) return -1;
  }
  return parts === 4 ? value : -1;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Parses IPv6 text in `s[from, to)` into {@link scratch} (mixed `::ffff:1.2.3.4` forms allowed).
 * Returns false when it is not an IPv6 address.
 */
function parseIpv6At(s: string, from: number, to: number): boolean {
  if (to - from < 2 || to - from > 45) return false;
  let n = 0; // groups written
  let gap = -1; // index in scratch where "::" stands
  let i = from;
  if (s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
    if (i === to) {
      scratch.fill(0);
      return true;
    }
  }
  while (i < to) {
    if (n === 8) return false;
    const start = i;
    let group = 0;
    while (i < to && i - start < 5) {
      const d = hexDigit(s.charCodeAt(i));
      if (d < 0) break;
      group = (group << 4) | d;
      i++;
    }
    if (i < to && s.charCodeAt(i) === 46) {
      // Embedded IPv4 in the last 32 bits.
      if (n > 6) return false;
      const v4 = parseIpv4At(s, start, to);
      if (v4 < 0) return false;
      scratch[n++] = v4 >>> 16;
      scratch[n++] = v4 & 0xffff;
      i = to;
      break;
    }
    const digits = i - start;
    if (digits === 0 || digits > 4) return false;
    scratch[n++] = group;
    if (i === to) break;
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (s.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = n;
      i++;
    } else if (i === to) return false;
  }
  if (gap < 0) return n === 8;
  if (n > 7) return false;
  // Move the groups after the gap to the end and zero the gap.
  const tail = n - gap;
  for (let k = 0; k < tail; k++) scratch[7 - k] = scratch[n - 1 - k];
  for (let k = gap; k < 8 - tail; k++) scratch[k] = 0;
  return true;
}

/** Canonical text of the address in {@link scratch}: dotted quad if IPv4-mapped, else RFC 5952. */
function formatScratch(): string {
  const g = scratch;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `${g[6] >> 8}.${g[6] & 0xff}.${g[7] >> 8}.${g[7] & 0xff}`;
  }
  // Longest run (≥ 2) of zero groups becomes "::", the leftmost on ties.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += "::";
      i += bestLen - 1;
      continue;
    }
    if (out.length > 0 && !out.endsWith(":")) out += ":";
    out += g[i].toString(16);
  }
  return out;
}

/** Canonical text of an address given as IPv4 or IPv6 text in `s[from, to)`, or undefined. */
function canonicalAt(s: string, from: number, to: number): string | undefined {
  const v4 = parseIpv4At(s, from, to);
  if (v4 >= 0) return s.slice(from, to);
  return parseIpv6At(s, from, to) ? formatScratch() : undefined;
}

function canonicalAddr(addr: string): string | undefined {
  return canonicalAt(addr, 0, addr.length);
}

const validated = new WeakMap<PointId, string>();

/**
 * Builds a point from an address (IPv4 or IPv6 text, brackets optional) and a port.
 * @throws {PointIdError} when the address or port is invalid.
 */
export function makePointId(addr: string, port: number): PointId {
  const bare = addr.startsWith("[") && addr.endsWith("]") ? addr.slice(1, -1) : addr;
  const canonical = canonicalAddr(bare);
  if (canonical === undefined) throw invalidPoint(addr, "not an IP address");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw invalidPoint(`${addr}:${port}`, "port must be in [0, 65535]");
  }
  return { addr: canonical, port };
}

/**
 * Text form of a point, as Octez prints it: `a.b.c.d:port` or `[v6]:port`.
 * @throws {PointIdError} when `point` does not hold a valid address and port.
 */
export function pointIdToString(point: PointId): string {
  const cached = validated.get(point);
  if (cached !== undefined) return cached;
  const p = makePointId(point.addr, point.port);
  const text = p.addr.includes(":") ? `[${p.addr}]:${p.port}` : `${p.addr}:${p.port}`;
  if (typeof point === "object" && point !== null) validated.set(point, text);
  return text;
}

/** A point text split as Octez's point parser splits it: the point and the expected peer id. */
export interface AddrPortId {
  /** The point. */
  readonly point: PointId;
  /**
   * The text after `#`, unchecked beyond its characters (`[A-Za-z0-9]+`): whether it is a peer
   * id (base58check) is for `lib/crypto` to say (`parsePointIdWithPeerId`). `undefined` when the
   * text has no `#`.
   */
  readonly peerIdText: string | undefined;
}

/**
 * Parses the text form of a point as Octez does (`P2p_point.Id.parse_addr_port_id`,
 * src/lib_base/point_parser.mll 90-110): an address (dotted quad, bracketed IPv6, or domain-like
 * text that must still be an IP address), a required port, and an optional `#peer_id` suffix of
 * letters and digits, returned as text. Non-canonical IPv6 text is accepted; the point is canonical.
 *
 * This layer does not check that the suffix is a peer id (base58check is `lib/crypto`'s, which
 * depends on this one, not the reverse): `parsePointIdWithPeerId` of `lib/crypto/peer_id.ts` does,
 * and is what takes a point text from a user.
 *
 * @param text The point text.
 * @returns The point and the suffix text.
 * @throws {PointIdError} on anything else.
 */
export function parseAddrPortId(text: string): AddrPortId {
  let end = text.length;
  let peerIdText: string | undefined;
  const hash = text.indexOf("#");
  if (hash >= 0) {
    peerIdText = text.slice(hash + 1);
    // point_parser.mll 90: `peer_id = ['a'-'z' 'A'-'Z' '0'-'9']+`, then end of input.
    if (!/^[A-Za-z0-9]+$/.test(peerIdText)) throw invalidPoint(text, "bad peer id suffix");
    end = hash;
  }
  let addrFrom = 0;
  let addrTo: number;
  let portFrom: number;
  if (text.charCodeAt(0) === 91) { // "[v6]:port"
    const close = text.indexOf("]");
    if (close < 0 || close > end) throw invalidPoint(text, "missing ']'");
    addrFrom = 1;
    addrTo = close;
    if (close + 1 === end) throw invalidPoint(text, "no port");
    if (text.charCodeAt(close + 1) !== 58) throw invalidPoint(text, "expected ':' after ']'");
    portFrom = close + 2;
  } else {
    const colon = text.indexOf(":");
    if (colon < 0 || colon > end) throw invalidPoint(text, "no port");
    addrTo = colon;
    portFrom = colon + 1;
  }
  const digits = end - portFrom;
  if (digits === 0 || digits > 5) throw invalidPoint(text, "port must be in [0, 65535]");
  let port = 0;
  for (let i = portFrom; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) throw invalidPoint(text, "expected <addr>:<port>[#<peer_id>]");
    port = port * 10 + (c - 48);
  }
  if (port > 65535) throw invalidPoint(text, "port must be in [0, 65535]");
  const addr = canonicalAt(text, addrFrom, addrTo);
  if (addr === undefined) throw invalidPoint(text, "not an IP address");
  return { point: { addr, port }, peerIdText };
}

/**
 * The point of a point text ({@link parseAddrPortId}), the `#peer_id` suffix checked for its
 * characters only and dropped. For text from a user, prefer `parsePointIdWithPeerId` of
 * `lib/crypto/peer_id.ts`, which also checks that the suffix is a peer id, as Octez does.
 *
 * @param text The point text.
 * @returns The point.
 * @throws {PointIdError} when `text` is not a point.
 */
export function parsePointId(text: string): PointId {
  return parseAddrPortId(text).point;
}

/** True when two points have the same address and port. */
export function pointIdEquals(a: PointId, b: PointId): boolean {
  return a.port === b.port && a.addr === b.addr;
}

/** The 16 bytes of a point's IPv6 address (IPv4 as IPv4-mapped). */
export function pointIdAddressBytes(point: PointId): Uint8Array {
  const out = new Uint8Array(16);
  const v4 = parseIpv4At(point.addr, 0, point.addr.length);
  if (v4 >= 0) {
    out[10] = 0xff;
    out[11] = 0xff;
    out[12] = v4 >>> 24;
    out[13] = (v4 >>> 16) & 0xff;
    out[14] = (v4 >>> 8) & 0xff;
    out[15] = v4 & 0xff;
    return out;
  }
  if (!parseIpv6At(point.addr, 0, point.addr.length)) {
    throw invalidPoint(point.addr, "not an IP address");
  }
  for (let i = 0; i < 8; i++) {
    out[2 * i] = scratch[i] >> 8;
    out[2 * i + 1] = scratch[i] & 0xff;
  }
  return out;
}

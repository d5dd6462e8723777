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

// Address parsing works on bytes into a scratch array: a regex-and-split parser cost about 2 µs a
// point, which made decoding an Advertise of 100 points 25x slower than protobuf. Text from a user
// is copied into `ascii` first (an address is at most 45 characters), so one parser serves both.
const scratch = new Uint16Array(8);
const ascii = new Uint8Array(45);

// The canonical check's digits: 1 for a lower-case hex digit (upper case is never canonical).
const HEX = new Uint8Array(256);
for (const c of "0123456789abcdef") HEX[c.charCodeAt(0)] = 1;

/**
 * True when `b[from, to)` is IPv6 text exactly as {@link formatScratch} prints it, decided in one
 * pass over the bytes without computing a group (the full parse costs 2-3 times as much):
 * lower-case groups without leading zeros (so a zero group is the one digit "0"), and `::`, if
 * any, on the longest run of at least two zero groups, the leftmost on ties (RFC 5952 4.2); not
 * IPv4-mapped. `false` means "ask {@link parseIpv6At}": not IPv6, or IPv6 in another spelling.
 *
 * A group's digits are read one by one, not in a loop: 1.5 times faster (deno bench), and this
 * check is most of the time of decoding an Advertise.
 */
function isCanonicalIpv6At(b: Uint8Array, from: number, to: number): boolean {
  if (to - from < 2 || to - from > 39) return false; // 39: eight groups of four digits
  let n = 0; // groups read
  let gap = -1; // groups read before "::"
  let zeros = 0; // bit k: the k-th group read is 0
  let ffff = false; // the text starts "::ffff"
  let i = from;
  if (b[i] === 58) {
    if (b[i + 1] !== 58) return false;
    gap = 0;
    i += 2;
    if (i === to) return true; // "::"
  }
  for (;;) {
    // One to four digits; a group that starts with 0 is that digit alone (checked at its end).
    const first = b[i];
    if (first === 48) {
      zeros |= 1 << n;
      i++;
    } else {
      if (HEX[first] !== 1) return false;
      i++;
      if (i < to && HEX[b[i]] === 1 && ++i < to && HEX[b[i]] === 1 && ++i < to && HEX[b[i]] === 1) {
        i++;
        if (n === 0 && gap === 0) {
          ffff = first === 102 && b[i - 3] === 102 && b[i - 2] === 102 && b[i - 1] === 102;
        }
      }
    }
    n++;
    if (i === to) break;
    // Anything but ':' here is a fifth digit, a digit after a leading 0, or not IPv6.
    if (b[i] !== 58 || n === 8) return false;
    i++;
    if (i === to) return false;
    if (b[i] === 58) {
      if (gap >= 0) return false;
      gap = n;
      i++;
      if (i === to) break;
    }
  }
  // Without "::": eight groups and no two zero groups in a row.
  if (gap < 0) return n === 8 && (zeros & (zeros >> 1)) === 0;
  const run = 8 - n; // the zero groups "::" stands for
  if (run < 2) return false;
  // The groups beside "::" are not zero (else the run is longer than written)...
  if (gap > 0 && ((zeros >> (gap - 1)) & 1) === 1) return false;
  if (gap < n && ((zeros >> gap) & 1) === 1) return false;
  // ...and no written run of zeros is as long (before "::") or longer (after it).
  let length = 0;
  for (let k = 0; zeros >> k !== 0; k++) {
    if (((zeros >> k) & 1) === 0) length = 0;
    else if (++length >= run && (k < gap || length > run)) return false;
  }
  // "::ffff:a:b" is IPv4-mapped: it prints as a dotted quad.
  return !(ffff && n === 3);
}

/** Parses a dotted quad in `b[from, to)` (no leading zeros, as ocaml-ipaddr); -1 if it is not one. */
function parseIpv4At(b: Uint8Array, from: number, to: number): number {
  let value = 0;
  let parts = 0;
  let i = from;
  while (i < to) {
    const start = i;
    let octet = 0;
    while (i < to) {
      const c = b[i];
      if (c < 48 || c > 57) break;
      octet = octet * 10 + (c - 48);
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || octet > 255) return -1;
    if (digits > 1 && b[start] === 48) return -1;
    value = value * 256 + octet;
    parts++;
    if (i === to) break;
    if (b[i] !== 46 || parts === 4) return -1;
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

/** {@link parseIpv6At}: not an IPv6 address. */
const NOT_IPV6 = 0;
/** {@link parseIpv6At}: an IPv6 address whose text is already what {@link formatScratch} prints. */
const CANONICAL = 1;
/** {@link parseIpv6At}: an IPv6 address in another text (upper case, leading zeros, `::` moved…). */
const OTHER_TEXT = 2;

/**
 * Parses IPv6 text in `b[from, to)` into {@link scratch} (mixed `::ffff:1.2.3.4` forms allowed) and
 * tells whether the text is canonical, checked on the way instead of printing and comparing: lower
 * case, no leading zero, no embedded dotted quad, not IPv4-mapped (printed as a dotted quad), and
 * `::` exactly on the run of zero groups {@link formatScratch} would shorten (RFC 5952 4.2).
 */
function parseIpv6At(b: Uint8Array, from: number, to: number): number {
  if (to - from < 2 || to - from > 45) return NOT_IPV6;
  let n = 0; // groups written
  let gap = -1; // index in scratch where "::" stands
  let plain = true; // no upper case, no leading zero, no dotted quad
  let i = from;
  if (b[i] === 58) {
    if (b[i + 1] !== 58) return NOT_IPV6;
    gap = 0;
    i += 2;
    if (i === to) {
      scratch.fill(0);
      return CANONICAL; // "::"
    }
  }
  while (i < to) {
    if (n === 8) return NOT_IPV6;
    const start = i;
    let group = 0;
    while (i < to && i - start < 5) {
      const c = b[i];
      const d = hexDigit(c);
      if (d < 0) break;
      if (c < 97 && c > 57) plain = false; // A-F
      group = (group << 4) | d;
      i++;
    }
    if (i < to && b[i] === 46) {
      // Embedded IPv4 in the last 32 bits.
      if (n > 6) return NOT_IPV6;
      const v4 = parseIpv4At(b, start, to);
      if (v4 < 0) return NOT_IPV6;
      scratch[n++] = v4 >>> 16;
      scratch[n++] = v4 & 0xffff;
      plain = false;
      i = to;
      break;
    }
    const digits = i - start;
    if (digits === 0 || digits > 4) return NOT_IPV6;
    if (digits > 1 && b[start] === 48) plain = false;
    scratch[n++] = group;
    if (i === to) break;
    if (b[i] !== 58) return NOT_IPV6;
    i++;
    if (i < to && b[i] === 58) { // never read past `to`: the bytes beyond are not this text
      if (gap >= 0) return NOT_IPV6;
      gap = n;
      i++;
    } else if (i === to) return NOT_IPV6;
  }
  if (gap < 0 && n !== 8) return NOT_IPV6;
  if (gap >= 0 && n > 7) return NOT_IPV6;
  const shortened = 8 - n; // zero groups that "::" stands for
  if (gap >= 0) {
    // Move the groups after the gap to the end and zero the gap.
    const tail = n - gap;
    for (let k = 0; k < tail; k++) scratch[7 - k] = scratch[n - 1 - k];
    for (let k = gap; k < 8 - tail; k++) scratch[k] = 0;
  }
  if (!plain || isIpv4Mapped()) return OTHER_TEXT;
  const run = longestZeroRun();
  if (run < 0) return gap < 0 ? CANONICAL : OTHER_TEXT;
  return gap === run >> 4 && shortened === (run & 15) ? CANONICAL : OTHER_TEXT;
}

/** True when {@link scratch} holds an IPv4-mapped address (`::ffff:0:0/96`). */
function isIpv4Mapped(): boolean {
  const g = scratch;
  return g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff;
}

/**
 * The run of zero groups of {@link scratch} that RFC 5952 shortens to `::`: the longest of at
 * least 2, the leftmost on ties, as `start * 16 + length`; -1 when there is none.
 */
function longestZeroRun(): number {
  const g = scratch;
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
  return bestStart < 0 ? -1 : bestStart * 16 + bestLen;
}

/** Canonical text of the address in {@link scratch}: dotted quad if IPv4-mapped, else RFC 5952. */
function formatScratch(): string {
  const g = scratch;
  if (isIpv4Mapped()) {
    return `${g[6] >> 8}.${g[6] & 0xff}.${g[7] >> 8}.${g[7] & 0xff}`;
  }
  const run = longestZeroRun();
  const bestStart = run < 0 ? -1 : run >> 4;
  const bestLen = run & 15;
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

/** Copies `s[from, to)` into {@link ascii}; false when it is too long or not ASCII (no address). */
function loadAscii(s: string, from: number, to: number): boolean {
  if (to - from > ascii.length) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return false;
    ascii[i - from] = c;
  }
  return true;
}

/** Canonical text of an address given as IPv4 or IPv6 text in `s[from, to)`, or undefined. */
function canonicalAt(s: string, from: number, to: number): string | undefined {
  // Longer than 45 characters or not ASCII: neither a dotted quad nor IPv6 text.
  if (!loadAscii(s, from, to)) return undefined;
  const n = to - from;
  if (parseIpv4At(ascii, 0, n) >= 0) return s.slice(from, to);
  return parseIpv6At(ascii, 0, n) === NOT_IPV6 ? undefined : formatScratch();
}

function canonicalAddr(addr: string): string | undefined {
  return canonicalAt(addr, 0, addr.length);
}

/**
 * Where {@link pointIdFromAscii} gets the text of bytes it has checked to be ASCII: the decoder's
 * `Reader` (`lib/encoding/reader.ts`), which cuts the texts of one message from one decoded string.
 */
export interface AsciiSource {
  /** The text of the ASCII bytes `[start, end)` of the input being decoded. */
  ascii(start: number, end: number): string;
}

/** The text of the ASCII bytes `b[from, to)`, built here (no {@link AsciiSource}). */
function asciiText(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode.apply(null, b.subarray(from, to) as unknown as number[]);
}

/**
 * The point whose text is the ASCII bytes `bytes[start, end)`, when that text is a plain
 * `a.b.c.d:port` or `[v6]:port` (no `#peer_id`): the decoders' fast path, which reads the bytes
 * without building the whole text. An address already in canonical form (what Octez sends) is
 * checked in one pass and its text taken from `source`; any other spelling is parsed and printed.
 *
 * `undefined` means "not decided here", never "invalid": the caller then decodes the text and calls
 * {@link parsePointId}, which accepts or throws exactly as it always does. Whenever this returns a
 * point, {@link parsePointId} of the same text returns an equal one.
 *
 * @param bytes Holds the text.
 * @param start Offset of the first byte of the text.
 * @param end Offset just past its last byte.
 * @param source Gives the text of checked ASCII bytes of `bytes` (offsets are `bytes`'); without
 *   it the text is built here.
 * @returns The point, or `undefined` to fall back to {@link parsePointId}.
 */
export function pointIdFromAscii(
  bytes: Uint8Array,
  start: number,
  end: number,
  source?: AsciiSource,
): PointId | undefined {
  // The port: 1 to 5 digits at the end, at most 65535 (anything else, "#peer_id" included, is
  // parsePointId's to judge).
  let i = end;
  let port = 0;
  for (let scale = 1; i > start && end - i < 5; scale *= 10) {
    const d = bytes[i - 1] - 48;
    if (d < 0 || d > 9) break;
    port += d * scale;
    i--;
  }
  if (i === end || port > 65535 || i - start < 2 || bytes[--i] !== 58) return undefined;
  let from = start;
  if (bytes[start] === 91) {
    // "[v6]:port". parseAddrPortId splits at the first "]", this at the last: they differ only
    // when the address holds a "]", which no valid address does.
    if (bytes[--i] !== 93) return undefined;
    from = start + 1;
  } else {
    // "a.b.c.d:port": the address ends at the first ":" (parseAddrPortId), which must be this one.
    for (let k = start; k < i; k++) if (bytes[k] === 58) return undefined;
  }
  let addr: string;
  if (isCanonicalIpv6At(bytes, from, i) || parseIpv4At(bytes, from, i) >= 0) {
    addr = source === undefined ? asciiText(bytes, from, i) : source.ascii(from, i);
  } else if (parseIpv6At(bytes, from, i) !== NOT_IPV6) {
    addr = formatScratch();
  } else {
    return undefined;
  }
  return { addr, port };
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
  // Any number of digits, leading zeros included, as Octez's `point_parser.mll` reads the port
  // (`int_of_string`, then the range check): `1.2.3.4:000009732` is port 9732.
  if (end === portFrom) throw invalidPoint(text, "port must be in [0, 65535]");
  let port = 0;
  for (let i = portFrom; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) throw invalidPoint(text, "expected <addr>:<port>[#<peer_id>]");
    port = port * 10 + (c - 48);
    if (port > 65535) throw invalidPoint(text, "port must be in [0, 65535]");
  }
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
  const n = point.addr.length;
  const loaded = loadAscii(point.addr, 0, n);
  const v4 = loaded ? parseIpv4At(ascii, 0, n) : -1;
  if (v4 >= 0) {
    out[10] = 0xff;
    out[11] = 0xff;
    out[12] = v4 >>> 24;
    out[13] = (v4 >>> 16) & 0xff;
    out[14] = (v4 >>> 8) & 0xff;
    out[15] = v4 & 0xff;
    return out;
  }
  if (!loaded || parseIpv6At(ascii, 0, n) === NOT_IPV6) {
    throw invalidPoint(point.addr, "not an IP address");
  }
  for (let i = 0; i < 8; i++) {
    out[2 * i] = scratch[i] >> 8;
    out[2 * i + 1] = scratch[i] & 0xff;
  }
  return out;
}

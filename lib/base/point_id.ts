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

/** A point. `addr` is canonical: a dotted quad for IPv4(-mapped) addresses, RFC 5952 otherwise. */
export interface PointId {
  /** Canonical address text, without brackets. */
  readonly addr: string;
  /** TCP port, 0..65535. */
  readonly port: number;
}

/** Thrown by {@link parsePointId} and {@link makePointId} on text that is not a point. */
export class PointIdError extends Error {
  /** Always `"invalid_point"`. */
  readonly kind: "invalid_point" = "invalid_point";
  /** The rejected text. */
  readonly text: string;
  /** Builds the error for `text`. */
  constructor(text: string, reason: string) {
    super(
      `invalid point ${
        JSON.stringify(text.length > 80 ? text.slice(0, 80) + "…" : text)
      }: ${reason}`,
    );
    this.name = "PointIdError";
    this.text = text;
  }
}

/** Optional validator for the `#peer_id` suffix Octez accepts (and ignores) in point texts. */
let peerIdSuffixValidator: ((b58: string) => boolean) | undefined;

/**
 * Installs the check applied to a `#peer_id` suffix (a base58check peer id). The crypto module
 * installs it; without it only the character set is checked.
 */
export function setPeerIdSuffixValidator(check: (b58: string) => boolean): void {
  peerIdSuffixValidator = check;
}

/** Parses an IPv4 dotted quad (no leading zeros, as ocaml-ipaddr); undefined when it is not one. */
function parseIpv4(s: string): number[] | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (p.length === 0 || p.length > 3 || !/^[0-9]+$/.test(p)) return undefined;
    if (p.length > 1 && p[0] === "0") return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out.push(v);
  }
  return out;
}

/** Parses IPv6 text (mixed `::ffff:1.2.3.4` forms allowed) into 8 groups. */
function parseIpv6(s: string): number[] | undefined {
  if (s.length === 0 || s.length > 45) return undefined;
  let head = s;
  let tail4: number[] | undefined;
  const lastColon = s.lastIndexOf(":");
  if (lastColon >= 0 && s.indexOf(".", lastColon) > 0) {
    tail4 = parseIpv4(s.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    head = s.slice(0, lastColon + 1);
    // "…:1.2.3.4": keep a trailing "::" intact, otherwise drop the separator colon.
    if (!head.endsWith("::")) head = head.slice(0, -1);
  }
  const want = tail4 ? 6 : 8;
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === "") return [];
    const out: number[] = [];
    for (const g of part.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(halves[0]);
  if (left === undefined) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const right = parseGroups(halves[1]);
    if (right === undefined) return undefined;
    const fill = want - left.length - right.length;
    if (fill < 1) return undefined;
    groups = [...left, ...new Array<number>(fill).fill(0), ...right];
  } else {
    if (left.length !== want) return undefined;
    groups = left;
  }
  if (tail4) groups.push((tail4[0] << 8) | tail4[1], (tail4[2] << 8) | tail4[3]);
  return groups;
}

/** RFC 5952 text of 8 groups: longest run (≥ 2) of zero groups becomes `::`, leftmost on ties. */
function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    groups.slice(from, to).map((g) => g.toString(16)).join(":");
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

/** Canonical text of an address given as IPv4 or IPv6 text, or undefined. */
function canonicalAddr(addr: string): string | undefined {
  const v4 = parseIpv4(addr);
  if (v4) return v4.join(".");
  const g = parseIpv6(addr);
  if (g === undefined) return undefined;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `${g[6] >> 8}.${g[6] & 0xff}.${g[7] >> 8}.${g[7] & 0xff}`;
  }
  return formatIpv6(g);
}

const validated = new WeakMap<PointId, string>();

/**
 * Builds a point from an address (IPv4 or IPv6 text, brackets optional) and a port.
 * @throws {PointIdError} when the address or port is invalid.
 */
export function makePointId(addr: string, port: number): PointId {
  const bare = addr.startsWith("[") && addr.endsWith("]") ? addr.slice(1, -1) : addr;
  const canonical = canonicalAddr(bare);
  if (canonical === undefined) throw new PointIdError(addr, "not an IP address");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PointIdError(`${addr}:${port}`, "port must be in [0, 65535]");
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

const POINT_TEXT =
  /^(?:(\[[0-9a-fA-F:.]+\])|([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})|([a-zA-Z0-9.-]+|_?))(?::([0-9]+))?(?:#([a-zA-Z0-9]+))?$/;

/**
 * Parses the text form of a point as Octez does (`P2p_point.Id.of_string_exn`): an address (dotted
 * quad, bracketed IPv6, or domain-like text that must still be an IP address), a required port,
 * and an optional `#peer_id` suffix that is validated and ignored. Non-canonical IPv6 text is
 * accepted; the result is canonical.
 * @throws {PointIdError} on anything else.
 */
export function parsePointId(text: string): PointId {
  const m = POINT_TEXT.exec(text);
  if (m === null) throw new PointIdError(text, "expected <addr>:<port>[#<peer_id>]");
  const [, bracketed, quad, domain, portText, peerId] = m;
  if (portText === undefined) throw new PointIdError(text, "no port");
  if (portText.length > 5 || Number(portText) > 65535) {
    throw new PointIdError(text, "port must be in [0, 65535]");
  }
  if (peerId !== undefined && peerIdSuffixValidator && !peerIdSuffixValidator(peerId)) {
    throw new PointIdError(text, "bad peer id suffix");
  }
  const addr = bracketed !== undefined ? bracketed.slice(1, -1) : (quad ?? domain ?? "");
  const canonical = canonicalAddr(addr);
  if (canonical === undefined) throw new PointIdError(text, "not an IP address");
  const point: PointId = { addr: canonical, port: Number(portText) };
  return point;
}

/** True when two points have the same address and port. */
export function pointIdEquals(a: PointId, b: PointId): boolean {
  return a.port === b.port && a.addr === b.addr;
}

/** The 16 bytes of a point's IPv6 address (IPv4 as IPv4-mapped). */
export function pointIdAddressBytes(point: PointId): Uint8Array {
  const p = makePointId(point.addr, point.port);
  const out = new Uint8Array(16);
  const v4 = parseIpv4(p.addr);
  if (v4) {
    out[10] = 0xff;
    out[11] = 0xff;
    out.set(v4, 12);
    return out;
  }
  const g = parseIpv6(p.addr)!;
  for (let i = 0; i < 8; i++) {
    out[2 * i] = g[i] >> 8;
    out[2 * i + 1] = g[i] & 0xff;
  }
  return out;
}

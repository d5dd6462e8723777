/**
 * A node's data directory, as an Octez node keeps one: `identity.json` (read and written by
 * `lib/crypto/identity_file.ts`), `peers.json` (the known points, loaded at start and saved
 * periodically and at shutdown) and `config.json` (the node command's options).
 *
 * Every file is replaced atomically ({@link writeFileAtomic}: a temporary file in the same
 * directory, flushed to disk, renamed over the old one), so a process killed at any moment leaves
 * the old file or the new one, never a mix. A file that is not what it should be is refused with a
 * {@link NodeError} of kind `data_file` naming it, and is left untouched.
 *
 * ## `peers.json`
 *
 * A JSON array, one object per known point (our `snapshot().points`):
 *
 * ```json
 * [
 *   {
 *     "point": "198.51.100.7:9732",
 *     "peer_id": "idtGzRQTTiUNHvC9bLqxqvbVm4rFcN",
 *     "trusted": false,
 *     "state": "disconnected",
 *     "source": "connection",
 *     "last_seen": "2026-12-01T19:03:19.000Z"
 *   }
 * ]
 * ```
 *
 * Octez's `peers.json` is also an array, but of peers (`P2p_peer_state.Info.encoding`,
 * src/lib_p2p/p2p_peer_state.ml 86-153: `peer_id`, `created`, `trusted`, `peer_metadata`,
 * `events`, `last_failed_connection`, `last_rejected_connection`, `last_established_connection`,
 * `last_disconnection`, the last four as `[{"addr", "port"}, time]`), and at start Octez registers
 * the point of each peer's most recent connection (src/lib_p2p/p2p_pool.ml 579-597). Ours differs:
 *
 * - one entry per point, so that a configured or advertised point never reached is kept too; its
 *   `point` is our text form (`addr:port`, `[v6]:port`);
 * - `peer_id` and `trusted` keep Octez's names; `trusted` is a configured point's trust (Octez's is
 *   a peer's, set by the `trust` RPC);
 * - `state` (`running`, `pending`, `disconnected`) and `source` (`config`, `connection`,
 *   `advertise`, `nack`, `px`) are informative: every point is disconnected at start, as Octez
 *   decodes every peer as `Disconnected` (p2p_peer_state.ml 124);
 * - `last_seen` is the last connection established or ended there, as RFC 3339 text (the JSON form
 *   of Octez's `Time.System.encoding`); Octez stores the four events and derives `last_seen`
 *   (p2p_peer_state.ml 177-180);
 * - no `created`, `peer_metadata` (Octez's shell scores) or `events`.
 *
 * Reading also accepts Octez's entries: an entry without `point` takes the address and port of
 * the most recent of its `last_established_connection`, `last_rejected_connection` and
 * `last_disconnection` that has a port, as Octez does; one without a port is skipped (Octez keeps
 * the peer but registers no point; we keep points only).
 *
 * Octez saves `peers.json` only when the pool is destroyed (p2p_pool.ml 604-638), through
 * `peers.json.tmp` and a rename (p2p_peer_state.ml 204-215) without fsync
 * (src/lib_stdlib_unix/lwt_utils_unix.ml 347-353); on a file it cannot parse it starts with no
 * known peers and overwrites the file at shutdown (p2p_pool.ml 600-602). We also save
 * periodically, fsync before the rename, and refuse a corrupt file rather than lose it.
 *
 * ## `config.json`
 *
 * The options of `tzp2p node`, under Octez's `config.json` keys where Octez has the option
 * (src/lib_node_config/config_file.ml: `p2p` 536-560, `network` 862 with `chain_name` 323,
 * `metrics_addr` 867) and in a `tzp2p` object otherwise:
 *
 * ```json
 * {
 *   "p2p": {
 *     "listen-addr": "0.0.0.0:9732",
 *     "bootstrap-peers": ["198.51.100.7:9732", "boot.example.net"],
 *     "expected-proof-of-work": 26,
 *     "private-mode": false
 *   },
 *   "network": { "chain_name": "TEZOS_MAINNET" },
 *   "metrics_addr": ["127.0.0.1:9932"],
 *   "tzp2p": {
 *     "profile": "shell",
 *     "topics": [],
 *     "trusted-points": ["198.51.100.8:9732#idtqxHUjbjbCfaDn4jczoPGsnhacKX"],
 *     "ban": ["203.0.113.9"],
 *     "bootstrap-peer": false,
 *     "log": "json",
 *     "rpc-acl": false,
 *     "save-every-ms": 60000
 *   }
 * }
 * ```
 *
 * Every key is optional; an unknown key is refused (a misspelt option would otherwise be ignored
 * in silence), so an Octez `config.json` with keys tzp2p has no use for (`rpc`, `shell`, `log`,
 * `p2p.limits`, …) is refused rather than half-applied. Octez's `network` may also be an alias
 * string (`"mainnet"`); here it is an object with `chain_name` only.
 *
 * @example Save the known points of a node and give them to the next one.
 * ```ts
 * import { createNode, loadPeersFile, savePeersFile } from "./mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/peers.json`;
 * const first = await createNode({ expectedPow: 0, bootstrapPoints: ["127.0.0.1:9"] });
 * await savePeersFile(path, first.snapshot().points);
 * await first.close();
 *
 * const second = await createNode({ expectedPow: 0, knownPoints: await loadPeersFile(path) });
 * console.log(second.snapshot().points.map((p) => p.point)); // ["127.0.0.1:9"]
 * await second.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

import { parsePointId, pointIdToString } from "../base/point_id.ts";
import { peerIdFromString } from "../crypto/peer_id.ts";
import { NodeError } from "./errors.ts";
import type { KnownPointRecord } from "./options.ts";
import type { PointSnapshot } from "./snapshot.ts";

/** The identity file of a data directory (Octez `identity.json`). */
export const IDENTITY_FILE_NAME = "identity.json";
/** The known-points file of a data directory (Octez `Data_version.default_peers_file_name`). */
export const PEERS_FILE_NAME = "peers.json";
/** The configuration file of a data directory (Octez `config.json`). */
export const CONFIG_FILE_NAME = "config.json";

function fileError(path: string, message: string, cause?: unknown): NodeError {
  return new NodeError(
    "data_file",
    `${path}: ${message}`,
    { path },
    cause === undefined ? undefined : { cause },
  );
}

function dirOf(path: string): string {
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return slash < 0 ? "." : slash === 0 ? path.slice(0, 1) : path.slice(0, slash);
}

function baseOf(path: string): string {
  return path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}

/**
 * Replaces a file's content atomically: writes a temporary file in the same directory (a rename
 * is atomic only within one file system), flushes it to disk (`fsync`), renames it over `path`,
 * then flushes the directory where the system allows it. A process killed at any point leaves the
 * old content or the new one; at worst a stray `.<name>.*.tmp` file beside it.
 *
 * The temporary name is unique, so that two writes of one path at once do not share it (Octez
 * uses `<path>.tmp`, p2p_peer_state.ml 210; its one writer is the pool's shutdown).
 *
 * @param path The file to replace (or create).
 * @param text Its new content.
 * @throws {NodeError} `data_file` when it cannot be written (`cause`: the system error); `path`
 * is then unchanged and the temporary file removed.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirOf(path);
  let temp: string | undefined;
  try {
    temp = await Deno.makeTempFile({ dir, prefix: `.${baseOf(path)}.`, suffix: ".tmp" });
    const file = await Deno.open(temp, { write: true, truncate: true });
    try {
      const bytes = new TextEncoder().encode(text);
      for (let written = 0; written < bytes.length;) {
        written += await file.write(bytes.subarray(written));
      }
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temp, path);
    temp = undefined;
  } catch (e) {
    if (temp !== undefined) await Deno.remove(temp).catch(() => {});
    throw fileError(path, `cannot write: ${(e as Error).message}`, e);
  }
  // The rename is durable once the directory is flushed. Not every system opens a directory as a
  // file (Windows does not): then the rename is atomic but may be lost in a power cut.
  try {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch { /* best effort, see above */ }
}

/** A file's text, or `undefined` when it does not exist. */
async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw fileError(path, `cannot read: ${(e as Error).message}`, e);
  }
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw fileError(path, `not JSON (${(e as Error).message})`, e);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A JSON time: RFC 3339 text, or seconds since the epoch (Octez's two JSON forms). */
function timeMs(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value * 1000;
  if (typeof value === "string") {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

// The connection events of an Octez peer entry whose most recent one gives its point
// (`P2p_peer_state.Info.last_seen`, p2p_peer_state.ml 177-180).
const OCTEZ_LAST_EVENTS = [
  "last_established_connection",
  "last_rejected_connection",
  "last_disconnection",
] as const;

/** The point of an Octez peer entry, or `undefined` when none of its events has a port. */
function octezEntryPoint(entry: Record<string, unknown>, where: string): string | undefined {
  let best: { point: string; at: number } | undefined;
  for (const key of OCTEZ_LAST_EVENTS) {
    const value = entry[key];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value) || value.length !== 2 || !isObject(value[0])) {
      throw new TypeError(`${where}.${key} must be [{"addr", "port"}, time]`);
    }
    const [{ addr, port }, time] = value;
    const at = timeMs(time);
    if (typeof addr !== "string" || at === undefined) {
      throw new TypeError(`${where}.${key} must be [{"addr", "port"}, time]`);
    }
    if (port === undefined || port === null) continue;
    if (typeof port !== "number") throw new TypeError(`${where}.${key}: port must be a number`);
    const point = addr.includes(":") ? `[${addr}]:${port}` : `${addr}:${port}`;
    if (best === undefined || at > best.at) best = { point, at };
  }
  return best?.point;
}

/**
 * Reads the text of a `peers.json` (ours, or Octez's: see the module documentation).
 *
 * @param text The file's content.
 * @param path The file's name, for messages.
 * @returns The known points, canonical (`addr:port`), with their peer and trust.
 * @throws {NodeError} `data_file` naming `path` and the first bad entry when the text is not JSON,
 * not an array of objects, or holds a bad point, peer id or field type.
 */
export function parsePeersJson(text: string, path: string): KnownPointRecord[] {
  const json = parseJson(path, text);
  if (!Array.isArray(json)) throw fileError(path, "expected an array of known points");
  const records: KnownPointRecord[] = [];
  json.forEach((entry, index) => {
    const where = `entry ${index}`;
    if (!isObject(entry)) throw fileError(path, `${where} is not an object`);
    const { point, peer_id: peerId, trusted } = entry;
    if (peerId !== undefined) {
      if (typeof peerId !== "string") throw fileError(path, `${where}.peer_id must be text`);
      try {
        peerIdFromString(peerId);
      } catch (e) {
        throw fileError(path, `${where}.peer_id: ${(e as Error).message}`, e);
      }
    }
    if (trusted !== undefined && typeof trusted !== "boolean") {
      throw fileError(path, `${where}.trusted must be true or false`);
    }
    let pointText: string | undefined;
    if (point !== undefined) {
      if (typeof point !== "string") throw fileError(path, `${where}.point must be text`);
      pointText = point;
    } else if (peerId !== undefined) {
      try {
        pointText = octezEntryPoint(entry, where);
      } catch (e) {
        throw fileError(path, (e as Error).message, e);
      }
      if (pointText === undefined) return; // a peer without a reachable point
    } else {
      throw fileError(path, `${where} has neither point nor peer_id`);
    }
    let canonical: string;
    try {
      canonical = pointIdToString(parsePointId(pointText));
    } catch (e) {
      throw fileError(path, `${where}: ${(e as Error).message}`, e);
    }
    records.push({
      point: canonical,
      ...(peerId === undefined ? {} : { peerId }),
      ...(trusted === true ? { trusted } : {}),
    });
  });
  return records;
}

/**
 * The text of a `peers.json` for a node's known points (`node.snapshot().points`).
 *
 * @param points The known points.
 * @returns Pretty-printed JSON (two-space indent, final newline).
 */
export function peersJson(points: readonly PointSnapshot[]): string {
  const entries = points.map((p) => ({
    point: p.point,
    ...(p.peerId === undefined ? {} : { peer_id: p.peerId }),
    trusted: p.trusted,
    state: p.state,
    source: p.source,
    ...(p.lastSeen === undefined ? {} : { last_seen: new Date(p.lastSeen).toISOString() }),
  }));
  return `${JSON.stringify(entries, null, 2)}\n`;
}

/**
 * Reads a `peers.json`, for `createNode({ knownPoints })`.
 *
 * @param path The file.
 * @returns Its known points; none when the file does not exist.
 * @throws {NodeError} `data_file` naming `path` when it cannot be read or is not a peers file.
 */
export async function loadPeersFile(path: string): Promise<KnownPointRecord[]> {
  const text = await readIfExists(path);
  return text === undefined ? [] : parsePeersJson(text, path);
}

/**
 * Writes a node's known points to a `peers.json`, atomically ({@link writeFileAtomic}).
 *
 * @param path The file.
 * @param points The known points (`node.snapshot().points`).
 * @throws {NodeError} `data_file` when it cannot be written (the old file is then unchanged).
 */
export async function savePeersFile(path: string, points: readonly PointSnapshot[]): Promise<void> {
  await writeFileAtomic(path, peersJson(points));
}

/** Options of {@link startPeersSaver}. */
export interface PeersSaverOptions {
  /** Period between two saves in ms (default 60 000). */
  readonly everyMs?: number;
  /** Called with the error of a failed periodic save (the next period tries again). */
  readonly onError?: (error: NodeError) => void;
}

/** A running periodic save of a `peers.json`. */
export interface PeersSaver {
  /** Saves now (after any save under way); rejects with the `NodeError` of a failed write. */
  save(): Promise<void>;
  /** Stops the periodic saves and saves a last time; rejects like {@link PeersSaver.save}. */
  close(): Promise<void>;
}

/**
 * Saves a node's known points to `path` every `everyMs`, one write at a time, and once more on
 * `close()`. Call `close()` before closing the node: a closed node knows no connections.
 *
 * @param path The file.
 * @param points Reads the known points (`() => node.snapshot().points`).
 * @param options Period and error handler.
 * @returns The saver.
 * @throws {RangeError} When `everyMs` is not a finite number > 0.
 */
export function startPeersSaver(
  path: string,
  points: () => readonly PointSnapshot[],
  options: PeersSaverOptions = {},
): PeersSaver {
  const everyMs = options.everyMs ?? 60_000;
  if (typeof everyMs !== "number" || !Number.isFinite(everyMs) || everyMs <= 0) {
    throw new RangeError(`startPeersSaver: everyMs must be a finite number > 0, got ${everyMs}`);
  }
  let last: Promise<void> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const save = (): Promise<void> => {
    const next = last.catch(() => {}).then(() => savePeersFile(path, points()));
    last = next;
    return next;
  };
  const schedule = () => {
    timer = setTimeout(() => {
      timer = undefined;
      save().catch((e) => options.onError?.(e as NodeError)).finally(() => {
        if (!closed) schedule();
      });
    }, everyMs);
  };
  schedule();
  return {
    save,
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      return save();
    },
  };
}

/** The `p2p` object of a `config.json` (Octez's key names). */
export interface ConfigFileP2p {
  /** `listen-addr`: where to listen (`--listen`). */
  readonly listenAddr?: string;
  /** `bootstrap-peers`: points or host names to dial (`--peer`). */
  readonly bootstrapPeers?: readonly string[];
  /** `expected-proof-of-work` (`--expected-pow`). */
  readonly expectedProofOfWork?: number;
  /** `private-mode` (`--private-mode`; config_file.ml 573-583). */
  readonly privateMode?: boolean;
}

/** The `tzp2p` object of a `config.json`: options Octez's file has no key for. */
export interface ConfigFileTzp2p {
  /** `profile` (`--profile`). */
  readonly profile?: string;
  /** `topics` (`--topic`). */
  readonly topics?: readonly string[];
  /**
   * `trusted-points` (`--trusted-point`): Octez's file has no such key, its `bootstrap-peers` being
   * its trusted points (which `p2p.bootstrap-peers` are here too).
   */
  readonly trustedPoints?: readonly string[];
  /** `ban` (`--ban`): addresses and peer ids refused while the node runs. */
  readonly ban?: readonly string[];
  /** `bootstrap-peer` (`--bootstrap-peer`). */
  readonly bootstrapPeer?: boolean;
  /** `log` (`--log`). */
  readonly log?: string;
  /** `rpc-acl` (`--rpc-acl`). */
  readonly rpcAcl?: boolean;
  /** `save-every-ms` (`--save-every-ms`). */
  readonly saveEveryMs?: number;
}

/** A `config.json`, its JSON types checked (values are checked by whoever uses them). */
export interface NodeConfigFile {
  /** Octez's `p2p` object. */
  readonly p2p?: ConfigFileP2p;
  /** Octez's `network` object: only `chain_name` (`--chain`). */
  readonly network?: { readonly chainName?: string };
  /** Octez's `metrics_addr`: where to serve metrics (`--metrics`). */
  readonly metricsAddr?: readonly string[];
  /** Options of tzp2p only. */
  readonly tzp2p?: ConfigFileTzp2p;
}

type JsonType = "string" | "number" | "boolean" | "strings";

// Every key of a config.json, its JSON type and its field name.
const CONFIG_KEYS: Readonly<Record<string, Readonly<Record<string, [JsonType, string]>>>> = {
  p2p: {
    "listen-addr": ["string", "listenAddr"],
    "bootstrap-peers": ["strings", "bootstrapPeers"],
    "expected-proof-of-work": ["number", "expectedProofOfWork"],
    "private-mode": ["boolean", "privateMode"],
  },
  network: { chain_name: ["string", "chainName"] },
  tzp2p: {
    profile: ["string", "profile"],
    topics: ["strings", "topics"],
    "trusted-points": ["strings", "trustedPoints"],
    ban: ["strings", "ban"],
    "bootstrap-peer": ["boolean", "bootstrapPeer"],
    log: ["string", "log"],
    "rpc-acl": ["boolean", "rpcAcl"],
    "save-every-ms": ["number", "saveEveryMs"],
  },
};

function hasType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case "strings":
      return Array.isArray(value) && value.every((v) => typeof v === "string");
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
  }
}

const TYPE_NAMES: Readonly<Record<JsonType, string>> = {
  string: "text",
  number: "a number",
  boolean: "true or false",
  strings: "an array of text",
};

/**
 * Reads the text of a `config.json` (see the module documentation for its keys).
 *
 * @param text The file's content.
 * @param path The file's name, for messages.
 * @returns The options it gives.
 * @throws {NodeError} `data_file` naming `path` and the key when the text is not JSON, not an
 * object, or has an unknown key or a value of the wrong JSON type.
 */
export function parseConfigJson(text: string, path: string): NodeConfigFile {
  const json = parseJson(path, text);
  if (!isObject(json)) throw fileError(path, "expected a JSON object");
  const known = [...Object.keys(CONFIG_KEYS), "metrics_addr"];
  const result: Record<string, unknown> = {};
  for (const [section, value] of Object.entries(json)) {
    if (section === "metrics_addr") {
      if (!hasType(value, "strings")) {
        throw fileError(path, `metrics_addr must be ${TYPE_NAMES.strings}`);
      }
      result.metricsAddr = value;
      continue;
    }
    const keys = CONFIG_KEYS[section];
    if (keys === undefined) {
      throw fileError(
        path,
        `unknown key ${JSON.stringify(section)} (tzp2p reads ${known.join(", ")})`,
      );
    }
    if (!isObject(value)) throw fileError(path, `${section} must be an object`);
    const fields: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const spec = keys[key];
      if (spec === undefined) {
        throw fileError(
          path,
          `unknown key ${section}.${key} (tzp2p reads ${
            Object.keys(keys).map((k) => `${section}.${k}`).join(", ")
          })`,
        );
      }
      if (!hasType(v, spec[0])) {
        throw fileError(path, `${section}.${key} must be ${TYPE_NAMES[spec[0]]}`);
      }
      fields[spec[1]] = v;
    }
    result[section] = fields;
  }
  return result as NodeConfigFile;
}

/**
 * Reads a `config.json`.
 *
 * @param path The file.
 * @returns The options it gives; none (`{}`) when the file does not exist.
 * @throws {NodeError} `data_file` naming `path` when it cannot be read or is not a config file.
 */
export async function loadConfigFile(path: string): Promise<NodeConfigFile> {
  const text = await readIfExists(path);
  return text === undefined ? {} : parseConfigJson(text, path);
}

/**
 * `tzp2p node`: runs a node of one profile (`shell`, `dal`, `simple`) until SIGINT or SIGTERM,
 * reporting what happens as readable lines on standard error or as JSON lines on standard output.
 *
 * JSON events use snake_case keys (the library's {@link NodeEvent} fields, `peerId` → `peer_id`),
 * and absent values are `null`, so every event of a kind has the same keys:
 *
 * ```text
 * {"event":"listening","point":"127.0.0.1:9732","peer_id":"id…","pid":1234}
 * {"event":"connection_established","peer_id":"id…","point":"…","direction":"incoming","metadata":{…}}
 * {"event":"connection_closed","peer_id":"id…","point":"…","reason":"…"}
 * {"event":"handshake_failed","direction":"outgoing","point":"…","peer_id":null,"error":"…","message":"…"}
 * {"event":"handshake_refused","direction":"incoming","point":"…","peer_id":"id…","by":"local","motive":"…"}
 * {"event":"message_delivered","topic":"…","message_id":"…","from":"id…","size":1234}
 * {"event":"stopped"}
 * ```
 *
 * @module
 */

import { parsePointId, type PointId, pointIdToString } from "../base/point_id.ts";
import { type Identity, peerIdFromString, peerIdToString } from "../crypto/mod.ts";
import { makePointId } from "../base/point_id.ts";
import type { NodeAcl } from "../node/acl.ts";
import { parsePointIdWithPeerId } from "../crypto/peer_id.ts";
import type { DalTopic } from "../../gen/gossipsub.ts";
import { parseDalTopic } from "../node/dal_topic.ts";
import type { NodeEvent } from "../node/events.ts";
import { createNode, createShellNode } from "../node/mod.ts";
import {
  CONFIG_FILE_NAME,
  IDENTITY_FILE_NAME,
  loadConfigFile,
  loadPeersFile,
  type NodeConfigFile,
  PEERS_FILE_NAME,
  type PeersSaver,
  startPeersSaver,
} from "../node/data_dir.ts";
import type { KnownPointRecord } from "../node/options.ts";
import { isNodeError } from "../node/errors.ts";
import { nodeMetrics } from "../node/metrics.ts";
import { type OpsNode, type OpsServer, serveOps } from "../node/ops_server.ts";
import { numberOption, parseArgs } from "./args.ts";
import { CliError, isCliError } from "./errors.ts";
import { identityGenerate, loadIdentity } from "./identity_command.ts";
import type { CliIo } from "./io.ts";
import { powBitsReached } from "./pow_bits.ts";

/** Usage text of the node command. */
export const NODE_USAGE: string = `\
tzp2p node [--profile shell|dal|simple] [--chain NAME] [--identity FILE] [--listen HOST:PORT]
           [--peer POINT]... [--trusted-point POINT]... [--private-mode] [--ban ADDR|PEER_ID]...
           [--expected-pow N] [--topic TOPIC]... [--bootstrap-peer]
           [--log text|json] [--metrics HOST:PORT [--rpc-acl]] [--data-dir DIR]
           [--save-every-ms MS]
    Runs a node until SIGINT or SIGTERM (then exits 0).
    --profile  shell: an Octez L1 peer; dal: an Octez DAL peer; simple (default): tzp2p's own
               gossip with string topics, for your own applications (no Octez node speaks it).
    --chain    shell, dal: the L1 chain name (default TEZOS_MAINNET; a DAL node announces
               DAL_<NAME>); simple: the chain name announced (default TZP2P_GOSSIP).
    --identity Octez identity.json (default ./identity.json); created with --expected-pow if
               missing (at 26: ~22 s on average on two cores, often up to a minute).
    --listen   where to listen (default 127.0.0.1:0: loopback, any free port; Octez listens on
               [::]:9732 (L1) and 0.0.0.0:11732 (DAL)). Port 0 picks a free port.
    --peer     a point to dial, IP:PORT, [IPv6]:PORT or a host name (port defaults to 9732 for
               shell, 11732 for dal); repeatable; trusted by gossipsub in dal.
               --peer points are trusted, as Octez's bootstrap peers; IP:PORT#PEER_ID accepts only
               that peer there.
    --trusted-point  a trusted point, IP:PORT or [IPv6]:PORT, optionally #PEER_ID (only that peer
               is accepted there): dialled, never forgotten, allowed in private mode; repeatable.
    --private-mode  accept and dial only trusted points and peers, announce private_node, and
               take part in no peer exchange (no Bootstrap, Advertise or swap), as Octez's.
    --ban      an IP address or a peer id (id…) refused until the node stops (Octez's
               blacklist; unban through the RPC); repeatable.
    --expected-pow  proof of work demanded from peers and given to a new identity (default 26).
    --topic    a topic to join; dal: SLOT:PKH (e.g. 0:tz1…); simple: any text; not for shell.
    --bootstrap-peer  dal: announce is_bootstrap_peer (peers then send us no shards).
    --log      text (default): readable lines on stderr; json: one JSON event per stdout line,
               first {"event":"listening","point":…,"peer_id":…,"pid":…}, then
               connection_established, connection_closed, handshake_failed, handshake_refused,
               message_delivered (snake_case keys, null when unknown), last {"event":"stopped"}.
    --metrics  serve Prometheus metrics at http://HOST:PORT/metrics and a read-only RPC
               (/network/connections, /network/peers, /network/points, /network/stat,
               /network/greylist/ips, /gossipsub/topics|mesh|scores) in Octez's JSON shapes;
               port 0 picks a free port; the listening event carries "metrics_url".
    --rpc-acl  with --metrics: also serve the routes that change the node (DELETE
               /network/connections/<peer_id>, PATCH /network/peers/<peer_id> {"acl":"ban"},
               PUT /network/points/<point>).
    --data-dir a directory (created if missing) holding identity.json (the default --identity),
               peers.json (known points: loaded at start, saved every --save-every-ms and at
               exit) and config.json (options, under Octez's keys where Octez has the option:
               p2p.listen-addr, p2p.bootstrap-peers, p2p.expected-proof-of-work,
               p2p.private-mode, network.chain_name, metrics_addr; tzp2p.profile, tzp2p.topics,
               tzp2p.trusted-points, tzp2p.ban, tzp2p.bootstrap-peer, tzp2p.log, tzp2p.rpc-acl,
               tzp2p.save-every-ms otherwise).
               An option on the command line replaces the file's. A corrupt peers.json stops the
               node (exit 1), a bad config.json too (exit 2); neither is overwritten.
    --save-every-ms  period of the peers.json saves (default 60000).
`;

/** The profiles of the command. */
export type NodeProfile = "shell" | "dal" | "simple";

/** A `--peer` value: a point, or a host name still to resolve. */
export type PeerSpec =
  | { readonly kind: "point"; readonly point: PointId; readonly peerId?: Uint8Array }
  | { readonly kind: "host"; readonly host: string; readonly port: number };

/** The node command's arguments, checked. */
export interface NodeCommandConfig {
  /** The profile. */
  readonly profile: NodeProfile;
  /** The chain name given (`undefined`: the profile's default). */
  readonly chain: string | undefined;
  /** The identity file. */
  readonly identityPath: string;
  /** Where to listen. */
  readonly listen: PointId;
  /** Points to dial. */
  readonly peers: readonly PeerSpec[];
  /** Trusted points (`addr:port`, `addr:port#id…`). */
  readonly trustedPoints: readonly string[];
  /** Private mode. */
  readonly privateMode: boolean;
  /** Addresses to blacklist. */
  readonly banIps: readonly string[];
  /** Peer ids to blacklist (`id…`). */
  readonly banPeers: readonly string[];
  /** Proof of work demanded from peers and given to a new identity. */
  readonly expectedPow: number;
  /** Topics: strings (`simple`) or DAL topics (`dal`); none for `shell`. */
  readonly topics: readonly string[] | readonly DalTopic[];
  /** `dal`: announce `is_bootstrap_peer`. */
  readonly bootstrapPeer: boolean;
  /** How to report. */
  readonly log: "text" | "json";
  /** Where to serve metrics and the RPC (`undefined`: nowhere). */
  readonly metrics: PointId | undefined;
  /** Serve the RPC routes that change the node. */
  readonly rpcAcl: boolean;
  /** The data directory (`--data-dir`), if any. */
  readonly dataDir: string | undefined;
  /** Period of the `peers.json` saves in ms (`--save-every-ms`). */
  readonly saveEveryMs: number;
}

// Octez's default ports: L1 `default_p2p_port` (src/lib_node_config/config_file.ml 43), DAL
// `listening_port` (src/lib_dal_node/gossipsub/transport_layer_default_parameters.ml 102).
const DEFAULT_PEER_PORT: Readonly<Record<NodeProfile, number | undefined>> = {
  shell: 9732,
  dal: 11732,
  simple: undefined,
};

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * Reads a `--peer` value: an Octez point (`1.2.3.4:9732`, `[::1]:9732`), an address without port,
 * or a host name with or without port (Octez resolves bootstrap peers by name too).
 *
 * @param text The value.
 * @param defaultPort The port of a value without one (`undefined`: a port is required).
 * @returns The point, or the host name to resolve.
 * @throws {CliError} `usage` on anything else.
 */
export function parsePeer(text: string, defaultPort: number | undefined): PeerSpec {
  const bad = (why: string) =>
    new CliError("usage", `--peer ${JSON.stringify(text)} is not a point: ${why}`);
  try {
    const { point, peerId } = parsePointIdWithPeerId(text);
    return peerId === undefined ? { kind: "point", point } : { kind: "point", point, peerId };
  } catch { /* not IP:PORT; try the other forms */ }
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (bare.includes(":") && !text.startsWith("[") && bare.split(":").length === 2) {
    // host:port
    const [host, port] = bare.split(":");
    if (!HOST_NAME.test(host)) throw bad("expected IP:PORT, [IPv6]:PORT or HOST:PORT");
    if (!/^[0-9]{1,5}$/.test(port) || Number(port) > 65535 || Number(port) === 0) {
      throw bad("the port must be from 1 to 65535");
    }
    return { kind: "host", host, port: Number(port) };
  }
  if (defaultPort === undefined) throw bad("give a port (IP:PORT); simple has no default port");
  try {
    const withPort = bare.includes(":") ? `[${bare}]:${defaultPort}` : `${bare}:${defaultPort}`;
    return { kind: "point", point: parsePointId(withPort) };
  } catch { /* not an address either */ }
  if (HOST_NAME.test(bare) && !/^[0-9.]+$/.test(bare)) {
    return { kind: "host", host: bare, port: defaultPort };
  }
  throw bad("expected IP:PORT, [IPv6]:PORT or HOST[:PORT]");
}

/**
 * Reads a `--ban` value: a peer id (`id…`, base58) or an IP address (v4 or v6, without port).
 *
 * @param text The value.
 * @returns The peer id, or the address in canonical form.
 * @throws {CliError} `usage` on anything else.
 */
export function parseBan(
  text: string,
): { readonly kind: "peer"; readonly peerId: string } | {
  readonly kind: "addr";
  readonly addr: string;
} {
  if (text.startsWith("id")) {
    try {
      return { kind: "peer", peerId: peerIdToString(peerIdFromString(text)) };
    } catch { /* not a peer id; maybe not an address either */ }
  }
  try {
    return { kind: "addr", addr: makePointId(text, 1).addr };
  } catch { /* reported below */ }
  throw new CliError(
    "usage",
    `--ban must be an IP address or a peer id (id…), got ${JSON.stringify(text)}`,
  );
}

/**
 * Checks the node command's arguments.
 *
 * @param args The arguments after `node`.
 * @returns The configuration.
 * @throws {CliError} `usage` on any bad or inconsistent option.
 */
export function parseNodeArgs(args: readonly string[]): NodeCommandConfig {
  const parsed = parseArgs(args, {
    flags: ["bootstrap-peer", "rpc-acl", "private-mode"],
    options: [
      "profile",
      "chain",
      "identity",
      "listen",
      "expected-pow",
      "log",
      "metrics",
      "data-dir",
      "save-every-ms",
    ],
    repeatable: ["peer", "topic", "trusted-point", "ban"],
  });
  if (parsed.positional.length > 0) {
    throw new CliError("usage", `unexpected argument ${JSON.stringify(parsed.positional[0])}`);
  }
  const profile = parsed.options.get("profile") ?? "simple";
  if (profile !== "shell" && profile !== "dal" && profile !== "simple") {
    throw new CliError(
      "usage",
      `--profile must be shell, dal or simple, got ${JSON.stringify(profile)}`,
    );
  }
  const log = parsed.options.get("log") ?? "text";
  if (log !== "text" && log !== "json") {
    throw new CliError("usage", `--log must be text or json, got ${JSON.stringify(log)}`);
  }
  const chain = parsed.options.get("chain");
  if (chain !== undefined) {
    if (chain === "") throw new CliError("usage", "--chain must not be empty");
    if (profile === "dal" && chain.startsWith("DAL_")) {
      throw new CliError(
        "usage",
        `--chain takes the L1 chain name (the dal profile announces DAL_<NAME>), got ${
          JSON.stringify(chain)
        }`,
      );
    }
  }
  const listenText = parsed.options.get("listen") ?? "127.0.0.1:0";
  let listen: PointId;
  try {
    listen = parsePointId(listenText);
  } catch (e) {
    throw new CliError(
      "usage",
      `--listen must be IP:PORT or [IPv6]:PORT, got ${JSON.stringify(listenText)}`,
      {},
      { cause: e },
    );
  }
  const expectedPow = numberOption(
    parsed.options.get("expected-pow"),
    "expected-pow",
    26,
    (n) => n >= 0 && n <= 256,
    "a number from 0 to 256",
  );
  const peers = (parsed.lists.get("peer") ?? []).map((p) =>
    parsePeer(p, DEFAULT_PEER_PORT[profile])
  );
  const trustedPoints = (parsed.lists.get("trusted-point") ?? []).map((text) => {
    try {
      parsePointIdWithPeerId(text);
    } catch (e) {
      throw new CliError(
        "usage",
        `--trusted-point must be IP:PORT or [IPv6]:PORT, optionally #PEER_ID, got ${
          JSON.stringify(text)
        }`,
        {},
        { cause: e },
      );
    }
    return text;
  });
  const banIps: string[] = [];
  const banPeers: string[] = [];
  for (const text of parsed.lists.get("ban") ?? []) {
    const ban = parseBan(text);
    if (ban.kind === "peer") banPeers.push(ban.peerId);
    else banIps.push(ban.addr);
  }
  const topicTexts = parsed.lists.get("topic") ?? [];
  let topics: readonly string[] | readonly DalTopic[] = topicTexts;
  if (profile === "shell" && topicTexts.length > 0) {
    throw new CliError("usage", "--topic is for the dal and simple profiles, not shell");
  }
  if (profile === "dal") {
    topics = topicTexts.map((t) => {
      try {
        return parseDalTopic(t);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        throw new CliError("usage", `--topic: ${e.message}`, {}, { cause: e });
      }
    });
  }
  if (profile === "simple" && topicTexts.some((t) => t === "")) {
    throw new CliError("usage", "--topic must not be empty");
  }
  const bootstrapPeer = parsed.flags.has("bootstrap-peer");
  if (bootstrapPeer && profile !== "dal") {
    throw new CliError("usage", "--bootstrap-peer is for the dal profile only");
  }
  const metricsText = parsed.options.get("metrics");
  let metrics: PointId | undefined;
  if (metricsText !== undefined) {
    try {
      metrics = parsePointId(metricsText);
    } catch (e) {
      throw new CliError(
        "usage",
        `--metrics must be HOST:PORT (an IP address; port 0: any free port), got ${
          JSON.stringify(metricsText)
        }`,
        {},
        { cause: e },
      );
    }
  }
  const rpcAcl = parsed.flags.has("rpc-acl");
  if (rpcAcl && metrics === undefined) {
    throw new CliError("usage", "--rpc-acl needs --metrics HOST:PORT (the server it applies to)");
  }
  const dataDir = parsed.options.get("data-dir");
  if (dataDir === "") throw new CliError("usage", "--data-dir must not be empty");
  const saveEveryMs = numberOption(
    parsed.options.get("save-every-ms"),
    "save-every-ms",
    60_000,
    (n) => Number.isInteger(n) && n >= 1,
    "a whole number of milliseconds ≥ 1",
  );
  return {
    profile,
    chain,
    identityPath: parsed.options.get("identity") ??
      (dataDir === undefined ? IDENTITY_FILE_NAME : `${dataDir}/${IDENTITY_FILE_NAME}`),
    listen,
    peers,
    trustedPoints,
    privateMode: parsed.flags.has("private-mode"),
    banIps,
    banPeers,
    expectedPow,
    topics,
    bootstrapPeer,
    log,
    metrics,
    rpcAcl,
    dataDir,
    saveEveryMs,
  };
}

/** Where a `config.json` key goes on the command line. */
interface ConfigKey {
  /** The option (`listen` for `--listen`). */
  readonly option: string;
  /** The key in the file (`p2p.listen-addr`). */
  readonly key: string;
  /** Its value in a file, if given. */
  readonly value: (
    file: NodeConfigFile,
  ) => string | number | boolean | readonly string[] | undefined;
}

// Every option a config.json can give, under Octez's key where Octez has the option
// (src/lib_node_config/config_file.ml: p2p 536-560, network's chain_name 323, metrics_addr 867).
const CONFIG_KEYS: readonly ConfigKey[] = [
  { option: "listen", key: "p2p.listen-addr", value: (f) => f.p2p?.listenAddr },
  { option: "peer", key: "p2p.bootstrap-peers", value: (f) => f.p2p?.bootstrapPeers },
  {
    option: "expected-pow",
    key: "p2p.expected-proof-of-work",
    value: (f) => f.p2p?.expectedProofOfWork,
  },
  { option: "private-mode", key: "p2p.private-mode", value: (f) => f.p2p?.privateMode },
  { option: "chain", key: "network.chain_name", value: (f) => f.network?.chainName },
  { option: "metrics", key: "metrics_addr", value: (f) => f.metricsAddr },
  { option: "profile", key: "tzp2p.profile", value: (f) => f.tzp2p?.profile },
  { option: "topic", key: "tzp2p.topics", value: (f) => f.tzp2p?.topics },
  {
    option: "trusted-point",
    key: "tzp2p.trusted-points",
    value: (f) => f.tzp2p?.trustedPoints,
  },
  { option: "ban", key: "tzp2p.ban", value: (f) => f.tzp2p?.ban },
  { option: "bootstrap-peer", key: "tzp2p.bootstrap-peer", value: (f) => f.tzp2p?.bootstrapPeer },
  { option: "log", key: "tzp2p.log", value: (f) => f.tzp2p?.log },
  { option: "rpc-acl", key: "tzp2p.rpc-acl", value: (f) => f.tzp2p?.rpcAcl },
  { option: "save-every-ms", key: "tzp2p.save-every-ms", value: (f) => f.tzp2p?.saveEveryMs },
];

/** The options of a command line, by name, whatever their value (`--x v`, `--x=v`, `--flag`). */
function optionsGiven(args: readonly string[]): Set<string> {
  const given = new Set<string>();
  for (const arg of args) {
    if (arg === "--") break;
    if (arg.startsWith("--")) given.add(arg.slice(2).split("=")[0]);
  }
  return given;
}

/**
 * The command line a `config.json` stands for, without the options `args` gives (an option on
 * the command line replaces the file's, a repeatable one as a whole).
 *
 * @param file The file's options.
 * @param args The command line.
 * @param path The file, for messages.
 * @returns The file's arguments and, by option name, the file key each came from.
 * @throws {CliError} `usage` naming `path` when `metrics_addr` has more than one address.
 */
export function configFileArgs(
  file: NodeConfigFile,
  args: readonly string[],
  path: string,
): { readonly args: string[]; readonly keys: ReadonlyMap<string, string> } {
  const given = optionsGiven(args);
  const out: string[] = [];
  const keys = new Map<string, string>();
  for (const { option, key, value } of CONFIG_KEYS) {
    const v = value(file);
    if (v === undefined || given.has(option)) continue;
    if (key === "metrics_addr" && Array.isArray(v) && v.length > 1) {
      throw new CliError(
        "usage",
        `${path}: metrics_addr: tzp2p serves metrics on one address, got ${v.length}`,
      );
    }
    keys.set(option, key);
    if (typeof v === "boolean") {
      if (v) out.push(`--${option}`);
    } else if (Array.isArray(v)) {
      for (const item of v) out.push(`--${option}=${item}`);
    } else out.push(`--${option}=${v}`);
  }
  return { args: out, keys };
}

/**
 * The configuration of a command line and, with `--data-dir`, its `config.json` (the directory is
 * created if missing, as Octez's node creates its data directory).
 *
 * @param args The arguments after `node`.
 * @returns The configuration.
 * @throws {CliError} `usage` on bad options, in the file too (naming it and the key).
 */
export async function nodeConfig(args: readonly string[]): Promise<NodeCommandConfig> {
  const dataDir = parseNodeArgs(["--profile=simple", ...dataDirArgs(args)]).dataDir;
  if (dataDir === undefined) return parseNodeArgs(args);
  try {
    await Deno.mkdir(dataDir, { recursive: true });
  } catch (e) {
    throw new CliError("io", `cannot create --data-dir ${dataDir}: ${(e as Error).message}`, {}, {
      cause: e,
    });
  }
  const path = `${dataDir}/${CONFIG_FILE_NAME}`;
  let file: NodeConfigFile;
  try {
    file = await loadConfigFile(path);
  } catch (e) {
    if (!isNodeError(e, "data_file")) throw e;
    throw new CliError("usage", e.message, {}, { cause: e });
  }
  const fromFile = configFileArgs(file, args, path);
  try {
    return parseNodeArgs([...fromFile.args, ...args]);
  } catch (e) {
    // Name the file's key when the option at fault came from it.
    const option = isCliError(e, "usage") ? /--([a-z-]+)/.exec(e.message)?.[1] : undefined;
    const key = option === undefined ? undefined : fromFile.keys.get(option);
    if (key === undefined || !isCliError(e)) throw e;
    throw new CliError("usage", `${path}: ${key}: ${e.message}`, {}, { cause: e });
  }
}

/** Only the `--data-dir` of a command line (the last one), to find the file before the rest. */
function dataDirArgs(args: readonly string[]): string[] {
  let found: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--") break;
    if (args[i] === "--data-dir" && i + 1 < args.length) found = [args[i], args[++i]];
    else if (args[i].startsWith("--data-dir=")) found = [args[i]];
  }
  return found;
}

/** A camelCase key in snake_case (`peerId` → `peer_id`). */
function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A value with snake_case keys at every depth, `undefined` as `null`, bytes as hex. */
function toJsonValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Uint8Array) {
    return Array.from(value, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [snakeCase(k), toJsonValue(v)]),
    );
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}

/**
 * One JSON line of an event: the event's fields in snake_case, `null` for absent values.
 *
 * @param event A node event, or one of the command's own (`listening`, `stopped`).
 * @returns The line, with its newline.
 */
export function formatEventJson(event: NodeEvent | CommandEvent): string {
  return `${JSON.stringify(toJsonValue(event))}\n`;
}

const show = (v: string | undefined) => v ?? "?";

/**
 * One readable line of an event (without the time stamp).
 *
 * @param event A node event.
 * @returns The line, without newline.
 */
export function formatEventText(event: NodeEvent): string {
  switch (event.event) {
    case "connection_established":
      return `connected to ${event.peerId} at ${show(event.point)} (${event.direction}) ${
        JSON.stringify(toJsonValue(event.metadata))
      }`;
    case "connection_closed":
      return `disconnected from ${event.peerId} at ${show(event.point)}: ${event.reason}`;
    case "handshake_failed":
      return `handshake failed (${event.direction}, ${show(event.point)}${
        event.peerId === undefined ? "" : `, ${event.peerId}`
      }): ${event.error}: ${event.message}`;
    case "handshake_refused":
      return `handshake refused by ${
        event.by === "local" ? "us" : "the peer"
      } (${event.direction}, ${show(event.point)}${
        event.peerId === undefined ? "" : `, ${event.peerId}`
      }): ${event.motive}`;
    case "message_delivered":
      return `message ${event.topic === undefined ? "" : `on ${event.topic} `}${
        event.messageId === undefined ? "" : `${event.messageId} `
      }(${event.size} bytes)${event.from === undefined ? "" : ` from ${event.from}`}`;
    case "graft":
    case "prune":
      return `${event.event} ${
        event.direction === "sent" ? "sent to" : "received from"
      } ${event.peerId} on ${event.topic}`;
    case "greylisted":
    case "banned":
      return `${event.event} ${event.address ?? event.peerId}: ${event.reason}`;
    case "heartbeat":
      return `heartbeat ${event.ticks}: ${
        event.durationMs.toFixed(2)
      } ms, ${event.connections} connections, ${event.meshPeers} mesh peers`;
  }
}

/**
 * Whether an event is logged: heartbeats (one a second) only as a summary every minute, so that
 * a log stays readable; a metrics endpoint has every one.
 *
 * @param event The event.
 * @returns Whether to print it.
 */
export function isLogged(event: NodeEvent | CommandEvent): boolean {
  return event.event !== "heartbeat" || event.ticks % 60 === 0;
}

/** The command's own events, around the node's. */
export type CommandEvent =
  | {
    readonly event: "listening";
    readonly point: string | null;
    readonly peerId: string;
    readonly pid: number;
    /** `http://HOST:PORT/metrics`: present only with `--metrics`. */
    readonly metricsUrl?: string;
  }
  | { readonly event: "stopped" };

/** What the command needs of a running node, whatever its profile. */
interface RunningNode extends OpsNode {
  readonly acl: NodeAcl;
  readonly listeningPoint: PointId | undefined;
  readonly peerId: Uint8Array;
  close(): Promise<void>;
}

/** Resolves host names to addresses (A and AAAA records). */
export type Resolver = (host: string) => Promise<string[]>;

async function resolveDns(host: string): Promise<string[]> {
  const results = await Promise.allSettled([
    Deno.resolveDns(host, "A"),
    Deno.resolveDns(host, "AAAA"),
  ]);
  const addresses = results.flatMap((r) => r.status === "fulfilled" ? r.value : []);
  if (addresses.length === 0) {
    const reason = results.find((r) => r.status === "rejected")?.reason;
    throw new CliError(
      "io",
      reason instanceof Error ? reason.message : "no address",
      {},
      reason === undefined ? undefined : { cause: reason },
    );
  }
  return addresses;
}

/** Points of the `--peer` values; a name that does not resolve is reported and skipped. */
async function resolvePeers(
  peers: readonly PeerSpec[],
  resolve: Resolver,
  warn: (text: string) => void,
): Promise<(PointId | string)[]> {
  const points: (PointId | string)[] = [];
  for (const peer of peers) {
    if (peer.kind === "point") {
      points.push(
        peer.peerId === undefined
          ? peer.point
          : `${pointIdToString(peer.point)}#${peerIdToString(peer.peerId)}`,
      );
      continue;
    }
    try {
      for (const addr of await resolve(peer.host)) {
        points.push(
          parsePointId(addr.includes(":") ? `[${addr}]:${peer.port}` : `${addr}:${peer.port}`),
        );
      }
    } catch (e) {
      warn(`cannot resolve --peer ${peer.host}: ${(e as Error).message}; skipping it`);
    }
  }
  return points;
}

/**
 * The node's identity: the file's if it exists (as Octez's `Identity_file.init`,
 * src/lib_base/p2p_identity_file/identity_file.ml 258-268, which does not check the stamp of an
 * existing file: we warn when it is below `expectedPow`), else a new one of `expectedPow` written
 * there, with `identity generate`'s progress display on standard error.
 */
async function nodeIdentity(config: NodeCommandConfig, io: CliIo): Promise<Identity> {
  let exists = true;
  try {
    await Deno.lstat(config.identityPath);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new CliError("io", `cannot check ${config.identityPath}: ${(e as Error).message}`, {}, {
        cause: e,
      });
    }
    exists = false;
  }
  if (!exists) {
    io.err(`no identity at ${config.identityPath}: generating one\n`);
    // Its result lines go to stderr: stdout carries only events.
    await identityGenerate(
      ["--pow", String(config.expectedPow), "--out", config.identityPath],
      { ...io, out: (text) => Promise.resolve(io.err(text)) },
    );
  }
  const identity = await loadIdentity(config.identityPath);
  const bits = powBitsReached(identity.publicKey, identity.proofOfWorkStamp);
  if (bits < config.expectedPow) {
    io.err(
      `warning: the identity in ${config.identityPath} reaches proof-of-work difficulty ${bits}, ` +
        `below --expected-pow ${config.expectedPow}: peers that expect ${config.expectedPow} ` +
        `refuse it (make a new one with tzp2p identity generate --pow ${config.expectedPow})\n`,
    );
  }
  return identity;
}

async function startNode(
  config: NodeCommandConfig,
  identity: Identity,
  bootstrapPoints: readonly (PointId | string)[],
  knownPoints: readonly KnownPointRecord[],
  onEvent: (event: NodeEvent) => void,
): Promise<RunningNode> {
  // The `#id…` of a --peer stays with its point (Octez's bootstrap peers may name theirs).
  const common = {
    identity,
    expectedPow: config.expectedPow,
    chainName: config.chain,
    onEvent,
    listen: { host: config.listen.addr, port: config.listen.port },
    bootstrapPoints,
    knownPoints,
    trustedPoints: config.trustedPoints,
    privateMode: config.privateMode,
  };
  switch (config.profile) {
    case "shell":
      return await createShellNode(common);
    case "dal":
      return await createNode({
        ...common,
        profile: "dal",
        topics: config.topics as readonly DalTopic[],
        bootstrapPeer: config.bootstrapPeer,
      });
    case "simple":
      return await createNode({
        ...common,
        profile: "simple",
        topics: config.topics as readonly string[],
      });
  }
}

const STOP_SIGNALS: readonly Deno.Signal[] = Deno.build.os === "windows"
  ? ["SIGINT"]
  : ["SIGINT", "SIGTERM"];

/**
 * `node [options]`: runs a node until SIGINT or SIGTERM.
 *
 * @param args Arguments after `node`.
 * @param io Where to report.
 * @param resolve How `--peer` host names are resolved (default: DNS A and AAAA records).
 * @throws {CliError} `usage` on bad arguments, `identity`/`io` when the identity cannot be read or
 * written or the node cannot listen, `interrupted` when stopped while generating an identity.
 */
export async function nodeCommand(
  args: readonly string[],
  io: CliIo,
  resolve: Resolver = resolveDns,
): Promise<void> {
  const config = await nodeConfig(args);
  // peers.json before the identity: a corrupt file stops the node before a long PoW search.
  const peersPath = config.dataDir === undefined
    ? undefined
    : `${config.dataDir}/${PEERS_FILE_NAME}`;
  let knownPoints: KnownPointRecord[] = [];
  if (peersPath !== undefined) {
    try {
      knownPoints = await loadPeersFile(peersPath);
    } catch (e) {
      if (!isNodeError(e, "data_file")) throw e;
      throw new CliError("invalid_input", e.message, {}, { cause: e });
    }
  }
  const identity = await nodeIdentity(config, io);
  const bootstrapPoints = await resolvePeers(config.peers, resolve, (t) => io.err(`${t}\n`));

  // Events arrive synchronously; stdout writes are asynchronous, so they are chained in order.
  let written = Promise.resolve();
  const emit = (event: NodeEvent | CommandEvent) => {
    if (!isLogged(event)) return;
    if (config.log === "json") {
      const line = formatEventJson(event);
      written = written.then(() => io.out(line)).catch(() => {});
    } else if (event.event !== "listening" && event.event !== "stopped") {
      io.err(`${new Date().toISOString()} ${formatEventText(event)}\n`);
    }
  };

  // Built before the node: it counts the node's events from the first.
  const metrics = config.metrics === undefined ? undefined : nodeMetrics();
  const stop = Promise.withResolvers<void>();
  const onSignal = () => stop.resolve();
  for (const signal of STOP_SIGNALS) Deno.addSignalListener(signal, onSignal);
  try {
    let node: RunningNode;
    try {
      node = await startNode(config, identity, bootstrapPoints, knownPoints, (event) => {
        metrics?.onEvent(event);
        emit(event);
      });
    } catch (e) {
      if (isCliError(e)) throw e;
      if (
        e instanceof Deno.errors.AddrInUse || e instanceof Deno.errors.AddrNotAvailable ||
        e instanceof Deno.errors.PermissionDenied
      ) {
        throw new CliError(
          "io",
          `cannot listen on ${pointIdToString(config.listen)}: ${(e as Error).message}`,
          {},
          { cause: e },
        );
      }
      throw e;
    }
    for (const addr of config.banIps) node.acl.banIp(addr);
    for (const peerId of config.banPeers) node.acl.banPeer(peerId);
    let ops: OpsServer | undefined;
    if (config.metrics !== undefined) {
      try {
        ops = serveOps(node, {
          hostname: config.metrics.addr,
          port: config.metrics.port,
          metrics,
          rpcAcl: config.rpcAcl,
        });
      } catch (e) {
        await node.close();
        throw new CliError(
          "io",
          `cannot serve --metrics on ${pointIdToString(config.metrics)}: ${(e as Error).message}`,
          {},
          { cause: e },
        );
      }
    }
    const point = node.listeningPoint === undefined ? null : pointIdToString(node.listeningPoint);
    const peerId = peerIdToString(node.peerId);
    const metricsUrl = ops === undefined ? undefined : `${ops.url}metrics`;
    emit({
      event: "listening",
      point,
      peerId,
      pid: Deno.pid,
      ...(metricsUrl === undefined ? {} : { metricsUrl }),
    });
    if (config.log === "text") {
      io.err(
        `${new Date().toISOString()} ${config.profile} node ${peerId} listening on ${point}${
          metricsUrl === undefined ? "" : `, metrics at ${metricsUrl}`
        }\n`,
      );
    }
    let saver: PeersSaver | undefined;
    if (peersPath !== undefined) {
      const running = node;
      saver = startPeersSaver(peersPath, () => running.snapshot().points, {
        everyMs: config.saveEveryMs,
        onError: (e) => io.err(`${new Date().toISOString()} warning: ${e.message}\n`),
      });
      if (config.log === "text") {
        io.err(
          `${new Date().toISOString()} data directory ${config.dataDir}: ${knownPoints.length} ` +
            `known points loaded\n`,
        );
      }
    }
    await stop.promise;
    // The last save before closing: a closed node has no connections left to record.
    let saveError: unknown;
    await saver?.close().catch((e) => saveError = e);
    await ops?.close();
    await node.close();
    emit({ event: "stopped" });
    if (config.log === "text") io.err(`${new Date().toISOString()} stopped\n`);
    await written;
    if (saveError !== undefined) {
      throw new CliError("io", (saveError as Error).message, {}, { cause: saveError });
    }
  } finally {
    for (const signal of STOP_SIGNALS) Deno.removeSignalListener(signal, onSignal);
  }
}

/**
 * The options of `tzp2p node`: the usage text, parsing the command line, points and bans, and
 * merging a data directory's `config.json` under the flags.
 *
 * @module
 */

import { parsePointId, type PointId } from "../base/point_id.ts";
import { peerIdFromString, peerIdToString } from "../crypto/mod.ts";
import { makePointId } from "../base/point_id.ts";
import { parsePointIdWithPeerId } from "../crypto/peer_id.ts";
import type { DalTopic } from "../../gen/gossipsub.ts";
import { parseDalTopic } from "../node/dal_topic.ts";
import {
  CONFIG_FILE_NAME,
  IDENTITY_FILE_NAME,
  loadConfigFile,
  type NodeConfigFile,
} from "../node/data_dir.ts";
import { isNodeError } from "../node/errors.ts";
import { numberOption, parseArgs } from "./args.ts";
import { CliError, isCliError } from "./errors.ts";

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

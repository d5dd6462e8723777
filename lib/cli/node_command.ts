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
import { type Identity, peerIdToString } from "../crypto/mod.ts";
import { parsePointIdWithPeerId } from "../crypto/peer_id.ts";
import type { DalTopic } from "../../gen/gossipsub.ts";
import { parseDalTopic } from "../node/dal_topic.ts";
import type { NodeEvent } from "../node/events.ts";
import { createNode, createShellNode } from "../node/mod.ts";
import { numberOption, parseArgs } from "./args.ts";
import { CliError, isCliError } from "./errors.ts";
import { identityGenerate, loadIdentity } from "./identity_command.ts";
import type { CliIo } from "./io.ts";
import { powBitsReached } from "./pow_bits.ts";

/** Usage text of the node command. */
export const NODE_USAGE: string = `\
tzp2p node [--profile shell|dal|simple] [--chain NAME] [--identity FILE] [--listen HOST:PORT]
           [--peer POINT]... [--expected-pow N] [--topic TOPIC]... [--bootstrap-peer]
           [--log text|json]
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
    --expected-pow  proof of work demanded from peers and given to a new identity (default 26).
    --topic    a topic to join; dal: SLOT:PKH (e.g. 0:tz1…); simple: any text; not for shell.
    --bootstrap-peer  dal: announce is_bootstrap_peer (peers then send us no shards).
    --log      text (default): readable lines on stderr; json: one JSON event per stdout line,
               first {"event":"listening","point":…,"peer_id":…,"pid":…}, then
               connection_established, connection_closed, handshake_failed, handshake_refused,
               message_delivered (snake_case keys, null when unknown), last {"event":"stopped"}.
`;

/** The profiles of the command. */
export type NodeProfile = "shell" | "dal" | "simple";

/** A `--peer` value: a point, or a host name still to resolve. */
export type PeerSpec =
  | { readonly kind: "point"; readonly point: PointId }
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
  /** Proof of work demanded from peers and given to a new identity. */
  readonly expectedPow: number;
  /** Topics: strings (`simple`) or DAL topics (`dal`); none for `shell`. */
  readonly topics: readonly string[] | readonly DalTopic[];
  /** `dal`: announce `is_bootstrap_peer`. */
  readonly bootstrapPeer: boolean;
  /** How to report. */
  readonly log: "text" | "json";
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
    return { kind: "point", point: parsePointIdWithPeerId(text).point };
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
 * Checks the node command's arguments.
 *
 * @param args The arguments after `node`.
 * @returns The configuration.
 * @throws {CliError} `usage` on any bad or inconsistent option.
 */
export function parseNodeArgs(args: readonly string[]): NodeCommandConfig {
  const parsed = parseArgs(args, {
    flags: ["bootstrap-peer"],
    options: ["profile", "chain", "identity", "listen", "expected-pow", "log"],
    repeatable: ["peer", "topic"],
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
  return {
    profile,
    chain,
    identityPath: parsed.options.get("identity") ?? "identity.json",
    listen,
    peers,
    expectedPow,
    topics,
    bootstrapPeer,
    log,
  };
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
  }
}

/** The command's own events, around the node's. */
export type CommandEvent =
  | {
    readonly event: "listening";
    readonly point: string | null;
    readonly peerId: string;
    readonly pid: number;
  }
  | { readonly event: "stopped" };

/** What the command needs of a running node, whatever its profile. */
interface RunningNode {
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
): Promise<PointId[]> {
  const points: PointId[] = [];
  for (const peer of peers) {
    if (peer.kind === "point") {
      points.push(peer.point);
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
  bootstrapPoints: readonly PointId[],
  onEvent: (event: NodeEvent) => void,
): Promise<RunningNode> {
  const common = {
    identity,
    expectedPow: config.expectedPow,
    chainName: config.chain,
    onEvent,
    listen: { host: config.listen.addr, port: config.listen.port },
    bootstrapPoints,
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
  const config = parseNodeArgs(args);
  const identity = await nodeIdentity(config, io);
  const bootstrapPoints = await resolvePeers(config.peers, resolve, (t) => io.err(`${t}\n`));

  // Events arrive synchronously; stdout writes are asynchronous, so they are chained in order.
  let written = Promise.resolve();
  const emit = (event: NodeEvent | CommandEvent) => {
    if (config.log === "json") {
      const line = formatEventJson(event);
      written = written.then(() => io.out(line)).catch(() => {});
    } else if (event.event !== "listening" && event.event !== "stopped") {
      io.err(`${new Date().toISOString()} ${formatEventText(event)}\n`);
    }
  };

  const stop = Promise.withResolvers<void>();
  const onSignal = () => stop.resolve();
  for (const signal of STOP_SIGNALS) Deno.addSignalListener(signal, onSignal);
  try {
    let node: RunningNode;
    try {
      node = await startNode(config, identity, bootstrapPoints, emit);
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
    const point = node.listeningPoint === undefined ? null : pointIdToString(node.listeningPoint);
    const peerId = peerIdToString(node.peerId);
    emit({ event: "listening", point, peerId, pid: Deno.pid });
    if (config.log === "text") {
      io.err(
        `${new Date().toISOString()} ${config.profile} node ${peerId} listening on ${point}\n`,
      );
    }
    await stop.promise;
    await node.close();
    emit({ event: "stopped" });
    if (config.log === "text") io.err(`${new Date().toISOString()} stopped\n`);
    await written;
  } finally {
    for (const signal of STOP_SIGNALS) Deno.removeSignalListener(signal, onSignal);
  }
}

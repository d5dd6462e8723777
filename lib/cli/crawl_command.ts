/**
 * `tzp2p crawl`: maps an L1 network. From the `--peer` points it connects to each point as an
 * Octez L1 peer would (shell metadata, distributed-db versions 0–2, the chain name of `--chain`),
 * sends `Bootstrap` and follows the `Advertise` answers and the points of Nacks breadth-first,
 * asks the peer's current head, and prints one JSON line per point, then a summary line:
 *
 * ```text
 * {"type":"point","point":"…","source":"command_line","status":"ok","reachable":true,
 *  "error":null,"message":null,"motive":null,"peer_id":"id…",
 *  "version":{"chain_name":"TEZOS_MAINNET","distributed_db_version":2,"p2p_version":1},
 *  "metadata":{"disable_mempool":false,"private_node":false},"chain_id":"Net…",
 *  "head":{"level":…,"hash":"B…","predecessor":"B…","timestamp":"…Z","proto_level":…,
 *   "fitness":["02",…]},"advertised":12,"elapsed_ms":85}
 * {"type":"summary","points_tried":…,"reached":…,"with_head":…,"unreachable":…,
 *  "refused":{"Unknown_chain_name":1},"failed":{"Decoding_error":1},"not_tried":0,
 *  "head_levels":{"4123":7},"elapsed_ms":…}
 * ```
 *
 * Statuses: `ok` (Ack exchanged), `refused` (the peer sent a Nack: `motive` is Octez's name of it,
 * `P2p_rejection`), `incompatible` (the peer acked but we could not select a version with it),
 * `unreachable` (no TCP connection: refused or timed out) and `failed` (a TCP connection, then a
 * handshake or session error: `error` is Octez's name of it, e.g. `Decoding_error`).
 *
 * How the head is asked: an Octez node greets every new connection with `Get_current_branch` of
 * its chain (src/lib_shell/p2p_reader.ml 806-820 at tezos-mirror d26a8bef82), which gives the chain
 * id (or `--chain-id`); it answers `Get_current_head` only from a peer that activated the chain
 * with `Get_current_branch` (`may_handle`, 256-264, 420-437), so the crawler sends both, and takes
 * the head of `Current_head`, or else the head of the `Current_branch` locator. Shell messages do
 * not carry the protocol hash (it is in the block's metadata, not its header): the head reports
 * `proto_level`, the number of protocol changes since genesis.
 *
 * The crawler announces `disable_mempool` (peers then send no mempool, p2p_reader.ml 423-431) and
 * not `private_node` (peers do not answer a private node's Bootstrap), and does not listen.
 *
 * @module
 */

import { makePointId, parsePointId, type PointId } from "../base/point_id.ts";
import { base58CheckDecode } from "../crypto/base58.ts";
import { CHAIN_ID_PREFIX, type ChainId } from "../../gen/shell.ts";
import { MAINNET_CHAIN_NAME } from "../node/profiles.ts";
import { numberOption, parseArgs } from "./args.ts";
import { CliError } from "./errors.ts";
import { identityOnDemand } from "./identity_command.ts";
import type { CliIo } from "./io.ts";
import { parsePeer, type PeerSpec } from "./node_args.ts";

import { crawl, type CrawlRecord, type CrawlSummary, formatCrawlProgress } from "./crawler.ts";

/** Usage text of the crawl command. */
export const CRAWL_USAGE: string = `\
tzp2p crawl --peer POINT... [--chain NAME] [--chain-id NET_ID] [--identity FILE]
            [--expected-pow N] [--concurrency N] [--timeout-s S] [--connect-timeout-ms MS]
            [--max-points N]
    Maps an L1 network from the --peer points: connects to each point as an Octez L1 peer,
    follows Advertise (Bootstrap answers) and Nack points breadth-first, asks each peer's
    current head, and prints one JSON line per point (status ok, refused with the Nack motive,
    incompatible, unreachable or failed; peer id, announced version, metadata, head level,
    hash, timestamp, protocol level, fitness), then {"type":"summary",…}. A progress line
    goes to stderr when it is a terminal.
    --peer     a point, IP:PORT, [IPv6]:PORT or a host name (port defaults to 9732); repeatable.
    --chain    the L1 chain name announced (default TEZOS_MAINNET).
    --chain-id the chain id (Net…) asked for; default: the one the peer announces first.
    --identity Octez identity.json (default ./identity.json); created with --expected-pow if
               missing.
    --expected-pow  proof of work demanded from peers and given to a new identity (default 26).
    --concurrency   points crawled at once (default 8).
    --timeout-s     total time; points not tried by then are counted as not_tried (default 60).
    --connect-timeout-ms  time for one point: TCP connect, handshake, and the answers (default
               10000, Octez's outgoing connection limit).
    --max-points    stop queueing new points past this many (default 1000).
`;

/** The crawl command's arguments, checked. */
export interface CrawlConfig {
  /** Starting points. */
  readonly peers: readonly PeerSpec[];
  /** Chain name announced. */
  readonly chain: string;
  /** Chain id asked for (`undefined`: learnt from each peer). */
  readonly chainId: ChainId | undefined;
  /** Identity file. */
  readonly identityPath: string;
  /** Proof of work demanded and given to a new identity. */
  readonly expectedPow: number;
  /** Points crawled at once. */
  readonly concurrency: number;
  /** Total time, ms. */
  readonly timeoutMs: number;
  /** Time for one point, ms. */
  readonly connectTimeoutMs: number;
  /** Largest number of points queued. */
  readonly maxPoints: number;
}

/**
 * Checks the crawl command's arguments.
 *
 * @param args The arguments after `crawl`.
 * @returns The configuration.
 * @throws {CliError} `usage` on a bad or missing option.
 */
export function parseCrawlArgs(args: readonly string[]): CrawlConfig {
  const parsed = parseArgs(args, {
    options: [
      "chain",
      "chain-id",
      "identity",
      "expected-pow",
      "concurrency",
      "timeout-s",
      "connect-timeout-ms",
      "max-points",
    ],
    repeatable: ["peer"],
  });
  if (parsed.positional.length > 0) {
    throw new CliError("usage", `unexpected argument ${JSON.stringify(parsed.positional[0])}`);
  }
  const peers = (parsed.lists.get("peer") ?? []).map((p) => parsePeer(p, 9732));
  if (peers.length === 0) throw new CliError("usage", "crawl needs at least one --peer");
  const chain = parsed.options.get("chain") ?? MAINNET_CHAIN_NAME;
  if (chain === "") throw new CliError("usage", "--chain must not be empty");
  const chainIdText = parsed.options.get("chain-id");
  let chainId: ChainId | undefined;
  if (chainIdText !== undefined) {
    try {
      chainId = base58CheckDecode(chainIdText, CHAIN_ID_PREFIX, 4);
    } catch (e) {
      throw new CliError("usage", `--chain-id must be a chain id (Net…), got ${chainIdText}`, {}, {
        cause: e,
      });
    }
  }
  const whole = (min: number) => (n: number) => Number.isInteger(n) && n >= min;
  return {
    peers,
    chain,
    chainId,
    identityPath: parsed.options.get("identity") ?? "identity.json",
    expectedPow: numberOption(
      parsed.options.get("expected-pow"),
      "expected-pow",
      26,
      (n) => n >= 0 && n <= 256,
      "a number from 0 to 256",
    ),
    concurrency: numberOption(
      parsed.options.get("concurrency"),
      "concurrency",
      8,
      whole(1),
      "a whole number ≥ 1",
    ),
    timeoutMs: 1000 * numberOption(
      parsed.options.get("timeout-s"),
      "timeout-s",
      60,
      (n) => n > 0 && Number.isFinite(n),
      "a positive number of seconds",
    ),
    connectTimeoutMs: numberOption(
      parsed.options.get("connect-timeout-ms"),
      "connect-timeout-ms",
      10_000,
      whole(1),
      "a whole number of milliseconds ≥ 1",
    ),
    maxPoints: numberOption(
      parsed.options.get("max-points"),
      "max-points",
      1000,
      whole(1),
      "a whole number ≥ 1",
    ),
  };
}

/** A camelCase key in snake_case (`peerId` → `peer_id`). */
function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A record with snake_case keys at every depth, except the keys of the count tables. */
function toJson(value: unknown, keepKeys = false): unknown {
  if (Array.isArray(value)) return value.map((v) => toJson(v));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        keepKeys ? k : snakeCase(k),
        toJson(v, k === "refused" || k === "failed" || k === "headLevels"),
      ]),
    );
  }
  return value;
}

/**
 * One JSON line of a record or of the summary.
 *
 * @param value A record or the summary.
 * @returns The line, with its newline.
 */
export function formatCrawlJson(value: CrawlRecord | CrawlSummary): string {
  return `${JSON.stringify(toJson(value))}\n`;
}

/** Resolves host names to addresses (A and AAAA records). */
export type CrawlResolver = (host: string) => Promise<string[]>;

async function resolveDns(host: string): Promise<string[]> {
  const results = await Promise.allSettled([
    Deno.resolveDns(host, "A"),
    Deno.resolveDns(host, "AAAA"),
  ]);
  return results.flatMap((r) => r.status === "fulfilled" ? r.value : []);
}

/**
 * `crawl [options]`: crawls and prints JSON lines on standard output.
 *
 * @param args Arguments after `crawl`.
 * @param io Where to print.
 * @param resolve How `--peer` host names are resolved (default: DNS).
 * @throws {CliError} `usage` on bad arguments, `identity`/`io` when the identity cannot be read or
 * written, `interrupted` when stopped while generating an identity.
 */
export async function crawlCommand(
  args: readonly string[],
  io: CliIo,
  resolve: CrawlResolver = resolveDns,
): Promise<void> {
  const config = parseCrawlArgs(args);
  const identity = await identityOnDemand(config.identityPath, config.expectedPow, io);
  const start: PointId[] = [];
  for (const peer of config.peers) {
    if (peer.kind === "point") start.push(peer.point);
    else {
      const addresses = await resolve(peer.host).catch(() => [] as string[]);
      if (addresses.length === 0) io.err(`cannot resolve --peer ${peer.host}; skipping it\n`);
      for (const a of addresses) {
        start.push(
          a.includes(":") ? parsePointId(`[${a}]:${peer.port}`) : makePointId(a, peer.port),
        );
      }
    }
  }
  let written = Promise.resolve();
  const print = (line: string) => {
    written = written.then(() => io.out(line)).catch(() => {});
  };
  let drawn = false;
  let lastDraw = 0;
  const columns = io.errColumns ?? Infinity;
  const summary = await crawl(
    start,
    {
      identity,
      chain: config.chain,
      chainId: config.chainId,
      expectedPow: config.expectedPow,
      connectTimeoutMs: config.connectTimeoutMs,
    },
    { concurrency: config.concurrency, timeoutMs: config.timeoutMs, maxPoints: config.maxPoints },
    (record) => print(formatCrawlJson(record)),
    (progress) => {
      // A redrawn line only on a terminal, at most 10 times a second.
      if (!io.errIsTerminal || performance.now() - lastDraw < 100) return;
      lastDraw = performance.now();
      let line = formatCrawlProgress(progress);
      if (line.length >= columns) line = line.slice(0, columns - 1);
      io.err(`\r${line}\x1b[K`);
      drawn = true;
    },
  );
  if (drawn) io.err("\n");
  print(formatCrawlJson(summary));
  await written;
}

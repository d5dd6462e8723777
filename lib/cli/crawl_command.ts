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

import { makePointId, parsePointId, type PointId, pointIdToString } from "../base/point_id.ts";
import { rejectionMotiveName } from "../base/rejection.ts";
import {
  accept,
  authenticate,
  type Connection,
  type ConnectionMetadata,
  isP2pError,
  P2pError,
  shellMetadataCodec,
} from "../connection/mod.ts";
import { type Identity, makePowTarget, peerIdToString } from "../crypto/mod.ts";
import { base58CheckDecode, base58CheckEncode } from "../crypto/base58.ts";
import {
  BLOCK_HASH_PREFIX,
  type BlockHeader,
  CHAIN_ID_PREFIX,
  type ChainId,
  shellCodec,
  type ShellMessage,
} from "../../gen/shell.ts";
import { timestampToJson } from "../encoding/shell_json.ts";
import { toHex } from "../encoding/hex.ts";
import { blockHash } from "../node/shell_chain.ts";
import { MAINNET_CHAIN_NAME } from "../node/profiles.ts";
import { octezErrorName } from "../node/pool.ts";
import { numberOption, parseArgs } from "./args.ts";
import { CliError } from "./errors.ts";
import { identityGenerate, loadIdentity } from "./identity_command.ts";
import type { CliIo } from "./io.ts";
import { parsePeer, type PeerSpec } from "./node_command.ts";
import { powBitsReached } from "./pow_bits.ts";
import { formatDuration } from "./progress.ts";

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

/** How a point came to be crawled. */
export type PointSource = "command_line" | "advertise" | "nack";

/** What happened at a point. */
export type CrawlStatus = "ok" | "refused" | "incompatible" | "unreachable" | "failed";

/** The head a peer announced. */
export interface CrawledHead {
  /** Level. */
  readonly level: number;
  /** Block hash (`B…`). */
  readonly hash: string;
  /** Predecessor's hash (`B…`). */
  readonly predecessor: string;
  /** Timestamp, RFC 3339. */
  readonly timestamp: string;
  /** Protocol changes since genesis (the header's `proto`). */
  readonly protoLevel: number;
  /** Fitness elements, hex. */
  readonly fitness: readonly string[];
}

/** One point's record (printed with snake_case keys). */
export interface CrawlRecord {
  /** Always `point`. */
  readonly type: "point";
  /** The point. */
  readonly point: string;
  /** How it was found. */
  readonly source: PointSource;
  /** What happened. */
  readonly status: CrawlStatus;
  /** A TCP connection was established. */
  readonly reachable: boolean;
  /** Octez's name of the error (`Connection_refused`, `Timeout`, `Decoding_error`…). */
  readonly error: string | null;
  /** The error's message. */
  readonly message: string | null;
  /** Octez's name of the Nack motive (`refused`), or of ours (`incompatible`). */
  readonly motive: string | null;
  /** The peer id (`id…`). */
  readonly peerId: string | null;
  /** The version the peer announced. */
  readonly version:
    | { chainName: string; distributedDbVersion: number; p2pVersion: number }
    | null;
  /** The peer's connection metadata. */
  readonly metadata: ConnectionMetadata | null;
  /** The chain id asked (`Net…`). */
  readonly chainId: string | null;
  /** The peer's current head. */
  readonly head: CrawledHead | null;
  /** Points the peer advertised (Advertise and Nack lists). */
  readonly advertised: number;
  /** Time spent on the point, ms. */
  readonly elapsedMs: number;
}

/** The final line. */
export interface CrawlSummary {
  /** Always `summary`. */
  readonly type: "summary";
  /** Points crawled. */
  readonly pointsTried: number;
  /** Points with an established session (`ok`). */
  readonly reached: number;
  /** Points whose head was read. */
  readonly withHead: number;
  /** Points without a TCP connection. */
  readonly unreachable: number;
  /** Peers that acked though no version could be selected. */
  readonly incompatible: number;
  /** Nacks by motive. */
  readonly refused: Record<string, number>;
  /** Other failures by error name. */
  readonly failed: Record<string, number>;
  /** Points found but not crawled (time or `--max-points` ran out). */
  readonly notTried: number;
  /** Heads by level. */
  readonly headLevels: Record<string, number>;
  /** Total time, ms. */
  readonly elapsedMs: number;
}

interface Found {
  readonly point: PointId;
  readonly source: PointSource;
}

/** What a crawl needs besides the points. */
export interface CrawlSettings {
  /** Our identity. */
  readonly identity: Identity;
  /** Chain name announced. */
  readonly chain: string;
  /** Chain id asked (`undefined`: learnt from the peer). */
  readonly chainId: ChainId | undefined;
  /** Proof of work demanded. */
  readonly expectedPow: number;
  /** Time for one point, ms. */
  readonly connectTimeoutMs: number;
  /** Ends every crawl in progress. */
  readonly signal: AbortSignal;
}

/** After the head, how long to wait for an Advertise that may not come (ms). */
const ADVERTISE_GRACE_MS = 500;

function headOf(header: BlockHeader): CrawledHead {
  return {
    level: header.level,
    hash: base58CheckEncode(BLOCK_HASH_PREFIX, blockHash(header)),
    predecessor: base58CheckEncode(BLOCK_HASH_PREFIX, header.predecessor),
    timestamp: timestampToJson(header.timestamp),
    protoLevel: header.protoLevel,
    fitness: header.fitness.map(toHex),
  };
}

async function dialTcp(point: PointId, timeoutMs: number, signal: AbortSignal): Promise<Deno.Conn> {
  const dialling = Deno.connect({ hostname: point.addr, port: point.port });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await new Promise<Deno.Conn>((resolve, reject) => {
      dialling.then(resolve, reject);
      timer = setTimeout(
        () => reject(new P2pError("timeout", `TCP connect timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      onAbort = () => reject(new P2pError("canceled", "the crawl's time is up"));
      signal.addEventListener("abort", onAbort, { once: true });
    });
  } catch (e) {
    dialling.then((late) => late.close(), () => {}); // Deno.connect cannot be interrupted
    throw e;
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
  }
}

/**
 * Crawls one point: TCP, handshake, Ack, then Bootstrap and the head.
 *
 * @param found The point and how it was found.
 * @param s The settings.
 * @param discovered Called with each point the peer advertises (Advertise or Nack).
 * @returns The record.
 */
export async function crawlPoint(
  found: Found,
  s: CrawlSettings,
  discovered: (point: PointId, source: PointSource) => void,
): Promise<CrawlRecord> {
  const started = performance.now();
  const text = pointIdToString(found.point);
  let reachable = false;
  let peerId: string | null = null;
  let version: CrawlRecord["version"] = null;
  let metadata: ConnectionMetadata | null = null;
  let chainId = s.chainId;
  let head: CrawledHead | null = null;
  let advertised = 0;
  const record = (
    status: CrawlStatus,
    extra: { error?: string; message?: string; motive?: string } = {},
  ): CrawlRecord => ({
    type: "point",
    point: text,
    source: found.source,
    status,
    reachable,
    error: extra.error ?? null,
    message: extra.message ?? null,
    motive: extra.motive ?? null,
    peerId,
    version,
    metadata,
    chainId: chainId === undefined ? null : base58CheckEncode(CHAIN_ID_PREFIX, chainId),
    head,
    advertised,
    elapsedMs: Math.round(performance.now() - started),
  });
  const left = () => Math.max(1, s.connectTimeoutMs - (performance.now() - started));
  let socket: Deno.Conn;
  try {
    socket = await dialTcp(found.point, s.connectTimeoutMs, s.signal);
  } catch (e) {
    const status = s.signal.aborted ? "failed" : "unreachable";
    return record(status, { error: octezErrorName(e), message: (e as Error).message });
  }
  reachable = true;
  let conn: Connection<ShellMessage, ConnectionMetadata> | undefined;
  try {
    const auth = await authenticate(socket, {
      identity: s.identity,
      powTarget: makePowTarget(s.expectedPow),
      incoming: false,
      remotePoint: found.point,
      versions: { chainName: s.chain, distributedDbVersions: [0, 1, 2], p2pVersions: [0, 1] },
      metadata: { disableMempool: true, privateNode: false },
      metadataCodec: shellMetadataCodec,
      timeoutMs: left(),
      signal: s.signal,
    });
    peerId = peerIdToString(auth.info.peerId);
    version = { ...auth.info.announcedVersion };
    metadata = { ...auth.info.remoteMetadata };
    // Ack even when our own version selection failed: the peer's answer (its Nack motive) is
    // what the crawl reports; if it acks after all, we report `incompatible` and leave.
    const selection = auth.info.versionSelection;
    conn = await accept(auth, shellCodec, { timeoutMs: left(), signal: s.signal });
    if (selection.kind === "rejected") {
      return record("incompatible", { motive: rejectionMotiveName(selection.motive) });
    }
    await session(conn, s, left(), {
      chainId: (id) => chainId ??= id,
      head: (h) => {
        head = headOf(h);
      },
      hasHead: () => head !== null,
      advertise: (points) => {
        advertised += points.length;
        for (const p of points) discovered(p, "advertise");
      },
    });
    return record("ok");
  } catch (e) {
    if (isP2pError(e, "rejected_by_nack")) {
      const alternatives = e.details.alternativePoints ?? [];
      advertised += alternatives.length;
      for (const p of alternatives) discovered(p, "nack");
      return record("refused", { motive: rejectionMotiveName(e.details.motive ?? 0) });
    }
    return record("failed", { error: octezErrorName(e), message: (e as Error).message });
  } finally {
    if (conn !== undefined) await conn.close().catch(() => {});
  }
}

interface SessionSink {
  chainId(id: ChainId): ChainId;
  head(header: BlockHeader): void;
  hasHead(): boolean;
  advertise(points: readonly PointId[]): void;
}

/**
 * Bootstrap and the head: reads until the head came and an Advertise came (or a short grace after
 * the head), or the time for the point ends. A read error after the head is not a failure.
 */
async function session(
  conn: Connection<ShellMessage, ConnectionMetadata>,
  s: CrawlSettings,
  timeoutMs: number,
  sink: SessionSink,
): Promise<void> {
  let asked = false;
  let advertisedOnce = false;
  const ask = async (chainId: ChainId) => {
    if (asked) return;
    asked = true;
    await conn.write({ kind: "Message", message: { kind: "GetCurrentBranch", chainId } });
    await conn.write({ kind: "Message", message: { kind: "GetCurrentHead", chainId } });
  };
  await conn.write({ kind: "Bootstrap" });
  if (s.chainId !== undefined) await ask(sink.chainId(s.chainId));
  const deadline = performance.now() + timeoutMs;
  let graceUntil = Infinity;
  // The timer closes the connection, which ends the pending read.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => void conn.close(),
      Math.max(0, Math.min(deadline, graceUntil) - performance.now()),
    );
  };
  const onAbort = () => void conn.close();
  s.signal.addEventListener("abort", onAbort, { once: true });
  arm();
  try {
    while (!(sink.hasHead() && advertisedOnce)) {
      let message;
      try {
        ({ message } = await conn.read());
      } catch (e) {
        if (sink.hasHead() || performance.now() >= deadline - 1) {
          if (sink.hasHead()) return;
          throw new P2pError("timeout", `no head within ${timeoutMs} ms`, { timeoutMs }, {
            cause: e,
          });
        }
        throw e;
      }
      if (message.kind === "Advertise") {
        advertisedOnce = true;
        sink.advertise(message.points);
      } else if (message.kind === "Message") {
        const m = message.message;
        if (m.kind === "GetCurrentBranch" || m.kind === "GetCurrentHead") {
          await ask(sink.chainId(m.chainId));
        } else if (m.kind === "CurrentHead") {
          sink.chainId(m.chainId);
          sink.head(m.blockHeader);
        } else if (m.kind === "CurrentBranch") {
          sink.chainId(m.chainId);
          // Kept only if no Current_head comes: wait for it a little longer.
          if (!sink.hasHead()) sink.head(m.locator.currentHead);
        }
      } else if (message.kind === "Disconnect") {
        if (sink.hasHead()) return;
        throw new P2pError("connection_closed", "the peer sent Disconnect");
      }
      if (sink.hasHead() && graceUntil === Infinity) {
        graceUntil = performance.now() + ADVERTISE_GRACE_MS;
        arm();
      }
    }
  } finally {
    clearTimeout(timer);
    s.signal.removeEventListener("abort", onAbort);
  }
}

/** Where the crawl stands, for the progress line. */
export interface CrawlProgress {
  /** Points done. */
  readonly tried: number;
  /** Sessions established. */
  readonly reached: number;
  /** Points being crawled. */
  readonly inFlight: number;
  /** Points waiting. */
  readonly queued: number;
  /** Time since the start, ms. */
  readonly elapsedMs: number;
}

/**
 * The progress line (without `\r` or newline).
 *
 * @param p Where the crawl stands.
 * @returns The line.
 */
export function formatCrawlProgress(p: CrawlProgress): string {
  return `crawl: ${p.tried} tried, ${p.reached} reached, ${p.inFlight} in flight, ` +
    `${p.queued} queued, ${formatDuration(p.elapsedMs)}`;
}

/**
 * Crawls breadth-first from `start`: at most `concurrency` points at once, each point once (by
 * its text), new points queued while fewer than `maxPoints` are known, until none is left or
 * `timeoutMs` passes (crawls in progress are then cut short; points still queued are `notTried`).
 *
 * @param start The starting points.
 * @param settings Identity, chain, limits (its `signal` is the caller's; the total time is added).
 * @param limits Concurrency, total time, points.
 * @param onRecord Called with each point's record as it completes.
 * @param onProgress Called after each change.
 * @returns The summary.
 */
export async function crawl(
  start: readonly PointId[],
  settings: Omit<CrawlSettings, "signal">,
  limits: { concurrency: number; timeoutMs: number; maxPoints: number },
  onRecord: (record: CrawlRecord) => void,
  onProgress: (progress: CrawlProgress) => void = () => {},
): Promise<CrawlSummary> {
  const started = performance.now();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), limits.timeoutMs);
  const seen = new Set<string>();
  const queue: Found[] = [];
  const add = (point: PointId, source: PointSource) => {
    const key = pointIdToString(point);
    if (seen.has(key) || seen.size >= limits.maxPoints) return;
    seen.add(key);
    queue.push({ point, source });
  };
  for (const p of start) add(p, "command_line");
  const summary = {
    pointsTried: 0,
    reached: 0,
    withHead: 0,
    unreachable: 0,
    incompatible: 0,
    refused: {} as Record<string, number>,
    failed: {} as Record<string, number>,
    headLevels: {} as Record<string, number>,
  };
  let inFlight = 0;
  const progress = () =>
    onProgress({
      tried: summary.pointsTried,
      reached: summary.reached,
      inFlight,
      queued: queue.length,
      elapsedMs: performance.now() - started,
    });
  const count = (table: Record<string, number>, key: string) => table[key] = (table[key] ?? 0) + 1;
  const settingsWithSignal = { ...settings, signal: abort.signal };
  // Breadth-first: the queue is FIFO, and a worker waits while others may still find points.
  const wake: (() => void)[] = [];
  const worker = async () => {
    for (;;) {
      if (abort.signal.aborted) return;
      const next = queue.shift();
      if (next === undefined) {
        if (inFlight === 0) return;
        await new Promise<void>((resolve) => wake.push(resolve));
        continue;
      }
      inFlight++;
      progress();
      const r = await crawlPoint(next, settingsWithSignal, (p, source) => {
        add(p, source);
        wake.splice(0).forEach((w) => w());
      });
      inFlight--;
      summary.pointsTried++;
      if (r.status === "ok") summary.reached++;
      if (r.status === "unreachable") summary.unreachable++;
      if (r.status === "incompatible") summary.incompatible++;
      if (r.status === "refused") count(summary.refused, r.motive ?? "Unknown_motive");
      if (r.status === "failed") count(summary.failed, r.error ?? "Unknown_error");
      if (r.head !== null) {
        summary.withHead++;
        count(summary.headLevels, String(r.head.level));
      }
      onRecord(r);
      progress();
      wake.splice(0).forEach((w) => w());
    }
  };
  abort.signal.addEventListener("abort", () => wake.splice(0).forEach((w) => w()), { once: true });
  try {
    await Promise.all(Array.from({ length: limits.concurrency }, worker));
  } finally {
    clearTimeout(timer);
  }
  return {
    type: "summary",
    ...summary,
    notTried: queue.length,
    elapsedMs: Math.round(performance.now() - started),
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

/**
 * The crawler's identity: the file's, else a new one of `expectedPow` written there (as the node
 * command does, with `identity generate`'s progress on standard error).
 */
async function crawlIdentity(config: CrawlConfig, io: CliIo): Promise<Identity> {
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
        `below --expected-pow ${config.expectedPow}: peers that expect it refuse the crawler\n`,
    );
  }
  return identity;
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
  const identity = await crawlIdentity(config, io);
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

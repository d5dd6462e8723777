/**
 * The crawler of `tzp2p crawl` (see `crawl_command.ts` for what it prints): it connects to each
 * point as an Octez L1 peer would, follows Advertise and Nack points breadth-first with bounded
 * concurrency and total time, and asks each peer's current head.
 *
 * @module
 */

import { ownCopy, ownPointId } from "../base/own_text.ts";
import { type PointId, pointIdToString } from "../base/point_id.ts";
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
import { base58CheckEncode } from "../crypto/base58.ts";
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
import { octezErrorName } from "../node/pool.ts";
import { formatDuration } from "./progress.ts";

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
    // Kept for the whole crawl: copies, not slices of the Advertise's text (own_text.ts).
    seen.add(ownCopy(key));
    queue.push({ point: ownPointId(point), source });
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

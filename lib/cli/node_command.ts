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
import type { NodeAcl } from "../node/acl.ts";
import type { DalTopic } from "../../gen/gossipsub.ts";
import type { NodeEvent } from "../node/events.ts";
import { createNode, createShellNode } from "../node/mod.ts";
import {
  loadPeersFile,
  PEERS_FILE_NAME,
  type PeersSaver,
  startPeersSaver,
} from "../node/data_dir.ts";
import type { KnownPointRecord } from "../node/options.ts";
import { isNodeError } from "../node/errors.ts";
import { nodeMetrics } from "../node/metrics.ts";
import { type OpsNode, type OpsServer, serveOps } from "../node/ops_server.ts";
import { CliError, isCliError } from "./errors.ts";
import { identityOnDemand } from "./identity_command.ts";
import type { CliIo } from "./io.ts";

import { NODE_USAGE, type NodeCommandConfig, nodeConfig, type PeerSpec } from "./node_args.ts";
import { type CommandEvent, formatEventJson, formatEventText, isLogged } from "./node_events.ts";

export { NODE_USAGE };

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
  const identity = await identityOnDemand(config.identityPath, config.expectedPow, io);
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

/**
 * An HTTP server for operators of a running node: Prometheus metrics at `/metrics`, and a
 * read-only RPC answering JSON in the shape of Octez's where Octez has the route
 * (src/lib_p2p_services/p2p_services.ml): `/network/self`, `/network/stat`,
 * `/network/connections[/<peer_id>]`, `/network/peers[/<peer_id>]`, `/network/points[/<point>]`,
 * `/network/greylist/ips`, `/network/greylist/peers`; and tzp2p's own `/gossipsub/topics`,
 * `/gossipsub/mesh`, `/gossipsub/scores` (gossip nodes; 404 on a shell node).
 *
 * Nothing changes the node unless `rpcAcl` is set; then `DELETE /network/connections/<peer_id>`
 * disconnects a peer, `PATCH /network/peers/<peer_id>` and `PATCH /network/points/<point>` with
 * `{"acl": "ban" | "trust" | "open"}` blacklist, trust or free it (the address, for a point),
 * `DELETE /network/greylist` clears the greylists, and `PUT /network/points/<point>` dials a point
 * (Octez's methods for these routes).
 * The server listens on loopback unless told otherwise.
 *
 * Deliberate differences from Octez: peers carry no `peer_metadata` (tzp2p keeps no
 * per-peer request counters); a gossip node's `score` is the gossipsub score; errors are
 * `{"error": kind, "message": text}`.
 *
 * @example Serve a node's metrics and read them.
 * ```ts
 * import { createNode, nodeMetrics, serveOps } from "./mod.ts";
 *
 * const metrics = nodeMetrics();
 * const node = await createNode({ expectedPow: 0, onEvent: metrics.onEvent });
 * const ops = serveOps(node, { metrics });
 * const text = await (await fetch(`${ops.url}metrics`)).text();
 * console.log(text.includes("tzp2p_connections")); // true
 * await ops.close();
 * await node.close();
 * ```
 *
 * @module
 */

import { parsePointId } from "../base/point_id.ts";
import { peerIdFromString } from "../crypto/peer_id.ts";
import { type NodeMetrics, nodeMetrics, type ObservedNode } from "./metrics.ts";
import { type MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from "./metrics_registry.ts";
import type { NodeSnapshot } from "./snapshot.ts";
import type { NodeAcl } from "./acl.ts";

import { connectionInfo, octezAddr, octezStat, peerInfo, pointInfo } from "./ops_json.ts";

/** What the server reads and (with `rpcAcl`) calls of a node; `Node` and `ShellNode` fit. */
export interface OpsNode extends ObservedNode {
  /** Dials a point (`PUT /network/points/<point>`). */
  connect?(point: string): Promise<unknown>;
  /** Closes the connection with a peer (`DELETE /network/connections/<peer_id>`). */
  disconnect?(peerId: Uint8Array): Promise<void>;
  /** Closes and refuses a peer, when the node has no `acl`. */
  kick?(peerId: Uint8Array, durationMs?: number): void;
  /** Greylists, blacklists and trust (`PATCH …/peers/<id>`, `PATCH …/points/<point>`, `DELETE /network/greylist`). */
  readonly acl?: NodeAcl;
}

/** Octez's ACL verbs of `PATCH /network/peers/<id>` and `/network/points/<point>`. */
type AclVerb = "ban" | "trust" | "open";

async function aclVerb(request: Request): Promise<AclVerb> {
  let body: { acl?: unknown };
  try {
    body = await request.json();
  } catch {
    throw new HttpError(400, "bad_body", 'expected JSON {"acl": "ban" | "trust" | "open"}');
  }
  const acl = body?.acl;
  if (acl !== "ban" && acl !== "trust" && acl !== "open") {
    throw new HttpError(400, "bad_body", `acl ${JSON.stringify(acl)}: expected ban, trust or open`);
  }
  return acl;
}

/** Options of {@link serveOps}. */
export interface OpsServerOptions {
  /** Address to listen on (default `127.0.0.1`). */
  readonly hostname?: string;
  /** Port (default 0: any free port). */
  readonly port?: number;
  /**
   * The node's metrics (built with {@link nodeMetrics} before the node, so that they count its
   * events); default: new ones, which read the node at scrape time but count no events.
   */
  readonly metrics?: NodeMetrics;
  /** Let the routes that change the node's state run (default `false`). */
  readonly rpcAcl?: boolean;
  /** Stops the server when aborted. */
  readonly signal?: AbortSignal;
}

/** A running operator server. */
export interface OpsServer {
  /** Its base URL, ending in `/` (`http://127.0.0.1:PORT/`). */
  readonly url: string;
  /** The registry served at `/metrics`. */
  readonly registry: MetricsRegistry;
  /** Stops listening and waits for the requests in progress. Idempotent. */
  close(): Promise<void>;
}

type Json = unknown;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly kind: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

// `?filter=running&filter=…` of Octez's peer and point lists (p2p_services.ml 194-212, 274-295).
function filters(url: URL, allowed: readonly string[]): ReadonlySet<string> | undefined {
  const values = url.searchParams.getAll("filter");
  if (values.length === 0) return undefined;
  for (const v of values) {
    if (!allowed.includes(v)) throw new HttpError(400, "bad_filter", `Invalid state: ${v}`);
  }
  return new Set(values);
}

function peerIdParam(text: string): Uint8Array {
  try {
    return peerIdFromString(decodeURIComponent(text));
  } catch {
    throw new HttpError(400, "bad_peer_id", `not a peer id: ${text}`);
  }
}

interface Route {
  readonly pattern: RegExp;
  readonly methods: Readonly<
    Record<
      string,
      (match: RegExpMatchArray, request: Request, url: URL) => Promise<Response> | Response
    >
  >;
  /** Methods that change the node's state. */
  readonly acl?: readonly string[];
}

function json(body: Json, status = 200): Response {
  return new Response(`${JSON.stringify(body)}\n`, {
    status,
    headers: { "content-type": "application/json" },
  });
}

/**
 * Serves a node's metrics and read-only RPC over HTTP with `Deno.serve`.
 *
 * @param node The node (`Node` or `ShellNode`).
 * @param options Address, metrics, ACL and stop signal.
 * @returns The running server: its URL and `close()`.
 * @throws {Deno.errors.AddrInUse} When the port is taken.
 */
export function serveOps(node: OpsNode, options: OpsServerOptions = {}): OpsServer {
  const metrics = options.metrics ?? nodeMetrics();
  metrics.observe(node);
  const rpcAcl = options.rpcAcl ?? false;

  const gossip = (): NodeSnapshot & { topics: NonNullable<NodeSnapshot["topics"]> } => {
    const snapshot = node.snapshot();
    if (snapshot.topics === undefined) {
      throw new HttpError(404, "no_gossipsub", `a ${snapshot.profile} node runs no gossipsub`);
    }
    return snapshot as NodeSnapshot & { topics: NonNullable<NodeSnapshot["topics"]> };
  };
  const trustedPoints = (snapshot: NodeSnapshot) =>
    new Set(snapshot.points.filter((p) => p.trusted).map((p) => p.point));
  const needs = <K extends "connect" | "disconnect" | "kick">(name: K) => {
    const method = node[name];
    if (method === undefined) {
      throw new HttpError(501, "not_supported", `this node has no ${name}`);
    }
    return method.bind(node) as NonNullable<OpsNode[K]>;
  };

  const routes: Route[] = [
    {
      pattern: /^\/metrics$/,
      methods: {
        GET: () =>
          new Response(metrics.registry.render(), {
            headers: { "content-type": PROMETHEUS_CONTENT_TYPE },
          }),
      },
    },
    // p2p_services.ml 59-64.
    { pattern: /^\/network\/self$/, methods: { GET: () => json(node.snapshot().peerId) } },
    // p2p_services.ml 66-71: Octez's global I/O scheduler totals (p2p_connect_handler.ml 819).
    {
      pattern: /^\/network\/stat$/,
      methods: { GET: () => json(octezStat(metrics.traffic())) },
    },
    // p2p_services.ml 114-119.
    {
      pattern: /^\/network\/connections$/,
      methods: {
        GET: () => {
          return json(node.snapshot().connections.map(connectionInfo));
        },
      },
    },
    // p2p_services.ml 121-135: info (GET) and kick (DELETE).
    {
      pattern: /^\/network\/connections\/([^/]+)$/,
      acl: ["DELETE"],
      methods: {
        GET: (m) => {
          peerIdParam(m[1]);
          const c = node.snapshot().connections.find((c) => c.peerId === decodeURIComponent(m[1]));
          if (c === undefined) throw new HttpError(404, "not_found", "no connection to this peer");
          return json(connectionInfo(c));
        },
        DELETE: async (m) => {
          await needs("disconnect")(peerIdParam(m[1]));
          return json({});
        },
      },
    },
    // p2p_services.ml 274-295: a list of [peer_id, info] pairs.
    {
      pattern: /^\/network\/peers$/,
      methods: {
        GET: (_m, _r, url) => {
          const wanted = filters(url, ["accepted", "running", "disconnected"]);
          const s = node.snapshot();
          const trusted = trustedPoints(s);
          return json(
            s.peers
              .map((p) => [p.peerId, peerInfo(p, s, trusted)] as const)
              .filter(([, info]) =>
                wanted === undefined || wanted.has((info as { state: string }).state)
              ),
          );
        },
      },
    },
    // p2p_services.ml 256-264 (info) and 297-319 (patch, the ACL).
    {
      pattern: /^\/network\/peers\/([^/]+)$/,
      acl: ["PATCH"],
      methods: {
        GET: (m) => {
          peerIdParam(m[1]);
          const s = node.snapshot();
          const peer = s.peers.find((p) => p.peerId === decodeURIComponent(m[1]));
          if (peer === undefined) throw new HttpError(404, "not_found", "unknown peer");
          return json(peerInfo(peer, s, trustedPoints(s)));
        },
        PATCH: async (m, request) => {
          const peerId = peerIdParam(m[1]);
          const verb = await aclVerb(request);
          // Octez's `patch_peer` (p2p_services.ml): ban blacklists and untrusts, trust trusts and
          // unbans, open unbans and untrusts.
          const acl = node.acl;
          if (acl === undefined) {
            if (verb !== "ban") throw new HttpError(501, "not_supported", "this node has no acl");
            needs("kick")(peerId, Infinity);
          } else if (verb === "ban") {
            acl.untrustPeer(peerId);
            acl.banPeer(peerId);
          } else if (verb === "trust") {
            acl.unbanPeer(peerId);
            acl.trustPeer(peerId);
          } else {
            acl.unbanPeer(peerId);
            acl.untrustPeer(peerId);
          }
          const s = node.snapshot();
          const peer = s.peers.find((p) => p.peerId === decodeURIComponent(m[1]));
          return json(peer === undefined ? {} : peerInfo(peer, s, trustedPoints(s)));
        },
      },
    },
    // p2p_services.ml 194-212: a list of [point, info] pairs.
    {
      pattern: /^\/network\/points$/,
      methods: {
        GET: (_m, _r, url) => {
          const wanted = filters(url, ["requested", "accepted", "running", "disconnected"]);
          const now = Date.now();
          return json(
            node.snapshot().points
              .map((p) => [p.point, pointInfo(p, now)] as const)
              .filter(([, info]) =>
                wanted === undefined ||
                wanted.has((info as { state: { event_kind: string } }).state.event_kind)
              ),
          );
        },
      },
    },
    // p2p_services.ml 155-160 (info) and 80-86 (connect, PUT).
    {
      pattern: /^\/network\/points\/([^/]+)$/,
      acl: ["PUT", "PATCH"],
      methods: {
        GET: (m) => {
          const text = decodeURIComponent(m[1]);
          const point = node.snapshot().points.find((p) => p.point === text);
          if (point === undefined) throw new HttpError(404, "not_found", "unknown point");
          return json(pointInfo(point, Date.now()));
        },
        PATCH: async (m, request) => {
          const text = decodeURIComponent(m[1]);
          let point;
          try {
            point = parsePointId(text);
          } catch {
            throw new HttpError(400, "bad_point", `not a point: ${text}`);
          }
          const verb = await aclVerb(request);
          const acl = node.acl;
          if (acl === undefined) throw new HttpError(501, "not_supported", "this node has no acl");
          if (verb === "ban") {
            acl.untrustPoint(point);
            acl.banIp(point.addr);
          } else if (verb === "trust") {
            acl.unbanIp(point.addr);
            acl.trustPoint(point);
          } else {
            acl.unbanIp(point.addr);
            acl.untrustPoint(point);
          }
          const found = node.snapshot().points.find((p) => p.point === text);
          return json(found === undefined ? {} : pointInfo(found, Date.now()));
        },
        PUT: async (m) => {
          const text = decodeURIComponent(m[1]);
          try {
            parsePointId(text);
          } catch {
            throw new HttpError(400, "bad_point", `not a point: ${text}`);
          }
          try {
            await needs("connect")(text);
          } catch (e) {
            if (e instanceof HttpError) throw e;
            throw new HttpError(502, "connect_failed", (e as Error).message);
          }
          return json({});
        },
      },
    },
    // p2p_services.ml: DELETE /network/greylist clears both greylists (the blacklists stay).
    {
      pattern: /^\/network\/greylist$/,
      acl: ["DELETE"],
      methods: {
        DELETE: () => {
          if (node.acl === undefined) {
            throw new HttpError(501, "not_supported", "this node has no acl");
          }
          node.acl.clearGreylist();
          return json({});
        },
      },
    },
    // p2p_services.ml 537-562.
    {
      pattern: /^\/network\/greylist\/ips$/,
      methods: {
        GET: () =>
          json({ ips: node.snapshot().greylistedIps.map(octezAddr), not_reliable_since: null }),
      },
    },
    // p2p_services.ml 530-535.
    {
      pattern: /^\/network\/greylist\/peers$/,
      methods: {
        GET: () =>
          json(node.snapshot().bans.filter((b) => b.reason === "greylisted").map((b) => b.peerId)),
      },
    },
    {
      pattern: /^\/gossipsub\/topics$/,
      methods: {
        GET: () =>
          json(
            gossip().topics.map((t) => ({
              topic: t.topic,
              mesh_size: t.mesh.length,
              subscribers: t.subscribers,
            })),
          ),
      },
    },
    {
      pattern: /^\/gossipsub\/mesh$/,
      methods: {
        GET: () => json(gossip().topics.map((t) => ({ topic: t.topic, peers: t.mesh }))),
      },
    },
    {
      pattern: /^\/gossipsub\/scores$/,
      methods: {
        GET: () =>
          json(
            gossip().peers
              .filter((p) => p.score !== undefined)
              .map((p) => ({ peer_id: p.peerId, state: p.state, score: p.score })),
          ),
      },
    },
  ];

  const handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    try {
      for (const route of routes) {
        const match = url.pathname.match(route.pattern);
        if (match === null) continue;
        const handler = route.methods[request.method];
        if (handler === undefined) {
          const allow = Object.keys(route.methods).join(", ");
          throw new HttpError(
            405,
            "method_not_allowed",
            `${request.method} ${url.pathname}: use ${allow}`,
            {
              allow,
            },
          );
        }
        if (!rpcAcl && route.acl?.includes(request.method)) {
          throw new HttpError(
            403,
            "forbidden",
            `${request.method} ${url.pathname} changes the node: start it with --rpc-acl (rpcAcl)`,
          );
        }
        return await handler(match, request, url);
      }
      throw new HttpError(404, "not_found", `no route ${url.pathname}`);
    } catch (e) {
      if (e instanceof HttpError) {
        const response = json({ error: e.kind, message: e.message }, e.status);
        for (const [k, v] of Object.entries(e.headers)) response.headers.set(k, v);
        return response;
      }
      return json({ error: "internal", message: (e as Error)?.message ?? String(e) }, 500);
    }
  };

  const server = Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 0,
    signal: options.signal,
    // Deno.serve prints "Listening on …" by default; the command's stdout carries JSON events.
    onListen: () => {},
  }, handle);
  const addr = server.addr as Deno.NetAddr;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${addr.port}/`,
    registry: metrics.registry,
    close() {
      closing ??= (async () => {
        if (!options.signal?.aborted) await server.shutdown();
        await server.finished;
      })();
      return closing;
    },
  };
}

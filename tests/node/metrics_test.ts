// The metrics registry (Prometheus text format 0.0.4: HELP/TYPE lines, label escaping, histogram
// buckets) and nodeMetrics() over real loopback nodes; the operator server's routes in process.

import assert from "node:assert/strict";
import { nodeMetrics } from "../../lib/node/metrics.ts";
import { MetricsRegistry } from "../../lib/node/metrics_registry.ts";
import { serveOps } from "../../lib/node/ops_server.ts";
import { peerIdToString } from "../../lib/crypto/mod.ts";
import { pointIdToString } from "../../lib/base/point_id.ts";
import { createShellNode } from "../../lib/node/mod.ts";
import { generateIdentitySync } from "../../lib/crypto/mod.ts";
import { closeAll, testNode } from "./helpers.ts";
import { waitFor } from "../support/async.ts";

Deno.test("render() writes HELP and TYPE lines, then each series, in the 0.0.4 text format", () => {
  const registry = new MetricsRegistry();
  const requests = registry.counter({
    name: "app_requests_total",
    help: "Requests, by method.",
    labelNames: ["method", "code"],
  });
  const up = registry.gauge({ name: "app_up", help: "1 when up." });
  requests.inc({ method: "GET", code: "200" });
  requests.inc({ method: "GET", code: "200" }, 2);
  requests.inc({ method: "POST", code: "500" });
  up.set(1);
  assert.equal(
    registry.render(),
    [
      "# HELP app_requests_total Requests, by method.",
      "# TYPE app_requests_total counter",
      'app_requests_total{method="GET",code="200"} 3',
      'app_requests_total{method="POST",code="500"} 1',
      "# HELP app_up 1 when up.",
      "# TYPE app_up gauge",
      "app_up 1",
      "",
    ].join("\n"),
  );
  assert.equal(registry.value("app_requests_total", { method: "GET", code: "200" }), 3);
  assert.equal(requests.get({ method: "PUT", code: "200" }), 0);
});

Deno.test("label values escape backslash, double quote and newline; HELP escapes backslash and newline", () => {
  const registry = new MetricsRegistry();
  const g = registry.gauge({ name: "x", help: 'a \\ b\nc "d"', labelNames: ["path"] });
  g.set(-1.5, { path: 'C:\\dir\n"q"' });
  g.set(Infinity, { path: "inf" });
  g.set(NaN, { path: "nan" });
  assert.equal(
    registry.render(),
    [
      '# HELP x a \\\\ b\\nc "d"',
      "# TYPE x gauge",
      'x{path="C:\\\\dir\\n\\"q\\""} -1.5',
      'x{path="inf"} +Inf',
      'x{path="nan"} NaN',
      "",
    ].join("\n"),
  );
});

Deno.test("a histogram renders cumulative buckets with le, +Inf, _sum and _count", () => {
  const registry = new MetricsRegistry();
  const h = registry.histogram({
    name: "op_seconds",
    help: "Op duration.",
    labelNames: ["op"],
    buckets: [0.001, 0.01, 0.1],
  });
  for (const v of [0.0005, 0.001, 0.005, 0.05, 2]) h.observe(v, { op: "read" });
  assert.equal(
    registry.render(),
    [
      "# HELP op_seconds Op duration.",
      "# TYPE op_seconds histogram",
      'op_seconds_bucket{op="read",le="0.001"} 2', // 0.001 itself falls in le="0.001"
      'op_seconds_bucket{op="read",le="0.01"} 3',
      'op_seconds_bucket{op="read",le="0.1"} 4',
      'op_seconds_bucket{op="read",le="+Inf"} 5',
      'op_seconds_sum{op="read"} 2.0565',
      'op_seconds_count{op="read"} 5',
      "",
    ].join("\n"),
  );
  assert.deepEqual(h.get({ op: "read" }).counts, [2, 3, 4, 5]);
  assert.equal(h.get({ op: "write" }).count, 0);
});

Deno.test("the registry refuses bad names, missing labels, a decreasing counter and unsorted buckets", () => {
  const registry = new MetricsRegistry();
  assert.throws(() => registry.gauge({ name: "1bad", help: "" }), TypeError);
  assert.throws(() => registry.gauge({ name: "ok", help: "", labelNames: ["__x"] }), TypeError);
  assert.throws(() => registry.gauge({ name: "ok", help: "", labelNames: ["le"] }), TypeError);
  const c = registry.counter({ name: "c_total", help: "", labelNames: ["a"] });
  assert.throws(() => registry.counter({ name: "c_total", help: "" }), TypeError);
  assert.throws(() => c.inc(), RangeError);
  assert.throws(() => c.inc({ a: "1", b: "2" }), RangeError);
  assert.throws(() => c.inc({ a: "1" }, -1), RangeError);
  assert.throws(
    () => registry.histogram({ name: "h", help: "", buckets: [1, 0.5] }),
    RangeError,
  );
});

Deno.test("a collector that throws leaves its metrics as they were and the others still render", () => {
  const registry = new MetricsRegistry();
  const a = registry.gauge({ name: "a", help: "A." });
  const b = registry.gauge({ name: "b", help: "B." });
  registry.onCollect(() => {
    throw new Error("broken source");
  });
  let n = 0;
  registry.onCollect(() => b.set(++n));
  a.set(7);
  assert.match(registry.render(), /^a 7\n[^]*^b 1$/m);
  assert.equal(registry.value("b"), 2);
});

Deno.test("nodeMetrics(): the connection gauge, event counters and traffic move with two real nodes", async () => {
  const metrics = nodeMetrics();
  const a = await testNode({ topics: ["news"], onEvent: metrics.onEvent });
  metrics.observe(a);
  const b = await testNode({ topics: ["news"] });
  const r = metrics.registry;
  try {
    assert.equal(r.value("tzp2p_connections", { direction: "incoming", private: "false" }), 0);
    assert.equal(r.value("tzp2p_bytes_total", { direction: "received" }), 0);
    await b.connect(a.listeningPoint!);
    await waitFor("mesh", () => a.meshPeers("news").length === 1);
    assert.equal(r.value("tzp2p_connections", { direction: "incoming", private: "false" }), 1);
    assert.equal(r.value("tzp2p_connections", { direction: "outgoing", private: "false" }), 0);
    assert.equal(r.value("tzp2p_connections_established_total", { direction: "incoming" }), 1);
    assert.equal(r.value("tzp2p_known_peers", { state: "running" }), 1);
    assert.equal(r.value("tzp2p_gossipsub_mesh_peers", { topic: "news" }), 1);
    assert.equal(r.value("tzp2p_gossipsub_topic_subscribers", { topic: "news" }), 1);
    assert.equal(r.value("tzp2p_gossipsub_scored_peers"), 1);
    // Either side may graft first: a sent a Graft, or accepted b's.
    const grafts = r.value("tzp2p_gossipsub_control_total", { kind: "graft", direction: "sent" })! +
      r.value("tzp2p_gossipsub_control_total", { kind: "graft", direction: "received" })!;
    assert.ok(grafts >= 1, `${grafts} grafts`);
    // The test nodes beat every 100 ms: heartbeats are in the histogram.
    await waitFor("heartbeats", () => {
      r.collect();
      return (r.get("tzp2p_gossipsub_heartbeat_duration_seconds") as {
        get(): { count: number };
      }).get().count >= 2;
    });
    const received = r.value("tzp2p_bytes_total", { direction: "received" })!;
    assert.ok(received > 0, `received ${received} bytes`);

    await b.close();
    await waitFor(
      "disconnection",
      () => r.value("tzp2p_connections", { direction: "incoming", private: "false" }) === 0,
    );
    const closed = (r.get("tzp2p_connections_closed_total") as {
      entries(): { value: { total: number } }[];
    }).entries().reduce((sum, e) => sum + e.value.total, 0);
    assert.equal(closed, 1);
    // The counter keeps the bytes of the connection that closed.
    assert.ok(r.value("tzp2p_bytes_total", { direction: "received" })! >= received);
    const text = r.render();
    assert.ok(!text.includes(peerIdToString(b.peerId)), "no peer id in any label");
    assert.match(text, /^# TYPE tzp2p_gossipsub_heartbeat_duration_seconds histogram$/m);
    assert.match(text, /^tzp2p_gossipsub_heartbeat_duration_seconds_bucket\{le="0.0001"\} \d+$/m);
  } finally {
    await closeAll([a, b]);
  }
});

Deno.test("nodeMetrics() counts handshake failures by Octez error name", async () => {
  const metrics = nodeMetrics();
  // The node demands proof-of-work 24; the dialler's identity has difficulty 0 (a random stamp
  // reaches 24 bits once in 16 million).
  const a = await testNode({
    identity: generateIdentitySync(0),
    expectedPow: 24,
    onEvent: metrics.onEvent,
  });
  metrics.observe(a);
  const b = await testNode({ identity: generateIdentitySync(0), expectedPow: 0 });
  try {
    await assert.rejects(b.connect(a.listeningPoint!));
    await waitFor(
      "a handshake failure",
      () =>
        metrics.registry.value("tzp2p_handshake_failures_total", {
          direction: "incoming",
          error: "Not_enough_proof_of_work",
        }) === 1,
    );
    assert.equal(
      metrics.registry.value("tzp2p_connections", { direction: "incoming", private: "false" }),
      0,
    );
  } finally {
    await closeAll([a, b]);
  }
});

Deno.test("serveOps(): /metrics, Octez-shaped /network/connections, 404 and 405, ACL refused by default", async () => {
  const metrics = nodeMetrics();
  const a = await testNode({ topics: ["news"], onEvent: metrics.onEvent });
  const b = await testNode({ topics: ["news"] });
  const ops = serveOps(a, { metrics });
  try {
    assert.match(ops.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    await b.connect(a.listeningPoint!);
    await waitFor("mesh", () => a.meshPeers("news").length === 1);
    const scrape = await fetch(`${ops.url}metrics`);
    assert.equal(scrape.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    assert.match(
      await scrape.text(),
      /^tzp2p_connections\{direction="incoming",private="false"\} 1$/m,
    );

    const connections = await (await fetch(`${ops.url}network/connections`)).json();
    assert.equal(connections.length, 1);
    const [c] = connections;
    const bPoint = pointIdToString(b.listeningPoint!);
    assert.equal(c.peer_id, peerIdToString(b.peerId));
    assert.equal(c.incoming, true);
    assert.equal(c.private, false);
    assert.deepEqual(c.id_point, { addr: "::ffff:127.0.0.1", port: b.listeningPoint!.port });
    assert.equal(typeof c.remote_socket_port, "number");
    assert.deepEqual(c.announced_version, {
      chain_name: "TZP2P_GOSSIP",
      distributed_db_version: c.announced_version.distributed_db_version,
      p2p_version: c.announced_version.p2p_version,
    });
    assert.deepEqual(c.remote_metadata, { disable_mempool: false, private_node: false });
    assert.deepEqual(Object.keys(c.local_metadata).sort(), ["disable_mempool", "private_node"]);

    const one = await fetch(`${ops.url}network/connections/${peerIdToString(b.peerId)}`);
    assert.equal((await one.json()).peer_id, peerIdToString(b.peerId));

    const stat = await (await fetch(`${ops.url}network/stat`)).json();
    assert.deepEqual(Object.keys(stat), [
      "total_sent",
      "total_recv",
      "current_inflow",
      "current_outflow",
    ]);
    assert.match(stat.total_recv, /^[1-9][0-9]*$/); // int64: a decimal string in Octez's JSON

    const points = await (await fetch(`${ops.url}network/points?filter=running`)).json();
    assert.deepEqual(points.map((p: [string, unknown]) => p[0]), [bPoint]);
    assert.equal(points[0][1].state.event_kind, "running");
    assert.equal(points[0][1].state.p2p_peer_id, peerIdToString(b.peerId));

    const peers = await (await fetch(`${ops.url}network/peers`)).json();
    assert.equal(peers[0][0], peerIdToString(b.peerId));
    assert.equal(peers[0][1].state, "running");
    assert.equal(typeof peers[0][1].score, "number");
    assert.match(peers[0][1].stat.total_sent, /^[0-9]+$/);

    assert.deepEqual(await (await fetch(`${ops.url}network/greylist/ips`)).json(), {
      ips: [],
      not_reliable_since: null,
    });
    assert.deepEqual(await (await fetch(`${ops.url}gossipsub/topics`)).json(), [
      { topic: "news", mesh_size: 1, subscribers: 1 },
    ]);
    assert.deepEqual(await (await fetch(`${ops.url}gossipsub/mesh`)).json(), [
      { topic: "news", peers: [peerIdToString(b.peerId)] },
    ]);
    const scores = await (await fetch(`${ops.url}gossipsub/scores`)).json();
    assert.equal(scores[0].peer_id, peerIdToString(b.peerId));

    const missing = await fetch(`${ops.url}network/nothing`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error, "not_found");
    const wrong = await fetch(`${ops.url}metrics`, { method: "POST" });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "GET");
    await wrong.body?.cancel();
    const kick = await fetch(`${ops.url}network/connections/${peerIdToString(b.peerId)}`, {
      method: "DELETE",
    });
    assert.equal(kick.status, 403);
    await kick.body?.cancel();
    assert.equal(a.peers().length, 1, "nothing changed");
  } finally {
    await ops.close();
    await closeAll([a, b]);
  }
});

Deno.test("serveOps() with rpcAcl bans a peer (PATCH {acl: ban}) and disconnects (DELETE)", async () => {
  const a = await testNode({ topics: ["news"] });
  const b = await testNode({ topics: ["news"] });
  const c = await testNode({ topics: ["news"] });
  const ops = serveOps(a, { rpcAcl: true });
  try {
    await b.connect(a.listeningPoint!);
    await c.connect(a.listeningPoint!);
    await waitFor("two connections", () => a.peers().length === 2);
    const del = await fetch(`${ops.url}network/connections/${peerIdToString(c.peerId)}`, {
      method: "DELETE",
    });
    assert.equal(del.status, 200);
    await del.body?.cancel();
    await waitFor("c gone", () => a.peers().length === 1);
    const ban = await fetch(`${ops.url}network/peers/${peerIdToString(b.peerId)}`, {
      method: "PATCH",
      body: JSON.stringify({ acl: "ban" }),
    });
    assert.equal(ban.status, 200);
    await ban.body?.cancel();
    await waitFor("b gone", () => a.peers().length === 0);
    assert.deepEqual(
      a.snapshot().bans.map((x) => [x.peerId, x.until]),
      [[peerIdToString(b.peerId), null]],
    );
    const open = await fetch(`${ops.url}network/peers/${peerIdToString(b.peerId)}`, {
      method: "PATCH",
      body: JSON.stringify({ acl: "open" }),
    });
    assert.equal(open.status, 200); // {acl: open} lifts the ban
    await open.body?.cancel();
    assert.deepEqual(a.snapshot().bans, []);
    const badId = await fetch(`${ops.url}network/peers/notapeer`);
    assert.equal(badId.status, 400);
    await badId.body?.cancel();
  } finally {
    await ops.close();
    await closeAll([a, b, c]);
  }
});

Deno.test("serveOps() on a shell node answers /network routes and 404s the gossipsub ones", async () => {
  const shell = await createShellNode({
    identity: generateIdentitySync(0),
    expectedPow: 0,
    listen: { host: "127.0.0.1", port: 0 },
  });
  const ops = serveOps(shell);
  try {
    const topics = await fetch(`${ops.url}gossipsub/topics`);
    assert.equal(topics.status, 404);
    assert.equal((await topics.json()).error, "no_gossipsub");
    assert.deepEqual(await (await fetch(`${ops.url}network/connections`)).json(), []);
    assert.equal(
      await (await fetch(`${ops.url}network/self`)).json(),
      peerIdToString(shell.peerId),
    );
    const text = await (await fetch(`${ops.url}metrics`)).text();
    assert.match(text, /^tzp2p_connections\{direction="outgoing",private="false"\} 0$/m);
    assert.doesNotMatch(text, /^tzp2p_gossipsub_received_messages_total\{/m);
  } finally {
    await ops.close();
    await shell.close();
  }
});

// `tzp2p node --metrics HOST:PORT [--rpc-acl]` as a real process: the listening event carries the
// metrics URL, a scrape sees a library node's connection come and go, the RPC lists it, mutating
// routes are refused without --rpc-acl, and SIGTERM closes the server too.

import assert from "node:assert/strict";
import { parseNodeArgs } from "../../lib/cli/node_args.ts";
import { isCliError } from "../../lib/cli/errors.ts";
import { generateIdentitySync, peerIdToString } from "../../lib/crypto/mod.ts";
import { createNode } from "../../lib/node/mod.ts";
import { CliNode, portIsFree, withTempDir } from "../support/cli_node.ts";
import { waitFor } from "../support/async.ts";

/** The value of one series in a scrape (`undefined` when absent). */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

Deno.test("node options: --metrics takes HOST:PORT (port 0 allowed), --rpc-acl needs it", () => {
  const config = parseNodeArgs(["--metrics", "127.0.0.1:0", "--rpc-acl"]);
  assert.deepEqual(config.metrics, { addr: "127.0.0.1", port: 0 });
  assert.equal(config.rpcAcl, true);
  assert.equal(parseNodeArgs([]).metrics, undefined);
  assert.equal(parseNodeArgs([]).rpcAcl, false);
  assert.throws(() => parseNodeArgs(["--metrics", "localhost"]), (e) => isCliError(e, "usage"));
  assert.throws(() => parseNodeArgs(["--rpc-acl"]), (e) => isCliError(e, "usage"));
});

Deno.test("tzp2p node --metrics: scrape and RPC see a peer connect and leave; SIGTERM exits 0", async () => {
  await withTempDir(async (dir) => {
    const node = new CliNode([
      "--identity",
      `${dir}/identity.json`,
      "--expected-pow",
      "0",
      "--topic",
      "news",
      "--metrics",
      "127.0.0.1:0",
      "--log",
      "json",
    ]);
    const library = await createNode({
      identity: generateIdentitySync(0),
      expectedPow: 0,
      listen: false,
      topics: ["news"],
    });
    try {
      const listening = await node.listening();
      const metricsUrl = String(listening.metrics_url);
      assert.match(metricsUrl, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const base = metricsUrl.replace(/metrics$/, "");
      const metricsPort = Number(new URL(metricsUrl).port);
      assert.notEqual(metricsPort, 0);
      const scrape = async () => {
        const response = await fetch(metricsUrl);
        assert.equal(response.status, 200);
        assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
        return await response.text();
      };
      const incoming = 'tzp2p_connections{direction="incoming",private="false"}';
      const established = 'tzp2p_connections_established_total{direction="incoming"}';
      const before = await scrape();
      assert.equal(sample(before, incoming), 0);
      assert.equal(sample(before, established), 0);
      assert.equal(sample(before, 'tzp2p_bytes_total{direction="received"}'), 0);

      const libraryId = peerIdToString(library.peerId);
      await library.connect(String(listening.point));
      await node.waitFor(
        "connection from the library node",
        (e) => e.event === "connection_established" && e.peer_id === libraryId,
      );
      // Once the meshes formed, Subscribe and Graft messages have crossed.
      await waitFor("mesh", () => library.meshPeers("news").length === 1);
      const during = await scrape();
      assert.equal(sample(during, incoming), 1);
      assert.equal(sample(during, established), 1);
      assert.ok(sample(during, 'tzp2p_bytes_total{direction="received"}')! > 0, during);
      assert.ok(sample(during, 'tzp2p_p2p_messages_total{direction="received"}')! > 0, during);
      assert.equal(sample(during, 'tzp2p_known_peers{state="running"}'), 1);

      const connections = await (await fetch(`${base}network/connections`)).json();
      assert.deepEqual(connections.map((c: { peer_id: string }) => c.peer_id), [libraryId]);
      assert.equal(connections[0].incoming, true);
      assert.equal(connections[0].announced_version.chain_name, "TZP2P_GOSSIP");
      const topics = await (await fetch(`${base}gossipsub/topics`)).json();
      assert.equal(topics[0].topic, "news");

      // Without --rpc-acl a route that would disconnect the peer is refused.
      const kick = await fetch(`${base}network/connections/${libraryId}`, { method: "DELETE" });
      assert.equal(kick.status, 403);
      await kick.body?.cancel();

      await library.close();
      await node.waitFor(
        "disconnection of the library node",
        (e) => e.event === "connection_closed" && e.peer_id === libraryId,
      );
      const after = await scrape();
      assert.equal(sample(after, incoming), 0);
      const closed = after.split("\n")
        .filter((l) => l.startsWith("tzp2p_connections_closed_total{"))
        .reduce((sum, l) => sum + Number(l.split(" ")[1]), 0);
      assert.equal(closed, 1);
      assert.ok(
        sample(after, 'tzp2p_bytes_total{direction="received"}')! >=
          sample(during, 'tzp2p_bytes_total{direction="received"}')!,
        "the byte counter survives the disconnection",
      );

      assert.equal(await node.stop("SIGTERM"), 0, node.stderr);
      assert.equal(node.events.at(-1)?.event, "stopped");
      assert.ok(!node.events.some((e) => e.event === "not_json"), JSON.stringify(node.events));
      assert.ok(portIsFree(metricsPort), `metrics port ${metricsPort} still taken`);
    } finally {
      await library.close();
      await node.dispose();
    }
  });
});

Deno.test("tzp2p node --metrics --rpc-acl: DELETE /network/connections/<peer_id> disconnects", async () => {
  await withTempDir(async (dir) => {
    const node = new CliNode([
      "--identity",
      `${dir}/identity.json`,
      "--expected-pow",
      "0",
      "--metrics",
      "127.0.0.1:0",
      "--rpc-acl",
      "--log",
      "json",
    ]);
    const library = await createNode({
      identity: generateIdentitySync(0),
      expectedPow: 0,
      listen: false,
      // No redial within the test: the disconnection is the RPC's doing.
      maintenanceMs: 3_600_000,
    });
    try {
      const listening = await node.listening();
      const base = String(listening.metrics_url).replace(/metrics$/, "");
      const libraryId = peerIdToString(library.peerId);
      await library.connect(String(listening.point));
      await node.waitFor(
        "connection",
        (e) => e.event === "connection_established" && e.peer_id === libraryId,
      );
      const kick = await fetch(`${base}network/connections/${libraryId}`, { method: "DELETE" });
      assert.equal(kick.status, 200);
      await kick.body?.cancel();
      await node.waitFor(
        "disconnection",
        (e) => e.event === "connection_closed" && e.peer_id === libraryId,
      );
      assert.deepEqual(await (await fetch(`${base}network/connections`)).json(), []);
      assert.equal(await node.stop("SIGTERM"), 0, node.stderr);
    } finally {
      await library.close();
      await node.dispose();
    }
  });
});

Deno.test("tzp2p node --metrics on a port in use: says so on stderr and exits 1 before listening", async () => {
  await withTempDir(async (dir) => {
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (taken.addr as Deno.NetAddr).port;
    const node = new CliNode([
      "--identity",
      `${dir}/identity.json`,
      "--expected-pow",
      "0",
      "--metrics",
      `127.0.0.1:${port}`,
      "--log",
      "json",
    ]);
    try {
      assert.equal(await node.exit(), 1);
      assert.match(node.stderr, new RegExp(`cannot serve --metrics on 127\\.0\\.0\\.1:${port}`));
      assert.ok(!node.events.some((e) => e.event === "listening"), JSON.stringify(node.events));
    } finally {
      taken.close();
      await node.dispose();
    }
  });
});

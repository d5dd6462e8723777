// `tzp2p crawl` as a child process (as `deno task tzp2p crawl` runs it) against a local network on
// loopback: 10 tzp2p shell nodes serving one generated chain at three different heads, chained so
// that only Advertise leads from the one given on the command line to the others; 2 nodes of
// another chain (they Nack); a freed port (unreachable); and a listener that writes random bytes.

import assert from "node:assert/strict";
import { generateIdentitySync, peerIdToString } from "../../lib/crypto/mod.ts";
import { base58CheckEncode } from "../../lib/crypto/base58.ts";
import { pointIdToString } from "../../lib/base/point_id.ts";
import { BLOCK_HASH_PREFIX, CHAIN_ID_PREFIX } from "../../gen/shell.ts";
import { timestampToJson } from "../../lib/encoding/shell_json.ts";
import { toHex } from "../../lib/encoding/hex.ts";
import { createShellNode, type ShellNode } from "../../lib/node/mod.ts";
import { generateTestChain } from "../support/test_chain.ts";
import { waitFor } from "../support/async.ts";
import { TASK_PERMISSIONS, withTempDir } from "../support/cli_node.ts";
import { crawlCommand, parseCrawlArgs } from "../../lib/cli/crawl_command.ts";
import { formatCrawlProgress } from "../../lib/cli/crawler.ts";
import { isCliError } from "../../lib/cli/errors.ts";

const MAIN = new URL("../../lib/cli/main.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;
const CHAIN = "TZP2P_CRAWL_TEST";
const OTHER_CHAIN = "TZP2P_OTHER_CHAIN";

type Line = Record<string, unknown>;

/** A listener that answers every connection with 64 random bytes, then closes it. */
function garbageListener(): { port: number; close(): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const loop = (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return; // closed
      }
      try {
        await conn.write(crypto.getRandomValues(new Uint8Array(64)));
      } catch { /* the crawler left */ }
      conn.close();
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close: async () => {
      listener.close();
      await loop;
    },
  };
}

/** A port nothing listens on: one the OS gave, then freed. */
function freedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

Deno.test("crawl maps a local network: 10 shell nodes through Advertise, Nacks, an unreachable point, garbage", async () => {
  const chain = generateTestChain(45);
  const heads = [40, 40, 40, 40, 42, 42, 42, 45, 45, 45];
  const nodes: ShellNode[] = [];
  const others: ShellNode[] = [];
  const garbage = garbageListener();
  try {
    // Node i dials node i - 1 only: node 9 knows node 8, node 8 knows 7 and 9, and so on.
    for (let i = 0; i < heads.length; i++) {
      nodes.push(
        await createShellNode({
          identity: generateIdentitySync(0),
          expectedPow: 0,
          chainName: CHAIN,
          chain: chain.serve(heads[i]),
          bootstrapPoints: i === 0 ? [] : [nodes[i - 1].listeningPoint!],
          // Every node and the crawler dial from 127.0.0.1, and a node takes at most a quarter of
          // its incoming handshakes from one address (pool.ts): with the shell's 20, the nodes'
          // own dials after Advertise could hold all 5 slots and the crawler's socket was closed
          // unread (1 run in about 20; with 4 slots, 1 per address, every run).
          maxIncomingHandshakes: 100,
        }),
      );
    }
    await waitFor("the chain of connections", () => nodes.every((n) => n.peers().length >= 1));
    for (let i = 0; i < 2; i++) {
      others.push(
        await createShellNode({
          identity: generateIdentitySync(0),
          expectedPow: 0,
          chainName: OTHER_CHAIN,
          chain: chain.serve(45),
        }),
      );
    }
    const unreachable = `127.0.0.1:${freedPort()}`;
    const garbagePoint = `127.0.0.1:${garbage.port}`;
    const point = (n: ShellNode) => pointIdToString(n.listeningPoint!);

    const output = await withTempDir(async (dir) => {
      const command = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          ...TASK_PERMISSIONS,
          MAIN,
          "crawl",
          "--peer",
          point(nodes[9]),
          "--peer",
          point(others[0]),
          "--peer",
          point(others[1]),
          "--peer",
          unreachable,
          "--peer",
          garbagePoint,
          "--chain",
          CHAIN,
          "--identity",
          `${dir}/identity.json`,
          "--expected-pow",
          "0",
          "--concurrency",
          "4",
          "--timeout-s",
          "60",
          "--connect-timeout-ms",
          "5000",
        ],
        cwd: ROOT,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      });
      return await command.output();
    });
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    // Not a terminal: no progress line.
    assert.ok(!stderr.includes("\r"), stderr);
    const lines: Line[] = stdout.trim().split("\n").map((l) => JSON.parse(l));
    const summary = lines.at(-1)!;
    const records = lines.slice(0, -1);
    assert.equal(summary.type, "summary");
    assert.ok(records.every((r) => r.type === "point"));
    const byPoint = new Map(records.map((r) => [r.point as string, r]));
    assert.equal(byPoint.size, records.length, "each point once");

    const chainId = base58CheckEncode(CHAIN_ID_PREFIX, chain.chainId);
    nodes.forEach((node, i) => {
      const r = byPoint.get(point(node));
      assert.ok(r !== undefined, `node ${i} at ${point(node)} not crawled: ${stdout}`);
      assert.equal(r.status, "ok", JSON.stringify(r));
      assert.equal(r.reachable, true);
      assert.equal(r.source, i === 9 ? "command_line" : "advertise");
      assert.equal(r.peer_id, peerIdToString(node.peerId));
      assert.deepEqual(r.version, {
        chain_name: CHAIN,
        distributed_db_version: 2,
        p2p_version: 1,
      });
      assert.deepEqual(r.metadata, { disable_mempool: false, private_node: false });
      assert.equal(r.chain_id, chainId);
      const level = heads[i];
      const header = chain.headers[level];
      assert.deepEqual(r.head, {
        level,
        hash: base58CheckEncode(BLOCK_HASH_PREFIX, chain.hashes[level]),
        predecessor: base58CheckEncode(BLOCK_HASH_PREFIX, chain.hashes[level - 1]),
        timestamp: timestampToJson(header.timestamp),
        proto_level: 1,
        fitness: header.fitness.map(toHex),
      });
    });
    for (const other of others) {
      const r = byPoint.get(point(other))!;
      assert.equal(r.status, "refused", JSON.stringify(r));
      assert.equal(r.motive, "Unknown_chain_name");
      assert.equal(r.peer_id, peerIdToString(other.peerId));
      assert.equal((r.version as Line).chain_name, OTHER_CHAIN);
      assert.equal(r.head, null);
    }
    const lost = byPoint.get(unreachable)!;
    assert.equal(lost.status, "unreachable", JSON.stringify(lost));
    assert.equal(lost.reachable, false);
    assert.equal(lost.error, "Connection_refused");
    const noise = byPoint.get(garbagePoint)!;
    assert.equal(noise.status, "failed", JSON.stringify(noise));
    assert.equal(noise.reachable, true);
    assert.equal(noise.peer_id, null);

    assert.equal(records.length, 14, stdout);
    assert.equal(summary.points_tried, 14);
    assert.equal(summary.reached, 10);
    assert.equal(summary.with_head, 10);
    assert.equal(summary.unreachable, 1);
    assert.deepEqual(summary.refused, { Unknown_chain_name: 2 });
    assert.equal(
      Object.values(summary.failed as Record<string, number>).reduce((a, b) => a + b, 0),
      1,
    );
    assert.deepEqual(summary.head_levels, { "40": 4, "42": 3, "45": 3 });
    assert.equal(summary.not_tried, 0);
  } finally {
    await Promise.all([...nodes, ...others].map((n) => n.close()));
    await garbage.close();
  }
});

Deno.test("crawl arguments: a --peer is required, numbers are checked, the chain id is base58", () => {
  const usage = (args: string[]) => {
    try {
      parseCrawlArgs(args);
    } catch (e) {
      return isCliError(e, "usage");
    }
    return false;
  };
  assert.equal(usage([]), true);
  assert.equal(usage(["--peer", "127.0.0.1:1", "--concurrency", "0"]), true);
  assert.equal(usage(["--peer", "127.0.0.1:1", "--timeout-s", "-1"]), true);
  assert.equal(usage(["--peer", "127.0.0.1:1", "--chain-id", "NetXnotachainid"]), true);
  const c = parseCrawlArgs(["--peer", "127.0.0.1:1", "--chain-id", "NetXdQprcVkpaWU"]);
  assert.equal(toHex(c.chainId!), "7a06a770");
  assert.equal(c.concurrency, 8);
  assert.equal(c.expectedPow, 26);
  assert.equal(c.chain, "TEZOS_MAINNET");
  assert.equal(
    formatCrawlProgress({ tried: 3, reached: 2, inFlight: 1, queued: 4, elapsedMs: 65_000 }),
    "crawl: 3 tried, 2 reached, 1 in flight, 4 queued, 1m05s",
  );
});

Deno.test("on a terminal, crawl redraws one progress line on stderr; the JSON stays on stdout", async () => {
  await withTempDir(async (dir) => {
    let out = "";
    let err = "";
    const io = {
      out: (text: string) => {
        out += text;
        return Promise.resolve();
      },
      err: (text: string) => {
        err += text;
      },
      errIsTerminal: true,
      errColumns: 200,
    };
    const unreachable = `127.0.0.1:${freedPort()}`;
    await crawlCommand(
      ["--peer", unreachable, "--identity", `${dir}/id.json`, "--expected-pow", "0"],
      io,
    );
    assert.ok(err.includes("\rcrawl: 0 tried, 0 reached, 1 in flight, 0 queued, 0s\x1b[K"), err);
    assert.ok(err.endsWith("\n"));
    const lines = out.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.equal(lines[0].status, "unreachable");
    assert.equal(lines[1].unreachable, 1);
    assert.ok(!out.includes("\r"));
  });
});

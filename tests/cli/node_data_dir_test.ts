// `tzp2p node --data-dir`, as real processes over loopback TCP: the identity and the known points
// survive a restart, config.json gives options that the command line overrides, corrupt files stop
// the node with one error line and stay as they were, and peers.json survives SIGKILL mid-save.

import assert from "node:assert/strict";
import { configFileArgs, parseNodeArgs } from "../../lib/cli/node_args.ts";
import { isCliError } from "../../lib/cli/errors.ts";
import { generateIdentitySync, peerIdToString } from "../../lib/crypto/mod.ts";
import { createNode } from "../../lib/node/mod.ts";
import { parsePeersJson } from "../../lib/node/data_dir.ts";
import { sleep, waitFor } from "../support/async.ts";
import { CliNode, withTempDir } from "../support/cli_node.ts";

const BASE = ["--expected-pow", "0", "--listen", "127.0.0.1:0", "--log", "json"];

/** The entries of a peers.json as written (snake_case keys). */
async function readPeers(path: string): Promise<Record<string, unknown>[]> {
  return JSON.parse(await Deno.readTextFile(path));
}

/** The lines a process wrote on stderr. */
function lines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "");
}

Deno.test("config.json stands for command-line options, minus those the command line gives", () => {
  const file = {
    p2p: {
      listenAddr: "127.0.0.2:0",
      bootstrapPeers: ["127.0.0.3:9732", "127.0.0.4:9732"],
      expectedProofOfWork: 0,
    },
    network: { chainName: "TEZOS_MAINNET" },
    metricsAddr: ["127.0.0.1:0"],
    tzp2p: { profile: "dal", topics: [], bootstrapPeer: true, log: "json", rpcAcl: true },
  };
  const cli = ["--listen", "127.0.0.1:0", "--peer=127.0.0.5:1"];
  const { args, keys } = configFileArgs(file, cli, "c.json");
  assert.deepEqual(args, [
    "--expected-pow=0",
    "--chain=TEZOS_MAINNET",
    "--metrics=127.0.0.1:0",
    "--profile=dal",
    "--bootstrap-peer",
    "--log=json",
    "--rpc-acl",
  ]);
  assert.equal(keys.get("metrics"), "metrics_addr");
  assert.equal(keys.get("listen"), undefined);
  const config = parseNodeArgs([...args, ...cli]);
  assert.deepEqual(config.listen, { addr: "127.0.0.1", port: 0 });
  assert.deepEqual(config.peers, [{ kind: "point", point: { addr: "127.0.0.5", port: 1 } }]);
  assert.equal(config.profile, "dal");
  assert.equal(config.rpcAcl, true);
  assert.deepEqual(config.metrics, { addr: "127.0.0.1", port: 0 });
  assert.throws(
    () => configFileArgs({ metricsAddr: ["127.0.0.1:1", "127.0.0.1:2"] }, [], "c.json"),
    (e) => isCliError(e, "usage") && e.message.startsWith("c.json: metrics_addr:"),
  );
});

Deno.test("a node restarted on its data directory keeps its peer id and dials its known point", async () => {
  await withTempDir(async (dir) => {
    const dataDir = `${dir}/node`;
    const library = await createNode({ identity: generateIdentitySync(0), expectedPow: 0 });
    const libraryId = peerIdToString(library.peerId);
    const libraryPoint = `127.0.0.1:${library.listeningPoint!.port}`;
    let cli = new CliNode(["--data-dir", dataDir, ...BASE]);
    try {
      const first = await cli.listening();
      // The library node dials the CLI node, which learns the point where the library listens.
      await library.connect(String(first.point));
      await cli.waitFor(
        "connection from the library node",
        (e) => e.event === "connection_established" && e.peer_id === libraryId,
      );
      assert.equal(await cli.stop("SIGTERM"), 0, cli.stderr);

      const saved = await readPeers(`${dataDir}/peers.json`);
      const entry = saved.find((p) => p.point === libraryPoint);
      assert.ok(entry !== undefined, JSON.stringify(saved));
      assert.equal(entry.peer_id, libraryId);
      assert.equal(typeof entry.last_seen, "string");
      const identity = JSON.parse(await Deno.readTextFile(`${dataDir}/identity.json`));
      assert.equal(identity.peer_id, first.peer_id);

      // Same directory, no --peer: same identity, and it dials the point it knew.
      cli = new CliNode(["--data-dir", dataDir, ...BASE]);
      const second = await cli.listening();
      assert.equal(second.peer_id, first.peer_id);
      const again = await cli.waitFor(
        "a connection to the known point",
        (e) => e.event === "connection_established" && e.peer_id === libraryId,
        30_000,
      );
      assert.equal(again.direction, "outgoing");
      assert.equal(again.point, libraryPoint);
      assert.equal(await cli.stop("SIGTERM"), 0, cli.stderr);
      const resaved = await readPeers(`${dataDir}/peers.json`);
      assert.ok(resaved.some((p) => p.point === libraryPoint && p.peer_id === libraryId));
      assert.ok(!cli.events.some((e) => e.event === "not_json"), JSON.stringify(cli.events));
    } finally {
      await cli.dispose();
      await library.close();
    }
  });
});

Deno.test("config.json gives the node its options and the command line overrides them", async () => {
  await withTempDir(async (dir) => {
    const config = {
      p2p: { "listen-addr": "127.0.0.2:0", "expected-proof-of-work": 0 },
      tzp2p: { log: "json" },
    };
    await Deno.mkdir(`${dir}/node`);
    await Deno.writeTextFile(`${dir}/node/config.json`, JSON.stringify(config));

    // Listening address, PoW of the new identity and JSON log, all from the file.
    let cli = new CliNode(["--data-dir", `${dir}/node`]);
    try {
      const listening = await cli.listening();
      assert.match(String(listening.point), /^127\.0\.0\.2:\d+$/);
      assert.equal(await cli.stop("SIGTERM"), 0, cli.stderr);

      cli = new CliNode(["--data-dir", `${dir}/node`, "--listen", "127.0.0.1:0"]);
      const overridden = await cli.listening();
      assert.match(String(overridden.point), /^127\.0\.0\.1:\d+$/);
      assert.equal(overridden.peer_id, listening.peer_id);
      assert.equal(await cli.stop("SIGTERM"), 0, cli.stderr);
    } finally {
      await cli.dispose();
    }
    assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/node/config.json`)), config);
  });
});

Deno.test("a bad config.json stops the node with one line naming the file and key, exit 2", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/config.json`;
    for (
      const [text, part] of [
        ['{"p2p":{"listen-addr":"nowhere"}}', `${path}: p2p.listen-addr: --listen must be`],
        ['{"p2p":{"listen-addr":', `${path}: not JSON`],
        ['{"p2p":{"listen":"127.0.0.1:0"}}', `${path}: unknown key p2p.listen`],
      ]
    ) {
      await Deno.writeTextFile(path, text);
      const cli = new CliNode(["--data-dir", dir, "--expected-pow", "0"]);
      assert.equal(await cli.exit(), 2);
      assert.deepEqual(cli.events, []);
      const [line, ...rest] = lines(cli.stderr);
      assert.ok(line.startsWith(`tzp2p: ${part}`), line);
      assert.deepEqual(rest, []);
      assert.equal(await Deno.readTextFile(path), text);
    }
    // Nothing was created beside it.
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["config.json"]);
  });
});

Deno.test("a corrupt peers.json stops the node with one line naming it, exit 1, untouched", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/peers.json`;
    for (
      const [text, part] of [
        ['[{"point":"127.0.0.1:1"', `${path}: not JSON`],
        ['[{"point":"127.0.0.1"}]', `${path}: entry 0:`],
        ['{"points":[]}', `${path}: expected an array`],
      ]
    ) {
      await Deno.writeTextFile(path, text);
      const cli = new CliNode(["--data-dir", dir, ...BASE]);
      assert.equal(await cli.exit(), 1);
      assert.deepEqual(cli.events, []);
      const [line, ...rest] = lines(cli.stderr);
      assert.ok(line.startsWith(`tzp2p: ${part}`), line);
      assert.deepEqual(rest, []);
      assert.equal(await Deno.readTextFile(path), text);
    }
    // Refused before the identity: none was generated.
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["peers.json"]);
  });
});

Deno.test("peers.json is always whole when the node is killed with SIGKILL while saving", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/peers.json`;
    // Points nobody listens on (port 1 refuses at once): the node keeps them, and keeps saving.
    const points = Array.from({ length: 50 }, (_, i) => `127.0.0.${i + 2}:1`);
    await Deno.writeTextFile(path, JSON.stringify(points.map((point) => ({ point }))));
    let replaced = 0;
    const rounds = 8;
    for (let round = 0; round < rounds; round++) {
      // A save renames a new file over the old one; its modification time is later. (Inodes are
      // no witness: a freed one comes back for the next temporary file.)
      const before = (await Deno.stat(path)).mtime!.getTime();
      const cli = new CliNode(["--data-dir", dir, ...BASE, "--save-every-ms", "1"]);
      try {
        await cli.listening();
        // Kill it at a random moment after its first save, so that every round kills a node
        // that is saving every millisecond (on a loaded machine the first save can take a while).
        await waitFor(
          "a first save",
          () => Deno.statSync(path).mtime!.getTime() > before,
          10_000,
          5,
        );
        replaced++;
        await sleep(Math.floor(Math.random() * 50));
      } finally {
        await cli.stop("SIGKILL");
      }
      const text = await Deno.readTextFile(path); // present
      const saved = parsePeersJson(text, path); // whole
      for (const point of points) {
        assert.ok(saved.some((p) => p.point === point), `round ${round}: ${point} lost`);
      }
    }
    assert.equal(replaced, rounds, `the file was replaced in ${replaced} of ${rounds} rounds`);
    // At most one temporary file per kill is left behind, and it is not peers.json.
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.ok(names.includes("peers.json"));
    assert.ok(
      names.filter((n) => n.endsWith(".tmp")).length <= rounds,
      JSON.stringify(names),
    );
  });
});

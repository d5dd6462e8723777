// A node's data directory: peers.json written from a snapshot and read back (also Octez's entries),
// config.json read with Octez's key names, atomic replacement, corrupt files refused with an
// error naming them, and the periodic saver.

import assert from "node:assert/strict";
import {
  loadConfigFile,
  loadPeersFile,
  parseConfigJson,
  parsePeersJson,
  peersJson,
  savePeersFile,
  startPeersSaver,
  writeFileAtomic,
} from "../../lib/node/data_dir.ts";
import { isNodeError, type NodeError, type PointSnapshot } from "../../lib/node/mod.ts";
import { generateIdentitySync, peerIdToString } from "../../lib/crypto/mod.ts";
import { waitFor } from "../support/async.ts";
import { closeAll, testNode } from "./helpers.ts";

const PEER = peerIdToString(generateIdentitySync(0).peerId);
const OTHER = peerIdToString(generateIdentitySync(0).peerId);

function point(overrides: Partial<PointSnapshot> = {}): PointSnapshot {
  return {
    point: "127.0.0.1:9732",
    state: "running",
    source: "connection",
    trusted: false,
    public: true,
    peerId: PEER,
    lastSeen: Date.UTC(2026, 11, 1, 19, 3, 19),
    nextAttempt: 0,
    ...overrides,
  };
}

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tzp2p_data_dir_test_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Asserts that `body` throws a `data_file` NodeError whose message names `path` and has `part`. */
async function assertFileError(
  body: () => unknown,
  path: string,
  part: string | RegExp,
): Promise<void> {
  let caught: unknown;
  try {
    await body();
  } catch (e) {
    caught = e;
  }
  assert.ok(isNodeError(caught, "data_file"), `expected a data_file NodeError, got ${caught}`);
  assert.equal(caught.details.path, path);
  assert.ok(caught.message.startsWith(`${path}: `), caught.message);
  assert.match(caught.message, typeof part === "string" ? new RegExp(RegExp.escape(part)) : part);
  assert.ok(!caught.message.includes("\n"), "one line");
}

Deno.test("peers.json keeps each point's peer, trust, state, source and last seen", () => {
  const text = peersJson([
    point(),
    point({ point: "[::1]:9000", peerId: undefined, lastSeen: undefined, trusted: true }),
  ]);
  assert.deepEqual(JSON.parse(text), [
    {
      point: "127.0.0.1:9732",
      peer_id: PEER,
      trusted: false,
      state: "running",
      source: "connection",
      last_seen: "2026-12-01T19:03:19.000Z",
    },
    { point: "[::1]:9000", trusted: true, state: "running", source: "connection" },
  ]);
  assert.ok(text.endsWith("\n"));
  assert.deepEqual(parsePeersJson(text, "peers.json"), [
    { point: "127.0.0.1:9732", peerId: PEER },
    { point: "[::1]:9000", trusted: true },
  ]);
});

Deno.test("peers.json points are read in canonical form", () => {
  const text = JSON.stringify([{ point: "[0:0:0:0:0:0:0:1]:9732" }]);
  assert.deepEqual(parsePeersJson(text, "p"), [{ point: "[::1]:9732" }]);
});

Deno.test("an Octez peers.json entry gives the point of its most recent connection", () => {
  // The shape of P2p_peer_state.Info.encoding (Octez p2p_peer_state.ml 136-153).
  const text = JSON.stringify([
    {
      peer_id: PEER,
      created: "2026-11-30T10:00:00Z",
      trusted: true,
      peer_metadata: {},
      events: [],
      last_established_connection: [{ addr: "198.51.100.7", port: 9732 }, "2026-12-01T10:00:00Z"],
      last_disconnection: [{ addr: "198.51.100.8", port: 9733 }, "2026-12-01T11:00:00Z"],
      last_rejected_connection: [{ addr: "198.51.100.9" }, "2026-12-01T12:00:00Z"],
    },
    {
      peer_id: OTHER,
      created: "2026-11-30T10:00:00Z",
      peer_metadata: {},
      last_established_connection: [{ addr: "2001:db8::7", port: 9732 }, 1764583200],
    },
    // No event with a port: the peer is known to Octez, but has no point to dial.
    { peer_id: OTHER, created: "2026-11-30T10:00:00Z", peer_metadata: {} },
  ]);
  assert.deepEqual(parsePeersJson(text, "p"), [
    { point: "198.51.100.8:9733", peerId: PEER, trusted: true },
    { point: "[2001:db8::7]:9732", peerId: OTHER },
  ]);
});

Deno.test("a corrupt peers.json is refused with an error naming the file and the entry", async () => {
  const cases: [string, string][] = [
    ["{not json", "not JSON"],
    ['{"point":"127.0.0.1:1"}', "expected an array"],
    ["[1]", "entry 0 is not an object"],
    ['[{"point":"127.0.0.1:1"},{"point":"nowhere"}]', "entry 1:"],
    ['[{"point":12}]', "entry 0.point must be text"],
    ['[{"point":"127.0.0.1:1","peer_id":"idXXX"}]', "entry 0.peer_id:"],
    ['[{"point":"127.0.0.1:1","trusted":"yes"}]', "entry 0.trusted must be true or false"],
    ['[{"state":"running"}]', "entry 0 has neither point nor peer_id"],
    [`[{"peer_id":"${PEER}","last_disconnection":[{"addr":1},0]}]`, "entry 0.last_disconnection"],
  ];
  for (const [text, part] of cases) {
    await assertFileError(() => parsePeersJson(text, "/d/peers.json"), "/d/peers.json", part);
  }
});

Deno.test("loadPeersFile() of a missing file is empty; a corrupt one throws", async () => {
  await withDir(async (dir) => {
    assert.deepEqual(await loadPeersFile(`${dir}/peers.json`), []);
    await Deno.writeTextFile(`${dir}/peers.json`, "[");
    await assertFileError(() => loadPeersFile(`${dir}/peers.json`), `${dir}/peers.json`, "JSON");
    await assertFileError(() => loadPeersFile(dir), dir, "cannot read");
  });
});

Deno.test("writeFileAtomic() replaces the content and leaves no temporary file", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/peers.json`;
    await writeFileAtomic(path, "first");
    await writeFileAtomic(path, "second, longer");
    assert.equal(await Deno.readTextFile(path), "second, longer");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["peers.json"]);
  });
});

Deno.test("writeFileAtomic() that cannot rename keeps the old file and removes its temporary", async () => {
  await withDir(async (dir) => {
    // A non-empty directory where the file should be: the rename fails.
    await Deno.mkdir(`${dir}/peers.json`);
    await Deno.writeTextFile(`${dir}/peers.json/keep`, "old");
    await assertFileError(
      () => writeFileAtomic(`${dir}/peers.json`, "new"),
      `${dir}/peers.json`,
      "cannot write",
    );
    assert.equal(await Deno.readTextFile(`${dir}/peers.json/keep`), "old");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["peers.json"]);
    await assertFileError(
      () => writeFileAtomic(`${dir}/missing/peers.json`, "new"),
      `${dir}/missing/peers.json`,
      "cannot write",
    );
  });
});

Deno.test("a node's known points saved to peers.json come back in the next node", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/peers.json`;
    const a = await testNode();
    const b = await testNode();
    try {
      await b.connect(a.listeningPoint!);
      await savePeersFile(path, b.snapshot().points);
    } finally {
      await closeAll([a, b]);
    }
    const [saved] = JSON.parse(await Deno.readTextFile(path));
    assert.equal(saved.peer_id, peerIdToString(a.peerId));
    assert.equal(saved.state, "running");
    const again = await testNode({ knownPoints: await loadPeersFile(path) });
    try {
      const [p] = again.snapshot().points;
      assert.deepEqual(
        { point: p.point, peerId: p.peerId, trusted: p.trusted, state: p.state },
        {
          point: saved.point,
          peerId: saved.peer_id,
          trusted: saved.trusted,
          state: "disconnected",
        },
      );
    } finally {
      await again.close();
    }
  });
});

/** How many points the file at `path` holds now (-1: none yet). */
function savedPoints(path: string): number {
  try {
    return parsePeersJson(Deno.readTextFileSync(path), path).length;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return -1;
    throw e;
  }
}

Deno.test("startPeersSaver() saves every period, and once more on close", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/peers.json`;
    let points = [point()];
    const saver = startPeersSaver(path, () => points, { everyMs: 10 });
    try {
      await waitFor("a first save", () => savedPoints(path) === 1);
      points = [point(), point({ point: "127.0.0.2:1" })];
      await waitFor("a save of the new points", () => savedPoints(path) === 2);
    } finally {
      points = [];
      await saver.close();
    }
    assert.deepEqual(await loadPeersFile(path), []);
    assert.throws(() => startPeersSaver(path, () => [], { everyMs: 0 }), RangeError);
  });
});

Deno.test("startPeersSaver() reports a failed periodic save and keeps trying", async () => {
  await withDir(async (dir) => {
    const errors: NodeError[] = [];
    const saver = startPeersSaver(`${dir}/missing/peers.json`, () => [], {
      everyMs: 5,
      onError: (e) => errors.push(e),
    });
    try {
      await waitFor("two failed saves", () => errors.length >= 2);
      assert.ok(errors.every((e) => isNodeError(e, "data_file")));
    } finally {
      await assert.rejects(saver.close(), (e) => isNodeError(e, "data_file"));
    }
  });
});

Deno.test("config.json is read with Octez's keys and ours under tzp2p", () => {
  const config = parseConfigJson(
    JSON.stringify({
      p2p: {
        "listen-addr": "0.0.0.0:9732",
        "bootstrap-peers": ["198.51.100.7:9732", "boot.example.net"],
        "expected-proof-of-work": 24.5,
      },
      network: { chain_name: "TEZOS_MAINNET" },
      metrics_addr: ["127.0.0.1:9932"],
      tzp2p: {
        profile: "dal",
        topics: ["0:tz1XQjK1b3P72kMcHsoPhnAg3dvX1n8Ainty"],
        "bootstrap-peer": true,
        log: "json",
        "rpc-acl": false,
        "save-every-ms": 500,
      },
    }),
    "config.json",
  );
  assert.deepEqual(config, {
    p2p: {
      listenAddr: "0.0.0.0:9732",
      bootstrapPeers: ["198.51.100.7:9732", "boot.example.net"],
      expectedProofOfWork: 24.5,
    },
    network: { chainName: "TEZOS_MAINNET" },
    metricsAddr: ["127.0.0.1:9932"],
    tzp2p: {
      profile: "dal",
      topics: ["0:tz1XQjK1b3P72kMcHsoPhnAg3dvX1n8Ainty"],
      bootstrapPeer: true,
      log: "json",
      rpcAcl: false,
      saveEveryMs: 500,
    },
  });
  assert.deepEqual(parseConfigJson("{}", "config.json"), {});
});

Deno.test("a bad config.json is refused with an error naming the file and the key", async () => {
  const cases: [string, string][] = [
    ["{", "not JSON"],
    ["[]", "expected a JSON object"],
    ['{"rpc":{}}', 'unknown key "rpc"'],
    ['{"p2p":{"limits":{}}}', "unknown key p2p.limits"],
    ['{"p2p":[]}', "p2p must be an object"],
    ['{"p2p":{"listen-addr":9732}}', "p2p.listen-addr must be text"],
    ['{"p2p":{"bootstrap-peers":"a"}}', "p2p.bootstrap-peers must be an array of text"],
    ['{"p2p":{"expected-proof-of-work":"26"}}', "p2p.expected-proof-of-work must be a number"],
    ['{"network":"mainnet"}', "network must be an object"],
    ['{"metrics_addr":"127.0.0.1:1"}', "metrics_addr must be an array of text"],
    ['{"tzp2p":{"bootstrap-peer":1}}', "tzp2p.bootstrap-peer must be true or false"],
  ];
  for (const [text, part] of cases) {
    await assertFileError(() => parseConfigJson(text, "/d/config.json"), "/d/config.json", part);
  }
});

Deno.test("loadConfigFile() of a missing file gives no options", async () => {
  await withDir(async (dir) => {
    assert.deepEqual(await loadConfigFile(`${dir}/config.json`), {});
    await Deno.writeTextFile(`${dir}/config.json`, '{"network":{"chain_name":"X"}}');
    assert.deepEqual(await loadConfigFile(`${dir}/config.json`), { network: { chainName: "X" } });
  });
});

// createNode({ dataDir }): the library side of a data directory — identity.json created once and
// reused, peers.json read at start and written at close.

import assert from "node:assert/strict";
import { pointIdToString } from "../../lib/base/point_id.ts";
import { peerIdToString } from "../../lib/crypto/mod.ts";
import { createNode, createShellNode } from "../../lib/node/mod.ts";
import { closeAll, testNode } from "./helpers.ts";

Deno.test("a node with a dataDir keeps its identity and known points across restarts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tzp2p_datadir_" });
  const other = await testNode();
  try {
    const options = {
      dataDir: dir,
      expectedPow: 2,
      connections: { minConnections: 0, expectedConnections: 0, maxConnections: 4 },
    };
    const first = await createNode(options);
    const id = peerIdToString(first.peerId);
    await first.connect(other.listeningPoint!);
    await first.close();
    const identityText = await Deno.readTextFile(`${dir}/identity.json`);
    const saved = JSON.parse(await Deno.readTextFile(`${dir}/peers.json`));
    assert.ok(
      JSON.stringify(saved).includes(pointIdToString(other.listeningPoint!)),
      "peers.json holds the point",
    );

    const second = await createNode(options);
    try {
      assert.equal(peerIdToString(second.peerId), id);
      assert.equal(await Deno.readTextFile(`${dir}/identity.json`), identityText);
      const point = second.snapshot().points.find((p) =>
        p.point === pointIdToString(other.listeningPoint!)
      );
      assert.equal(point?.peerId, peerIdToString(other.peerId));
    } finally {
      await second.close();
    }
    // The shell node reads the same directory.
    const shell = await createShellNode({ dataDir: dir, expectedPow: 2 });
    assert.equal(peerIdToString(shell.peerId), id);
    await shell.close();
  } finally {
    await closeAll([other]);
    await Deno.remove(dir, { recursive: true });
  }
});

// `tzp2p node --trusted-point`, `--private-mode` and `--ban`: their parsing, their config.json
// keys (`p2p.private-mode` as Octez's, `tzp2p.trusted-points`, `tzp2p.ban`), and a node process in
// private mode that dials its trusted point, announces private_node and refuses the others.

import assert from "node:assert/strict";
import { nodeConfig, parseBan, parseNodeArgs } from "../../lib/cli/node_args.ts";
import { isCliError } from "../../lib/cli/errors.ts";
import { generateIdentitySync, peerIdToString } from "../../lib/crypto/mod.ts";
import { createNode, isNodeError, type NodeEvent } from "../../lib/node/mod.ts";
import { CliNode, withTempDir } from "../support/cli_node.ts";
import { waitFor } from "../support/async.ts";

const ID = peerIdToString(generateIdentitySync(0).peerId);

Deno.test("node options: --trusted-point and --ban repeat, --private-mode is a flag", () => {
  const config = parseNodeArgs([
    "--trusted-point",
    "127.0.0.1:9732",
    `--trusted-point=[::1]:9733#${ID}`,
    "--private-mode",
    "--ban",
    "203.0.113.9",
    "--ban",
    ID,
    "--ban=::ffff:1.2.3.4",
  ]);
  assert.deepEqual(config.trustedPoints, ["127.0.0.1:9732", `[::1]:9733#${ID}`]);
  assert.equal(config.privateMode, true);
  assert.deepEqual(config.banIps, ["203.0.113.9", "1.2.3.4"]);
  assert.deepEqual(config.banPeers, [ID]);
  const plain = parseNodeArgs([]);
  assert.equal(plain.privateMode, false);
  assert.deepEqual([plain.trustedPoints, plain.banIps, plain.banPeers], [[], [], []]);
  // A --peer's #peer_id is kept.
  const peer = parseNodeArgs(["--peer", `127.0.0.1:9732#${ID}`]).peers[0];
  assert.ok(peer.kind === "point" && peer.peerId !== undefined);
});

Deno.test("node options: a bad --trusted-point or --ban is a usage error naming it", () => {
  for (
    const [args, name] of [
      [["--trusted-point", "example.com:9732"], "--trusted-point"],
      [["--trusted-point", "127.0.0.1:9732#idnotapeer"], "--trusted-point"],
      [["--ban", "127.0.0.1:9732"], "--ban"],
      [["--ban", "idnotapeer"], "--ban"],
    ] as const
  ) {
    assert.throws(
      () => parseNodeArgs([...args]),
      (e) => isCliError(e, "usage") && e.message.includes(name),
      args.join(" "),
    );
  }
  assert.equal(parseBan("2001:db8::1").kind, "addr");
});

Deno.test("config.json: p2p.private-mode, tzp2p.trusted-points and tzp2p.ban", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/config.json`,
      JSON.stringify({
        p2p: { "private-mode": true },
        tzp2p: { "trusted-points": ["127.0.0.1:9732"], ban: ["203.0.113.9", ID] },
      }),
    );
    const config = await nodeConfig(["--data-dir", dir]);
    assert.equal(config.privateMode, true);
    assert.deepEqual(config.trustedPoints, ["127.0.0.1:9732"]);
    assert.deepEqual(config.banIps, ["203.0.113.9"]);
    assert.deepEqual(config.banPeers, [ID]);
    // The command line replaces the file's list.
    const over = await nodeConfig(["--data-dir", dir, "--trusted-point", "127.0.0.1:9"]);
    assert.deepEqual(over.trustedPoints, ["127.0.0.1:9"]);
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify({ p2p: { "private-mode": 1 } }));
    await assert.rejects(
      nodeConfig(["--data-dir", dir]),
      (e) => isCliError(e, "usage") && e.message.includes("p2p.private-mode"),
    );
  });
});

Deno.test("tzp2p node --private-mode dials its --trusted-point, announces private_node, refuses others and --ban peers", async () => {
  const trustedEvents: NodeEvent[] = [];
  const trusted = await createNode({
    identity: generateIdentitySync(0),
    expectedPow: 0,
    onEvent: (e) => trustedEvents.push(e),
  });
  const stranger = await createNode({ identity: generateIdentitySync(0), expectedPow: 0 });
  const bannedIdentity = generateIdentitySync(0);
  const banned = await createNode({ identity: bannedIdentity, expectedPow: 0 });
  const trustedPoint = `${trusted.listeningPoint!.addr}:${trusted.listeningPoint!.port}`;
  await withTempDir(async (dir) => {
    const node = new CliNode([
      "--identity",
      `${dir}/id.json`,
      "--expected-pow",
      "0",
      "--log",
      "json",
      "--private-mode",
      "--trusted-point",
      trustedPoint,
      "--ban",
      peerIdToString(bannedIdentity.peerId),
    ]);
    try {
      const listening = await node.listening();
      const established = await node.waitFor(
        "the trusted point",
        (e) => e.event === "connection_established" && e.point === trustedPoint,
      );
      assert.equal(established.direction, "outgoing");
      // Both ends finish the Ack exchange at about the same time: wait for the other's event.
      const found = () =>
        trustedEvents.find((e) =>
          e.event === "connection_established" && e.peerId === listening.peer_id
        );
      await waitFor("the trusted node sees the connection", () => found() !== undefined);
      const seen = found();
      assert.ok(seen?.event === "connection_established");
      assert.deepEqual(seen.metadata, { disableMempool: false, privateNode: true });
      const point = String(listening.point);
      await assert.rejects(stranger.connect(point), (e) => isNodeError(e, "dial_failed"));
      await node.waitFor(
        "the stranger refused",
        (e) => e.event === "handshake_refused" && String(e.motive).includes("private mode"),
      );
      await assert.rejects(banned.connect(point), (e) => isNodeError(e, "dial_failed"));
      await node.waitFor(
        "the banned peer refused",
        (e) => e.event === "handshake_refused" && String(e.motive).includes("banned"),
      );
      assert.equal(await node.stop("SIGTERM"), 0, node.stderr);
    } finally {
      await node.dispose();
      await Promise.all([trusted.close(), stranger.close(), banned.close()]);
    }
  });
});

// The operator server's ACL routes (Octez's `patch_peer`/`patch_point`/`DELETE /network/greylist`)
// over HTTP on loopback, against a real node.

import assert from "node:assert/strict";
import { peerIdToString } from "../../lib/crypto/mod.ts";
import { generateIdentitySync } from "../../lib/crypto/mod.ts";
import { serveOps } from "../../lib/node/mod.ts";
import { testNode } from "./helpers.ts";

async function call(url: string, method: string, body?: unknown): Promise<number> {
  const response = await fetch(url, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? undefined : { "content-type": "application/json" },
  });
  await response.body?.cancel();
  return response.status;
}

Deno.test("PATCH peers and points with ban, trust and open, and DELETE /network/greylist, under --rpc-acl", async () => {
  const node = await testNode();
  const server = serveOps(node, { rpcAcl: true });
  const peer = peerIdToString(generateIdentitySync(0).peerId);
  try {
    const peerUrl = `${server.url}network/peers/${peer}`;
    assert.equal(await call(peerUrl, "PATCH", { acl: "ban" }), 200);
    assert.deepEqual(node.acl.bannedPeers(), [peer]);
    assert.equal(await call(peerUrl, "PATCH", { acl: "trust" }), 200);
    assert.deepEqual([node.acl.bannedPeers(), node.acl.trustedPeers()], [[], [peer]]);
    assert.equal(await call(peerUrl, "PATCH", { acl: "open" }), 200);
    assert.deepEqual([node.acl.bannedPeers(), node.acl.trustedPeers()], [[], []]);
    assert.equal(await call(peerUrl, "PATCH", { acl: "maybe" }), 400);

    const pointUrl = `${server.url}network/points/${encodeURIComponent("127.0.0.2:9732")}`;
    assert.equal(await call(pointUrl, "PATCH", { acl: "ban" }), 200);
    assert.deepEqual(node.acl.bannedIps(), ["127.0.0.2"]);
    assert.equal(await call(pointUrl, "PATCH", { acl: "trust" }), 200);
    assert.deepEqual(node.acl.bannedIps(), []);
    assert.ok(node.acl.trustedPoints().includes("127.0.0.2:9732"));

    node.acl.greylistIp("127.0.0.3");
    assert.equal(await call(`${server.url}network/greylist`, "DELETE"), 200);
    assert.deepEqual(node.acl.greylistedIps(), []);
  } finally {
    await server.close();
    await node.close();
  }
});

Deno.test("without --rpc-acl the ACL routes are refused and change nothing", async () => {
  const node = await testNode();
  const server = serveOps(node);
  const peer = peerIdToString(generateIdentitySync(0).peerId);
  try {
    assert.equal(await call(`${server.url}network/peers/${peer}`, "PATCH", { acl: "ban" }), 403);
    node.acl.greylistIp("127.0.0.3");
    assert.equal(await call(`${server.url}network/greylist`, "DELETE"), 403);
    assert.deepEqual([node.acl.bannedPeers(), node.acl.greylistedIps()], [[], ["127.0.0.3"]]);
  } finally {
    await server.close();
    await node.close();
  }
});

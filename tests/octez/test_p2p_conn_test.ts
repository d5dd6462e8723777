// Octez `src/lib_p2p/tezt/test_p2p_conn.ml` re-created: with peer discovery disabled, Bootstrap
// and Advertise are ignored and the messages after them are still consumed. Octez pushes the
// three messages into a mocked connection and reads the application message; here a raw peer
// sends Bootstrap, Advertise [] and then gossipsub Subscribe and Graft over TCP, and the node
// must put that peer in its mesh (which it can only do after reading past the first two).

import assert from "node:assert/strict";
import { waitFor } from "../support/async.ts";
import { testNode } from "../node/helpers.ts";
import { Inbox, rawPeer } from "../node/raw_peer.ts";

Deno.test("p2p msg consumption without peer_discovery: messages after Bootstrap and Advertise are read", async () => {
  const node = await testNode({ peerDiscovery: false, topics: ["news"] });
  const raw = await rawPeer(node.listeningPoint!);
  const inbox = new Inbox(raw);
  try {
    await raw.write({ kind: "Bootstrap" });
    await raw.write({ kind: "Advertise", points: [] });
    await raw.write({ kind: "Message", message: { kind: "Subscribe", topic: "news" } });
    await raw.write({ kind: "Message", message: { kind: "Graft", topic: "news" } });
    await waitFor("the raw peer is in the mesh", () => node.meshPeers("news").length === 1, 1_000);
    // Ignored, not answered: no Advertise came back for the Bootstrap.
    assert.equal(inbox.items.some((m) => m.kind === "Advertise"), false);
  } finally {
    await raw.close();
    await inbox.done;
    await node.close();
  }
});

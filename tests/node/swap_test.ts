// Connection swaps (spec §15.3), with a hand-driven peer on one side.

import assert from "node:assert/strict";
import { pointIdToString } from "../../lib/base/point_id.ts";
import { peerIdKey } from "../../lib/crypto/mod.ts";
import { sleep, waitFor } from "../support/async.ts";
import { closeAll, type SimpleNode, testNode } from "./helpers.ts";
import { Inbox, rawPeer } from "./raw_peer.ts";
import type { PointId } from "../../lib/base/point_id.ts";
import type { Connection } from "../../lib/connection/mod.ts";
import type { SimpleGossipMessage } from "../../gen/gossipsub.ts";

const still = { connections: { minConnections: 0, expectedConnections: 0, maxConnections: 8 } };

function peerKeys(node: SimpleNode): string[] {
  return node.peers().map((p) => peerIdKey(p.peerId)).sort();
}

Deno.test("a Swap_request is answered with Swap_ack, then the node swaps connections", async () => {
  const node = await testNode({ ...still, swapLingerMs: 0 });
  const proposed = await testNode(still); // the connection the node will give up
  const newcomer = await testNode(still); // the point the raw peer proposes
  try {
    await node.connect(proposed.listeningPoint!);
    const raw = await rawPeer(node.listeningPoint!);
    const inbox = new Inbox(raw);
    try {
      raw.writeNow({
        kind: "SwapRequest",
        point: newcomer.listeningPoint!,
        peerId: newcomer.peerId,
      });
      const ack = await inbox.find((m) => m.kind === "SwapAck");
      assert.ok(ack.kind === "SwapAck");
      assert.equal(pointIdToString(ack.point), pointIdToString(proposed.listeningPoint!));
      assert.equal(peerIdKey(ack.peerId), peerIdKey(proposed.peerId));
      await waitFor("the node to swap", () => {
        const keys = peerKeys(node);
        return keys.includes(peerIdKey(newcomer.peerId)) &&
          !keys.includes(peerIdKey(proposed.peerId));
      });
      assert.equal(node.stats().maintenance.swaps, 1);
      assert.equal(node.peers().length, 2);
    } finally {
      await raw.close();
      await inbox.done;
    }
  } finally {
    await closeAll([node, proposed, newcomer]);
  }
});

Deno.test("a Swap_request is ignored while swaps linger or when its point is connected", async () => {
  const node = await testNode({ ...still, swapLingerMs: 60_000 });
  const other = await testNode(still);
  const newcomer = await testNode(still);
  // One raw peer per request: a connection's second Swap_request within 60 s waits for its
  // throttle (Octez p2p_protocol.ml 123-137), which this test is not about.
  const raws: Connection<SimpleGossipMessage>[] = [];
  const inboxes: Inbox<SimpleGossipMessage>[] = [];
  const request = async (point: PointId, peerId: Uint8Array) => {
    const raw = await rawPeer(node.listeningPoint!);
    raws.push(raw);
    inboxes.push(new Inbox(raw));
    raw.writeNow({ kind: "SwapRequest", point, peerId });
    return inboxes.at(-1)!;
  };
  const acks = () =>
    inboxes.reduce((n, inbox) => n + inbox.items.filter((m) => m.kind === "SwapAck").length, 0);
  try {
    await node.connect(other.listeningPoint!);
    // Connected point: ignored even though swaps are allowed (none happened yet).
    await request(other.listeningPoint!, other.peerId);
    await sleep(400);
    assert.equal(acks(), 0);
    // The first swap goes through; a second one within the linger is ignored.
    const inbox = await request(newcomer.listeningPoint!, newcomer.peerId);
    await inbox.find((m) => m.kind === "SwapAck");
    await waitFor("first swap", () => node.stats().maintenance.swaps === 1);
    const third = await testNode(still);
    try {
      await request(third.listeningPoint!, third.peerId);
      await sleep(400);
      assert.equal(acks(), 1);
      assert.equal(node.stats().maintenance.swapAcksSent, 1);
    } finally {
      await third.close();
    }
  } finally {
    await Promise.all(raws.map((raw) => raw.close()));
    await Promise.all(inboxes.map((inbox) => inbox.done));
    await closeAll([node, other, newcomer]);
  }
});

Deno.test("a second Swap_request on one connection within 60 s waits for its throttle", async () => {
  const node = await testNode({ ...still, swapLingerMs: 0 });
  const other = await testNode(still);
  const newcomer = await testNode(still);
  try {
    await node.connect(other.listeningPoint!);
    const raw = await rawPeer(node.listeningPoint!);
    const inbox = new Inbox(raw);
    try {
      // The first is handled at once (its point is connected: no Swap_ack), the second waits.
      raw.writeNow({ kind: "SwapRequest", point: other.listeningPoint!, peerId: other.peerId });
      raw.writeNow({
        kind: "SwapRequest",
        point: newcomer.listeningPoint!,
        peerId: newcomer.peerId,
      });
      await waitFor("held back", () => node.stats().maintenance.throttledMessages === 1);
      await sleep(300);
      assert.equal(inbox.items.filter((m) => m.kind === "SwapAck").length, 0);
      assert.equal(node.stats().maintenance.swapAcksSent, 0);
    } finally {
      await raw.close();
      await inbox.done;
    }
  } finally {
    await closeAll([node, other, newcomer]);
  }
});

Deno.test("a node sends Swap_request and swaps when the peer answers with Swap_ack", async () => {
  const node = await testNode({ ...still, swapLingerMs: 0, maintenanceMs: 50 });
  const proposed = await testNode(still);
  const newcomer = await testNode(still);
  try {
    await node.connect(proposed.listeningPoint!);
    const raw = await rawPeer(node.listeningPoint!);
    const inbox = new Inbox(raw);
    try {
      // The raw peer has no listening point, so the node can only propose `proposed` to it.
      const request = await inbox.find((m) => m.kind === "SwapRequest");
      assert.ok(request.kind === "SwapRequest");
      assert.equal(peerIdKey(request.peerId), peerIdKey(proposed.peerId));
      assert.equal(pointIdToString(request.point), pointIdToString(proposed.listeningPoint!));
      raw.writeNow({ kind: "SwapAck", point: newcomer.listeningPoint!, peerId: newcomer.peerId });
      await waitFor("the node to swap", () => {
        const keys = peerKeys(node);
        return keys.includes(peerIdKey(newcomer.peerId)) &&
          !keys.includes(peerIdKey(proposed.peerId));
      });
    } finally {
      await raw.close();
      await inbox.done;
    }
  } finally {
    await closeAll([node, proposed, newcomer]);
  }
});

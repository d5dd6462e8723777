// Receive throttling of Bootstrap, Advertise and swaps per connection (Octez p2p_protocol.ml
// 61-137), without holding back the connection's other messages: a peer flooding Bootstrap gets
// about one Advertise per 100 ms, and its gossip messages are delivered meanwhile.

import assert from "node:assert/strict";
import { makePointId } from "../../lib/base/point_id.ts";
import { generateIdentitySync } from "../../lib/crypto/mod.ts";
import { simpleMessageId } from "../../lib/node/mod.ts";
import { ReceiveThrottle, type ThrottledMessage } from "../../lib/node/throttle.ts";
import { collect, sleep, waitFor } from "../support/async.ts";
import { closeAll, testNode } from "./helpers.ts";
import { Inbox, rawPeer } from "./raw_peer.ts";

const still = { maintenanceMs: 60_000 };
const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("a Bootstrap flood is answered about once per 100 ms while gossip keeps flowing", async () => {
  const hub = await testNode({ ...still, topics: ["t"] });
  const other = await testNode(still);
  const delivered = collect(hub.subscribe("t"));
  const id = generateIdentitySync(2);
  try {
    await other.connect(hub.listeningPoint!); // a public point for hub to advertise
    const raw = await rawPeer(hub.listeningPoint!, { identity: id });
    try {
      const inbox = new Inbox(raw);
      const start = performance.now();
      for (let round = 1; round <= 2; round++) {
        for (let i = 0; i < 1000; i++) assert.equal(raw.writeNow({ kind: "Bootstrap" }), true);
        const message = bytes(`after flood ${round}`);
        assert.equal(
          raw.writeNow({
            kind: "Message",
            message: {
              kind: "MessageWithHeader",
              topic: "t",
              message,
              messageId: simpleMessageId("t", id.peerId, 7, round),
            },
          }),
          true,
        );
      }
      // Octez's sleeping reader would hold the second message back 2 000 × 100 ms = 200 s.
      await waitFor("both messages delivered", () => delivered.items.length === 2, 5_000);
      const elapsed = performance.now() - start;
      const sent = hub.stats().maintenance.advertisesSent;
      assert.ok(sent >= 1, "the first Bootstrap is answered at once");
      assert.ok(sent <= 2 + elapsed / 100, `${sent} Advertises in ${elapsed.toFixed(0)} ms`);
      assert.ok(hub.stats().maintenance.coalescedMessages >= 1990);
      // The Bootstrap held back is answered once its cooldown ends.
      await waitFor(
        "a second Advertise",
        () => inbox.items.filter((m) => m.kind === "Advertise").length >= 2,
      );
      // …and then nothing more: every other Bootstrap was folded into it.
      await sleep(300);
      assert.equal(hub.stats().maintenance.advertisesSent, 2);
    } finally {
      await raw.close();
    }
  } finally {
    await closeAll([hub, other]);
  }
});

Deno.test("the throttle handles the first message at once, one per cooldown after, per kind", async () => {
  const handled: ThrottledMessage[] = [];
  const stats = { throttledMessages: 0, coalescedMessages: 0 };
  const throttle = new ReceiveThrottle((m) => handled.push(m), stats, {
    Bootstrap: 50,
    Advertise: 50,
    SwapRequest: 50,
    SwapAck: 50,
  });
  const p = (port: number) => makePointId("127.0.0.1", port);
  const now = performance.now();
  throttle.offer({ kind: "Advertise", points: [p(1)] }, now);
  throttle.offer({ kind: "Advertise", points: [p(2), p(1)] }, now);
  throttle.offer({ kind: "Advertise", points: [p(3)] }, now);
  throttle.offer({ kind: "Bootstrap" }, now); // another kind: not held back
  assert.deepEqual(handled.map((m) => m.kind), ["Advertise", "Bootstrap"]);
  assert.equal(throttle.waiting, 1);
  await waitFor("the held Advertise", () => handled.length === 3);
  // The two held back were merged, points distinct.
  assert.deepEqual(handled[2], { kind: "Advertise", points: [p(2), p(1), p(3)] });
  assert.deepEqual(stats, { throttledMessages: 1, coalescedMessages: 1 });
  // Closing drops what waits, and its timer.
  const slow = new ReceiveThrottle((m) => handled.push(m), stats);
  slow.offer({ kind: "SwapAck", point: p(4), peerId: new Uint8Array(16) }, performance.now());
  slow.offer({ kind: "SwapAck", point: p(5), peerId: new Uint8Array(16) }, performance.now());
  assert.equal(handled.length, 4);
  assert.equal(slow.waiting, 1);
  slow.close();
  assert.equal(slow.waiting, 0);
});

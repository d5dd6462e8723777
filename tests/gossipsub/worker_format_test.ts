// The one-line printers of worker outputs (Octez pp_p2p_output and
// pp_app_output in gossipsub_worker.ml): one line per output kind, in Octez's
// layout with our names.

import assert from "node:assert/strict";
import {
  type AppOutput,
  formatAppOutput,
  formatP2pOutput,
  formatValue,
  type P2pOutput,
} from "../../lib/gossipsub/mod.ts";

type Out = P2pOutput<number, string, number, string>;
const to = (p2pMessage: Extract<Out, { kind: "OutMessage" }>["p2pMessage"]): Out => ({
  kind: "OutMessage",
  toPeer: 3,
  p2pMessage,
});

Deno.test("formatP2pOutput prints every output and message kind on one line", () => {
  const table: [Out, string][] = [
    [to({ kind: "Graft", topic: "t" }), 'OutMessage{peer=3, p2pMessage=Graft{topic="t"}}'],
    [
      to({ kind: "Prune", topic: "t", px: [4, 5], backoff: 60_000 }),
      'OutMessage{peer=3, p2pMessage=Prune{topic="t", px=4; 5, backoff=60s}}',
    ],
    [
      to({ kind: "Prune", topic: "t", px: [], backoff: 1500 }),
      'OutMessage{peer=3, p2pMessage=Prune{topic="t", px=, backoff=1.5s}}',
    ],
    [
      to({ kind: "IHave", topic: "t", messageIds: [1, 2] }),
      'OutMessage{peer=3, p2pMessage=IHave{topic="t", messageIds=1; 2}}',
    ],
    [to({ kind: "IWant", messageIds: [7] }), "OutMessage{peer=3, p2pMessage=IWant{messageIds=7}}"],
    [to({ kind: "Subscribe", topic: "t" }), 'OutMessage{peer=3, p2pMessage=Subscribe{topic="t"}}'],
    [
      to({ kind: "Unsubscribe", topic: "t" }),
      'OutMessage{peer=3, p2pMessage=Unsubscribe{topic="t"}}',
    ],
    [
      to({ kind: "MessageWithHeader", topic: "t", messageId: 9, message: "two\nlines" }),
      'OutMessage{peer=3, p2pMessage=MessageWithHeader{message="two\\nlines", messageId=9, topic="t"}}',
    ],
    [to({ kind: "Ping" }), "OutMessage{peer=3, p2pMessage=Ping}"],
    [{ kind: "Disconnect", peer: 2 }, "Disconnect{peer=2}"],
    [{ kind: "Kick", peer: 2 }, "Kick{peer=2}"],
    [
      { kind: "Connect", peer: 4, origin: { kind: "PX", peer: 3 } },
      "Connect{peer=4; origin=3}",
    ],
    [
      { kind: "Connect", peer: 4, origin: { kind: "Trusted" } },
      "Connect{peer=4; origin=(trusted)}",
    ],
    [{ kind: "ConnectPoint", point: "127.0.0.1:9732" }, "ConnectPoint{point=127.0.0.1:9732}"],
    [{ kind: "Forget", peer: 4, origin: 3 }, "Forget{peer=4; origin=3}"],
  ];
  for (const [output, line] of table) {
    assert.equal(formatP2pOutput(output), line);
    assert.ok(!line.includes("\n"));
  }
});

Deno.test("formatP2pOutput and formatAppOutput use the given printers", () => {
  const printers = {
    peer: (p: number) => `peer#${p}`,
    topic: (t: string) => t.toUpperCase(),
    messageId: (i: number) => `id${i}`,
    message: (m: string) => `<${m.length}>`,
  };
  assert.equal(
    formatP2pOutput<number, string, number, string>(
      { kind: "Forget", peer: 1, origin: 2 },
      printers,
    ),
    "Forget{peer=peer#1; origin=peer#2}",
  );
  const app: AppOutput<string, number, string> = { topic: "t", messageId: 5, message: "hello" };
  assert.equal(
    formatAppOutput(app, printers),
    "MessageWithHeader{message=<5>, messageId=id5, topic=T}",
  );
  assert.equal(formatAppOutput(app), 'MessageWithHeader{message="hello", messageId=5, topic="t"}');
});

Deno.test("formatValue keeps everything on one short line", () => {
  assert.equal(formatValue(new Uint8Array([0, 1, 255])), "0001ff");
  assert.equal(formatValue(new Uint8Array(33)), "<33 bytes>");
  assert.equal(formatValue("x".repeat(100)), JSON.stringify(`${"x".repeat(80)}…`));
  assert.equal(formatValue(12n), "12");
  assert.equal(formatValue({ slot: 3, pkh: "tz1" }), '{"slot":3,"pkh":"tz1"}');
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(formatValue(cyclic), "[object Object]");
});

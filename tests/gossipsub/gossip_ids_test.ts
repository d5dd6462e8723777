// The ids each IHave of a heartbeat advertises (`selectGossipMessages`, Octez
// `select_gossip_messages`): all of the topic's gossip window when it fits
// under `maxSentIwantPerHeartbeat`, else a random subset of that size per peer.

import assert from "node:assert/strict";
import { testLimits } from "../../lib/gossipsub/mod.ts";
import { initState, range, sortNumbers } from "./fixture.ts";

// Ids name their topic by their last digit (fixture.ts): these are all on topic "0".
const IDS = [0, 10, 20, 30, 40, 50];

Deno.test("every IHave carries the topic's whole gossip window when it fits under the cap", () => {
  const { gs } = initState({ peers: range(20), topics: ["0"] });
  for (const id of IDS) gs.publishMessage({ topic: "0", messageId: id, message: "m" });
  gs.heartbeat();
  const gossip = gs.selectGossipMessages();
  // 20 subscribers, 6 in the mesh: max(D_lazy 6, ⌊0.25 × 14⌋) = 6 IHave.
  assert.equal(gossip.length, 6);
  for (const g of gossip) {
    assert.equal(g.topic, "0");
    assert.deepEqual(sortNumbers([...g.messageIds]), IDS);
  }
});

Deno.test("over the cap each IHave gets its own random subset of cap distinct ids", () => {
  const limits = { ...testLimits<string>(), maxSentIwantPerHeartbeat: 2 };
  const { gs } = initState({ peers: range(20), topics: ["0"], limits });
  for (const id of IDS) gs.publishMessage({ topic: "0", messageId: id, message: "m" });
  gs.heartbeat();
  const gossip = gs.selectGossipMessages();
  assert.equal(gossip.length, 6);
  const pairs = new Set<string>();
  for (const g of gossip) {
    assert.equal(g.messageIds.length, 2);
    assert.notEqual(g.messageIds[0], g.messageIds[1]);
    for (const id of g.messageIds) assert.ok(IDS.includes(id), `unknown id ${id}`);
    pairs.add(sortNumbers([...g.messageIds]).join());
  }
  // 15 possible pairs; with the fixture's seed the six peers do not all get the same one.
  assert.ok(pairs.size > 1, `every peer got ${[...pairs]}`);
});

Deno.test("the gossip of one heartbeat does not change when a caller keeps an IHave list", () => {
  const { gs } = initState({ peers: range(20), topics: ["0"] });
  for (const id of IDS) gs.publishMessage({ topic: "0", messageId: id, message: "m" });
  gs.heartbeat();
  const first = gs.selectGossipMessages();
  const kept = first.map((g) => [...g.messageIds]);
  // A later selection builds fresh lists: the ones handed out before stay as they were.
  gs.publishMessage({ topic: "0", messageId: 60, message: "m" });
  const second = gs.selectGossipMessages();
  assert.ok(second.every((g) => g.messageIds.includes(60)));
  first.forEach((g, i) => assert.deepEqual([...g.messageIds], kept[i]));
});

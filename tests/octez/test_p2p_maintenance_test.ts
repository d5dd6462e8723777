// Octez `src/lib_p2p/test/test_p2p_maintenance.ml` re-created: the maintenance runs when the
// connection count crosses a bound, not only on its timer. Octez sets `maintenance_idle_time` to
// 36,000 s so that only the triggers can start it, and waits for the `Too_few_connections` /
// `Too_many_connections` events then `Maintenance_started`; here the period is an hour and the
// test waits for a maintenance round (`stats().maintenance.rounds`) and for its effect. Octez
// uses 42 points with 24-36 expected connections; these use 8 to 12 nodes on 127.0.0.1.

import assert from "node:assert/strict";
import { waitFor } from "../support/async.ts";
import { closeAll, type SimpleNode, testNode } from "../node/helpers.ts";

const HOUR = 3_600_000;

async function clients(n: number): Promise<SimpleNode[]> {
  const out: SimpleNode[] = [];
  for (let i = 0; i < n; i++) out.push(await testNode({ maintenanceMs: HOUR }));
  return out;
}

// Octez triggers a maintenance when a disconnection leaves fewer than min_connections running
// connections (`p2p_connect_handler.ml` 248-252) and when a new connection reaches
// max_connections (268-275): with a one-hour idle time, only those triggers can act here.
Deno.test({
  name:
    "triggers.too-few-connections: closing connections below the minimum starts a maintenance that dials again",
  fn: async () => {
    const peers = await clients(8);
    const target = await testNode({
      maintenanceMs: HOUR,
      knownPoints: peers.map((p) => ({ point: `127.0.0.1:${p.listeningPoint!.port}` })),
      connections: { minConnections: 4, expectedConnections: 8, maxConnections: 12 },
    });
    try {
      for (const p of peers) await target.connect(p.listeningPoint!);
      assert.equal(target.peers().length, 8);
      const rounds = target.stats().maintenance.rounds;
      // Octez closes active − min + 1 connections: one below the minimum.
      for (const p of target.peers().slice(0, 8 - 4 + 1)) await target.disconnect(p.peerId);
      await waitFor("a maintenance round", () => target.stats().maintenance.rounds > rounds, 5_000);
      // The closed points come back after the maintenance's 5 s wait for new points.
      await waitFor("back above the minimum", () => target.peers().length >= 4, 12_000);
    } finally {
      await closeAll([target, ...peers]);
    }
  },
});

// The trigger on too many connections.
Deno.test({
  name:
    "triggers.too-many-connections: reaching the maximum starts a maintenance that trims to the target",
  fn: async () => {
    const peers = await clients(12);
    const target = await testNode({
      maintenanceMs: HOUR,
      connections: { minConnections: 0, expectedConnections: 6, maxConnections: 9 },
    });
    try {
      const point = target.listeningPoint!;
      // Up to max − 1 connections, then one more client: Octez's overconnecting client retries
      // until accepted, and the count reaching max_connections triggers the maintenance.
      for (const p of peers.slice(0, 8)) await p.connect(point);
      const rounds = target.stats().maintenance.rounds;
      let accepted = false;
      for (const p of peers.slice(8)) {
        accepted = await p.connect(point).then(() => true, () => false);
        if (accepted) break;
      }
      assert.ok(accepted, "the overconnecting client was never accepted");
      await waitFor("a maintenance round", () => target.stats().maintenance.rounds > rounds, 5_000);
      // maintenanceBounds(0 / 6 / 9): max_target = 9 − 2·1 = 7.
      await waitFor("trimmed", () => target.peers().length <= 7, 5_000);
    } finally {
      await closeAll([target, ...peers]);
    }
  },
});

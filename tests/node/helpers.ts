// Shared helpers of the node tests: small loopback nodes with fresh low-PoW identities, closing
// them, and ports (waits, stream collectors and text bytes are in tests/support/).

import {
  createNode,
  type Delivered,
  type Node,
  type SimpleNodeOptions,
} from "../../lib/node/mod.ts";
import { generateIdentitySync } from "../../lib/crypto/mod.ts";

export type SimpleNode = Node<string, Uint8Array, Uint8Array>;

/** What a subscription of a {@linkcode SimpleNode} yields. */
export type SimpleDelivered = Delivered<string, Uint8Array, Uint8Array>;

/** Options of a small test node: short heartbeat and maintenance, PoW difficulty 2. */
export function testOptions(overrides: SimpleNodeOptions = {}): SimpleNodeOptions {
  return {
    identity: generateIdentitySync(2),
    expectedPow: 2,
    heartbeatMs: 100,
    maintenanceMs: 200,
    swapLingerMs: null,
    connections: { minConnections: 1, expectedConnections: 4, maxConnections: 8 },
    ...overrides,
  };
}

/** A test node. */
export function testNode(overrides: SimpleNodeOptions = {}): Promise<SimpleNode> {
  return createNode(testOptions(overrides));
}

// `sleep` and `waitFor` live in tests/support/async.ts; re-exported for the modules that still
// import them from here (tests/node/profiles_test.ts, in progress elsewhere).
export { sleep, waitFor } from "../support/async.ts";

/** Closes all nodes, in parallel. */
export async function closeAll(nodes: Iterable<SimpleNode>): Promise<void> {
  await Promise.all([...nodes].map((node) => node.close()));
}

/**
 * Asserts that nothing listens on `port` any more, by listening on it. Deno 2.9.6's resource
 * sanitizer reports neither a listener nor a socket left open (nor a timer), so the node tests
 * check what `close()` must release explicitly.
 */
export function assertPortFree(port: number): void {
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  listener.close();
}

/** A port that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

// Shared helpers of the node tests: small loopback nodes with fresh low-PoW identities, condition
// waits with deadlines, and readers that collect a subscription in the background.

import {
  createNode,
  type Delivered,
  type Node,
  type SimpleNodeOptions,
} from "../../lib/node/mod.ts";
import { generateIdentitySync } from "../../lib/crypto/mod.ts";

export type SimpleNode = Node<string, Uint8Array, Uint8Array>;

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

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every `every` ms until it holds; throws with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => boolean,
  timeoutMs = 10_000,
  every = 20,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(every);
  }
}

/** Everything read from a subscription so far; `done` settles when the stream ends. */
export interface Collected {
  readonly items: Delivered<string, Uint8Array, Uint8Array>[];
  readonly done: Promise<void>;
}

/** Reads a subscription to its end in the background. */
export function collect(
  stream: ReadableStream<Delivered<string, Uint8Array, Uint8Array>>,
): Collected {
  const items: Delivered<string, Uint8Array, Uint8Array>[] = [];
  const done = (async () => {
    for await (const item of stream) items.push(item);
  })();
  return { items, done };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function text(s: string): Uint8Array {
  return encoder.encode(s);
}

export function untext(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

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

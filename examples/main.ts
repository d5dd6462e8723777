/**
 * `deno task examples`: runs every example in turn: the codecs, a handshake between two fresh
 * peers, and a network of gossiping nodes on loopback.
 *
 * @module
 */

import { main as codec } from "./codec.ts";
import { main as handshake } from "./handshake.ts";
import { main as network } from "./network.ts";

console.log("== codecs (examples/codec.ts)");
codec();
console.log("\n== handshake (examples/handshake.ts)");
await handshake();
console.log("\n== gossip network (examples/network.ts)");
await network();

/**
 * Run by tests/node/known_points_memory_test.ts in its own process, with `--v8-flags=--expose-gc`:
 * decodes 2,000 Advertise messages of 100 IPv6 points (and of 100 long dotted quads), registers one
 * point of each in a known-points table, drops the messages, and prints the heap kept per
 * registered point, in bytes. A decoded address may be a slice of its message's text (up to 8 KiB,
 * `Reader.ascii`), so a table that kept decoded strings would keep whole messages.
 *
 * @module
 */

import { decodeP2pMessage, encodeP2pMessage } from "../../gen/p2p_message.ts";
import { makePointId, type PointId } from "../../lib/base/point_id.ts";
import { rawAppCodec } from "../../lib/encoding/mod.ts";
import { KnownPoints } from "../../lib/node/known_points.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");

const MESSAGES = 2000;
const known = new KnownPoints({
  maxKnownPoints: 2 * MESSAGES + 10,
  targetKnownPoints: 2 * MESSAGES,
  initialRetryDelay: 1000,
  maxRetryDelay: 4000,
  retryFactor: 2,
});

function advertise(m: number, v4: boolean): Uint8Array {
  const points: PointId[] = Array.from(
    { length: 100 },
    (_, i) =>
      v4
        ? makePointId(`100.${(m >> 8) & 255}.${m & 255}.${100 + i}`, 9732)
        : makePointId(`2001:db8:${m.toString(16)}:${i.toString(16)}:1:2:3:4`, 9732),
  );
  return encodeP2pMessage({ kind: "Advertise", points }, rawAppCodec as never).slice();
}

let messages: Uint8Array[] = [];
for (let m = 0; m < MESSAGES; m++) messages.push(advertise(m, false), advertise(m, true));
for (let i = 0; i < 3; i++) gc();
const before = Deno.memoryUsage().heapUsed;
for (const bytes of messages) {
  const decoded = decodeP2pMessage(bytes, rawAppCodec);
  if (decoded.kind !== "Advertise") throw new Error("not an Advertise");
  known.add(decoded.points[7], "advertise", 0);
}
messages = [];
for (let i = 0; i < 5; i++) gc();
const after = Deno.memoryUsage().heapUsed;
console.log(JSON.stringify({ points: known.size, bytesPerPoint: (after - before) / known.size }));

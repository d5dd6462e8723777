// Uses the encoding, gossipsub and codegen entry points in Node, from the bundles that
// tests/runtime/node_check.ts writes into the folder given as the first argument. Any failed check
// throws, and Node exits non-zero.

import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";

const dir = process.argv[2];
if (!dir) throw new Error("usage: node node_smoke.mjs <folder of bundles>");
const load = (name) => import(pathToFileURL(`${dir}/${name}.mjs`).href);

// The codec runtime: a raw application message (u16 tag ‖ body) written and read back, and a
// truncated input refused with a DecodeError that says where.
{
  const { DecodeError, fromHex, rawAppCodec, Reader, toHex, Writer } = await load("encoding");
  const message = { kind: "Raw", tag: 0x10, body: fromHex("cafe") };
  const w = new Writer(rawAppCodec.sizeOf(message));
  rawAppCodec.write(w, message);
  const bytes = w.finish();
  assert.equal(toHex(bytes), "0010cafe");
  const r = new Reader(bytes);
  const tag = r.u16();
  assert.deepEqual(rawAppCodec.read(r, tag), message);
  assert.throws(
    () => new Reader(fromHex("00")).u16(),
    (e) => e instanceof DecodeError && e.kind === "not_enough_data" && e.offset === 0,
  );
}

// The gossipsub automaton, synchronously: a subscribed peer is grafted by the heartbeat and a
// publication goes to it; then a worker (the event loop, with its heartbeat timer) starts and stops.
{
  const { GossipsubAutomaton, makeWorker, testLimits } = await load("gossipsub");
  let clock = 0;
  const numbers = { key: (n) => n, compare: (a, b) => a - b };
  const strings = { key: (s) => s, compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0) };
  const config = {
    limits: testLimits(),
    peer: numbers,
    topic: strings,
    messageId: { ...numbers, getTopic: (id) => String(id % 10), valid: () => "Valid" },
    message: { valid: () => "Valid" },
    rng: 42,
  };
  const gs = new GossipsubAutomaton({ ...config, now: () => clock });
  gs.join({ topic: "1" });
  gs.addPeer({ peer: 7, direct: false, outbound: true });
  gs.handleSubscribe({ peer: 7, topic: "1" });
  clock += 1000;
  assert.equal(gs.heartbeat().toGraft[0]?.peer, 7);
  assert.ok(gs.view.inMesh("1", 7));
  const published = gs.publishMessage({ topic: "1", messageId: 1, message: "hello" });
  assert.equal(published.kind, "PublishMessage");
  assert.deepEqual(published.toPublish, [7]);

  const worker = makeWorker({ ...config, limits: { ...testLimits(), heartbeatInterval: 10 } });
  worker.start(["1"]);
  while (worker.view.heartbeatTicks < 2) await new Promise((resolve) => setTimeout(resolve, 5));
  await worker.shutdown();
}

// The generator: a one-field type becomes TypeScript with its encoder and decoder.
{
  const { declare, generate, obj, req, uint16 } = await load("codegen");
  const Pong = declare("Pong", "A pong.", obj(req("seq", uint16())));
  const out = generate(
    [{ source: "pong.ts", output: "gen/pong.ts", doc: "Pong codecs.", decls: [Pong] }],
    { runtime: "lib/encoding/mod.ts" },
  );
  const text = out.get("gen/pong.ts");
  assert.match(text, /export function decodePong\(/);
  assert.match(text, /export function encodePong\(/);
}

console.log("node smoke: encoding, gossipsub and codegen entry points ok");

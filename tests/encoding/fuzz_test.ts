import assert from "node:assert/strict";
import fc from "fast-check";
import * as arb from "./arbitraries.ts";
import { vectors } from "../support/vectors.ts";
import { DecodeError, fromHex, rawAppCodec } from "../../lib/encoding/mod.ts";
import * as conn from "../../gen/connection.ts";
import * as base from "../../gen/base.ts";
import * as p2p from "../../gen/p2p_message.ts";
import * as gs from "../../gen/gossipsub.ts";

/** xorshift32: a tiny seeded generator, so a failing input can be reproduced from the seed. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const decoders: [string, (b: Uint8Array) => unknown][] = [
  ["ConnectionMessage", conn.decodeConnectionMessage],
  ["ConnectionMetadata", conn.decodeConnectionMetadata],
  ["AckMessage", conn.decodeAckMessage],
  ["NetworkVersion", base.decodeNetworkVersion],
  ["Point", base.decodePoint],
  ["P2pMessage<raw>", (b) => p2p.decodeP2pMessage(b, rawAppCodec)],
  ["P2pMessage<dal>", (b) => p2p.decodeP2pMessage(b, gs.dalGossipCodec)],
  ["P2pMessage<simple>", (b) => p2p.decodeP2pMessage(b, gs.simpleGossipCodec)],
  ["DalGossipMessage", gs.decodeDalGossipMessage],
  ["SimpleGossipMessage", gs.decodeSimpleGossipMessage],
];

/** Valid encodings of every type, and every vector's bytes, as mutation seeds. */
function corpus(): Uint8Array[] {
  const s = { numRuns: 30, seed: 42 };
  const out: Uint8Array[] = [
    ...fc.sample(arb.connectionMessage, s).map(conn.encodeConnectionMessage),
    ...fc.sample(arb.ackMessage, s).map(conn.encodeAckMessage),
    ...fc.sample(arb.metadata, s).map(conn.encodeConnectionMetadata),
    ...fc.sample(arb.p2pMessage, s).map((m) => p2p.encodeP2pMessage(m, rawAppCodec)),
    ...fc.sample(arb.dalGossipMessage, s).map((m) =>
      p2p.encodeP2pMessage({ kind: "Message", message: m }, gs.dalGossipCodec)
    ),
    ...fc.sample(arb.simpleGossipMessage, s).map((m) =>
      p2p.encodeP2pMessage({ kind: "Message", message: m }, gs.simpleGossipCodec)
    ),
    ...fc.sample(arb.dalGossipMessage, s).map(gs.encodeDalGossipMessage),
  ];
  for (const kind of ["connection_message", "ack", "nack", "p2p_message", "point_id"]) {
    for (const v of vectors(kind)) if (v.hex) out.push(fromHex(v.hex));
  }
  return out;
}

function mutate(seed: Uint8Array, next: () => number): Uint8Array {
  const b = new Uint8Array(seed);
  const pos = () => Math.floor(next() * Math.max(1, b.length));
  switch (Math.floor(next() * 7)) {
    case 0: // flip one bit
      if (b.length) b[pos()] ^= 1 << Math.floor(next() * 8);
      return b;
    case 1: // random byte
      if (b.length) b[pos()] = Math.floor(next() * 256);
      return b;
    case 2: // truncate
      return b.subarray(0, pos());
    case 3: { // extend with random bytes
      const out = new Uint8Array(b.length + 1 + Math.floor(next() * 8));
      out.set(b);
      for (let i = b.length; i < out.length; i++) out[i] = Math.floor(next() * 256);
      return out;
    }
    case 4: { // overwrite 4 bytes with a hostile length
      const at = pos();
      const lengths = [0xffffffff, 0x7fffffff, 0x3fffffff, 0x063ffffd, 0x00010000, 0];
      const v = lengths[Math.floor(next() * lengths.length)];
      for (let i = 0; i < 4 && at + i < b.length; i++) b[at + i] = (v >>> (24 - 8 * i)) & 0xff;
      return b;
    }
    case 5: { // overwrite a 2-byte tag or prefix
      const at = pos();
      const v = Math.floor(next() * 0x10000);
      if (at + 1 < b.length) {
        b[at] = v >> 8;
        b[at + 1] = v & 0xff;
      }
      return b;
    }
    default: { // pure noise
      const out = new Uint8Array(Math.floor(next() * 120));
      for (let i = 0; i < out.length; i++) out[i] = Math.floor(next() * 256);
      return out;
    }
  }
}

Deno.test("every decoder turns 100,000 random and mutated inputs into values or DecodeErrors only", () => {
  const seeds = corpus();
  const next = rng(0x5eed);
  const total = 100_000;
  const outcomes = { ok: 0, errors: new Map<string, number>() };
  for (let i = 0; i < total; i++) {
    const input = mutate(seeds[Math.floor(next() * seeds.length)], next);
    const [name, decode] = decoders[i % decoders.length];
    try {
      decode(input);
      outcomes.ok++;
    } catch (e) {
      if (!(e instanceof DecodeError)) {
        throw new Error(`${name} threw ${e} on input #${i}: ${[...input].join(",")}`);
      }
      outcomes.errors.set(e.kind, (outcomes.errors.get(e.kind) ?? 0) + 1);
    }
  }
  // The mutations must exercise both paths and many error kinds, or the test proves little.
  assert.ok(outcomes.ok > 1000, `only ${outcomes.ok} inputs decoded`);
  for (
    const kind of [
      "not_enough_data",
      "extra_bytes",
      "unexpected_tag",
      "size_limit_exceeded",
      "invalid_int",
      "invalid_point",
    ]
  ) {
    assert.ok((outcomes.errors.get(kind) ?? 0) > 0, `no ${kind} error was produced`);
  }
});

/** Six bytes: a 4-byte big-endian length prefix `prefix`, then two body bytes (`00 10`). */
function prefixed(prefix: number): Uint8Array {
  const input = new Uint8Array([0, 0, 0, 0, 0, 0x10]);
  new DataView(input.buffer).setUint32(0, prefix);
  return input;
}

// Where each decoder fails on a huge length prefix followed by 2 bytes. A `uint30` length
// (p2p-wire.md §1, line 63) of 2^30 or more is `invalid_int` at the prefix itself (offset 0). The
// largest legal one, 2^30 − 1, fails right after the prefix (offset 4): `size_limit_exceeded`
// where the type has a bound (a point: `check_size 51`, §10; a P2P message body: at most
// 104 857 596 bytes, §11), else `not_enough_data` (a chain name has no bound, §5.1).
// ConnectionMessage starts with a u16 frame length (§5.1), so its prefix is the first two bytes
// (0xffff, 0x7fff or 0x3fff) and it fails after them, at offset 2. Either way each decoder stops
// within the first 4 bytes, before any read of the announced body: none waits for it, and the body
// is never read, so nothing can be sized by it.
const hugePrefixes: [string, Record<number, [kind: string, offset: number]>][] = [
  ["ConnectionMessage", {
    0xffffffff: ["not_enough_data", 2],
    0x7fffffff: ["not_enough_data", 2],
    0x3fffffff: ["not_enough_data", 2],
  }],
  ["NetworkVersion", {
    0xffffffff: ["invalid_int", 0],
    0x7fffffff: ["invalid_int", 0],
    0x3fffffff: ["not_enough_data", 4],
  }],
  ...["Point", "P2pMessage<raw>", "P2pMessage<dal>", "P2pMessage<simple>"].map((
    name,
  ): [string, Record<number, [string, number]>] => [name, {
    0xffffffff: ["invalid_int", 0],
    0x7fffffff: ["invalid_int", 0],
    0x3fffffff: ["size_limit_exceeded", 4],
  }]),
];

Deno.test("a 4 GiB length prefix fails at once, without waiting for or allocating the body", () => {
  for (const [name, byPrefix] of hugePrefixes) {
    const decode = decoders.find(([n]) => n === name)![1];
    for (const [prefix, [kind, offset]] of Object.entries(byPrefix)) {
      assert.throws(
        () => decode(prefixed(Number(prefix))),
        (e) => e instanceof DecodeError && e.kind === kind && e.offset === offset,
        `${name} on prefix 0x${Number(prefix).toString(16)}: expected ${kind} at offset ${offset}`,
      );
    }
  }
  // The decoders whose first field is not a length read the same 4 GiB input as garbage: an
  // unknown tag, a short field or trailing bytes. None may accept it.
  for (const [name, decode] of decoders) {
    assert.throws(
      () => decode(prefixed(0xffffffff)),
      (e) => e instanceof DecodeError,
      `${name} accepted a 4 GiB length prefix followed by 2 bytes`,
    );
  }
});

import assert from "node:assert/strict";
import fc from "fast-check";
import * as arb from "./arbitraries.ts";
import { EncodeError, rawAppCodec } from "../../lib/encoding/mod.ts";
import { makePointId } from "../../lib/base/point_id.ts";
import * as conn from "../../gen/connection.ts";
import * as base from "../../gen/base.ts";
import * as p2p from "../../gen/p2p_message.ts";
import * as gs from "../../gen/gossipsub.ts";

const runs = { numRuns: 400, seed: 0x7a9 };

/** fast-check builds null-prototype records; copy them into plain objects before comparing. */
function plain<T>(v: T): T {
  if (Array.isArray(v)) return v.map(plain) as T;
  if (v instanceof Uint8Array || v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) as T;
}

/** encode then decode gives the value back, and re-encoding the decoded value gives the bytes. */
function roundTrip<T>(
  value: fc.Arbitrary<T>,
  encode: (v: T) => Uint8Array,
  decode: (b: Uint8Array) => T,
  sizeOf: (v: T) => number,
): void {
  fc.assert(
    fc.property(value, (v) => {
      const bytes = encode(v);
      assert.equal(bytes.length, sizeOf(v));
      const back = decode(bytes);
      assert.deepEqual(back, plain(v));
      assert.deepEqual(encode(back), bytes);
    }),
    runs,
  );
}

Deno.test("ConnectionMessage round-trips", () =>
  roundTrip(
    arb.connectionMessage,
    conn.encodeConnectionMessage,
    conn.decodeConnectionMessage,
    conn.sizeOfConnectionMessage,
  ));

Deno.test("ConnectionMetadata round-trips", () =>
  roundTrip(
    arb.metadata,
    conn.encodeConnectionMetadata,
    conn.decodeConnectionMetadata,
    conn.sizeOfConnectionMetadata,
  ));

Deno.test("AckMessage round-trips", () =>
  roundTrip(arb.ackMessage, conn.encodeAckMessage, conn.decodeAckMessage, conn.sizeOfAckMessage));

Deno.test("NetworkVersion round-trips", () =>
  roundTrip(
    arb.networkVersion,
    base.encodeNetworkVersion,
    base.decodeNetworkVersion,
    base.sizeOfNetworkVersion,
  ));

Deno.test("Point round-trips", () =>
  roundTrip(arb.point, base.encodePoint, base.decodePoint, base.sizeOfPoint));

Deno.test("P2pMessage round-trips with raw application messages", () =>
  roundTrip(
    arb.p2pMessage,
    (v) => p2p.encodeP2pMessage(v, rawAppCodec),
    (b) => p2p.decodeP2pMessage(b, rawAppCodec),
    (v) => p2p.sizeOfP2pMessage(v, rawAppCodec),
  ));

Deno.test("DalGossipMessage round-trips inside the P2P envelope", () =>
  roundTrip(
    arb.dalGossipMessage.map((message): p2p.P2pMessage<gs.DalGossipMessage> => ({
      kind: "Message",
      message,
    })),
    (v) => p2p.encodeP2pMessage(v, gs.dalGossipCodec),
    (b) => p2p.decodeP2pMessage(b, gs.dalGossipCodec),
    (v) => p2p.sizeOfP2pMessage(v, gs.dalGossipCodec),
  ));

Deno.test("SimpleGossipMessage round-trips inside the P2P envelope", () =>
  roundTrip(
    arb.simpleGossipMessage.map((message): p2p.P2pMessage<gs.SimpleGossipMessage> => ({
      kind: "Message",
      message,
    })),
    (v) => p2p.encodeP2pMessage(v, gs.simpleGossipCodec),
    (b) => p2p.decodeP2pMessage(b, gs.simpleGossipCodec),
    (v) => p2p.sizeOfP2pMessage(v, gs.simpleGossipCodec),
  ));

Deno.test("DAL Ping is a Subscribe to slot 0 of the zero tz1, as Octez writes it", () => {
  const bytes = p2p.encodeP2pMessage(
    { kind: "Message", message: { kind: "Ping" } },
    gs.dalGossipCodec,
  );
  assert.equal(
    [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(""),
    "00000018" + "0014" + "00" + "00" + "00".repeat(20),
  );
  const subscribe = p2p.encodeP2pMessage(
    {
      kind: "Message",
      message: {
        kind: "Subscribe",
        topic: { slotIndex: 0, pkh: { kind: "Ed25519", hash: new Uint8Array(20) } },
      },
    },
    gs.dalGossipCodec,
  );
  assert.deepEqual(subscribe, bytes);
  assert.deepEqual(p2p.decodeP2pMessage(subscribe, gs.dalGossipCodec), {
    kind: "Message",
    message: { kind: "Ping" },
  });
});

Deno.test("DAL Graft and Prune match the worked layouts of the spec", () => {
  const topic = {
    slotIndex: 5,
    pkh: { kind: "Bls" as const, hash: new Uint8Array(20).fill(0xab) },
  };
  const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  const graft = p2p.encodeP2pMessage(
    { kind: "Message", message: { kind: "Graft", topic } },
    gs.dalGossipCodec,
  );
  assert.equal(hex(graft), "00000018" + "0010" + "05" + "03" + "ab".repeat(20));
  const prune = p2p.encodeP2pMessage(
    { kind: "Message", message: { kind: "Prune", topic, px: [], backoff: 60 } },
    gs.dalGossipCodec,
  );
  assert.equal(hex(prune), "0000001e" + "0011" + "0503" + "ab".repeat(20) + "00000000" + "003c");
});

function encodeError(fn: () => unknown): EncodeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof EncodeError) return e;
    throw new Error(`expected an EncodeError, got ${e}`);
  }
  throw new Error("expected an EncodeError, encoding succeeded");
}

Deno.test("encoding an out-of-range port is an invalid_int EncodeError", () => {
  const m = fc.sample(arb.connectionMessage, { numRuns: 1, seed: 1 })[0];
  const e = encodeError(() => conn.encodeConnectionMessage({ ...m, port: 70000 }));
  assert.equal(e.kind, "invalid_int");
  assert.equal(e.path, "ConnectionMessage.port");
});

Deno.test("encoding a public key of the wrong size is an invalid_size EncodeError", () => {
  const m = fc.sample(arb.connectionMessage, { numRuns: 1, seed: 1 })[0];
  const e = encodeError(() =>
    conn.encodeConnectionMessage({ ...m, publicKey: new Uint8Array(31) })
  );
  assert.equal(e.kind, "invalid_size");
});

Deno.test("encoding an Advertise of 101 points is a list_too_long EncodeError", () => {
  const points = Array.from({ length: 101 }, (_, i) => makePointId(`10.0.0.${i % 250}`, 9732));
  const e = encodeError(() => p2p.encodeP2pMessage({ kind: "Advertise", points }, rawAppCodec));
  assert.equal(e.kind, "list_too_long");
});

Deno.test("encoding a point that is not an IP address is an invalid_conversion EncodeError", () => {
  const e = encodeError(() => base.encodePoint({ addr: "localhost", port: 1 }));
  assert.equal(e.kind, "invalid_conversion");
});

Deno.test("encoding a connection message over 65535 bytes is a size_limit_exceeded EncodeError", () => {
  const m = fc.sample(arb.connectionMessage, { numRuns: 1, seed: 1 })[0];
  const e = encodeError(() =>
    conn.encodeConnectionMessage({ ...m, version: { ...m.version, chainName: "x".repeat(70000) } })
  );
  assert.equal(e.kind, "size_limit_exceeded");
});

Deno.test("encoding an IHave of 5001 ids is a list_too_long EncodeError", () => {
  const ids = Array.from({ length: 5001 }, () => new Uint8Array(1));
  const e = encodeError(() => gs.encodeSimpleGossipMessage({ kind: "IWant", messageIds: ids }));
  assert.equal(e.kind, "list_too_long");
});

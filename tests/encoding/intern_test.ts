import assert from "node:assert/strict";
import { DecodeError, Reader } from "../../lib/encoding/mod.ts";
import { declare, fixedBytes, generate, obj, req, string, uint8 } from "../../lib/codegen/mod.ts";
import { decodeP2pMessage, encodeP2pMessage } from "../../gen/p2p_message.ts";
import {
  dalGossipCodec,
  type DalMessageId,
  encodePkh,
  type Pkh,
  readPkh,
} from "../../gen/gossipsub.ts";

const fill = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

const topic = { slotIndex: 3, pkh: { kind: "Bls" as const, hash: fill(20, 9) } };

function ihave(ids: DalMessageId[]): Uint8Array {
  return encodeP2pMessage(
    { kind: "Message", message: { kind: "IHave", topic, messageIds: ids } },
    dalGossipCodec,
  );
}

function decodedIds(bytes: Uint8Array): readonly DalMessageId[] {
  const m = decodeP2pMessage(bytes, dalGossipCodec);
  assert.equal(m.kind, "Message");
  if (m.kind !== "Message" || m.message.kind !== "IHave") throw new Error("not an IHave");
  return m.message.messageIds;
}

const id = (i: number, pkh: Pkh): DalMessageId => ({
  level: 7 + (i & 1),
  slotIndex: 3,
  commitment: fill(48, i & 1),
  shardIndex: i,
  pkh,
});

Deno.test("the 1,000 ids of one topic's IHave share one key-hash value and decode equal", () => {
  const ids = Array.from({ length: 1000 }, (_, i) => id(i, topic.pkh));
  const decoded = decodedIds(ihave(ids));
  assert.deepEqual(decoded, ids);
  const first = decoded[0].pkh;
  assert.ok(decoded.every((d) => d.pkh === first));
  // The topic read first is where the value came from: the ids reuse it.
  const m = decodeP2pMessage(ihave(ids), dalGossipCodec);
  if (m.kind !== "Message" || m.message.kind !== "IHave") throw new Error("not an IHave");
  assert.equal(m.message.topic.pkh, m.message.messageIds[0].pkh);
});

Deno.test("key hashes that differ only in the curve tag or in one byte stay distinct", () => {
  const hash = fill(20, 1);
  const early = hash.slice();
  early[0] ^= 1; // differs in the first byte
  const late = hash.slice();
  late[19] ^= 1; // differs in the last byte (compared past the 4-byte words)
  const pkhs: Pkh[] = [
    { kind: "Bls", hash },
    { kind: "Bls", hash },
    { kind: "Ed25519", hash },
    { kind: "Ed25519", hash },
    { kind: "Bls", hash: early },
    { kind: "Bls", hash: late },
    { kind: "Bls", hash },
  ];
  const ids = pkhs.map((p, i) => id(i, p));
  const d = decodedIds(ihave(ids)).map((x) => x.pkh);
  assert.deepEqual(d, pkhs);
  // The value remembered is the last one read: equal neighbours share it, any difference does not.
  assert.equal(d[0], d[1]);
  assert.notEqual(d[1], d[2]);
  assert.equal(d[2], d[3]);
  assert.notEqual(d[3], d[4]);
  assert.notEqual(d[4], d[5]);
  assert.notEqual(d[5], d[6]);
});

Deno.test("ids whose key hashes never repeat decode equal, before and after interning gives up", () => {
  // 1,000 distinct key hashes (interning stops after 16 misses), then the first ones again.
  const distinct = Array.from(
    { length: 1000 },
    (_, i): Pkh => ({ kind: "Bls", hash: fill(20, i) }),
  );
  const ids = [...distinct, ...distinct.slice(0, 50)].map((p, i) => id(i, p));
  assert.deepEqual(decodedIds(ihave(ids)), ids);
});

Deno.test("an interned key hash skips no check: truncated, over the limit and bad tag fail as before", () => {
  const a = encodePkh({ kind: "Bls", hash: fill(20, 5) });
  const twice = new Uint8Array([...a, ...a]);
  const r = new Reader(twice);
  const first = readPkh(r);
  assert.equal(readPkh(r), first);

  // Same bytes again, but one byte short: not_enough_data, as without interning.
  const short = new Reader(twice, 0, 41);
  readPkh(short);
  assert.throws(
    () => readPkh(short),
    (e) => e instanceof DecodeError && e.kind === "not_enough_data",
  );

  // Same bytes again, past a check_size allowance: size_limit_exceeded.
  const limited = new Reader(twice);
  readPkh(limited);
  limited.openLimit(20);
  assert.throws(
    () => readPkh(limited),
    (e) => e instanceof DecodeError && e.kind === "size_limit_exceeded",
  );

  // A tag no case declares after a remembered value: unexpected_tag at the tag's offset.
  const bad = twice.slice();
  bad[21] = 0x09;
  const tagged = new Reader(bad);
  readPkh(tagged);
  assert.throws(
    () => readPkh(tagged),
    (e) => e instanceof DecodeError && e.kind === "unexpected_tag" && e.offset === 21,
  );
});

Deno.test("interned values are per input: another Reader over other bytes reads its own", () => {
  const a = encodePkh({ kind: "Bls", hash: fill(20, 5) });
  const b = encodePkh({ kind: "Bls", hash: fill(20, 6) });
  const fromA = readPkh(new Reader(a));
  const fromB = readPkh(new Reader(b));
  assert.deepEqual(fromB, { kind: "Bls", hash: fill(20, 6) });
  assert.notEqual(fromA, fromB);
});

Deno.test("the generator interns only fixed-size types and emits the recall before the read", () => {
  const fixed = declare("Small", "Two bytes.", obj(req("a", uint8()), req("b", uint8())), {
    intern: true,
  });
  const text = generate(
    [{ source: "t.ts", output: "gen/t.ts", doc: "Test.", decls: [fixed] }],
    { runtime: "lib/encoding/mod.ts" },
  ).get("gen/t.ts")!;
  const fn = text.slice(text.indexOf("export function readSmall"));
  assert.match(fn, /const same = r\.recall\(SMALL_INTERN, 2\);/);
  assert.match(fn, /r\.remember\(SMALL_INTERN, start, 2, t\);/);

  const sized = declare("Named", "A name.", obj(req("name", string())), { intern: true });
  assert.throws(
    () =>
      generate(
        [{ source: "t.ts", output: "gen/t.ts", doc: "Test.", decls: [sized] }],
        { runtime: "lib/encoding/mod.ts" },
      ),
    /intern needs a fixed-size/,
  );
});

Deno.test("commitments are views into the input, one per id, equal bytes decoding equal", () => {
  const ids = Array.from({ length: 300 }, (_, i) => id(i, topic.pkh));
  const bytes = ihave(ids);
  const decoded = decodedIds(bytes);
  assert.deepEqual(decoded, ids);
  for (const d of decoded) {
    assert.equal(d.commitment.buffer, bytes.buffer);
    assert.equal(d.commitment.length, 48);
    assert.equal(Object.getPrototypeOf(d.commitment), Uint8Array.prototype);
  }
  assert.notEqual(decoded[0].commitment, decoded[2].commitment);
});

Deno.test("interned bytes inside a generated run are read at their offset, others as views", () => {
  const Rec = declare(
    "Rec",
    "Two fields.",
    obj(req("a", fixedBytes(4, { intern: true })), req("b", fixedBytes(4))),
  );
  const text = generate(
    [{ source: "t.ts", output: "gen/t.ts", doc: "Test.", decls: [Rec] }],
    { runtime: "lib/encoding/mod.ts" },
  ).get("gen/t.ts")!;
  assert.match(text, /const REC_A_INTERN = internSlot\(\);/);
  assert.match(text, /const a = r\.internedView\(REC_A_INTERN, o, 4\);/);
  assert.match(text, /const b1 = r\.view\(o \+ 4, 4\);/);
});

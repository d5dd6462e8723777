import assert from "node:assert/strict";
import { DecodeError, internSlot, Reader } from "../../lib/encoding/mod.ts";
import { declare, fixedBytes, generate, obj, req, string, uint8 } from "../../lib/codegen/mod.ts";
import { decodeP2pMessage, encodeP2pMessage } from "../../gen/p2p_message.ts";
import {
  dalGossipCodec,
  type DalMessageId,
  encodePkh,
  type Pkh,
  readPkh,
  readPkhAt,
} from "../../gen/gossipsub.ts";

// The schema interns nothing today (measured: a view costs less than the compare, see
// schema/gossipsub.ts), so the Reader's interning is tested through readers written the way the
// generator writes them for a type declared with `{ intern: true }`: `readKey` as the generated
// `readX` (recall, read, remember), `readKeyAt` as the generated `readXAt` inside a run.
const SLOT = internSlot();

function readKey(r: Reader): Pkh {
  const same = r.recall(SLOT, 21);
  if (same !== undefined) return same as Pkh;
  const start = r.pos;
  const t = readPkh(r);
  r.remember(SLOT, start, 21, t);
  return t;
}

function readKeyAt(r: Reader, o: number): Pkh {
  const same = r.recallAt(SLOT, o, 21);
  if (same !== undefined) return same as Pkh;
  const t = readPkhAt(r, o);
  r.remember(SLOT, o, 21, t);
  return t;
}

/** Reads every key hash of `bytes` (21 bytes each) as a generated run would: take, then at. */
function readKeysAt(bytes: Uint8Array): Pkh[] {
  const r = new Reader(bytes);
  const out: Pkh[] = [];
  while (r.pos < r.end) out.push(readKeyAt(r, r.take(21)));
  return out;
}

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

const concat = (pkhs: Pkh[]) => new Uint8Array(pkhs.flatMap((p) => [...encodePkh(p)]));

Deno.test("1,000 equal key hashes read in turn share one value and decode equal", () => {
  const keys = readKeysAt(concat(Array.from({ length: 1000 }, () => topic.pkh)));
  assert.equal(keys.length, 1000);
  assert.deepEqual(keys[999], topic.pkh);
  assert.ok(keys.every((k) => k === keys[0]));
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
  const d = readKeysAt(concat(pkhs));
  assert.deepEqual(d, pkhs);
  // The value remembered is the last one read: equal neighbours share it, any difference does not.
  assert.equal(d[0], d[1]);
  assert.notEqual(d[1], d[2]);
  assert.equal(d[2], d[3]);
  assert.notEqual(d[3], d[4]);
  assert.notEqual(d[4], d[5]);
  assert.notEqual(d[5], d[6]);
});

Deno.test("key hashes that never repeat read equal, before and after interning gives up", () => {
  // 1,000 distinct key hashes (interning stops after 16 misses), then the same one 50 times.
  const distinct = Array.from(
    { length: 1000 },
    (_, i): Pkh => ({ kind: "Bls", hash: fill(20, i) }),
  );
  const pkhs = [...distinct, ...Array.from({ length: 50 }, () => distinct[0])];
  const keys = readKeysAt(concat(pkhs));
  assert.deepEqual(keys, pkhs);
  // Given up: the repeated ones are read anew.
  assert.notEqual(keys[1000], keys[1001]);
  // IHave ids with such key hashes decode equal too.
  const ids = pkhs.map((p, i) => id(i, p));
  assert.deepEqual(decodedIds(ihave(ids)), ids);
});

Deno.test("an interned key hash skips no check: truncated, over the limit and bad tag fail as before", () => {
  const a = encodePkh({ kind: "Bls", hash: fill(20, 5) });
  const twice = new Uint8Array([...a, ...a]);
  const r = new Reader(twice);
  const first = readKey(r);
  assert.equal(readKey(r), first);

  // Same bytes again, but one byte short: not_enough_data, as without interning.
  const short = new Reader(twice, 0, 41);
  readKey(short);
  assert.throws(
    () => readKey(short),
    (e) => e instanceof DecodeError && e.kind === "not_enough_data",
  );

  // Same bytes again, past a check_size allowance: size_limit_exceeded.
  const limited = new Reader(twice);
  readKey(limited);
  limited.openLimit(20);
  assert.throws(
    () => readKey(limited),
    (e) => e instanceof DecodeError && e.kind === "size_limit_exceeded",
  );

  // A tag no case declares after a remembered value: unexpected_tag at the tag's offset, read
  // from the position and at an offset.
  const bad = twice.slice();
  bad[21] = 0x09;
  const tagged = new Reader(bad);
  readKey(tagged);
  assert.throws(
    () => readKey(tagged),
    (e) => e instanceof DecodeError && e.kind === "unexpected_tag" && e.offset === 21,
  );
  assert.throws(
    () => readKeysAt(bad),
    (e) => e instanceof DecodeError && e.kind === "unexpected_tag" && e.offset === 21,
  );
});

Deno.test("interned values are per input: another Reader over other bytes reads its own", () => {
  const a = encodePkh({ kind: "Bls", hash: fill(20, 5) });
  const b = encodePkh({ kind: "Bls", hash: fill(20, 6) });
  const fromA = readKey(new Reader(a));
  const fromB = readKey(new Reader(b));
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

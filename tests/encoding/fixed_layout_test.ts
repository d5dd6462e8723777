import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { DecodeError } from "../../lib/encoding/mod.ts";
import { declare, generate, obj, ref, req, uint16, uint8, union } from "../../lib/codegen/mod.ts";
import {
  type DalGossipMessage,
  type DalMessageId,
  decodeDalGossipMessage,
  encodeDalGossipMessage,
} from "../../gen/gossipsub.ts";

const fill = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

const topic = { slotIndex: 3, pkh: { kind: "Bls" as const, hash: fill(20, 9) } };
const id = (i: number): DalMessageId => ({
  level: 100 + i,
  slotIndex: 3,
  commitment: fill(48, i),
  shardIndex: i,
  pkh: topic.pkh,
});

// A DalGossipMessage IHave: 2-byte tag, 22-byte topic (slot, key-hash tag, 20 bytes), the ids'
// 4-byte length, then 76 bytes an id (level 4, slot 1, commitment 48, shard 2, key hash 21).
const IDS_LENGTH_AT = 2 + 22;
const IDS_AT = IDS_LENGTH_AT + 4;
const PKH_IN_ID = 55;

function ihave(count: number): Uint8Array {
  const m: DalGossipMessage = {
    kind: "IHave",
    topic,
    messageIds: Array.from({ length: count }, (_, i) => id(i)),
  };
  return encodeDalGossipMessage(m);
}

function fails(bytes: Uint8Array, kind: string, offset?: number): void {
  assert.throws(
    () => decodeDalGossipMessage(bytes),
    (e) =>
      e instanceof DecodeError && e.kind === kind && (offset === undefined || e.offset === offset),
  );
}

Deno.test("an id whose key-hash tag no case declares fails at that tag, first id or not", () => {
  const first = ihave(3);
  first[IDS_AT + PKH_IN_ID] = 0x09;
  fails(first, "unexpected_tag", IDS_AT + PKH_IN_ID);

  // The third id, after two read fine: still checked, at its own offset.
  const third = ihave(3);
  third[IDS_AT + 2 * 76 + PKH_IN_ID] = 0x07;
  fails(third, "unexpected_tag", IDS_AT + 2 * 76 + PKH_IN_ID);
});

Deno.test("an id cut short inside its key hash fails with not_enough_data, never a short array", () => {
  const whole = ihave(3);
  const cut = whole.slice(0, whole.length - 1);
  new DataView(cut.buffer).setUint32(IDS_LENGTH_AT, 3 * 76 - 1);
  fails(cut, "not_enough_data");
  // The list's length says more than there is: not_enough_data before any id is read.
  const long = whole.slice();
  new DataView(long.buffer).setUint32(IDS_LENGTH_AT, 4 * 76);
  fails(long, "not_enough_data");
});

Deno.test("5,000 ids decode and 5,001 are list_too_long, as a grown list reports it", () => {
  const ok = decodeDalGossipMessage(ihave(5000));
  assert.equal(ok.kind === "IHave" && ok.messageIds.length, 5000);
  // The encoder refuses 5,001, so the 5,001st id is spliced in by hand.
  const base = ihave(5000);
  const over = new Uint8Array(base.length + 76);
  over.set(base);
  over.set(base.subarray(IDS_AT, IDS_AT + 76), base.length);
  new DataView(over.buffer).setUint32(IDS_LENGTH_AT, 5001 * 76);
  fails(over, "list_too_long");
});

Deno.test("decoded arrays are dense and byte fields are plain views at the right place", () => {
  const bytes = ihave(40);
  // The input as a view at offset 13 of a larger buffer, and as a Node Buffer (a subclass).
  const padded = new Uint8Array(bytes.length + 20);
  padded.set(bytes, 13);
  const inputs = [padded.subarray(13, 13 + bytes.length), Buffer.from(bytes)];
  for (const input of inputs) {
    const m = decodeDalGossipMessage(input);
    if (m.kind !== "IHave") throw new Error("not an IHave");
    assert.deepEqual(m.messageIds, Array.from({ length: 40 }, (_, i) => id(i)));
    assert.equal(Object.keys(m.messageIds).length, 40);
    for (const d of m.messageIds) {
      assert.equal(Object.getPrototypeOf(d.commitment), Uint8Array.prototype);
      assert.equal(Object.getPrototypeOf(d.pkh.hash), Uint8Array.prototype);
      assert.equal(d.commitment.buffer, input.buffer);
    }
  }
});

Deno.test("a fixed-layout type in a run of fields is read at its offset by its readXAt", () => {
  const Key = declare(
    "Key",
    "K.",
    union(1, [
      { name: "A", tag: 0, fields: [req("x", uint16())] },
      { name: "B", tag: 1, fields: [req("x", uint16())] },
    ]),
  );
  const Rec = declare("Rec", "R.", obj(req("n", uint8()), req("key", ref(Key))));
  const text = generate(
    [{ source: "t.ts", output: "gen/t.ts", doc: "T.", decls: [Key, Rec] }],
    { runtime: "lib/encoding/mod.ts" },
  ).get("gen/t.ts")!;
  const readRec = text.slice(text.indexOf("export function readRec("));
  assert.match(readRec, /const o = r\.take\(4\);/);
  assert.match(readRec, /const key = readKeyAt\(r, o \+ 1\);/);
  const readKeyAt = text.slice(text.indexOf("export function readKeyAt("));
  assert.match(readKeyAt, /const tag = b\[o\];/);
  assert.match(readKeyAt, /const x = \(b\[o \+ 1\] << 8\) \| b\[o \+ 2\];/);
  assert.match(readKeyAt, /throw r\.error\("unexpected_tag", `tag \$\{tag\}`, o\);/);
});

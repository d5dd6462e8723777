// Structural checks of DAL values (compressed G1 points, Fr scalars) against the rules of Octez's
// decoder (blst behind `Bls12_381.G1.of_compressed_bytes_opt` and `Fr.of_bytes_opt`), and their
// place in the DAL gossip instance: malformed values are `Invalid` before the application's hook.

import assert from "node:assert/strict";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import fc from "fast-check";
import type { DalMessage, DalMessageId, DalTopic } from "../../gen/gossipsub.ts";
import { generateIdentitySync } from "../../lib/crypto/mod.ts";
import { fromHex, toHex } from "../../lib/encoding/hex.ts";
import { dalGossip } from "../../lib/node/dal_gossip.ts";
import { createNode, type PointId } from "../../lib/node/mod.ts";
import {
  checkDalMessage,
  checkDalMessageId,
  isValidG1Compressed,
  isValidScalar,
} from "../../lib/node/dal_values.ts";
import { collect, waitFor } from "../support/async.ts";

const G1 = bls12_381.G1.Point;
const Fp = bls12_381.fields.Fp;
const R = bls12_381.fields.Fr.ORDER;

// x of Octez's `G1.one` (src/lib_bls12_381/g1.ml, the first 48 bytes of its uncompressed form)
// with the compression flag 0x80 set; y of the generator is the smaller root, so no sort flag.
const GENERATOR_HEX =
  "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb";

function leBytes(value: bigint, length = 32): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return bytes;
}

function beBytes(value: bigint, length = 48): Uint8Array {
  return leBytes(value, length).reverse();
}

function infinity(): Uint8Array {
  const bytes = new Uint8Array(48);
  bytes[0] = 0xc0;
  return bytes;
}

/** Compressed form of the affine point (x, y), built by hand: C flag, S flag when y > (p-1)/2. */
function compress(x: bigint, y: bigint): Uint8Array {
  const bytes = beBytes(x);
  bytes[0] |= 0x80;
  if (y > (Fp.ORDER - 1n) / 2n) bytes[0] |= 0x20;
  return bytes;
}

/** The first x ≥ `from` for which x³ + 4 is (`square`) or is not a square in Fp. */
function findX(from: bigint, square: boolean): { x: bigint; y?: bigint } {
  for (let x = from;; x++) {
    const rhs = Fp.add(Fp.pow(x, 3n), 4n);
    let y: bigint | undefined;
    try {
      y = Fp.sqrt(rhs);
    } catch {
      y = undefined;
    }
    if ((y !== undefined) === square) return { x, y };
  }
}

const pkh = { kind: "Bls" as const, hash: new Uint8Array(20).fill(7) };
const validCommitment = G1.BASE.multiply(12345n).toBytes(true);
const validProof = G1.BASE.multiply(67890n).toBytes(true);

function messageId(commitment: Uint8Array): DalMessageId {
  return { level: 100, slotIndex: 3, commitment, shardIndex: 1, pkh };
}

function shard(share: Uint8Array[], shardProof: Uint8Array = validProof): DalMessage {
  return { share, shardProof };
}

Deno.test("isValidG1Compressed() accepts Octez's generator encoding and noble's multiples of it", () => {
  assert.equal(toHex(G1.BASE.toBytes(true)), GENERATOR_HEX);
  assert.equal(isValidG1Compressed(fromHex(GENERATOR_HEX)), true);
  fc.assert(
    fc.property(fc.bigInt({ min: 1n, max: R - 1n }), (k) => {
      const point = G1.BASE.multiply(k);
      assert.equal(isValidG1Compressed(point.toBytes(true)), true);
      assert.equal(isValidG1Compressed(point.negate().toBytes(true)), true);
    }),
    { numRuns: 20 },
  );
});

Deno.test("isValidG1Compressed() accepts the point at infinity only as C0 followed by zeros", () => {
  assert.equal(isValidG1Compressed(infinity()), true);
  assert.equal(toHex(G1.ZERO.toBytes(true)), toHex(infinity()));
  const withSort = infinity();
  withSort[0] = 0xe0; // infinity with the sort flag: blst's BAD_ENCODING
  assert.equal(isValidG1Compressed(withSort), false);
  const withoutCompression = infinity();
  withoutCompression[0] = 0x40; // infinity flag without the compression flag
  assert.equal(isValidG1Compressed(withoutCompression), false);
  const lowBit = infinity();
  lowBit[0] = 0xc1; // a bit of x under the infinity flag
  assert.equal(isValidG1Compressed(lowBit), false);
  const lastByte = infinity();
  lastByte[47] = 1;
  assert.equal(isValidG1Compressed(lastByte), false);
});

Deno.test("isValidG1Compressed() refuses wrong flag bits on a valid x", () => {
  const g = fromHex(GENERATOR_HEX);
  const uncompressed = g.slice();
  uncompressed[0] &= 0x7f; // compression flag cleared: 48 bytes cannot be an uncompressed point
  assert.equal(isValidG1Compressed(uncompressed), false);
  const asInfinity = g.slice();
  asInfinity[0] |= 0x40; // infinity flag on a non-zero x
  assert.equal(isValidG1Compressed(asInfinity), false);
  // The sort flag only picks the other root: −G, also in the subgroup, and decoded as −G.
  const flipped = g.slice();
  flipped[0] ^= 0x20;
  assert.equal(isValidG1Compressed(flipped), true);
  assert.equal(toHex(flipped), toHex(G1.BASE.negate().toBytes(true)));
});

Deno.test("isValidG1Compressed() refuses wrong lengths", () => {
  const g = fromHex(GENERATOR_HEX);
  assert.equal(isValidG1Compressed(g.subarray(0, 47)), false);
  assert.equal(isValidG1Compressed(new Uint8Array([...g, 0])), false);
  assert.equal(isValidG1Compressed(new Uint8Array(0)), false);
  assert.equal(isValidG1Compressed(new Uint8Array(96)), false);
});

Deno.test("isValidG1Compressed() refuses an x that is not on the curve", () => {
  const { x } = findX(1n, false);
  const bytes = beBytes(x);
  bytes[0] |= 0x80;
  assert.equal(isValidG1Compressed(bytes), false);
  bytes[0] |= 0x20;
  assert.equal(isValidG1Compressed(bytes), false);
});

Deno.test("isValidG1Compressed() refuses a point on the curve outside the order-r subgroup", () => {
  // G1's cofactor h is 0x396c8c005555e1568c00aaab0000aaab, so a point of E(Fp) found from its x
  // is almost never of order r. Check that it is on the curve but not torsion-free, then refuse.
  const { x, y } = findX(1n, true);
  const point = G1.fromAffine({ x, y: y! });
  assert.equal(Fp.eql(Fp.sqr(y!), Fp.add(Fp.pow(x, 3n), 4n)), true);
  assert.equal(point.isTorsionFree(), false);
  assert.equal(isValidG1Compressed(compress(x, y!)), false);
  assert.equal(isValidG1Compressed(compress(x, Fp.neg(y!))), false);
  // Its cofactor-cleared multiple is in the subgroup and passes: the refusal was about the group.
  assert.equal(isValidG1Compressed(point.clearCofactor().toBytes(true)), true);
});

Deno.test("isValidG1Compressed() refuses x = 0, the order-3 points (0, ±2)", () => {
  const zeroX = new Uint8Array(48);
  zeroX[0] = 0x80;
  assert.equal(isValidG1Compressed(zeroX), false);
  zeroX[0] = 0xa0;
  assert.equal(isValidG1Compressed(zeroX), false);
});

Deno.test("isValidG1Compressed() refuses a non-canonical x (x + p for a valid x)", () => {
  // Find a subgroup point whose x + p still fits in the 381 bits under the flags; blst refuses
  // x ≥ p rather than reducing it (libblst/src/e1.c 242-247).
  const limit = (1n << 381n) - Fp.ORDER;
  let k = 2n;
  let point = G1.BASE.multiply(k);
  while (point.toAffine().x >= limit) point = G1.BASE.multiply(++k);
  const { x, y } = point.toAffine();
  assert.equal(isValidG1Compressed(compress(x, y)), true);
  assert.equal(isValidG1Compressed(compress(x + Fp.ORDER, y)), false);
  assert.equal(isValidG1Compressed(compress(Fp.ORDER, 0n)), false); // p itself, "x = 0"
  const allOnes = new Uint8Array(48).fill(0xff);
  allOnes[0] = 0x9f; // x = 2^381 - 1
  assert.equal(isValidG1Compressed(allOnes), false);
});

Deno.test("isValidScalar() accepts 0 and r - 1 and refuses r and 2^256 - 1, little-endian", () => {
  assert.equal(isValidScalar(new Uint8Array(32)), true);
  assert.equal(isValidScalar(leBytes(1n)), true);
  assert.equal(isValidScalar(leBytes(R - 1n)), true);
  assert.equal(isValidScalar(leBytes(R)), false);
  assert.equal(isValidScalar(leBytes(R + 1n)), false);
  assert.equal(isValidScalar(new Uint8Array(32).fill(0xff)), false);
  // Byte order: the 32nd byte is the most significant. 0xff there is ≥ r, although the same
  // bytes read big-endian would be 255.
  const highLast = new Uint8Array(32);
  highLast[31] = 0xff;
  assert.equal(isValidScalar(highLast), false);
  assert.equal(isValidScalar(new Uint8Array(31)), false);
  assert.equal(isValidScalar(new Uint8Array(33)), false);
});

Deno.test("isValidScalar() agrees with `little-endian value < r` on random and boundary bytes", () => {
  const nearR = fc.bigInt({ min: R - 1000n, max: R + 1000n }).map((v) => leBytes(v));
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), nearR), (bytes) => {
      let value = 0n;
      for (let i = 31; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
      assert.equal(isValidScalar(bytes), value < R);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("checkDalMessageId() and checkDalMessage() name the bad value", () => {
  assert.deepEqual(checkDalMessageId(messageId(validCommitment)), { kind: "Valid" });
  assert.deepEqual(checkDalMessageId(messageId(new Uint8Array(48).fill(1))), {
    kind: "InvalidCommitment",
  });
  const good = [leBytes(5n), leBytes(R - 1n), new Uint8Array(32)];
  assert.deepEqual(checkDalMessage(shard(good)), { kind: "Valid" });
  assert.deepEqual(checkDalMessage(shard([])), { kind: "Valid" });
  assert.deepEqual(checkDalMessage(shard([good[0], leBytes(R), good[1]])), {
    kind: "InvalidShareScalar",
    index: 1,
  });
  assert.deepEqual(checkDalMessage(shard(good, new Uint8Array(48).fill(5))), {
    kind: "InvalidShardProof",
  });
});

Deno.test("dalGossip() without a hook calls a malformed commitment, proof or share Invalid", () => {
  const { messageId: ids, message } = dalGossip();
  const good = messageId(validCommitment);
  const bad = messageId(new Uint8Array(48).fill(1));
  const share = [leBytes(7n), leBytes(8n)];
  assert.equal(ids.valid(good), "Valid");
  assert.equal(ids.valid(bad), "Invalid");
  assert.equal(ids.valid(bad), "Invalid"); // the cached answer too
  assert.equal(ids.valid(messageId(infinity())), "Valid");
  assert.equal(message.valid(shard(share), good), "Valid");
  assert.equal(message.valid(shard(share), bad), "Invalid");
  assert.equal(message.valid(shard(share, new Uint8Array(48).fill(5)), good), "Invalid");
  assert.equal(message.valid(shard([share[0], leBytes(R)]), good), "Invalid");
});

Deno.test("dalGossip() asks the application's hook only about well-formed values", () => {
  const asked: [DalMessageId, DalMessage | undefined][] = [];
  const { messageId: ids, message } = dalGossip({
    validate: (id, m) => {
      asked.push([id, m]);
      return id.level < 100 ? "Outdated" : "Unknown";
    },
  });
  const good = messageId(validCommitment);
  const bad = messageId(new Uint8Array(48).fill(1));
  const share = [leBytes(7n)];
  assert.equal(ids.valid(bad), "Invalid");
  assert.equal(message.valid(shard(share), bad), "Invalid");
  assert.equal(message.valid(shard(share, new Uint8Array(48)), good), "Invalid");
  assert.equal(message.valid(shard([leBytes(R)]), good), "Invalid");
  assert.equal(asked.length, 0);
  // Well-formed: the hook's verdict is the answer, whatever it is.
  assert.equal(ids.valid(good), "Unknown");
  assert.equal(ids.valid({ ...good, level: 99 }), "Outdated");
  const valid = shard(share);
  assert.equal(message.valid(valid, good), "Unknown");
  assert.deepEqual(asked, [[good, undefined], [{ ...good, level: 99 }, undefined], [good, valid]]);
});

Deno.test("a malformed commitment, proof or share is neither delivered nor forwarded", async () => {
  // publisher → relay → reader, over TCP on loopback. The relay's verdicts decide what the reader
  // sees: messages travel each connection in order, so once a well-formed shard published after
  // the malformed ones has reached the reader, each malformed one had its chance before it.
  const topic: DalTopic = { slotIndex: 3, pkh };
  const options = (bootstrap?: PointId) => ({
    gossip: dalGossip(),
    identity: generateIdentitySync(0),
    expectedPow: 0,
    chainName: "DAL_TZP2P_TEST",
    heartbeatMs: 100,
    maintenanceMs: 200,
    topics: [topic],
    ...(bootstrap === undefined ? {} : { bootstrapPoints: [bootstrap] }),
  });
  const publisher = await createNode(options());
  const relay = await createNode(options(publisher.listeningPoint));
  const reader = await createNode(options(relay.listeningPoint));
  try {
    const atRelay = collect(relay.subscribe(topic)).items;
    const atReader = collect(reader.subscribe(topic)).items;
    const share = [leBytes(11n), leBytes(R - 1n)];
    const id = (shardIndex: number, commitment = validCommitment): DalMessageId => ({
      ...messageId(commitment),
      slotIndex: topic.slotIndex,
      shardIndex,
    });
    // Well-formed shards until the path is up (the meshes form within a few heartbeats).
    let next = 0;
    await waitFor("a first shard through the relay", () => {
      if (atReader.length === 0) {
        void publisher.publish(topic, shard(share), { messageId: id(next++), allowNoPeers: true });
      }
      return atReader.length > 0;
    });
    const badCommitment = id(1000, new Uint8Array(48).fill(1));
    await publisher.publish(topic, shard(share), { messageId: badCommitment });
    await publisher.publish(topic, shard(share, new Uint8Array(48).fill(5)), {
      messageId: id(1001),
    });
    await publisher.publish(topic, shard([share[0], leBytes(R)]), { messageId: id(1002) });
    await publisher.publish(topic, shard(share), { messageId: id(1003) });
    await waitFor(
      "the last well-formed shard",
      () => atReader.some((d) => d.messageId.shardIndex === 1003),
    );
    for (const delivered of [atRelay, atReader]) {
      const indexes = delivered.map((d) => d.messageId.shardIndex);
      assert.ok(indexes.includes(1003));
      assert.deepEqual(indexes.filter((i) => i >= 1000 && i < 1003), []);
    }
  } finally {
    await Promise.all([publisher.close(), relay.close(), reader.close()]);
  }
});

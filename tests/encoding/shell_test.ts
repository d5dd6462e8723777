// The shell's messages (gen/shell.ts, from schema/shell.ts): round trips of every type, Octez's
// bounds one byte or one element past each, encoded messages from tezedge's tests with the values
// those tests expect, and the Carthagenet capture's shell messages against a parse by hand.

import assert from "node:assert/strict";
import fc from "fast-check";
import { blake2b } from "@noble/hashes/blake2.js";
import * as arb from "./shell_arbitraries.ts";
import * as v from "./shell_vectors.ts";
import * as shell from "../../gen/shell.ts";
import { decodeP2pMessage, encodeP2pMessage, sizeOfP2pMessage } from "../../gen/p2p_message.ts";
import type { P2pMessage } from "../../gen/p2p_message.ts";
import { DecodeError, EncodeError, fromHex, toHex } from "../../lib/encoding/mod.ts";
import { base58CheckEncode, open } from "../../lib/crypto/mod.ts";
import { vectors } from "../support/vectors.ts";

const runs = { numRuns: 300, seed: 0x5e11 };

/** fast-check builds null-prototype records; copy them into plain objects before comparing. */
function plain<T>(x: T): T {
  if (Array.isArray(x)) return x.map(plain) as T;
  if (x instanceof Uint8Array || x === null || typeof x !== "object") return x;
  return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, plain(y)])) as T;
}

/** encode then decode gives the value back, and re-encoding the decoded value gives the bytes. */
function roundTrip<T>(
  value: fc.Arbitrary<T>,
  encode: (x: T) => Uint8Array,
  decode: (b: Uint8Array) => T,
  sizeOf: (x: T) => number,
): void {
  fc.assert(
    fc.property(value, (x) => {
      const bytes = encode(x);
      assert.equal(bytes.length, sizeOf(x));
      const back = decode(bytes);
      assert.deepEqual(back, plain(x));
      assert.deepEqual(encode(back), bytes);
    }),
    runs,
  );
}

// ---- round trips --------------------------------------------------------------------------------

const types: [string, () => void][] = [
  [
    "ChainId",
    () => roundTrip(arb.chainId, shell.encodeChainId, shell.decodeChainId, shell.sizeOfChainId),
  ],
  [
    "BlockHash",
    () => roundTrip(arb.hash, shell.encodeBlockHash, shell.decodeBlockHash, shell.sizeOfBlockHash),
  ],
  ["OperationHash", () =>
    roundTrip(
      arb.hash,
      shell.encodeOperationHash,
      shell.decodeOperationHash,
      shell.sizeOfOperationHash,
    )],
  ["ProtocolHash", () =>
    roundTrip(
      arb.hash,
      shell.encodeProtocolHash,
      shell.decodeProtocolHash,
      shell.sizeOfProtocolHash,
    )],
  [
    "ContextHash",
    () =>
      roundTrip(
        arb.hash,
        shell.encodeContextHash,
        shell.decodeContextHash,
        shell.sizeOfContextHash,
      ),
  ],
  ["OperationListListHash", () =>
    roundTrip(
      arb.hash,
      shell.encodeOperationListListHash,
      shell.decodeOperationListListHash,
      shell.sizeOfOperationListListHash,
    )],
  [
    "Fitness",
    () => roundTrip(arb.fitness, shell.encodeFitness, shell.decodeFitness, shell.sizeOfFitness),
  ],
  ["ShellHeader", () =>
    roundTrip(
      arb.shellHeader,
      shell.encodeShellHeader,
      shell.decodeShellHeader,
      shell.sizeOfShellHeader,
    )],
  ["BlockHeader", () =>
    roundTrip(
      arb.blockHeader,
      shell.encodeBlockHeader,
      shell.decodeBlockHeader,
      shell.sizeOfBlockHeader,
    )],
  ["BlockLocator", () =>
    roundTrip(
      arb.blockLocator,
      shell.encodeBlockLocator,
      shell.decodeBlockLocator,
      shell.sizeOfBlockLocator,
    )],
  ["OperationShellHeader", () =>
    roundTrip(
      fc.record({ branch: arb.hash }),
      shell.encodeOperationShellHeader,
      shell.decodeOperationShellHeader,
      shell.sizeOfOperationShellHeader,
    )],
  [
    "Operation",
    () =>
      roundTrip(arb.operation, shell.encodeOperation, shell.decodeOperation, shell.sizeOfOperation),
  ],
  ["OperationListListPath", () =>
    roundTrip(
      arb.path(8),
      shell.encodeOperationListListPath,
      shell.decodeOperationListListPath,
      shell.sizeOfOperationListListPath,
    )],
  ["OperationsForBlock", () =>
    roundTrip(
      arb.operationsForBlock,
      shell.encodeOperationsForBlock,
      shell.decodeOperationsForBlock,
      shell.sizeOfOperationsForBlock,
    )],
  [
    "Mempool",
    () => roundTrip(arb.mempool, shell.encodeMempool, shell.decodeMempool, shell.sizeOfMempool),
  ],
  ["ProtocolComponent", () =>
    roundTrip(
      arb.protocolComponent,
      shell.encodeProtocolComponent,
      shell.decodeProtocolComponent,
      shell.sizeOfProtocolComponent,
    )],
  [
    "Protocol",
    () => roundTrip(arb.protocol, shell.encodeProtocol, shell.decodeProtocol, shell.sizeOfProtocol),
  ],
  ["ShellMessage", () =>
    roundTrip(
      arb.shellMessage,
      shell.encodeShellMessage,
      shell.decodeShellMessage,
      shell.sizeOfShellMessage,
    )],
];
for (const [name, run] of types) Deno.test(`${name} round-trips`, run);

Deno.test("every shell case round-trips inside the P2P envelope through shellCodec", () => {
  const message = arb.shellMessage.map((m) => ({ kind: "Message" as const, message: m }));
  roundTrip<P2pMessage<shell.ShellMessage>>(
    message,
    (m) => encodeP2pMessage(m, shell.shellCodec),
    (b) => decodeP2pMessage(b, shell.shellCodec),
    (m) => sizeOfP2pMessage(m, shell.shellCodec),
  );
});

Deno.test("shellCodec declares the 19 tags of distributed_db_message.ml", () => {
  assert.deepEqual(
    [...shell.shellCodec.tags].sort((a, b) => a - b),
    [0x10, 0x11, 0x12, 0x13, 0x14, 0x20, 0x21, 0x30, 0x31, 0x40, 0x41, 0x60, 0x61, 0x70, 0x71]
      .concat([0x80, 0x81, 0x90, 0x91]),
  );
});

// ---- Octez's bounds ------------------------------------------------------------------------------

function decodeFails(bytes: Uint8Array, kind: string): DecodeError {
  return check(throwsDecode(() => shell.decodeShellMessage(bytes)), kind);
}

function encodeFails(m: shell.ShellMessage, kind: string): void {
  let caught: unknown;
  try {
    shell.encodeShellMessage(m);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof EncodeError, `expected an EncodeError, got ${caught}`);
  assert.equal(caught.kind, kind);
}

function check(e: DecodeError, kind: string): DecodeError {
  assert.equal(e.kind, kind, e.message);
  return e;
}

function throwsDecode(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error("no DecodeError");
}

const zeros = (n: number) => new Uint8Array(n);
const H = zeros(32);
const header = (protocolData: Uint8Array): shell.BlockHeader => ({
  level: 1,
  protoLevel: 0,
  predecessor: H,
  timestamp: 0n,
  validationPasses: 0,
  operationsHash: H,
  fitness: [],
  context: H,
  protocolData,
});
/** Encoded size of a header without protocol data: 4+1+32+8+1+32+4 (empty fitness)+32. */
const HEADER_BASE = 114;
const MiB = 1024 * 1024;

/** Encodes `m`, bypassing the bounds: the same bytes an unbounded encoder would write. */
function unbounded(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(2 + n);
  out[0] = tag >> 8;
  out[1] = tag & 0xff;
  let at = 2;
  for (const p of parts) out.set(p, at), at += p.length;
  return out;
}

Deno.test("a block header of 8 MiB passes and one byte more is a typed error", () => {
  assert.equal(shell.sizeOfBlockHeader(header(zeros(1))), HEADER_BASE + 1);
  const fits = { kind: "BlockHeader" as const, header: header(zeros(8 * MiB - HEADER_BASE)) };
  assert.equal(shell.decodeShellMessage(shell.encodeShellMessage(fits)).kind, "BlockHeader");
  const over = header(zeros(8 * MiB - HEADER_BASE + 1));
  encodeFails({ kind: "BlockHeader", header: over }, "size_limit_exceeded");
  decodeFails(unbounded(0x21, shell.encodeBlockHeader(over)), "size_limit_exceeded");
  // The same bound inside Current_head, where the header is sized.
  const size = new Uint8Array(4);
  new DataView(size.buffer).setUint32(0, shell.sizeOfBlockHeader(over));
  const mempool = shell.encodeMempool({ knownValid: [], pending: [] });
  decodeFails(
    unbounded(0x14, zeros(4), size, shell.encodeBlockHeader(over), mempool),
    "size_limit_exceeded",
  );
});

Deno.test("a block locator of 1000 hashes passes and 1001 is list_too_long", () => {
  const locator = { currentHead: header(zeros(0)), history: Array(1000).fill(H) };
  const m: shell.ShellMessage = { kind: "CurrentBranch", chainId: zeros(4), locator };
  const bytes = shell.encodeShellMessage(m);
  assert.equal(shell.decodeShellMessage(bytes).kind, "CurrentBranch");
  encodeFails({ ...m, locator: { ...locator, history: [...locator.history, H] } }, "list_too_long");
  // The locator ends the message: one more hash at the end is the 1001st.
  decodeFails(unbounded(0x11, bytes.subarray(2), H), "list_too_long");
});

Deno.test("an operation of 128 KiB passes and one byte more is a typed error", () => {
  const op = (n: number) => ({ branch: H, data: zeros(n - 32) });
  const fits = { kind: "Operation" as const, operation: op(128 * 1024) };
  assert.equal(shell.decodeShellMessage(shell.encodeShellMessage(fits)).kind, "Operation");
  encodeFails({ kind: "Operation", operation: op(128 * 1024 + 1) }, "size_limit_exceeded");
  decodeFails(unbounded(0x31, shell.encodeOperation(op(128 * 1024 + 1))), "size_limit_exceeded");
});

Deno.test("an operation list of 1 MiB passes, one byte more or one operation over 128 KiB fails", () => {
  const m = (sizes: number[]): shell.ShellMessage => ({
    kind: "OperationsForBlocks",
    block: { hash: H, validationPass: 0 },
    path: { kind: "Op" },
    // Each operation takes 4 bytes of length, then 32 of branch, then its data.
    operations: sizes.map((n) => ({ branch: H, data: zeros(n - 36) })),
  });
  // 7 operations of 128 KiB (with their lengths) and one filling the rest of 1 MiB.
  const full = 128 * 1024 + 4;
  const fits = m([...Array(7).fill(full), MiB - 7 * full]);
  const bytes = shell.encodeShellMessage(fits);
  assert.equal(bytes.length, 2 + 33 + 1 + MiB);
  assert.equal(shell.decodeShellMessage(bytes).kind, "OperationsForBlocks");
  const over = m([...Array(7).fill(full), MiB - 7 * full + 1]);
  encodeFails(over, "size_limit_exceeded");
  // Grow the last operation by one byte, its length prefix too: 1 MiB + 1 in all.
  const grown = new Uint8Array(bytes.length + 1);
  grown.set(bytes);
  const last = bytes.length - (MiB - 7 * full);
  new DataView(grown.buffer).setUint32(last, MiB - 7 * full - 4 + 1);
  decodeFails(grown, "size_limit_exceeded");
  encodeFails(m([full + 1]), "size_limit_exceeded");
});

Deno.test("a Merkle path of 3 levels (8 passes) passes and 4 levels is a typed error", () => {
  const nest = (depth: number): shell.OperationListListPath =>
    depth === 0 ? { kind: "Op" } : { kind: "Left", path: nest(depth - 1), right: H };
  const m = (depth: number): shell.ShellMessage => ({
    kind: "OperationsForBlocks",
    block: { hash: H, validationPass: 0 },
    path: nest(depth),
    operations: [],
  });
  assert.equal(shell.sizeOfOperationListListPath(nest(3)), 100);
  assert.deepEqual(shell.decodeShellMessage(shell.encodeShellMessage(m(3))), m(3));
  encodeFails(m(4), "size_limit_exceeded");
  decodeFails(
    unbounded(0x61, H, zeros(1), shell.encodeOperationListListPath(nest(4))),
    "size_limit_exceeded",
  );
});

Deno.test("a path decoded alone stops at 64 levels, and deep input is an error, not a crash", () => {
  const levels = (n: number) => {
    // Right's body is (left hash, path): tag, hash, tag, hash… then Op's tag.
    const bytes = new Uint8Array(n * 33 + 1);
    for (let i = 0; i < n; i++) bytes[i * 33] = 0x0f, bytes.fill(7, i * 33 + 1, i * 33 + 33);
    bytes[n * 33] = 0x00;
    return bytes;
  };
  assert.equal(shell.decodeOperationListListPath(levels(64)).kind, "Right");
  check(throwsDecode(() => shell.decodeOperationListListPath(levels(65))), "size_limit_exceeded");
  check(
    throwsDecode(() => shell.decodeOperationListListPath(levels(200_000))),
    "size_limit_exceeded",
  );
});

Deno.test("a protocol of 2 MiB passes and one byte more is a typed error", () => {
  // 2 (env) + 4 (list length) + 4 + 4 (name) + 1 (no interface) + 4 + implementation: 19 + n.
  const p = (n: number): shell.ShellMessage => ({
    kind: "Protocol",
    protocol: {
      expectedEnvVersion: 0,
      components: [{ name: "main", interface: undefined, implementation: "x".repeat(n - 19) }],
    },
  });
  assert.equal(shell.encodeShellMessage(p(2 * MiB)).length, 2 + 2 * MiB);
  assert.equal(shell.decodeShellMessage(shell.encodeShellMessage(p(2 * MiB))).kind, "Protocol");
  encodeFails(p(2 * MiB + 1), "size_limit_exceeded");
  const body = shell.encodeProtocol((p(2 * MiB + 1) as shell.ShellMessageProtocol).protocol);
  decodeFails(unbounded(0x41, body), "size_limit_exceeded");
});

Deno.test("a mempool is bounded by 8 + 4000 * 32 bytes: 3999 hashes pass, 4000 fail", () => {
  // Octez counts 8 bytes for the lengths, but the two lists take 12 (4, then 4 + 4): the bound
  // holds 3999 hashes, not 4000.
  const m = (n: number): shell.ShellMessage => ({
    kind: "CurrentHead",
    chainId: zeros(4),
    blockHeader: header(zeros(0)),
    mempool: { knownValid: Array(n).fill(H), pending: [] },
  });
  assert.equal(shell.decodeShellMessage(shell.encodeShellMessage(m(3999))).kind, "CurrentHead");
  encodeFails(m(4000), "size_limit_exceeded");
  const fits = shell.encodeShellMessage(m(3999));
  // Add one hash to known_valid (its length grows by 32).
  const grown = new Uint8Array(fits.length + 32);
  const at = fits.length - (4 + 3999 * 32 + 8);
  grown.set(fits.subarray(0, at));
  new DataView(grown.buffer).setUint32(at, 4000 * 32);
  grown.set(fits.subarray(at + 4, fits.length - 8), at + 4);
  grown.set(fits.subarray(fits.length - 8), grown.length - 8);
  decodeFails(grown, "size_limit_exceeded");
});

Deno.test("every Get_ list takes 10 elements and 11 is list_too_long", () => {
  const key = { hash: H, validationPass: 1 };
  const cases: [shell.ShellMessage, shell.ShellMessage][] = [
    [{ kind: "GetBlockHeaders", hashes: Array(10).fill(H) }, {
      kind: "GetBlockHeaders",
      hashes: Array(11).fill(H),
    }],
    [{ kind: "GetOperations", hashes: Array(10).fill(H) }, {
      kind: "GetOperations",
      hashes: Array(11).fill(H),
    }],
    [{ kind: "GetProtocols", hashes: Array(10).fill(H) }, {
      kind: "GetProtocols",
      hashes: Array(11).fill(H),
    }],
    [{ kind: "GetOperationsForBlocks", blocks: Array(10).fill(key) }, {
      kind: "GetOperationsForBlocks",
      blocks: Array(11).fill(key),
    }],
  ];
  for (const [fits, over] of cases) {
    const bytes = shell.encodeShellMessage(fits);
    assert.deepEqual(shell.decodeShellMessage(bytes), fits);
    encodeFails(over, "list_too_long");
    // One more element, and a length prefix that says so.
    const element = bytes.subarray(bytes.length - (bytes.length - 6) / 10);
    const grown = unbounded(bytes[1], zeros(4), bytes.subarray(6), element);
    new DataView(grown.buffer).setUint32(2, grown.length - 6);
    decodeFails(grown, "list_too_long");
  }
});

Deno.test("a tag no case declares is unexpected_tag, alone and inside the P2P envelope", () => {
  // 0x50/0x51 were Get_operation_hashes_for_blocks / Operation_hashes_for_blocks in older Octez.
  for (const tag of [0x0050, 0x0051, 0x0015, 0x00ff, 0xffff]) {
    const body = unbounded(tag, zeros(4));
    const e = decodeFails(body, "unexpected_tag");
    assert.equal(e.offset, 0);
    const framed = new Uint8Array(4 + body.length);
    new DataView(framed.buffer).setUint32(0, body.length);
    framed.set(body, 4);
    const f = throwsDecode(() => decodeP2pMessage(framed, shell.shellCodec));
    check(f, "unexpected_tag");
    assert.equal(f.offset, 4);
  }
});

// ---- byte vectors --------------------------------------------------------------------------------

const b58 = (prefix: Uint8Array, bytes: Uint8Array) => base58CheckEncode(prefix, bytes);
const blockHashOf = (bytes: Uint8Array) =>
  b58(shell.BLOCK_HASH_PREFIX, blake2b(bytes, { dkLen: 32 }));

/** A whole P2P message of a vector, decoded to its shell message; re-encoding gives it back. */
function shellOf(hex: string): shell.ShellMessage {
  const bytes = fromHex(hex);
  const m = decodeP2pMessage(bytes, shell.shellCodec);
  assert.equal(m.kind, "Message");
  assert.equal(toHex(encodeP2pMessage(m, shell.shellCodec)), hex);
  return (m as { message: shell.ShellMessage }).message;
}

function kindOf<K extends shell.ShellMessage["kind"]>(
  m: shell.ShellMessage,
  kind: K,
): Extract<shell.ShellMessage, { kind: K }> {
  assert.equal(m.kind, kind);
  return m as Extract<shell.ShellMessage, { kind: K }>;
}

Deno.test("tezedge's block header decodes to its level, hashes and protocol data", () => {
  // tezedge tezos/messages/tests/encoding_block_header.rs 12-35.
  const hex =
    "00006d6e0102dd00defaf70c53e180ea148b349a6feb4795610b2abc7b07fe91ce50a90814000000005c1276" +
    "780432bc1d3a28df9a67b363aa1638f807214bb8987e5f9c0abcbd69531facffd1c800000011000000010000000008" +
    "00000000000c15ef15a6f54021cb353780e2847fb9c546f1d72c1dc17c3db510f45553ce501ce1de000000000003c7" +
    "62c7df00a856b8bfcaf0676f069f825ca75f37f2bee9fe55ba109cec3d1d041d8c03519626c0c0faa557e778cb09d2" +
    "e0c729e8556ed6a7a518c84982d1f2682bc6aa753f";
  const bytes = fromHex(hex);
  const h = shell.decodeBlockHeader(bytes);
  assert.equal(h.level, 28014);
  assert.equal(h.protoLevel, 1);
  assert.equal(h.validationPasses, 4);
  assert.equal(h.fitness.length, 2);
  assert.equal(h.timestamp, 1544713848n);
  assert.equal(
    toHex(h.protocolData),
    "000000000003c762c7df00a856b8bfcaf0676f069f825ca75f37f2bee9fe55ba109cec3d1d041d8c03519626c0c0" +
      "faa557e778cb09d2e0c729e8556ed6a7a518c84982d1f2682bc6aa753f",
  );
  assert.equal(blockHashOf(bytes), "BKoBK7Qa8J4Wvz85MDRWmpAntd5UhPhCh3p6Ga6woJywF8cZkeJ");
  assert.equal(
    b58(shell.BLOCK_HASH_PREFIX, h.predecessor),
    "BKjYUUtYXtXjEuL49jB8ZbFwVdg4hU6U7oKKSC5vp6stYsfFDVN",
  );
  assert.equal(
    b58(shell.OPERATION_LIST_LIST_HASH_PREFIX, h.operationsHash),
    "LLoZi3xywrX9swZQgC82m7vj5hmuz6LGAatNq2Muh34oNn71JruZs",
  );
  assert.equal(
    b58(shell.CONTEXT_HASH_PREFIX, h.context),
    "CoUoqw1cVKUUNWyAviph5cdsjDpgeNhH2DGkMtgy7N6kfwnbewvS",
  );
  assert.equal(toHex(shell.encodeBlockHeader(h)), hex);
});

Deno.test("tezedge's operation decodes to its branch and data", () => {
  // tezedge tezos/messages/tests/encoding_operation.rs 4-12.
  const data =
    "000008c387fa065a181d45d47a9b78ddc77e92a881779ff2cbabbf9646eade4bf1405a08e00b725ed849ee" +
    "a46953b10b5cdebc518e6fd47e69b82d2ca18c4cf6d2f312dd08";
  const hex = "10490b79070cf19175cd7e3b9c1ee66f6e85799980404b119132ea7e58a4a97e" + data;
  const op = shell.decodeOperation(fromHex(hex));
  assert.equal(
    b58(shell.BLOCK_HASH_PREFIX, op.branch),
    "BKqTKfGwK3zHnVXX33X5PPHy1FDTnbkajj3eFtCXGFyfimQhT1H",
  );
  assert.equal(toHex(op.data), data);
  assert.equal(toHex(shell.encodeOperation(op)), hex);
});

Deno.test("tezedge's short messages encode as its tests expect", () => {
  // encoding_current_branch.rs 33-42, encoding_current_head.rs 14-21, encoding_deactivate.rs 8-16,
  // encoding_block_header.rs 40-58, encoding_mempool.rs (the empty mempool).
  const chainId = fromHex("8eceda2f");
  const framed = (m: shell.ShellMessage) =>
    toHex(encodeP2pMessage({ kind: "Message", message: m }, shell.shellCodec));
  assert.equal(framed({ kind: "GetCurrentBranch", chainId }), "0000000600108eceda2f");
  assert.equal(framed({ kind: "GetCurrentHead", chainId }), "0000000600138eceda2f");
  assert.equal(framed({ kind: "Deactivate", chainId }), "0000000600128eceda2f");
  const get = kindOf(
    shellOf("000000260020000000202253698f0c94788689fb95ca35eb1535ec3a8b7c613a97e6683f8007d7959e4b"),
    "GetBlockHeaders",
  );
  assert.deepEqual(
    get.hashes.map((h) => b58(shell.BLOCK_HASH_PREFIX, h)),
    ["BKyQ9EofHrgaZKENioHyP4FZNsTmiSEcVmcghgzCC9cGhE7oCET"],
  );
  assert.equal(
    toHex(shell.encodeMempool({ knownValid: [], pending: [] })),
    "000000000000000400000000",
  );
});

Deno.test("tezedge's Current_head messages decode to their headers and mempools", () => {
  // encoding_current_head.rs 24-57 (known valid) and 60-100 (pending).
  const known = kindOf(shellOf(v.currentHeadKnownValid), "CurrentHead");
  assert.equal(toHex(known.chainId), "8eceda2f");
  assert.equal(known.blockHeader.level, 245_395);
  assert.equal(known.blockHeader.protoLevel, 1);
  assert.equal(
    toHex(known.blockHeader.protocolData),
    "000000000003e35a661200a75ebed94c886ce8c2700cc2fb38e301e7573f481eff49aea6892068cef7c929094756" +
      "7e9df3a2cfc99ed9b0666f9c0291f586f65eb9e42cf4cdbef1ef8424d0",
  );
  assert.deepEqual(known.mempool.knownValid.map(toHex), [
    "c533d1d8a515b35fac67eb9926a6c983397208511ce69808d57177415654bf09",
  ]);
  assert.equal(known.mempool.pending.length, 0);
  const pending = kindOf(shellOf(v.currentHeadPending), "CurrentHead");
  assert.equal(pending.blockHeader.level, 248_533);
  assert.equal(pending.mempool.knownValid.length, 0);
  assert.deepEqual(pending.mempool.pending.map(toHex), [
    "3cebec53e6ff9207dd669c3777cec4e74feadcd5f0131c819d261cdb0d9b5d94",
    "70669010ec4053d96d750daefbcdc1f51ed79f9e29fb16931515eccb84cb6a55",
  ]);
});

Deno.test("tezedge's Current_branch message decodes to its locator of 141 hashes", () => {
  // encoding_current_branch.rs 44-91.
  const m = kindOf(shellOf(v.currentBranch), "CurrentBranch");
  assert.equal(toHex(m.chainId), "8eceda2f");
  const head = m.locator.currentHead;
  assert.equal(head.level, 198_392);
  assert.equal(head.validationPasses, 4);
  assert.equal(
    toHex(head.predecessor),
    "46a6aefde9243ae18b191a8d010b7237d5130b3530ce5d1f60457411b2fa632d",
  );
  assert.equal(
    toHex(head.context),
    "934484026d24be9ad40c98341c20e51092dd62bbf470bb9ff85061fa981ebbd9",
  );
  assert.equal(
    toHex(head.operationsHash),
    "acecbfac449678f1d68b90c7b7a86c9280fd373d872e072f3fb1b395681e7149",
  );
  assert.deepEqual(head.fitness.map(toHex), ["00", "00000000005ba1ca"]);
  assert.equal(head.protocolData.length, 75);
  assert.equal(m.locator.history.length, 141);
});

Deno.test("tezedge's operations-for-blocks messages decode to their keys, paths and operations", () => {
  // encoding_operations_for_blocks.rs 15-33, 36-82 and 85-134.
  const get = kindOf(shellOf(v.getOperationsForBlocks), "GetOperationsForBlocks");
  assert.equal(get.blocks.length, 4);
  assert.equal(
    b58(shell.BLOCK_HASH_PREFIX, get.blocks[0].hash),
    "BMWmj9CTojf7AnA8ZQFWGkh1cXB6FkST8Ey5coaeHX6cVNAZqA6",
  );
  assert.equal(get.blocks[0].validationPass, 1);
  const llo = (h: Uint8Array) => b58(shell.OPERATION_LIST_LIST_HASH_PREFIX, h);

  const right = kindOf(shellOf(v.operationsForBlocksRight), "OperationsForBlocks");
  assert.equal(
    b58(shell.BLOCK_HASH_PREFIX, right.block.hash),
    "BM4Hyf4ay3u2PcUBmumTEPcWW8Z7t45HXGZAjLNnenSC2f8bLte",
  );
  assert.equal(right.path.kind, "Right");
  if (right.path.kind !== "Right" || right.path.path.kind !== "Right") throw new Error("path");
  assert.equal(llo(right.path.left), "LLobFmsoFEGPP3q9ZxpE84rH1vPC1uKqEV8L1x8zUjGwanEYuHBVB");
  assert.equal(llo(right.path.path.left), "LLoaGLRPRx3Zf8kB4ACtgku8F4feeBiskeb41J1ciwfcXB3KzHKXc");
  assert.equal(right.path.path.path.kind, "Op");

  const left = kindOf(shellOf(v.operationsForBlocksLeft), "OperationsForBlocks");
  assert.equal(
    b58(shell.BLOCK_HASH_PREFIX, left.block.hash),
    "BL61qJKRdXg6i628H62DyDqBNotK7f6CZrHGv4k7jEe8a86B7n8",
  );
  assert.equal(left.operations.length, 5);
  if (left.path.kind !== "Left" || left.path.path.kind !== "Left") throw new Error("path");
  assert.equal(llo(left.path.right), "LLoZQD2o1hNgoUhg6ha9dCVyRUY25GX1KN2TttXW2PZsyS8itbfpK");
  assert.equal(llo(left.path.path.right), "LLoaGLRPRx3Zf8kB4ACtgku8F4feeBiskeb41J1ciwfcXB3KzHKXc");
});

// ---- the Carthagenet capture --------------------------------------------------------------------

Deno.test("the Carthagenet capture's shell messages decode as a parse by hand reads them", () => {
  const chunks = vectors("encrypted_chunk").filter((c) => c.name.startsWith("capture: first p2p"));
  assert.equal(chunks.length, 2);
  for (const c of chunks) {
    const wire = fromHex(c.hex!);
    // A chunk is its 2-byte length, then the box (tag and ciphertext).
    assert.equal((wire[0] << 8) | wire[1], wire.length - 2);
    const plain = open(fromHex(c.inputs.channel_key), fromHex(c.inputs.nonce), wire.subarray(2));
    // By hand: 4-byte length, u16 tag, then the body (Get_current_branch: 4 bytes of chain id).
    const view = new DataView(plain.buffer, plain.byteOffset, plain.length);
    assert.equal(view.getUint32(0), plain.length - 4);
    const tag = view.getUint16(4);
    const body = plain.subarray(6);
    const m = decodeP2pMessage(plain, shell.shellCodec);
    assert.equal(m.kind, "Message");
    const message = (m as { message: shell.ShellMessage }).message;
    assert.equal(shell.shellCodec.tags.includes(tag), true);
    assert.equal(tag, 0x10);
    const get = kindOf(message, "GetCurrentBranch");
    assert.deepEqual(get.chainId, body);
    // Carthagenet's chain id.
    assert.equal(b58(shell.CHAIN_ID_PREFIX, get.chainId), "NetXjD3HPJJjmcd");
  }
});

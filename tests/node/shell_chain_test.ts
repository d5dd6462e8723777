// A shell node serving a chain, over real TCP on loopback, against a peer that follows Octez's L1
// rules (tests/support/octez_shell_peer.ts: raw tags and bodies, encoded here with the generated
// codec); and the hashes, Merkle paths and locators it answers with, against Octez's definitions
// and vectors from tezedge.

import assert from "node:assert/strict";
import { generateIdentitySync } from "../../lib/crypto/mod.ts";
import { base58CheckDecode, base58CheckEncode } from "../../lib/crypto/base58.ts";
import { isP2pError } from "../../lib/connection/mod.ts";
import {
  BLOCK_HASH_PREFIX,
  CHAIN_ID_PREFIX,
  decodeShellMessage,
  encodeShellMessage,
  OPERATION_LIST_LIST_HASH_PREFIX,
  type OperationListListPath,
  type ShellMessage,
} from "../../gen/shell.ts";
import {
  blockHash,
  chainIdOfBlockHash,
  computeBlockLocator,
  locatorSteps,
  merklePath,
  merkleRoot,
  operationHash,
  operationsHashOf,
} from "../../lib/node/shell_chain.ts";
import { createShellNode, type ShellNode } from "../../lib/node/shell_node.ts";
import { blake2b } from "@noble/hashes/blake2.js";
import { OctezShellPeer, type ShellPeerMetadata } from "../support/octez_shell_peer.ts";
import { generateTestChain, type TestChain } from "../support/test_chain.ts";
import { sleep, waitFor } from "../support/async.ts";
import { toHex } from "../../lib/encoding/hex.ts";

const llo = (h: Uint8Array) => base58CheckEncode(OPERATION_LIST_LIST_HASH_PREFIX, h);
const H = (...parts: Uint8Array[]) => {
  const h = blake2b.create({ dkLen: 32 });
  for (const p of parts) h.update(p);
  return h.digest();
};

// Octez's `check_path` (src/lib_crypto/blake2B.ml 302-314): the root and the position a path
// leads to from a leaf.
function checkPath(p: OperationListListPath, leaf: Uint8Array): [Uint8Array, number, number] {
  switch (p.kind) {
    case "Op":
      return [H(leaf), 1, 0];
    case "Left": {
      const [l, s, pos] = checkPath(p.path, leaf);
      return [H(l, p.right), s * 2, pos];
    }
    case "Right": {
      const [r, s, pos] = checkPath(p.path, leaf);
      return [H(p.left, r), s * 2, pos + s];
    }
  }
}

// ---- hashes, Merkle tree, locator ------------------------------------------------------------

Deno.test("the empty operation list hashes are Octez's, as tezedge records them", () => {
  // tezedge tezos/api/src/environment.rs: `OPERATION_LIST_LIST_HASH_EMPTY`, "alternative to
  // ocaml Operation_list_list_hash.empty".
  assert.equal(llo(merkleRoot([])), "LLoZS2LW3rEi7KYU4ouBQtorua37aWWCtpDmv1n2x3xoKi6sVXLWp");
  // The sibling both of tezedge's Operations_for_blocks vectors carry for an empty pass
  // (tests/encoding/shell_test.ts): the leaf of an empty list, H(H("")).
  assert.equal(
    llo(merkleRoot([merkleRoot([])])),
    "LLoaGLRPRx3Zf8kB4ACtgku8F4feeBiskeb41J1ciwfcXB3KzHKXc",
  );
});

Deno.test("chain ids of Octez's genesis blocks: mainnet and Carthagenet", () => {
  // Genesis blocks from tezedge tezos/api/src/environment.rs; chain ids NetXdQprcVkpaWU (mainnet)
  // and NetXjD3HPJJjmcd (the Carthagenet capture's Get_current_branch).
  const id = (genesis: string) =>
    base58CheckEncode(
      CHAIN_ID_PREFIX,
      chainIdOfBlockHash(base58CheckDecode(genesis, BLOCK_HASH_PREFIX, 32)),
    );
  assert.equal(id("BLockGenesisGenesisGenesisGenesisGenesisf79b5d1CoW2"), "NetXdQprcVkpaWU");
  assert.equal(id("BLockGenesisGenesisGenesisGenesisGenesisd6f5afWyME7"), "NetXjD3HPJJjmcd");
});

Deno.test("every Merkle path leads from its leaf to the root, at its position (1 to 17 leaves)", () => {
  for (let n = 1; n <= 17; n++) {
    const leaves = Array.from({ length: n }, (_, i) => H(Uint8Array.of(n, i)));
    const root = merkleRoot(leaves);
    for (let i = 0; i < n; i++) {
      const [top, , position] = checkPath(merklePath(leaves, i), leaves[i]);
      assert.equal(toHex(top), toHex(root), `n=${n} i=${i}`);
      assert.equal(position, i, `n=${n} i=${i}`);
    }
    assert.throws(() => merklePath(leaves, n), RangeError);
  }
  // Two leaves: node(leaf a, leaf b).
  const [a, b] = [H(Uint8Array.of(1)), H(Uint8Array.of(2))];
  assert.equal(toHex(merkleRoot([a, b])), toHex(H(H(a), H(b))));
});

Deno.test("locator steps: ten of 1, then ten per doubling range, the same for the same seed", () => {
  const seed = { senderId: new Uint8Array(16).fill(1), receiverId: new Uint8Array(16).fill(2) };
  const head = new Uint8Array(32).fill(3);
  const take = (g: Generator<number>, n: number) => Array.from({ length: n }, () => g.next().value);
  const steps = take(locatorSteps(seed, head), 60);
  assert.deepEqual(steps.slice(0, 10), Array(10).fill(1));
  for (let group = 1; group < 6; group++) {
    const step = 2 ** group;
    // step - (int32 rem (step/2 + 1)): within step ± step/2.
    for (const s of steps.slice(10 * group, 10 * group + 10)) {
      assert.ok(s >= step - step / 2 && s <= step + step / 2, `group ${group}: ${s}`);
    }
  }
  assert.deepEqual(take(locatorSteps(seed, head), 60), steps);
  const swapped = { senderId: seed.receiverId, receiverId: seed.senderId };
  assert.notDeepEqual(take(locatorSteps(swapped, head), 60), steps);
});

Deno.test("a generated chain is consistent: predecessors, operations hashes, chain id", () => {
  const chain = generateTestChain(30);
  for (let level = 1; level <= 30; level++) {
    const header = chain.headers[level];
    assert.equal(header.level, level);
    assert.deepEqual(header.predecessor, blockHash(chain.headers[level - 1]));
    assert.deepEqual(chain.hashes[level], blockHash(header));
    assert.deepEqual(
      header.operationsHash,
      operationsHashOf(chain.operations[level].map((ops) => ops.map(operationHash))),
    );
    assert.ok(header.timestamp > chain.headers[level - 1].timestamp);
  }
  assert.deepEqual(chain.chainId, chainIdOfBlockHash(chain.hashes[0]));
});

Deno.test("a locator goes back by Octez's steps from the head and ends at genesis", async () => {
  const chain = generateTestChain(400);
  const seed = { senderId: new Uint8Array(16).fill(7), receiverId: new Uint8Array(16).fill(9) };
  const locator = await computeBlockLocator(chain.serve(), chain.headers[400], seed);
  const levelOf = new Map(chain.hashes.map((h, level) => [toHex(h), level]));
  const levels = locator.history.map((h) => levelOf.get(toHex(h))!);
  const steps = locatorSteps(seed, chain.hashes[400]);
  let expected = 400;
  for (const level of levels.slice(0, -1)) {
    expected -= steps.next().value as number;
    assert.equal(level, expected);
  }
  assert.equal(levels.at(-1), 0);
  assert.deepEqual(levels.slice(0, 10), [399, 398, 397, 396, 395, 394, 393, 392, 391, 390]);
  // A short chain: every level down to genesis, then nothing more.
  const short = await computeBlockLocator(chain.serve(5), chain.headers[5], seed);
  assert.deepEqual(short.history.map((h) => levelOf.get(toHex(h))), [4, 3, 2, 1, 0]);
});

// ---- a shell node answering ---------------------------------------------------------------------

const POW = { expectedPow: 0 };

/** The shell messages a peer received, decoded. */
function received(peer: OctezShellPeer): ShellMessage[] {
  return peer.received.map(({ tag, body }) => {
    const bytes = new Uint8Array(2 + body.length);
    new DataView(bytes.buffer).setUint16(0, tag);
    bytes.set(body, 2);
    return decodeShellMessage(bytes);
  });
}

function ofKind<K extends ShellMessage["kind"]>(
  peer: OctezShellPeer,
  kind: K,
): Extract<ShellMessage, { kind: K }>[] {
  return received(peer).filter((m) => m.kind === kind) as Extract<ShellMessage, { kind: K }>[];
}

async function send(peer: OctezShellPeer, m: ShellMessage): Promise<void> {
  const bytes = encodeShellMessage(m);
  await peer.send((bytes[0] << 8) | bytes[1], bytes.subarray(2));
}

async function withServingNode(
  chain: TestChain,
  body: (node: ShellNode, peer: OctezShellPeer) => Promise<void>,
  options: { headLevel?: number; peerMetadata?: ShellPeerMetadata } = {},
): Promise<void> {
  const mempool = { knownValid: [new Uint8Array(32).fill(0xaa)], pending: [] };
  const node = await createShellNode({
    identity: generateIdentitySync(0),
    ...POW,
    chain: chain.serve(options.headLevel, mempool),
  });
  const peer = await OctezShellPeer.dial(node.listeningPoint!, {
    identity: generateIdentitySync(0),
    metadata: options.peerMetadata,
  });
  try {
    await body(node, peer);
  } finally {
    await peer.close();
    await node.close();
  }
}

Deno.test("a serving shell node greets with Get_current_branch and answers branch, then head", async () => {
  const chain = generateTestChain(40);
  await withServingNode(chain, async (node, peer) => {
    // Octez's reader sends Get_current_branch of its chain on a new connection.
    await waitFor("the greeting", () => ofKind(peer, "GetCurrentBranch").length === 1);
    assert.deepEqual(ofKind(peer, "GetCurrentBranch")[0].chainId, chain.chainId);

    // Before the peer activated the chain, Get_current_head is ignored, as Octez's may_handle.
    await send(peer, { kind: "GetCurrentHead", chainId: chain.chainId });
    // Another chain id is ignored too.
    await send(peer, { kind: "GetCurrentBranch", chainId: Uint8Array.of(1, 2, 3, 4) });
    await send(peer, { kind: "GetCurrentBranch", chainId: chain.chainId });
    await send(peer, { kind: "GetCurrentHead", chainId: chain.chainId });
    await waitFor("branch and head", () => ofKind(peer, "CurrentHead").length >= 1);
    await sleep(100);
    const branches = ofKind(peer, "CurrentBranch");
    const heads = ofKind(peer, "CurrentHead");
    assert.equal(branches.length, 1);
    assert.equal(heads.length, 1);
    assert.deepEqual(branches[0].chainId, chain.chainId);
    assert.deepEqual(branches[0].locator.currentHead, chain.headers[40]);
    const levelOf = new Map(chain.hashes.map((h, level) => [toHex(h), level]));
    const levels = branches[0].locator.history.map((h) => levelOf.get(toHex(h)));
    assert.deepEqual(levels.slice(0, 10), [39, 38, 37, 36, 35, 34, 33, 32, 31, 30]);
    assert.equal(levels.at(-1), 0);
    assert.deepEqual(heads[0].blockHeader, chain.headers[40]);
    assert.equal(heads[0].mempool.knownValid.length, 1);
    // The node delivered every request to its application as well.
    assert.ok(node.stats().received >= 4);
    assert.ok(node.stats().answered >= 2);
  });
});

Deno.test("a peer that announced disable_mempool gets the head with an empty mempool", async () => {
  const chain = generateTestChain(3);
  await withServingNode(chain, async (_node, peer) => {
    await send(peer, { kind: "GetCurrentBranch", chainId: chain.chainId });
    await send(peer, { kind: "GetCurrentHead", chainId: chain.chainId });
    await waitFor("the head", () => ofKind(peer, "CurrentHead").length === 1);
    assert.deepEqual(ofKind(peer, "CurrentHead")[0].mempool, { knownValid: [], pending: [] });
  }, { peerMetadata: { disableMempool: true, privateNode: false } });
});

Deno.test("a serving shell node answers headers, operations and operation lists it knows", async () => {
  const chain = generateTestChain(20);
  await withServingNode(chain, async (_node, peer) => {
    const unknown = new Uint8Array(32).fill(0x55);
    await send(peer, {
      kind: "GetBlockHeaders",
      hashes: [chain.hashes[3], unknown, chain.hashes[7], chain.hashes[20]],
    });
    const op = chain.operations[5][3][1];
    await send(peer, { kind: "GetOperations", hashes: [operationHash(op), unknown] });
    await send(peer, {
      kind: "GetOperationsForBlocks",
      blocks: [
        { hash: chain.hashes[9], validationPass: 3 },
        { hash: chain.hashes[9], validationPass: 0 },
        { hash: chain.hashes[9], validationPass: 4 }, // outside validation_passes: no answer
        { hash: unknown, validationPass: 0 },
      ],
    });
    await waitFor(
      "the answers",
      () =>
        ofKind(peer, "BlockHeader").length === 3 && ofKind(peer, "Operation").length === 1 &&
        ofKind(peer, "OperationsForBlocks").length === 2,
    );
    await sleep(100);
    assert.deepEqual(
      ofKind(peer, "BlockHeader").map((m) => m.header.level).sort((a, b) => a - b),
      [3, 7, 20],
    );
    assert.deepEqual(ofKind(peer, "Operation")[0].operation, op);
    const lists = ofKind(peer, "OperationsForBlocks");
    assert.equal(lists.length, 2);
    for (const m of lists) {
      const pass = m.block.validationPass;
      assert.deepEqual(m.operations, chain.operations[9][pass]);
      // The path leads from the list's hash to the header's operations hash, at the pass.
      const listHash = merkleRoot(m.operations.map(operationHash));
      const [root, , position] = checkPath(m.path, listHash);
      assert.equal(toHex(root), toHex(chain.headers[9].operationsHash));
      assert.equal(position, pass);
    }
  });
});

Deno.test("a shell node closes and greylists a peer sending an unknown tag or an over-limit list", async () => {
  const chain = generateTestChain(2);
  const cases: [string, (peer: OctezShellPeer) => Promise<void>][] = [
    // 0x15: no case of distributed_db_message.ml; Octez fails with Unexpected_tag.
    ["unknown tag", (peer) => peer.send(0x15, chain.chainId)],
    // Get_block_headers with 11 hashes: over `list ~max_length:10`.
    ["11 hashes", (peer) => {
      const body = new Uint8Array(4 + 11 * 32);
      new DataView(body.buffer).setUint32(0, 11 * 32);
      return peer.send(0x20, body);
    }],
  ];
  for (const [what, misbehave] of cases) {
    await withServingNode(chain, async (node, peer) => {
      await waitFor(`${what}: connected`, () => node.peers().length === 1);
      const id = node.peers()[0].id;
      await misbehave(peer);
      await waitFor(`${what}: disconnected`, () => node.peers().length === 0);
      const ban = node.snapshot().bans.find((b) => b.peerId === id);
      assert.equal(ban?.reason, "greylisted", what);
      assert.equal(node.stats().received, 0, what);
    });
  }
});

Deno.test("send() refuses a message over Octez's bounds with encoding_error", async () => {
  const chain = generateTestChain(2);
  await withServingNode(chain, async (node) => {
    await waitFor("connected", () => node.peers().length === 1);
    const hashes = Array.from({ length: 11 }, () => new Uint8Array(32));
    assert.throws(
      () => node.send(node.peers()[0].peerId, { kind: "GetBlockHeaders", hashes }),
      (e) => isP2pError(e, "encoding_error"),
    );
    assert.equal(
      node.send(node.peers()[0].peerId, { kind: "GetBlockHeaders", hashes: hashes.slice(1) }),
      true,
    );
  });
});

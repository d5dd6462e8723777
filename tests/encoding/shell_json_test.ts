// shellMessageToJson(): Octez's JSON field names for every case, base58check hashes, hex bytes and
// RFC 3339 timestamps, on tezedge's vectors and on generated messages.

import assert from "node:assert/strict";
import fc from "fast-check";
import * as arb from "./shell_arbitraries.ts";
import * as v from "./shell_vectors.ts";
import * as shell from "../../gen/shell.ts";
import { decodeP2pMessage } from "../../gen/p2p_message.ts";
import { fromHex } from "../../lib/encoding/mod.ts";
import {
  blockHeaderToJson,
  shellMessageToJson,
  timestampToJson,
} from "../../lib/encoding/shell_json.ts";

function shellOf(hex: string): shell.ShellMessage {
  const m = decodeP2pMessage(fromHex(hex), shell.shellCodec);
  if (m.kind !== "Message") throw new Error(`not an application message: ${m.kind}`);
  return m.message;
}

function hasNumberArray(json: unknown): boolean {
  if (Array.isArray(json)) {
    return json.some((x) => typeof x === "number" || hasNumberArray(x));
  }
  if (json !== null && typeof json === "object") return Object.values(json).some(hasNumberArray);
  return false;
}

// The keys of each case's object in distributed_db_message.ml 217-396.
const KEYS: Record<shell.ShellMessage["kind"], string[]> = {
  GetCurrentBranch: ["get_current_branch"],
  CurrentBranch: ["chain_id", "current_branch"],
  Deactivate: ["deactivate"],
  GetCurrentHead: ["get_current_head"],
  CurrentHead: ["chain_id", "current_block_header", "current_mempool"],
  GetBlockHeaders: ["get_block_headers"],
  BlockHeader: ["block_header"],
  GetOperations: ["get_operations"],
  Operation: ["operation"],
  GetProtocols: ["get_protocols"],
  Protocol: ["protocol"],
  GetOperationsForBlocks: ["get_operations_for_blocks"],
  OperationsForBlocks: ["operations_for_block", "operation_hashes_path", "operations"],
  GetCheckpoint: ["get_checkpoint"],
  Checkpoint: ["checkpoint"],
  GetProtocolBranch: ["get_protocol_branch"],
  ProtocolBranch: ["protocol_branch"],
  GetPredecessorHeader: ["get_predecessor_header"],
  PredecessorHeader: ["predecessor_header"],
};

Deno.test("every case renders as an object with Octez's keys, and hashes in base58check", () => {
  fc.assert(
    fc.property(arb.shellMessage, (m) => {
      const json = shellMessageToJson(m) as Record<string, unknown>;
      assert.deepEqual(Object.keys(json), KEYS[m.kind]);
      // No bytes field renders as an array of numbers (bytes are hex, hashes base58check).
      assert.equal(hasNumberArray(json), false);
    }),
    { numRuns: 300, seed: 0x150 },
  );
});

Deno.test("tezedge's Get_block_headers renders as {get_block_headers: [B…]}", () => {
  const m = shellOf(
    "000000260020000000202253698f0c94788689fb95ca35eb1535ec3a8b7c613a97e6683f8007d7959e4b",
  );
  assert.deepEqual(shellMessageToJson(m), {
    get_block_headers: ["BKyQ9EofHrgaZKENioHyP4FZNsTmiSEcVmcghgzCC9cGhE7oCET"],
  });
});

Deno.test("tezedge's block header renders with Octez's names, base58check, hex and RFC 3339", () => {
  // tezedge tezos/messages/tests/encoding_block_header.rs 12-35.
  const h = shell.decodeBlockHeader(fromHex(
    "00006d6e0102dd00defaf70c53e180ea148b349a6feb4795610b2abc7b07fe91ce50a90814000000005c1276" +
      "780432bc1d3a28df9a67b363aa1638f807214bb8987e5f9c0abcbd69531facffd1c80000001100000001000000" +
      "000800000000000c15ef15a6f54021cb353780e2847fb9c546f1d72c1dc17c3db510f45553ce501ce1de000000" +
      "000003c762c7df00a856b8bfcaf0676f069f825ca75f37f2bee9fe55ba109cec3d1d041d8c03519626c0c0faa5" +
      "57e778cb09d2e0c729e8556ed6a7a518c84982d1f2682bc6aa753f",
  ));
  assert.deepEqual(blockHeaderToJson(h), {
    level: 28014,
    proto: 1,
    predecessor: "BKjYUUtYXtXjEuL49jB8ZbFwVdg4hU6U7oKKSC5vp6stYsfFDVN",
    timestamp: "2018-12-13T15:10:48Z",
    validation_pass: 4,
    operations_hash: "LLoZi3xywrX9swZQgC82m7vj5hmuz6LGAatNq2Muh34oNn71JruZs",
    fitness: ["00", "00000000000c15ef"],
    context: "CoUoqw1cVKUUNWyAviph5cdsjDpgeNhH2DGkMtgy7N6kfwnbewvS",
    protocol_data:
      "000000000003c762c7df00a856b8bfcaf0676f069f825ca75f37f2bee9fe55ba109cec3d1d041d8c" +
      "03519626c0c0faa557e778cb09d2e0c729e8556ed6a7a518c84982d1f2682bc6aa753f",
  });
});

Deno.test("a Merkle path renders as nested objects, Op as the empty object", () => {
  // tezedge tezos/messages/tests/encoding_operations_for_blocks.rs 36-82.
  const json = shellMessageToJson(shellOf(v.operationsForBlocksRight)) as Record<string, unknown>;
  assert.deepEqual(json.operation_hashes_path, {
    left: "LLobFmsoFEGPP3q9ZxpE84rH1vPC1uKqEV8L1x8zUjGwanEYuHBVB",
    path: { left: "LLoaGLRPRx3Zf8kB4ACtgku8F4feeBiskeb41J1ciwfcXB3KzHKXc", path: {} },
  });
  assert.deepEqual(json.operations_for_block, {
    hash: "BM4Hyf4ay3u2PcUBmumTEPcWW8Z7t45HXGZAjLNnenSC2f8bLte",
    validation_pass: 3,
  });
  assert.deepEqual(json.operations, []);
});

Deno.test("nested cases keep Octez's inner objects, and a protocol omits an absent interface", () => {
  const H = new Uint8Array(32);
  const chainId = new Uint8Array([0x9c, 0xae, 0xca, 0xb9]);
  assert.deepEqual(shellMessageToJson({ kind: "GetProtocolBranch", chainId, protoLevel: 7 }), {
    get_protocol_branch: { chain: "NetXjD3HPJJjmcd", proto_level: 7 },
  });
  assert.deepEqual(shellMessageToJson({ kind: "GetPredecessorHeader", block: H, offset: -3 }), {
    get_predecessor_header: {
      block: "BKiHLREqU3JkXfzEDYAkmmfX48gBDtYhMrpA98s7Aq4SzbUAB6M",
      offset: -3,
    },
  });
  const protocol = {
    expectedEnvVersion: 3,
    components: [{ name: "Main", interface: undefined, implementation: "let x = 1" }],
  };
  assert.deepEqual(shellMessageToJson({ kind: "Protocol", protocol }), {
    protocol: {
      expected_env_version: 3,
      components: [{ name: "Main", implementation: "let x = 1" }],
    },
  });
});

Deno.test("timestamps outside RFC 3339's years are decimal strings, as Octez renders them", () => {
  assert.equal(timestampToJson(0n), "1970-01-01T00:00:00Z");
  assert.equal(timestampToJson(-62167219200n), "0000-01-01T00:00:00Z");
  assert.equal(timestampToJson(253402300799n), "9999-12-31T23:59:59Z");
  assert.equal(timestampToJson(253402300800n), "253402300800");
  assert.equal(timestampToJson(-62167219201n), "-62167219201");
});

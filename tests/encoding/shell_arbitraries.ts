/**
 * fast-check generators of valid values for every type of `gen/shell.ts`, within Octez's bounds
 * (sizes are kept small so that a run stays fast; the bounds themselves are tested one by one).
 *
 * @module
 */

import fc from "fast-check";
import type {
  BlockHeader,
  BlockLocator,
  Mempool,
  Operation,
  OperationListListPath,
  OperationsForBlock,
  Protocol,
  ProtocolComponent,
  ShellHeader,
  ShellMessage,
} from "../../gen/shell.ts";

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u8 = fc.integer({ min: 0, max: 0xff });

export const chainId: fc.Arbitrary<Uint8Array> = bytes(4);
export const hash: fc.Arbitrary<Uint8Array> = bytes(32);
export const fitness: fc.Arbitrary<Uint8Array[]> = fc.array(fc.uint8Array({ maxLength: 12 }), {
  maxLength: 4,
});

export const shellHeader: fc.Arbitrary<ShellHeader> = fc.record({
  level: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  protoLevel: u8,
  predecessor: hash,
  timestamp: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  validationPasses: u8,
  operationsHash: hash,
  fitness,
  context: hash,
});

export const blockHeader: fc.Arbitrary<BlockHeader> = fc.tuple(
  shellHeader,
  fc.uint8Array({ maxLength: 100 }),
).map(([shell, protocolData]) => ({ ...shell, protocolData }));

export const blockLocator: fc.Arbitrary<BlockLocator> = fc.record({
  currentHead: blockHeader,
  history: fc.array(hash, { maxLength: 12 }),
});

export const operation: fc.Arbitrary<Operation> = fc.record({
  branch: hash,
  data: fc.uint8Array({ maxLength: 100 }),
});

/** Paths of at most `depth` levels (3 fit the shell's 100-byte bound). */
export function path(depth: number): fc.Arbitrary<OperationListListPath> {
  const op = fc.constant({ kind: "Op" as const });
  if (depth === 0) return op;
  const inner = path(depth - 1);
  return fc.oneof(
    op,
    fc.record({ kind: fc.constant("Left" as const), path: inner, right: hash }),
    fc.record({ kind: fc.constant("Right" as const), left: hash, path: inner }),
  );
}

export const operationsForBlock: fc.Arbitrary<OperationsForBlock> = fc.record({
  hash,
  validationPass: fc.integer({ min: -128, max: 127 }),
});

export const mempool: fc.Arbitrary<Mempool> = fc.record({
  knownValid: fc.array(hash, { maxLength: 8 }),
  pending: fc.array(hash, { maxLength: 8 }),
});

export const protocolComponent: fc.Arbitrary<ProtocolComponent> = fc.record({
  name: fc.string({ maxLength: 20 }),
  interface: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
  implementation: fc.string({ maxLength: 60 }),
});

export const protocol: fc.Arbitrary<Protocol> = fc.record({
  expectedEnvVersion: fc.integer({ min: 0, max: 0xffff }),
  components: fc.array(protocolComponent, { maxLength: 4 }),
});

const hashes = fc.array(hash, { maxLength: 10 });

/** Every case of the shell's messages. */
export const shellMessage: fc.Arbitrary<ShellMessage> = fc.oneof(
  fc.record({ kind: fc.constant("GetCurrentBranch" as const), chainId }),
  fc.record({ kind: fc.constant("CurrentBranch" as const), chainId, locator: blockLocator }),
  fc.record({ kind: fc.constant("Deactivate" as const), chainId }),
  fc.record({ kind: fc.constant("GetCurrentHead" as const), chainId }),
  fc.record({
    kind: fc.constant("CurrentHead" as const),
    chainId,
    blockHeader,
    mempool,
  }),
  fc.record({ kind: fc.constant("GetBlockHeaders" as const), hashes }),
  fc.record({ kind: fc.constant("BlockHeader" as const), header: blockHeader }),
  fc.record({ kind: fc.constant("GetOperations" as const), hashes }),
  fc.record({ kind: fc.constant("Operation" as const), operation }),
  fc.record({ kind: fc.constant("GetProtocols" as const), hashes }),
  fc.record({ kind: fc.constant("Protocol" as const), protocol }),
  fc.record({
    kind: fc.constant("GetOperationsForBlocks" as const),
    blocks: fc.array(operationsForBlock, { maxLength: 10 }),
  }),
  fc.record({
    kind: fc.constant("OperationsForBlocks" as const),
    block: operationsForBlock,
    path: path(3),
    operations: fc.array(operation, { maxLength: 5 }),
  }),
  fc.record({ kind: fc.constant("GetCheckpoint" as const), chainId }),
  fc.record({ kind: fc.constant("Checkpoint" as const), chainId, header: blockHeader }),
  fc.record({ kind: fc.constant("GetProtocolBranch" as const), chainId, protoLevel: u8 }),
  fc.record({
    kind: fc.constant("ProtocolBranch" as const),
    chainId,
    protoLevel: u8,
    locator: blockLocator,
  }),
  fc.record({
    kind: fc.constant("GetPredecessorHeader" as const),
    block: hash,
    offset: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  }),
  fc.record({
    kind: fc.constant("PredecessorHeader" as const),
    block: hash,
    offset: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    header: blockHeader,
  }),
);

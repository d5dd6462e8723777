// A generated chain for shell tests: levels 0..n, each header's predecessor the BLAKE2b-256 of the
// previous encoded header (Octez `Block_header.hash`, src/lib_base/block_header.ml 161), the
// chain id from the genesis hash (src/lib_crypto/chain_id.ml 144), timestamps `interval` seconds
// apart, a Tenderbake-shaped fitness, `validationPasses` passes with operations in the last one
// and the header's `operations_hash` their Merkle root (src/lib_store/unix/store.ml 962-964).

import type {
  BlockHash,
  BlockHeader,
  ChainId,
  Mempool,
  Operation,
  OperationHash,
} from "../../gen/shell.ts";
import {
  blockHash,
  chainIdOfBlockHash,
  EMPTY_MEMPOOL,
  operationHash,
  operationsHashOf,
  type ShellChain,
} from "../../lib/node/shell_chain.ts";
import { toHex } from "../../lib/encoding/hex.ts";

/** Options of {@link generateTestChain}. */
export interface TestChainOptions {
  /** Timestamp of genesis, seconds (default 1 700 000 000). */
  readonly genesisTimestamp?: bigint;
  /** Seconds between blocks (default 8). */
  readonly interval?: bigint;
  /** Validation passes of every block but genesis (default 4, as Tenderbake protocols). */
  readonly validationPasses?: number;
  /** Operations in the last pass of each block (default 2). */
  readonly operationsPerBlock?: number;
  /** Protocol level of the blocks after genesis (default 1). */
  readonly protoLevel?: number;
  /** A byte mixed into every header and operation: two chains with different salts differ. */
  readonly salt?: number;
}

/** A generated chain. */
export interface TestChain {
  /** The chain id. */
  readonly chainId: ChainId;
  /** Headers by level (0..n). */
  readonly headers: readonly BlockHeader[];
  /** Block hashes by level. */
  readonly hashes: readonly BlockHash[];
  /** Operations of each block by level, per pass. */
  readonly operations: readonly (readonly (readonly Operation[])[])[];
  /**
   * A {@link ShellChain} serving the blocks up to `headLevel` (default: all) with `mempool`.
   */
  serve(headLevel?: number, mempool?: Mempool): ShellChain;
}

/** Tenderbake's fitness: version 02, level, locked round (none), predecessor round, round. */
function fitness(level: number): Uint8Array[] {
  const be = new Uint8Array(4);
  new DataView(be.buffer).setInt32(0, level);
  return [
    Uint8Array.of(0x02),
    be,
    new Uint8Array(0),
    Uint8Array.of(0xff, 0xff, 0xff, 0xff),
    new Uint8Array(4),
  ];
}

/**
 * A consistent chain of `n + 1` blocks (levels 0..n).
 *
 * @param n The head's level.
 * @param options Timestamps, passes, operations, salt.
 * @returns The chain.
 */
export function generateTestChain(n: number, options: TestChainOptions = {}): TestChain {
  const salt = options.salt ?? 0;
  const passes = options.validationPasses ?? 4;
  const perBlock = options.operationsPerBlock ?? 2;
  const t0 = options.genesisTimestamp ?? 1_700_000_000n;
  const interval = options.interval ?? 8n;
  const headers: BlockHeader[] = [];
  const hashes: BlockHash[] = [];
  const operations: Operation[][][] = [];
  let predecessor: BlockHash = new Uint8Array(32);
  for (let level = 0; level <= n; level++) {
    const lists: Operation[][] = Array.from({ length: level === 0 ? 0 : passes }, () => []);
    if (level > 0 && passes > 0) {
      for (let i = 0; i < perBlock; i++) {
        lists[passes - 1].push({ branch: predecessor, data: Uint8Array.of(salt, level & 0xff, i) });
      }
    }
    const header: BlockHeader = {
      level,
      protoLevel: level === 0 ? 0 : options.protoLevel ?? 1,
      predecessor,
      timestamp: t0 + BigInt(level) * interval,
      validationPasses: lists.length,
      operationsHash: operationsHashOf(lists.map((ops) => ops.map(operationHash))),
      fitness: level === 0 ? [] : fitness(level),
      context: new Uint8Array(32).fill(level & 0xff),
      protocolData: Uint8Array.of(salt, 0xbe, 0xef),
    };
    headers.push(header);
    operations.push(lists);
    predecessor = blockHash(header);
    hashes.push(predecessor);
  }
  const chainId = chainIdOfBlockHash(hashes[0]);
  return {
    chainId,
    headers,
    hashes,
    operations,
    serve(headLevel = n, mempool = EMPTY_MEMPOOL): ShellChain {
      const byHash = new Map<string, number>();
      for (let level = 0; level <= headLevel; level++) byHash.set(toHex(hashes[level]), level);
      const opsByHash = new Map<string, Operation>();
      for (let level = 0; level <= headLevel; level++) {
        for (const op of operations[level].flat()) opsByHash.set(toHex(operationHash(op)), op);
      }
      return {
        currentHead: () => ({ chainId, header: headers[headLevel], mempool }),
        blockHeader: (hash) => {
          const level = byHash.get(toHex(hash));
          return level === undefined ? undefined : headers[level];
        },
        operations: (hash, pass) => {
          const level = byHash.get(toHex(hash));
          return level === undefined ? undefined : operations[level][pass];
        },
        operation: (hash: OperationHash) => opsByHash.get(toHex(hash)),
      };
    },
  };
}

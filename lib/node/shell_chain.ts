/**
 * What an L1 peer answers about its chain: the {@link ShellChain} callbacks an application
 * implements for a small chain it holds, and {@link ShellResponder}, which turns the requests of
 * the shell's distributed DB into answers as Octez's `P2p_reader.handle_msg` does
 * (src/lib_shell/p2p_reader.ml 353-693 at tezos-mirror d26a8bef82). Also the hashes the answers
 * need: block and operation hashes, chain ids, the operations Merkle tree and its paths, and
 * Octez's sparse block locator.
 *
 * ```ts
 * import { blockHash, chainIdOfBlockHash } from "./shell_chain.ts";
 * import { base58CheckEncode } from "../crypto/base58.ts";
 * import { CHAIN_ID_PREFIX } from "../../gen/shell.ts";
 *
 * const genesis = {
 *   level: 0,
 *   protoLevel: 0,
 *   predecessor: new Uint8Array(32),
 *   timestamp: 1_700_000_000n,
 *   validationPasses: 0,
 *   operationsHash: new Uint8Array(32),
 *   fitness: [],
 *   context: new Uint8Array(32),
 *   protocolData: new Uint8Array(0),
 * };
 * const chainId = chainIdOfBlockHash(blockHash(genesis));
 * console.log(base58CheckEncode(CHAIN_ID_PREFIX, chainId).startsWith("Net")); // true
 * ```
 *
 * @module
 */

import { blake2b } from "@noble/hashes/blake2.js";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  type BlockHash,
  type BlockHeader,
  type BlockLocator,
  type ChainId,
  encodeBlockHeader,
  encodeOperation,
  type Mempool,
  type Operation,
  type OperationHash,
  type OperationListListPath,
  type Protocol,
  type ProtocolHash,
  type ShellMessage,
} from "../../gen/shell.ts";

/** A value or a promise of it: callbacks may read a database. */
export type MaybePromise<T> = T | Promise<T>;

/** The head of the chain a node serves. */
export interface ShellChainHead {
  /** The chain id (4 bytes: the first 4 bytes of BLAKE2b-256 of the genesis block hash). */
  readonly chainId: ChainId;
  /** The head's header. */
  readonly header: BlockHeader;
  /** The mempool announced with the head (default: empty). */
  readonly mempool?: Mempool;
}

/**
 * The chain an L1 peer serves, implemented by the application: every callback may return a
 * promise, and one that throws or rejects only leaves that request unanswered.
 */
export interface ShellChain {
  /** The chain id, head header and mempool (`Get_current_head`, `Get_current_branch`). */
  currentHead(): MaybePromise<ShellChainHead>;
  /** The header of a block, or `undefined` when unknown (`Get_block_headers`, locators). */
  blockHeader(hash: BlockHash): MaybePromise<BlockHeader | undefined>;
  /**
   * The operations of one validation pass of a block, or `undefined` when unknown
   * (`Get_operations_for_blocks`; the Merkle path needs every pass of the block).
   */
  operations(blockHash: BlockHash, pass: number): MaybePromise<readonly Operation[] | undefined>;
  /** An operation by hash (`Get_operations`); without it, none is answered. */
  operation?(hash: OperationHash): MaybePromise<Operation | undefined>;
  /** A protocol's source by hash (`Get_protocols`); without it, none is answered. */
  protocol?(hash: ProtocolHash): MaybePromise<Protocol | undefined>;
}

/** The empty mempool (`Mempool.empty`, src/lib_base/mempool.ml 61-65). */
export const EMPTY_MEMPOOL: Mempool = { knownValid: [], pending: [] };

const hash32 = (...parts: Uint8Array[]): Uint8Array => {
  const h = blake2b.create({ dkLen: 32 });
  for (const p of parts) h.update(p);
  return h.digest();
};

/**
 * A block's hash: BLAKE2b-256 of its encoded header (`Block_header.hash`,
 * src/lib_base/block_header.ml 147, 161).
 *
 * @param header The header.
 * @returns The 32-byte hash.
 */
export function blockHash(header: BlockHeader): BlockHash {
  return hash32(encodeBlockHeader(header));
}

/**
 * An operation's hash: BLAKE2b-256 of the encoded operation (`Operation.hash`,
 * src/lib_base/operation.ml 103, 109).
 *
 * @param operation The operation.
 * @returns The 32-byte hash.
 */
export function operationHash(operation: Operation): OperationHash {
  return hash32(encodeOperation(operation));
}

/**
 * The chain id of a genesis block: the first 4 bytes of BLAKE2b-256 of its hash
 * (`Chain_id.of_block_hash`, src/lib_crypto/chain_id.ml 34-36, 144).
 *
 * @param genesis The genesis block hash.
 * @returns The 4-byte chain id.
 */
export function chainIdOfBlockHash(genesis: BlockHash): ChainId {
  return hash32(genesis).slice(0, 4);
}

// ---- the operations Merkle tree ------------------------------------------------------------------
// `Blake2B.Generic_Merkle_tree` (src/lib_crypto/blake2B.ml 250-314) with the hashes of
// `Make_merkle_tree` (340-354): empty = H(""), leaf x = H(x), node l r = H(l ‖ r). An odd level
// is padded with its last element; the array has n + 1 slots for that.

const EMPTY_ROOT = hash32();

/**
 * The Merkle root of a list of 32-byte hashes (`compute`, blake2B.ml 264-273): the
 * `Operation_list_hash` of a pass's operation hashes, or the `Operation_list_list_hash` of the
 * passes' list hashes.
 *
 * @param leaves The hashes.
 * @returns The root.
 */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return hash32(leaves[0]);
  const a = Array.from(
    { length: leaves.length + 1 },
    (_, i) => hash32(leaves[i] ?? leaves.at(-1)!),
  );
  let n = leaves.length;
  for (;;) {
    const m = (n + 1) >> 1;
    for (let i = 0; i < m; i++) a[i] = hash32(a[2 * i], a[2 * i + 1]);
    a[m] = hash32(a[n], a[n]);
    if (m === 1) return a[0];
    if (m % 2 === 0) n = m;
    else {
      a[m + 1] = a[m];
      n = m + 1;
    }
  }
}

/**
 * The Merkle path from the root down to leaf `index` (`compute_path`, blake2B.ml 277-300): the
 * outermost constructor is the top level; `Left` means the leaf is in the left subtree.
 *
 * @param leaves The hashes.
 * @param index The leaf.
 * @returns The path.
 * @throws {RangeError} When `index` is outside the list (Octez `invalid_arg`).
 */
export function merklePath(leaves: readonly Uint8Array[], index: number): OperationListListPath {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(`merklePath: index ${index} outside 0..${leaves.length - 1}`);
  }
  if (leaves.length === 1) return { kind: "Op" };
  const a = Array.from(
    { length: leaves.length + 1 },
    (_, i) => hash32(leaves[i] ?? leaves.at(-1)!),
  );
  let n = leaves.length;
  let j = index;
  let p: OperationListListPath = { kind: "Op" };
  for (;;) {
    const m = (n + 1) >> 1;
    p = j % 2 === 0
      ? { kind: "Left", path: p, right: a[j + 1] }
      : { kind: "Right", left: a[j - 1], path: p };
    for (let i = 0; i < m; i++) a[i] = hash32(a[2 * i], a[2 * i + 1]);
    a[m] = hash32(a[n], a[n]);
    if (m === 1) return p;
    j = j >> 1;
    if (m % 2 === 0) n = m;
    else {
      a[m + 1] = a[m];
      n = m + 1;
    }
  }
}

/**
 * A block header's `operations_hash` for its operations: the root over the passes of the roots
 * over each pass's operation hashes (src/lib_store/unix/store.ml 962-964).
 *
 * @param passes The operation hashes of each validation pass.
 * @returns The `Operation_list_list_hash`.
 */
export function operationsHashOf(passes: readonly (readonly OperationHash[])[]): Uint8Array {
  return merkleRoot(passes.map(merkleRoot));
}

// ---- block locators -------------------------------------------------------------------------------

/** Who a locator is computed for (`Block_locator.seed`, src/lib_base/block_locator.ml 99). */
export interface LocatorSeed {
  /** The peer sending the locator (16 bytes). */
  readonly senderId: Uint8Array;
  /** The peer receiving it (16 bytes). */
  readonly receiverId: Uint8Array;
}

/**
 * Octez's locator steps (`Block_locator.Step`, block_locator.ml 110-149): 10 steps of 1, then 10
 * of a length drawn in 1–2, then in 2–4, and so on, from a SHA-256 chain seeded with
 * sender ‖ receiver ‖ head hash, so that two peers agree on the steps of a locator.
 *
 * @param seed Sender and receiver.
 * @param head The head's hash.
 * @returns A generator of steps.
 */
export function* locatorSteps(seed: LocatorSeed, head: BlockHash): Generator<number> {
  let step = 1;
  let counter = 9;
  let state = sha256.create().update(seed.senderId).update(seed.receiverId).update(head).digest();
  for (;;) {
    let gap = 0;
    if (step > 1) {
      // `Int32.rem (get_int32 seed 0) n`: a signed big-endian int32 and a truncated remainder,
      // which may be negative (the step is then longer than `step`).
      const n = Math.trunc(step / 2) + 1;
      gap = new DataView(state.buffer, state.byteOffset, 4).getInt32(0) % n;
      state = sha256(state);
    }
    yield step - gap;
    if (counter === 0) {
      step = (step * 2) | 0;
      counter = 9;
    } else counter--;
  }
}

/** Octez's locator size (`max_locator_size`, src/lib_store/unix/store.ml 1471). */
export const MAX_LOCATOR_SIZE = 250;

/**
 * The hash `distance` blocks before `hash` (Octez `read_ancestor_hash_opt`): the genesis block
 * (level 0) is its own ancestor; `undefined` when a header on the way is unknown.
 */
async function ancestor(
  chain: ShellChain,
  hash: BlockHash,
  distance: number,
): Promise<BlockHash | undefined> {
  let current = hash;
  for (let i = 0; i < distance; i++) {
    const header = await chain.blockHeader(current);
    if (header === undefined) return undefined;
    if (header.level <= 0) return current;
    current = header.predecessor;
  }
  return current;
}

/**
 * The locator of a head (`Block_locator.compute`, block_locator.ml 212-236, as
 * `Store.Chain.compute_locator` calls it, store.ml 1515-1525): up to `maxSize` hashes going back
 * from the head by {@link locatorSteps}, ending at genesis.
 *
 * One difference: when a header on the way is unknown, Octez appends its caboose (the oldest
 * block it stores) unless it is already there; a {@link ShellChain} has no caboose, so the
 * history ends with the last hash reached.
 *
 * @param chain The chain.
 * @param head The head's header.
 * @param seed Sender and receiver.
 * @param maxSize The largest history (default 250).
 * @returns The locator.
 */
export async function computeBlockLocator(
  chain: ShellChain,
  head: BlockHeader,
  seed: LocatorSeed,
  maxSize: number = MAX_LOCATOR_SIZE,
): Promise<BlockLocator> {
  const history: BlockHash[] = [];
  const headHash = blockHash(head);
  const steps = locatorSteps(seed, headHash);
  let current = headHash;
  while (history.length < maxSize) {
    const predecessor = await ancestor(chain, current, steps.next().value as number);
    if (predecessor === undefined || equalBytes(predecessor, current)) break;
    history.push(predecessor);
    current = predecessor;
  }
  return { currentHead: head, history };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---- answering -----------------------------------------------------------------------------------

/** The connection a request came on, as the responder needs it. */
export interface ShellRequester {
  /** The peer's key (`peerIdKey`): which peers activated the chain. */
  readonly key: string;
  /** The peer id (16 bytes), for locator seeds. */
  readonly peerId: Uint8Array;
  /** The peer announced `disable_mempool`: its `Current_head` carries an empty mempool. */
  readonly disableMempool: boolean;
}

/**
 * Answers the shell's requests from a {@link ShellChain}, as Octez's `P2p_reader.handle_msg`:
 *
 * - `Get_current_branch c` (p2p_reader.ml 362-383): only for our chain id (`may_handle_global`,
 *   266-269: another chain id is ignored); activates the chain for the peer and answers
 *   `Current_branch` with a locator seeded with us as sender and the peer as receiver (366-367).
 * - `Get_current_head c` (420-437): only when the peer activated the chain (`may_handle`,
 *   256-264; Octez counts it as `Inactive_chain` otherwise); `Current_head` with an empty mempool
 *   if the peer announced `disable_mempool` (423-431).
 * - `Deactivate c` (414-419): the peer leaves the chain.
 * - `Get_block_headers` (474-489), `Get_operations` (507-525), `Get_protocols` (560-579): one
 *   `Block_header`, `Operation` or `Protocol` for each hash known, nothing for the others.
 * - `Get_operations_for_blocks` (592-606): one `Operations_for_block` per known block, with the
 *   pass's operations and its Merkle path (store.ml 966-971); a pass outside the block's
 *   `validation_passes`, where Octez's `operations_path` raises `invalid_arg` (store.ml 967), is
 *   not answered.
 *
 * Not answered: `Get_checkpoint` (624-639), `Get_protocol_branch` (646-666) and
 * `Get_predecessor_header` (673-687), which Octez answers from its store but no Octez node sends
 * any more (p2p_reader.ml 238-250 rate-limits them as unused); Octez's per-peer throttling
 * (202-251: e.g. one `Get_current_branch` per 4 s, one `Get_protocols` per 10 s) is not ported. Every other
 * message is a response or an announcement, answered by nothing.
 */
export class ShellResponder {
  readonly #chain: ShellChain;
  readonly #selfId: Uint8Array;
  readonly #maxLocatorSize: number;
  // Peers that activated the chain (Octez `peer_active_chains`, one chain here).
  readonly #active = new Set<string>();

  /**
   * A responder for one chain.
   *
   * @param chain The chain.
   * @param selfId This node's peer id (the sender of locators).
   * @param maxLocatorSize The largest locator history (default 250, as Octez).
   */
  constructor(chain: ShellChain, selfId: Uint8Array, maxLocatorSize: number = MAX_LOCATOR_SIZE) {
    this.#chain = chain;
    this.#selfId = selfId;
    this.#maxLocatorSize = maxLocatorSize;
  }

  /**
   * What Octez sends on a new connection: `Get_current_branch` of each active chain
   * (p2p_reader.ml 806-820).
   *
   * @returns The message.
   */
  async greeting(): Promise<ShellMessage> {
    const { chainId } = await this.#chain.currentHead();
    return { kind: "GetCurrentBranch", chainId };
  }

  /**
   * Whether a peer activated the chain (sent `Get_current_branch` of our chain id).
   *
   * @param key The peer's key.
   * @returns `true` once activated, until `Deactivate` or {@link forget}.
   */
  isActive(key: string): boolean {
    return this.#active.has(key);
  }

  /**
   * Forgets a peer (its connection ended: Octez `deactivate_once`, p2p_reader.ml 710-714).
   *
   * @param key The peer's key.
   */
  forget(key: string): void {
    this.#active.delete(key);
  }

  /**
   * The answers to one message, each handed to `send` as soon as it is ready. A callback that
   * throws leaves its request unanswered; this never rejects.
   *
   * @param from The connection it came on.
   * @param message The message.
   * @param send Sends one answer on that connection.
   * @returns Resolves once every answer was handed to `send`.
   */
  async answer(
    from: ShellRequester,
    message: ShellMessage,
    send: (answer: ShellMessage) => void,
  ): Promise<void> {
    const each = <X>(items: readonly X[], one: (item: X) => Promise<ShellMessage | undefined>) =>
      Promise.all(items.map(async (item) => {
        const a = await one(item).catch(() => undefined);
        if (a !== undefined) send(a);
      }));
    const chain = this.#chain;
    try {
      switch (message.kind) {
        case "GetCurrentBranch": {
          const head = await chain.currentHead();
          if (!equalBytes(head.chainId, message.chainId)) return;
          this.#active.add(from.key);
          const seed = { senderId: this.#selfId, receiverId: from.peerId };
          const locator = await computeBlockLocator(chain, head.header, seed, this.#maxLocatorSize);
          send({ kind: "CurrentBranch", chainId: head.chainId, locator });
          return;
        }
        case "GetCurrentHead": {
          if (!this.#active.has(from.key)) return;
          const head = await chain.currentHead();
          if (!equalBytes(head.chainId, message.chainId)) return;
          const mempool = from.disableMempool ? EMPTY_MEMPOOL : head.mempool ?? EMPTY_MEMPOOL;
          send({ kind: "CurrentHead", chainId: head.chainId, blockHeader: head.header, mempool });
          return;
        }
        case "Deactivate": {
          const head = await chain.currentHead();
          if (equalBytes(head.chainId, message.chainId)) this.#active.delete(from.key);
          return;
        }
        case "GetBlockHeaders":
          await each(message.hashes, async (hash) => {
            const header = await chain.blockHeader(hash);
            return header === undefined ? undefined : { kind: "BlockHeader", header };
          });
          return;
        case "GetOperations":
          await each(message.hashes, async (hash) => {
            const operation = await chain.operation?.(hash);
            return operation === undefined ? undefined : { kind: "Operation", operation };
          });
          return;
        case "GetProtocols":
          await each(message.hashes, async (hash) => {
            const protocol = await chain.protocol?.(hash);
            return protocol === undefined ? undefined : { kind: "Protocol", protocol };
          });
          return;
        case "GetOperationsForBlocks":
          await each(message.blocks, (block) => this.#operationsForBlock(block));
          return;
        default:
          return;
      }
    } catch {
      // A failing callback: the request stays unanswered, as one Octez cannot serve.
    }
  }

  async #operationsForBlock(
    block: { readonly hash: BlockHash; readonly validationPass: number },
  ): Promise<ShellMessage | undefined> {
    const header = await this.#chain.blockHeader(block.hash);
    if (header === undefined) return undefined;
    const pass = block.validationPass;
    if (pass < 0 || pass >= header.validationPasses) return undefined;
    const lists: (readonly Operation[])[] = [];
    for (let p = 0; p < header.validationPasses; p++) {
      const ops = await this.#chain.operations(block.hash, p);
      if (ops === undefined) return undefined;
      lists.push(ops);
    }
    const listHashes = lists.map((ops) => merkleRoot(ops.map(operationHash)));
    return {
      kind: "OperationsForBlocks",
      block: { hash: block.hash, validationPass: pass },
      path: merklePath(listHashes, pass),
      operations: lists[pass],
    };
  }
}

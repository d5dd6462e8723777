/**
 * Shell messages as Octez's data-encoding JSON renders them (`Distributed_db_message.pp_json`,
 * src/lib_shell/distributed_db_message.ml 407-411 at tezos-mirror d26a8bef82): Octez's field names,
 * hashes in base58check, bytes in hex, timestamps in RFC 3339.
 *
 * ```ts
 * import { shellMessageToJson } from "./shell_json.ts";
 *
 * const carthagenet = new Uint8Array([0x9c, 0xae, 0xca, 0xb9]);
 * const json = shellMessageToJson({ kind: "GetCurrentHead", chainId: carthagenet });
 * console.log(JSON.stringify(json)); // {"get_current_head":"NetXjD3HPJJjmcd"}
 * ```
 *
 * @module
 */

import { base58CheckEncode } from "../crypto/base58.ts";
import { toHex } from "./hex.ts";
import {
  BLOCK_HASH_PREFIX,
  type BlockHeader,
  type BlockLocator,
  CHAIN_ID_PREFIX,
  CONTEXT_HASH_PREFIX,
  type Mempool,
  type Operation,
  OPERATION_HASH_PREFIX,
  OPERATION_LIST_LIST_HASH_PREFIX,
  type OperationListListPath,
  type OperationsForBlock,
  type Protocol,
  PROTOCOL_HASH_PREFIX,
  type ShellMessage,
} from "../../gen/shell.ts";

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const b58 = (prefix: Uint8Array) => (bytes: Uint8Array): string => base58CheckEncode(prefix, bytes);
const chain = b58(CHAIN_ID_PREFIX);
const block = b58(BLOCK_HASH_PREFIX);
const operationHash = b58(OPERATION_HASH_PREFIX);
const protocolHash = b58(PROTOCOL_HASH_PREFIX);

// Ptime's range, which `Time.Protocol.as_string_encoding` (src/lib_base/time.ml 106-122) renders
// in RFC 3339 (`to_notation`: no fraction, `Z`); outside it, the decimal seconds as a string.
const MIN_RFC3339 = -62167219200n; // 0000-01-01T00:00:00Z
const MAX_RFC3339 = 253402300799n; // 9999-12-31T23:59:59Z

/** `Time.Protocol.encoding` in JSON: RFC 3339 in Ptime's range, else the seconds as a string. */
export function timestampToJson(seconds: bigint): string {
  if (seconds < MIN_RFC3339 || seconds > MAX_RFC3339) return seconds.toString();
  const iso = new Date(Number(seconds) * 1000).toISOString(); // 2018-12-13T15:10:48.000Z
  // Years 0000-9999 print as four digits; drop the milliseconds.
  return `${iso.slice(0, 19)}Z`;
}

/** `Block_header.encoding` in JSON (src/lib_base/block_header.ml 86-96, 125-137). */
export function blockHeaderToJson(h: BlockHeader): Json {
  return {
    level: h.level,
    proto: h.protoLevel,
    predecessor: block(h.predecessor),
    timestamp: timestampToJson(h.timestamp),
    validation_pass: h.validationPasses,
    operations_hash: b58(OPERATION_LIST_LIST_HASH_PREFIX)(h.operationsHash),
    fitness: h.fitness.map(toHex),
    context: b58(CONTEXT_HASH_PREFIX)(h.context),
    protocol_data: toHex(h.protocolData),
  };
}

/** `Block_locator.encoding` in JSON (src/lib_base/block_locator.ml 85-97). */
function locatorToJson(l: BlockLocator): Json {
  return { current_head: blockHeaderToJson(l.currentHead), history: l.history.map(block) };
}

/** `Operation.encoding` in JSON (src/lib_base/operation.ml 31-37, 50-61). */
export function operationToJson(o: Operation): Json {
  return { branch: block(o.branch), data: toHex(o.data) };
}

/** `Mempool.encoding` in JSON (src/lib_base/mempool.ml 33-51). */
function mempoolToJson(m: Mempool): Json {
  return { known_valid: m.knownValid.map(operationHash), pending: m.pending.map(operationHash) };
}

/** `Protocol.encoding` in JSON (src/lib_base/protocol.ml 62-70, 137-149); no `interface` if absent. */
function protocolToJson(p: Protocol): Json {
  return {
    expected_env_version: p.expectedEnvVersion,
    components: p.components.map((c) => ({
      name: c.name,
      ...(c.interface === undefined ? {} : { interface: c.interface }),
      implementation: c.implementation,
    })),
  };
}

/**
 * The Merkle path in JSON (src/lib_crypto/blake2B.ml 356-379): a union's JSON is its case's, with
 * no tag; `Op` is `unit`, the empty object.
 */
function pathToJson(p: OperationListListPath): Json {
  const llo = b58(OPERATION_LIST_LIST_HASH_PREFIX);
  switch (p.kind) {
    case "Left":
      return { path: pathToJson(p.path), right: llo(p.right) };
    case "Right":
      return { left: llo(p.left), path: pathToJson(p.path) };
    case "Op":
      return {};
  }
}

function keyToJson(k: OperationsForBlock): Json {
  return { hash: block(k.hash), validation_pass: k.validationPass };
}

/**
 * A shell message as Octez's JSON (the case's object of `Distributed_db_message.encoding`,
 * src/lib_shell/distributed_db_message.ml 217-396), e.g. `{"get_block_headers": ["BL…"]}`.
 */
export function shellMessageToJson(m: ShellMessage): Json {
  switch (m.kind) {
    case "GetCurrentBranch":
      return { get_current_branch: chain(m.chainId) };
    case "CurrentBranch":
      return { chain_id: chain(m.chainId), current_branch: locatorToJson(m.locator) };
    case "Deactivate":
      return { deactivate: chain(m.chainId) };
    case "GetCurrentHead":
      return { get_current_head: chain(m.chainId) };
    case "CurrentHead":
      return {
        chain_id: chain(m.chainId),
        current_block_header: blockHeaderToJson(m.blockHeader),
        current_mempool: mempoolToJson(m.mempool),
      };
    case "GetBlockHeaders":
      return { get_block_headers: m.hashes.map(block) };
    case "BlockHeader":
      return { block_header: blockHeaderToJson(m.header) };
    case "GetOperations":
      return { get_operations: m.hashes.map(operationHash) };
    case "Operation":
      return { operation: operationToJson(m.operation) };
    case "GetProtocols":
      return { get_protocols: m.hashes.map(protocolHash) };
    case "Protocol":
      return { protocol: protocolToJson(m.protocol) };
    case "GetOperationsForBlocks":
      return { get_operations_for_blocks: m.blocks.map(keyToJson) };
    case "OperationsForBlocks":
      return {
        operations_for_block: keyToJson(m.block),
        operation_hashes_path: pathToJson(m.path),
        operations: m.operations.map(operationToJson),
      };
    case "GetCheckpoint":
      return { get_checkpoint: chain(m.chainId) };
    case "Checkpoint":
      return { checkpoint: { chain_id: chain(m.chainId), header: blockHeaderToJson(m.header) } };
    case "GetProtocolBranch":
      return { get_protocol_branch: { chain: chain(m.chainId), proto_level: m.protoLevel } };
    case "ProtocolBranch":
      return {
        protocol_branch: {
          chain: chain(m.chainId),
          proto_level: m.protoLevel,
          locator: locatorToJson(m.locator),
        },
      };
    case "GetPredecessorHeader":
      return { get_predecessor_header: { block: block(m.block), offset: m.offset } };
    case "PredecessorHeader":
      return {
        predecessor_header: {
          block: block(m.block),
          offset: m.offset,
          header: blockHeaderToJson(m.header),
        },
      };
  }
}

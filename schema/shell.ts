/**
 * The Tezos shell's messages (the distributed DB of an L1 node) as application messages of the P2P
 * envelope, with the types they carry and Octez's bounds on each. Every declaration cites the
 * Octez encoding it is read from; line numbers are those of tezos-mirror at d26a8bef82.
 *
 * Field names are camelCase and drop the words the case already says (`GetBlockHeaders.hashes`
 * for Octez's `get_block_headers`); the JSON rendering keeps Octez's names.
 *
 * @module
 */

import {
  base58Bytes,
  bytes,
  checkSize,
  type Decl,
  declare,
  dynamicSize,
  int32,
  int64,
  int8,
  list,
  merge,
  type Node,
  obj,
  opt,
  recursive,
  ref,
  req,
  type SchemaFile,
  size,
  string,
  tagged,
  uint16,
  uint8,
  union,
  variableBytes,
  variableList,
} from "../lib/codegen/dsl.ts";

// ---- hashes -------------------------------------------------------------------------------------
// The binary form of every hash is its raw bytes (`Helpers.Make.encoding`, src/lib_crypto/helpers.ml
// 129-138: `obj1 (req name raw_encoding)`, a one-field object, i.e. the bytes alone); JSON shows
// base58check with the prefixes of src/lib_crypto/base58.ml 358-368 and 442.

/** `Chain_id.t`: 4 bytes (src/lib_crypto/chain_id.ml 40, 140-142), `Net…` in text. */
export const ChainId: Decl = declare(
  "ChainId",
  "A chain id (`Chain_id.t`): the first 4 bytes of the genesis block hash.",
  base58Bytes(4, [0x57, 0x52, 0x00], "Net"),
);

/** `Block_hash.t`: BLAKE2b-256 of the encoded block header, `B…` in text. */
export const BlockHash: Decl = declare(
  "BlockHash",
  "A block hash (`Block_hash.t`): BLAKE2b-256 of the encoded block header.",
  base58Bytes(32, [0x01, 0x34], "B"),
);

/** `Operation_hash.t`: BLAKE2b-256 of the encoded operation, `o…` in text. */
export const OperationHash: Decl = declare(
  "OperationHash",
  "An operation hash (`Operation_hash.t`): BLAKE2b-256 of the encoded operation.",
  base58Bytes(32, [0x05, 0x74], "o"),
);

/** `Protocol_hash.t`: BLAKE2b-256 of the encoded protocol, `P…` in text. */
export const ProtocolHash: Decl = declare(
  "ProtocolHash",
  "A protocol hash (`Protocol_hash.t`): BLAKE2b-256 of the encoded protocol.",
  base58Bytes(32, [0x02, 0xaa], "P"),
);

/** `Context_hash.t`, `Co…` in text. */
export const ContextHash: Decl = declare(
  "ContextHash",
  "A context hash (`Context_hash.t`): the hash of the context after the block.",
  base58Bytes(32, [0x4f, 0xc7], "Co"),
);

/** `Operation_list_list_hash.t`: root of the Merkle tree of a block's operations, `LLo…`. */
export const OperationListListHash: Decl = declare(
  "OperationListListHash",
  "The root of the Merkle tree over a block's operation lists (`Operation_list_list_hash.t`).",
  base58Bytes(32, [0x1d, 0x9f, 0x6d], "LLo"),
);

// ---- block headers -------------------------------------------------------------------------------

/**
 * `Fitness.t`: a list of byte strings (src/lib_base/fitness.ml 79-89: binary
 * `list (def "fitness.elem" bytes)`, each element with its own 4-byte length).
 */
export const Fitness: Decl = declare(
  "Fitness",
  "A block's fitness (`Fitness.t`): byte strings whose meaning belongs to the protocol.",
  list(bytes()),
);

/** `Block_header.shell_header_encoding`, src/lib_base/block_header.ml 39-96. */
export const ShellHeader: Decl = declare(
  "ShellHeader",
  "The shell part of a block header (`Block_header.shell_header`).",
  obj(
    req("level", int32(), "Height of the block; the genesis block is at level 0."),
    req("protoLevel", uint8(), "Number of protocol changes since genesis (Octez's `proto`)."),
    req("predecessor", ref(BlockHash)),
    // `Time.Protocol.encoding` is `splitted ~binary:int64` (src/lib_base/time.ml 124-131).
    req("timestamp", int64(), "Seconds since the Unix epoch."),
    req("validationPasses", uint8(), "Number of operation lists (Octez's `validation_pass`)."),
    req("operationsHash", ref(OperationListListHash)),
    req("fitness", ref(Fitness)),
    req("context", ref(ContextHash)),
  ),
);

/**
 * `Block_header.encoding`, src/lib_base/block_header.ml 125-137: `merge_objs` of the shell header
 * and `protocol_data`, bytes up to the end of the region (so a header is either last or sized).
 */
export const BlockHeader: Decl = declare(
  "BlockHeader",
  "A block header (`Block_header.t`): the shell header, then the protocol's data.",
  merge(
    ref(ShellHeader),
    obj(req("protocolData", variableBytes(), "Protocol-specific bytes, up to the end.")),
  ),
);

/**
 * `Bounded_encoding.block_header` (src/lib_shell/distributed_db_message.ml 120-121, 139-142):
 * `check_size` 8 MiB (`Block_header.bounded_encoding`, src/lib_base/block_header.ml 139-142).
 */
const boundedHeader = checkSize(size("8 * 1024 * 1024"), ref(BlockHeader));

/**
 * `Block_locator.bounded_encoding`, src/lib_base/block_locator.ml 85-97, with the shell's bounds
 * (distributed_db_message.ml 120-123, 144-151): the head as a sized, bounded header, then at most
 * 1000 block hashes up to the end.
 */
export const BlockLocator: Decl = declare(
  "BlockLocator",
  "A sparse block locator (`Block_locator.t`): the head's header, then hashes going back.",
  obj(
    req("currentHead", dynamicSize(boundedHeader), "Header of the head (at most 8 MiB)."),
    req("history", variableList(ref(BlockHash), size("1000")), "At most 1000 older hashes."),
  ),
);

// ---- operations ----------------------------------------------------------------------------------

/** `Operation.shell_header_encoding`, src/lib_base/operation.ml 31-37. */
export const OperationShellHeader: Decl = declare(
  "OperationShellHeader",
  "The shell part of an operation (`Operation.shell_header`): the block it is meant to apply on.",
  obj(req("branch", ref(BlockHash))),
);

/**
 * `Operation.encoding`, src/lib_base/operation.ml 50-61: `merge_objs` of the shell header and
 * `data`, bytes up to the end of the region.
 */
export const Operation: Decl = declare(
  "Operation",
  "An operation (`Operation.t`): its branch, then the protocol's bytes.",
  merge(
    ref(OperationShellHeader),
    obj(req("data", variableBytes(), "Protocol-specific bytes, up to the end.")),
  ),
);

/**
 * `Bounded_encoding.operation` (distributed_db_message.ml 125, 152-155): `check_size` 128 KiB
 * (`Operation.bounded_encoding`, src/lib_base/operation.ml 63-66).
 */
const boundedOperation = checkSize(size("128 * 1024"), ref(Operation));

/**
 * `Operation_list_list_hash.path_encoding`, src/lib_crypto/blake2B.ml 356-379: a union with a
 * 1-byte tag, `Left` (0xf0: the path, then the right sibling), `Right` (0x0f: the left sibling,
 * then the path) and `Op` (0x00: the leaf). The shell bounds it with `check_size` (see
 * {@link boundedPath}); the depth bound here is only a guard against deep input when decoded alone.
 */
export const OperationListListPath: Decl = recursive(
  "OperationListListPath",
  "A Merkle path from a block's operations hash down to one operation list " +
    "(`Operation_list_list_hash.path`).",
  (path) =>
    union(1, [
      tagged(0xf0, "Left", [req("path", path), req("right", ref(OperationListListHash))]),
      tagged(0x0f, "Right", [req("left", ref(OperationListListHash)), req("path", path)]),
      tagged(0x00, "Op", [], "The end of the path: the operation list itself."),
    ]),
  { maxDepth: size("64") },
);

/**
 * `bounded_path_encoding ~max_length:8` (blake2B.ml 381-386, `log2` at 317; the shell's
 * `operation_max_pass` of 8, distributed_db_message.ml 132): `check_size (log2 8 * (32 + 1) + 1)`,
 * i.e. 3 levels of a tag and a hash, then the `Op` tag: 100 bytes.
 */
const boundedPath = checkSize(size("3 * (32 + 1) + 1"), ref(OperationListListPath));

/** `(Block_hash.t * int)`: a block and one of its validation passes (`hash`, `validation_pass`). */
export const OperationsForBlock: Decl = declare(
  "OperationsForBlock",
  "A block and one of its validation passes: the key of an operation list.",
  obj(req("hash", ref(BlockHash)), req("validationPass", int8())),
);

// ---- mempool, protocols ----------------------------------------------------------------------------

/**
 * `Mempool.bounded_encoding ~max_operations:4000` (src/lib_base/mempool.ml 33-59; the bound at
 * distributed_db_message.ml 137): `check_size (8 + 4000 * 32)` over two `Operation_hash.Set`s,
 * each a `list` (src/lib_crypto/helpers.ml 198-202), the second inside one more `dynamic_size`.
 * Octez decodes them into sets (sorted, without duplicates); here they are lists in wire order.
 */
export const Mempool: Decl = declare(
  "Mempool",
  "A mempool (`Mempool.t`): operations known valid, and pending ones.",
  checkSize(
    size("8 + 4000 * 32"),
    obj(
      req("knownValid", list(ref(OperationHash)), "Operations the sender validated."),
      req("pending", dynamicSize(list(ref(OperationHash))), "Operations not yet validated."),
    ),
  ),
);

/** `Protocol.component_encoding`, src/lib_base/protocol.ml 62-70. */
export const ProtocolComponent: Decl = declare(
  "ProtocolComponent",
  "A module of a protocol's source: its name, optional interface and implementation.",
  obj(
    req("name", string()),
    opt("interface", string(), "The `.mli`, if any."),
    req("implementation", string(), "The `.ml`."),
  ),
);

/**
 * `Protocol.encoding`, src/lib_base/protocol.ml 137-149. The environment version is a uint16
 * (protocol.ml 92-135); Octez rejects the numbers past its last environment (17 at d26a8bef82),
 * which tzp2p accepts so that it decodes protocols of newer environments.
 */
export const Protocol: Decl = declare(
  "Protocol",
  "A protocol's source (`Protocol.t`): its environment version and its modules.",
  obj(
    req("expectedEnvVersion", uint16(), "Version of the protocol environment."),
    req("components", list(ref(ProtocolComponent))),
  ),
);

// ---- the messages --------------------------------------------------------------------------------

/** `list ~max_length:10`, the bound of every `Get_*` list (distributed_db_message.ml 262-303). */
const request = (element: Node) => list(element, size("10"));

/**
 * `Distributed_db_message.encoding`, src/lib_shell/distributed_db_message.ml 212-397: 19 cases
 * with u16 tags. A tag none declares is `Unexpected_tag` in Octez (the P2P layer's message
 * reader, which greylists the sender); the generated codec throws `DecodeError` of kind
 * `unexpected_tag`.
 */
export const ShellMessage: Decl = declare(
  "ShellMessage",
  "A message of the Tezos shell's distributed DB (`Distributed_db_message.t`).",
  union(2, [
    tagged(0x10, "GetCurrentBranch", [req("chainId", ref(ChainId))], "Asks for the locator."),
    tagged(
      0x11,
      "CurrentBranch",
      [req("chainId", ref(ChainId)), req("locator", ref(BlockLocator))],
      "The sender's current branch as a block locator.",
    ),
    tagged(0x12, "Deactivate", [req("chainId", ref(ChainId))], "The sender stops this chain."),
    tagged(0x13, "GetCurrentHead", [req("chainId", ref(ChainId))], "Asks for the head."),
    tagged(
      0x14,
      "CurrentHead",
      [
        req("chainId", ref(ChainId)),
        req("blockHeader", dynamicSize(boundedHeader), "The head's header (at most 8 MiB)."),
        req("mempool", ref(Mempool), "At most 4000 operation hashes."),
      ],
      "The sender's head and mempool.",
    ),
    tagged(
      0x20,
      "GetBlockHeaders",
      [req("hashes", request(ref(BlockHash)), "At most 10.")],
      "Asks for block headers.",
    ),
    tagged(0x21, "BlockHeader", [req("header", boundedHeader, "At most 8 MiB.")], "A header."),
    tagged(
      0x30,
      "GetOperations",
      [req("hashes", request(ref(OperationHash)), "At most 10.")],
      "Asks for operations.",
    ),
    tagged(0x31, "Operation", [req("operation", boundedOperation, "At most 128 KiB.")]),
    tagged(
      0x40,
      "GetProtocols",
      [req("hashes", request(ref(ProtocolHash)), "At most 10.")],
      "Asks for protocols.",
    ),
    tagged(
      0x41,
      "Protocol",
      // `protocol_max_size`, distributed_db_message.ml 134-135, 178-181.
      [req("protocol", checkSize(size("2 * 1024 * 1024"), ref(Protocol)), "At most 2 MiB.")],
      "A protocol's source.",
    ),
    tagged(
      0x60,
      "GetOperationsForBlocks",
      [req("blocks", request(ref(OperationsForBlock)), "At most 10.")],
      "Asks for operation lists.",
    ),
    tagged(
      0x61,
      "OperationsForBlocks",
      // `merge_objs` of `operations_for_block` and `Operation.bounded_list_encoding`
      // (src/lib_base/operation.ml 68-86; bounds at distributed_db_message.ml 125-132, 162-176):
      // the path (8 passes), then operations, each sized and at most 128 KiB, 1 MiB in all.
      [
        req("block", ref(OperationsForBlock), "The block and validation pass."),
        req("path", boundedPath, "Where the list sits in the block's operations hash."),
        req(
          "operations",
          checkSize(size("1024 * 1024"), variableList(dynamicSize(boundedOperation))),
          "The operations of that pass, 1 MiB in all.",
        ),
      ],
      "One operation list of a block, with its Merkle path.",
    ),
    tagged(0x70, "GetCheckpoint", [req("chainId", ref(ChainId))], "Asks for the checkpoint."),
    tagged(
      0x71,
      "Checkpoint",
      [req("chainId", ref(ChainId)), req("header", boundedHeader)],
      "The sender's checkpoint (Octez nests both fields under `checkpoint`).",
    ),
    tagged(
      0x80,
      "GetProtocolBranch",
      [req("chainId", ref(ChainId)), req("protoLevel", uint8())],
      "Asks for the branch of a protocol level.",
    ),
    tagged(
      0x81,
      "ProtocolBranch",
      [
        req("chainId", ref(ChainId)),
        req("protoLevel", uint8()),
        req("locator", ref(BlockLocator)),
      ],
      "The branch of a protocol level, as a locator.",
    ),
    tagged(
      0x90,
      "GetPredecessorHeader",
      [req("block", ref(BlockHash)), req("offset", int32())],
      "Asks for the header `offset` blocks before `block`.",
    ),
    tagged(
      0x91,
      "PredecessorHeader",
      [req("block", ref(BlockHash)), req("offset", int32()), req("header", boundedHeader)],
      "The header `offset` blocks before `block`.",
    ),
  ]),
  { appCodec: "shellCodec" },
);

/** The declarations of this file and where they are generated. */
export const schemaFile: SchemaFile = {
  source: "schema/shell.ts",
  output: "gen/shell.ts",
  doc: "Codecs of the Tezos shell's messages (the distributed DB of L1 nodes) and their types.",
  decls: [
    ChainId,
    BlockHash,
    OperationHash,
    ProtocolHash,
    ContextHash,
    OperationListListHash,
    Fitness,
    ShellHeader,
    BlockHeader,
    BlockLocator,
    OperationShellHeader,
    Operation,
    OperationListListPath,
    OperationsForBlock,
    Mempool,
    ProtocolComponent,
    Protocol,
    ShellMessage,
  ],
};

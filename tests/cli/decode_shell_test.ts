// `tzp2p decode` speaks the applications: shell messages (typed, as Octez's JSON) on L1 chains, DAL
// gossipsub messages with --app dal, raw bodies with --app raw. Expected values are computed here
// from the bytes by a parser and a base58check written for this test, never by printing our own
// output back.

import assert from "node:assert/strict";
import { sha256 } from "@noble/hashes/sha2.js";
import { type ConversationPiece, decodeConversation } from "../../lib/cli/conversation.ts";
import { appFormatFor } from "../../lib/cli/conversation_app.ts";
import type { ConversationItem, Direction } from "../../lib/cli/conversation_item.ts";
import { DECODE_USAGE, decodeCommand } from "../../lib/cli/decode_command.ts";
import { isCliError } from "../../lib/cli/errors.ts";
import { identityToJson } from "../../lib/crypto/mod.ts";
import { fromHex } from "../../lib/encoding/mod.ts";
import { parsePointId } from "../../lib/base/point_id.ts";
import { encodeP2pMessage } from "../../gen/p2p_message.ts";
import { type BlockHeader, shellCodec, type ShellMessage } from "../../gen/shell.ts";
import { dalGossipCodec, type DalGossipMessage } from "../../gen/gossipsub.ts";
import { concat } from "../support/bytes.ts";
import { carthagenet, framePieces, syntheticWithMessages, toJsonLines } from "./transcripts.ts";

// ---- an independent base58check (Bitcoin alphabet, 4-byte double-SHA-256 checksum) ----------

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

function b58check(prefix: readonly number[], payload: Uint8Array): string {
  const data = new Uint8Array([...prefix, ...payload]);
  const checked = new Uint8Array([...data, ...sha256(sha256(data)).subarray(0, 4)]);
  let n = 0n;
  for (const byte of checked) n = n * 256n + BigInt(byte);
  let text = "";
  while (n > 0n) {
    text = ALPHABET[Number(n % 58n)] + text;
    n /= 58n;
  }
  for (const byte of checked) {
    if (byte !== 0) break;
    text = "1" + text;
  }
  return text;
}

// Version bytes of Octez's base58check texts (src/lib_crypto/base58.ml at tezos-mirror d26a8bef82).
const NET = [87, 82, 0]; // chain id, Net…
const BL = [1, 52]; // block hash, B…
const OP = [5, 116]; // operation hash, o…
const PROTO = [2, 170]; // protocol hash, P…
const CO = [79, 199]; // context hash, Co…
const LLO = [29, 159, 109]; // operation list list hash, LLo…
const TZ1 = [6, 161, 159];
const TZ4 = [6, 161, 166];
const SH = [2, 116, 180]; // DAL commitment / proof, sh…
const PEER_ID = [153, 103]; // crypto-box public key hash, id…

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

// ---- helpers -----------------------------------------------------------------------------------

function messages(items: ConversationItem[], direction: Direction) {
  return items.filter((i) =>
    i.direction === direction && i.kind !== "connection_message" &&
    i.kind !== "metadata" && i.kind !== "ack"
  ) as unknown as Record<string, unknown>[];
}

async function decodeCli(args: string[], pieces: ConversationPiece[], identityJson: string) {
  const dir = await Deno.makeTempDir({ prefix: "tzp2p_decode_shell_" });
  try {
    await Deno.writeTextFile(`${dir}/id.json`, identityJson);
    await Deno.writeTextFile(`${dir}/c.jsonl`, toJsonLines(pieces));
    let out = "";
    const io = {
      out: (s: string) => Promise.resolve(void (out += s)),
      err: () => {},
      errIsTerminal: false,
    };
    await decodeCommand(["--identity", `${dir}/id.json`, ...args, `${dir}/c.jsonl`], io);
    return out.trim().split("\n").map((line) => JSON.parse(line));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// ---- the Carthagenet capture -------------------------------------------------------------------

/**
 * Parses the P2P messages of one direction of the capture from the vectors' plaintexts (decrypted
 * by libsodium when the vectors were made), knowing only the cases that carry a chain id:
 * message = len(4, BE) ‖ tag(2, BE) ‖ chain id(4).
 */
function parseCapture(direction: Direction): { tag: number; value: unknown }[] {
  const t = carthagenet();
  const plaintexts = t.chunks.filter((c) => c.direction === direction).slice(2) // metadata, Ack
    .map((c) => fromHex(c.plaintext));
  const stream = concat(plaintexts);
  const out = [];
  const names: Record<number, string> = {
    0x10: "get_current_branch",
    0x12: "deactivate",
    0x13: "get_current_head",
  };
  for (let at = 0; at < stream.length;) {
    const view = new DataView(stream.buffer, stream.byteOffset + at);
    const length = view.getUint32(0);
    const tag = view.getUint16(4);
    const name = names[tag];
    if (name === undefined || length !== 6) throw new Error(`this parser cannot read tag ${tag}`);
    out.push({ tag, value: { [name]: b58check(NET, stream.subarray(at + 6, at + 10)) } });
    at += 4 + length;
  }
  return out;
}

Deno.test("the Carthagenet capture decodes as typed shell messages matching an independent parse", async () => {
  const t = carthagenet();
  // Carthagenet's chain id, as published: a check of the test's own base58check.
  assert.deepEqual(parseCapture("sent"), [
    { tag: 0x10, value: { get_current_branch: "NetXjD3HPJJjmcd" } },
  ]);
  const items = decodeConversation(framePieces(t), t.identity); // auto: TEZOS_ALPHANET_CARTHAGE…
  assert.equal(items.filter((i) => i.kind === "error").length, 0);
  for (const direction of ["sent", "received"] as const) {
    const expected = parseCapture(direction);
    const got = messages(items, direction);
    assert.equal(got.length, expected.length, `${direction} count`);
    assert.deepEqual(got.map((m) => ({ tag: m.tag, value: m.value })), expected, direction);
    for (const m of got) {
      assert.equal(m.title, "Get_current_branch");
      assert.equal(m.hex, undefined, "typed, not raw");
    }
  }
  // The command prints the same with --app shell as with the default.
  const json = identityToJson(t.identity);
  const auto = await decodeCli([], framePieces(t), json);
  const shell = await decodeCli(["--app", "shell"], framePieces(t), json);
  assert.deepEqual(shell, auto);
  assert.deepEqual(
    auto.filter((i) => i.kind === "p2p_message").map((i) => i.value),
    [...parseCapture("sent"), ...parseCapture("received")].map((m) => m.value),
  );
});

// ---- a synthetic shell conversation ------------------------------------------------------------

const chainId = fromHex("7a06a770"); // TEZOS_MAINNET's chain id bytes (NetXdQprcVkpaWU)
const h1 = bytes(32, 0x11);
const h2 = bytes(32, 0x22);
const opHash = bytes(32, 0x33);
const protoHash = bytes(32, 0x44);
const llo = bytes(32, 0x55);
const context = bytes(32, 0x66);

const header: BlockHeader = {
  level: 5_000_000,
  protoLevel: 20,
  predecessor: h1,
  timestamp: 1_600_000_000n,
  validationPasses: 4,
  operationsHash: llo,
  fitness: [fromHex("02"), fromHex("00000010")],
  context,
  protocolData: fromHex("c0ffee"),
};

/** The header as Octez's JSON (block_header.ml 86-137), written out by hand. */
const headerJson = {
  level: 5_000_000,
  proto: 20,
  predecessor: b58check(BL, h1),
  timestamp: "2020-09-13T12:26:40Z",
  validation_pass: 4,
  operations_hash: b58check(LLO, llo),
  fitness: ["02", "00000010"],
  context: b58check(CO, context),
  protocol_data: "c0ffee",
};

const shellMessage = (m: ShellMessage) =>
  encodeP2pMessage({ kind: "Message", message: m }, shellCodec);

/** A hand-made P2P message: len(4) ‖ tag(2) ‖ body. */
function handMade(tag: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(6 + body.length);
  new DataView(out.buffer).setUint32(0, 2 + body.length);
  new DataView(out.buffer).setUint16(4, tag);
  out.set(body, 6);
  return out;
}

Deno.test("a synthetic conversation prints each shell case with Octez's field names, both ways", () => {
  const elevenHashes = concat([new Uint8Array([0, 0, 1, 0x60]), ...Array(11).fill(h1)]);
  const { transcript, pieces } = syntheticWithMessages({
    sent: [
      shellMessage({ kind: "GetCurrentBranch", chainId }),
      shellMessage({ kind: "GetBlockHeaders", hashes: [h1, h2] }),
      handMade(0x50, bytes(3, 0)), // no such shell tag
      handMade(0x20, elevenHashes), // Get_block_headers takes at most 10
      shellMessage({ kind: "GetOperationsForBlocks", blocks: [{ hash: h2, validationPass: 3 }] }),
      shellMessage({ kind: "GetProtocols", hashes: [protoHash] }),
    ],
    received: [
      shellMessage({
        kind: "CurrentBranch",
        chainId,
        locator: { currentHead: header, history: [h2] },
      }),
      shellMessage({
        kind: "CurrentHead",
        chainId,
        blockHeader: header,
        mempool: { knownValid: [opHash], pending: [] },
      }),
      shellMessage({ kind: "Operation", operation: { branch: h1, data: fromHex("0102") } }),
      shellMessage({
        kind: "OperationsForBlocks",
        block: { hash: h1, validationPass: 0 },
        path: { kind: "Left", path: { kind: "Op" }, right: llo },
        operations: [{ branch: h2, data: fromHex("ff") }],
      }),
      shellMessage({ kind: "GetPredecessorHeader", block: h2, offset: 7 }),
    ],
  }, 40); // 40-byte chunks: most messages span several
  const items = decodeConversation(pieces, transcript.identity); // auto: TEZOS_MAINNET
  const net = b58check(NET, chainId);
  assert.equal(net, "NetXdQprcVkpaWU");

  const sent = messages(items, "sent");
  assert.deepEqual(
    sent.map((m) =>
      m.kind === "error" ? [m.error, m.decode_error, m.tag, m.fatal] : [m.title, m.value]
    ),
    [
      ["Get_current_branch", { get_current_branch: net }],
      ["Get_block_headers", { get_block_headers: [b58check(BL, h1), b58check(BL, h2)] }],
      ["decoding_error", "unexpected_tag", 0x50, false],
      ["decoding_error", "list_too_long", 0x20, false],
      ["Get_operations_for_blocks", {
        get_operations_for_blocks: [{ hash: b58check(BL, h2), validation_pass: 3 }],
      }],
      ["Get_protocols", { get_protocols: [b58check(PROTO, protoHash)] }],
    ],
  );
  assert.equal(sent[2].app, "shell");
  assert.match(String(sent[2].message), /a shell message \(tag 0x0050\) does not decode/);

  const received = messages(items, "received");
  assert.deepEqual(received.map((m) => [m.title, m.value]), [
    ["Current_branch", {
      chain_id: net,
      current_branch: { current_head: headerJson, history: [b58check(BL, h2)] },
    }],
    ["Current_head", {
      chain_id: net,
      current_block_header: headerJson,
      current_mempool: { known_valid: [b58check(OP, opHash)], pending: [] },
    }],
    ["Operation", { operation: { branch: b58check(BL, h1), data: "0102" } }],
    ["Operations_for_blocks", {
      operations_for_block: { hash: b58check(BL, h1), validation_pass: 0 },
      operation_hashes_path: { path: {}, right: b58check(LLO, llo) },
      operations: [{ branch: b58check(BL, h2), data: "ff" }],
    }],
    ["Get_predecessor_header", {
      get_predecessor_header: { block: b58check(BL, h2), offset: 7 },
    }],
  ]);
  // Messages spanning chunks name their first and last chunk; chunk 2 is the first after the Ack.
  assert.deepEqual(received[0].chunks, [2, 2 + Math.ceil(Number(received[0].size) / 40) - 1]);
});

// ---- --app -------------------------------------------------------------------------------------

Deno.test("decode --app takes auto, shell, dal or raw", async () => {
  const io = { out: () => Promise.resolve(), err: () => {}, errIsTerminal: false };
  await assert.rejects(
    decodeCommand(["--identity", "id.json", "--app", "tezos", "c.jsonl"], io),
    (e) =>
      isCliError(e) && e.kind === "usage" &&
      e.message === '--app takes auto, shell, dal or raw, got "tezos"',
  );
  await assert.rejects(
    decodeCommand(["--identity", "id.json", "--app", "c.jsonl"], io),
    (e) => isCliError(e) && e.kind === "usage",
  );
  assert.match(DECODE_USAGE, /\[--app auto\|shell\|dal\|raw\]/);
});

Deno.test("auto picks the application from the sent chain name", () => {
  const names = (choice: "auto" | "raw", chain: string) => appFormatFor(choice, chain).name;
  assert.equal(names("auto", "TEZOS_MAINNET"), "shell");
  assert.equal(names("auto", "TEZOS_GHOSTNET_2022-01-25T15:00:00Z"), "shell");
  assert.equal(names("auto", "SANDBOXED_TEZOS"), "shell");
  assert.equal(names("auto", "DAL_TEZOS_MAINNET"), "dal");
  assert.equal(names("auto", "TEZOSMAINNET"), "raw");
  assert.equal(names("auto", ""), "raw");
  // Raw bodies carry the titles of the chain's application, none when it is unknown.
  const raw = (chain: string) =>
    appFormatFor("raw", chain).fields({ kind: "Raw", tag: 0x10, body: bytes(1, 0xab) }, 0x10);
  assert.deepEqual(raw("TEZOS_MAINNET"), { title: "Get_current_branch", hex: "ab" });
  assert.deepEqual(raw("DAL_TEZOS_MAINNET"), { title: "Graft", hex: "ab" });
  assert.deepEqual(raw("MY_CHAIN"), { hex: "ab" });
});

Deno.test("decode --app raw prints shell messages as tag and hex", async () => {
  const t = carthagenet();
  const items = await decodeCli(["--app", "raw"], framePieces(t), identityToJson(t.identity));
  assert.deepEqual(
    items.filter((i) => i.kind === "p2p_message").map((i) => [i.tag, i.title, i.hex, i.value]),
    [[16, "Get_current_branch", "9caecab9", undefined], [
      16,
      "Get_current_branch",
      "9caecab9",
      undefined,
    ]],
  );
});

Deno.test("decode --app dal prints DAL gossipsub messages under Octez's field names", async () => {
  const pkh = bytes(20, 0x77);
  const commitment = bytes(48, 0x88);
  const topic = { slotIndex: 3, pkh: { kind: "Bls" as const, hash: pkh } };
  const topicJson = { slot_index: 3, pkh: b58check(TZ4, pkh) };
  const peerId = bytes(16, 0x99);
  const dal = (m: DalGossipMessage) =>
    encodeP2pMessage({ kind: "Message", message: m }, dalGossipCodec);
  const { transcript, pieces } = syntheticWithMessages({
    sent: [
      dal({ kind: "Graft", topic }),
      dal({ kind: "Ping" }),
      dal({
        kind: "IHave",
        topic,
        messageIds: [{
          level: 42,
          slotIndex: 3,
          commitment,
          shardIndex: 9,
          pkh: { kind: "Ed25519", hash: pkh },
        }],
      }),
    ],
    received: [
      dal({
        kind: "Prune",
        topic,
        px: [{ point: parsePointId("1.2.3.4:11732"), peerId }],
        backoff: 60,
      }),
      dal({ kind: "Unsubscribe", topic }),
    ],
  });
  const items = await decodeCli(["--app", "dal"], pieces, identityToJson(transcript.identity));
  const shown = items.filter((i) => i.kind === "p2p_message").map((
    i,
  ) => [i.direction, i.title, i.value]);
  assert.deepEqual(shown, [
    ["sent", "Graft", { kind: "graft", topic: topicJson }],
    ["sent", "Ping", { kind: "ping" }],
    ["sent", "IHave", {
      kind: "ihave",
      topic: topicJson,
      message_ids: [{
        level: 42,
        slot_index: 3,
        commitment: b58check(SH, commitment),
        shard_index: 9,
        pkh: b58check(TZ1, pkh),
      }],
    }],
    ["received", "Prune", {
      kind: "prune",
      topic: topicJson,
      px: [{ maybe_reachable_point: "1.2.3.4:11732", peer: b58check(PEER_ID, peerId) }],
      backoff: { span: 60 },
    }],
    ["received", "Unsubscribe", { kind: "unsubscribe", topic: topicJson }],
  ]);
  // The same bytes on this L1 chain (auto: shell) are shell decoding errors, not crashes.
  const auto = await decodeCli([], pieces, identityToJson(transcript.identity));
  const errors = auto.filter((i) => i.kind === "error");
  assert.equal(errors.length, 5);
  assert.ok(errors.every((e) => e.error === "decoding_error" && e.app === "shell" && !e.fatal));
});

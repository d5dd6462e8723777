// decodeConversation() on conversations built from the shared vectors: the synthetic handshake
// (both sides), the start of the Carthagenet capture, arbitrary line boundaries, and every kind of
// failure, which must come out as an `error` item and never as an exception.

import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeConversation } from "../../lib/cli/conversation.ts";
import type { ConversationPiece } from "../../lib/cli/conversation.ts";
import type { ConversationItem, Direction } from "../../lib/cli/conversation_item.ts";
import { itemToJsonLine } from "../../lib/cli/conversation_item.ts";
import { identityToJson, seal } from "../../lib/crypto/mod.ts";
import { type DalConnectionMetadata, dalMetadataCodec } from "../../lib/connection/mod.ts";
import { dalMetadataFormat } from "../../lib/cli/conversation_metadata.ts";
import { type AppFormat, codecAppFormat } from "../../lib/cli/conversation_app.ts";
import { DECODE_USAGE, decodeCommand } from "../../lib/cli/decode_command.ts";
import { isCliError } from "../../lib/cli/errors.ts";
import { type AppCodec, fromHex } from "../../lib/encoding/mod.ts";
import { vectors } from "../support/vectors.ts";
import {
  carthagenet,
  type Frame,
  framePieces,
  streamOf,
  synthetic,
  toJsonLines,
  type Transcript,
} from "./transcripts.ts";

/** The item fields a vector's `decoded` value announces. */
function expectedFields(frame: Frame): Record<string, unknown> {
  const d = frame.decoded as string | Record<string, unknown> | undefined;
  if (d === "Ack") return { kind: "ack" };
  if (d === "Bootstrap" || d === "Disconnect") return { kind: "p2p_message", message: d };
  if (typeof d === "object" && "disable_mempool" in d) return { kind: "metadata", ...d };
  if (typeof d === "object" && "Advertise" in d) {
    return { kind: "p2p_message", message: "Advertise", points: d.Advertise };
  }
  for (const name of ["Swap_request", "Swap_ack"]) {
    if (typeof d === "object" && name in d) {
      return { kind: "p2p_message", message: name, ...(d[name] as object) };
    }
  }
  if (typeof d === "object" && d.p2p_message === "Message") {
    return {
      kind: "p2p_message",
      message: "Message",
      tag: Number(d.app_tag),
      hex: d.chain_id_hex,
    };
  }
  throw new Error(`unexpected decoded value ${JSON.stringify(d)}`);
}

/** Asserts that `actual` has every field of `expected` with the same value. */
function assertFields(actual: object, expected: Record<string, unknown>, what: string): void {
  const picked = Object.fromEntries(
    Object.keys(expected).map((k) => [k, (actual as Record<string, unknown>)[k]]),
  );
  assert.deepEqual(picked, expected, what);
}

/** One field of an item, whatever its kind. */
function field(item: ConversationItem | undefined, name: string): unknown {
  return (item as Record<string, unknown> | undefined)?.[name];
}

/** A text field of an item. */
function text(item: ConversationItem | undefined, name: string): string {
  return String(field(item, name));
}

function ofDirection(items: ConversationItem[], direction: Direction): ConversationItem[] {
  return items.filter((i) => i.direction === direction);
}

function connectionFields(fields: Record<string, unknown>): Record<string, unknown> {
  return { kind: "connection_message", ...fields };
}

/** Checks the items of a transcript decoded from frame-aligned pieces, chunk by chunk. */
function checkTranscript(t: Transcript, items: ConversationItem[]): void {
  assert.equal(items.filter((i) => i.kind === "error").length, 0, JSON.stringify(items));
  for (const direction of ["sent", "received"] as const) {
    const got = ofDirection(items, direction);
    const frames = t.chunks.filter((c) => c.direction === direction && c.decoded !== undefined);
    assertFields(
      got[0],
      connectionFields(direction === "sent" ? t.sentFields : t.receivedFields),
      `${direction} connection message`,
    );
    for (let i = 0; i < frames.length; i++) {
      assertFields(got[1 + i], expectedFields(frames[i]), `${direction} frame ${i}`);
      // Metadata and Ack carry the nonce they were opened with: the vector's nonce.
      if (i < 2) assert.equal(field(got[1 + i], "nonce"), frames[i].nonce);
    }
  }
}

Deno.test("decodeConversation() decodes the synthetic handshake as A, the initiator", () => {
  const t = synthetic("A");
  const items = decodeConversation(framePieces(t), t.identity);
  checkTranscript(t, items);
  // B→A ends with the Advertise cut into 12-byte chunks 4..7 (spec §7.3).
  const last = items.at(-1)!;
  assert.deepEqual(
    { ...last },
    {
      direction: "received",
      offset: 268,
      kind: "p2p_message",
      chunks: [4, 7],
      size: 44,
      message: "Advertise",
      points: ["1.2.3.4:9732", "[2001:db8::1]:9733"],
    },
  );
  // 2 connection messages, 2 × (metadata, Ack), A→B Bootstrap, Swap_request, Disconnect, B→A
  // Advertise, Swap_ack, Advertise.
  assert.equal(items.length, 12);
});

Deno.test("decodeConversation() decodes the synthetic handshake as B, the responder", () => {
  const t = synthetic("B");
  const items = decodeConversation(framePieces(t), t.identity, { incoming: true });
  checkTranscript(t, items);
  assert.equal(ofDirection(items, "sent").at(-1)!.kind, "p2p_message");
  assert.deepEqual(field(ofDirection(items, "sent").at(-1), "chunks"), [4, 7]);
});

Deno.test("decodeConversation() with the wrong direction flag fails at the first chunk", () => {
  const t = synthetic("B");
  const items = decodeConversation(framePieces(t), t.identity, { incoming: false });
  const failures = items.filter((i) => i.kind === "error")
    .map((e) => [e.direction, field(e, "error"), field(e, "chunk")])
    .sort();
  assert.deepEqual(failures, [["received", "decipher_error", 0], ["sent", "decipher_error", 0]]);
});

Deno.test("decodeConversation() decodes the start of the Carthagenet capture", () => {
  const t = carthagenet();
  // The vectors describe the application messages raw: compare with --app raw.
  const items = decodeConversation(framePieces(t), t.identity, { app: "raw" });
  checkTranscript(t, items);
  const [sent, received] = [ofDirection(items, "sent"), ofDirection(items, "received")];
  assertFields(sent[0], { peer_id: t.peerIds.sent, pow_bits: 26 }, "sent peer id");
  assertFields(received[0], { peer_id: t.peerIds.received }, "received peer id");
  // Both first messages are the shell's Get_current_branch, shown raw with the shell's name.
  for (const message of [sent.at(-1)!, received.at(-1)!]) {
    assertFields(message, { tag: 0x10, title: "Get_current_branch", hex: "9caecab9" }, "app");
  }
  // By default (an L1 chain name) they are typed; tests/cli/decode_shell_test.ts checks them
  // against an independent parse.
  const typed = decodeConversation(framePieces(t), t.identity);
  for (const direction of ["sent", "received"] as const) {
    const message = ofDirection(typed, direction).at(-1)!;
    assertFields(message, { tag: 0x10, title: "Get_current_branch" }, `typed ${direction}`);
    assert.equal(field(message, "hex"), undefined);
    assert.ok(field(message, "value") !== undefined);
  }
});

/** Cuts each direction's stream at the given fractions and interleaves the pieces. */
function recut(
  pieces: readonly ConversationPiece[],
  cuts: { sent: number[]; received: number[] },
  order: boolean[],
): ConversationPiece[] {
  const split = (direction: Direction): ConversationPiece[] => {
    const stream = streamOf(pieces, direction);
    const at = [...new Set(cuts[direction].map((f) => Math.floor(f * stream.length)))]
      .sort((a, b) => a - b);
    const out: ConversationPiece[] = [];
    let from = 0;
    for (const to of [...at, stream.length]) {
      if (to > from) out.push({ direction, bytes: stream.subarray(from, to) });
      from = to;
    }
    return out;
  };
  const sent = split("sent");
  const received = split("received");
  const out: ConversationPiece[] = [];
  for (let i = 0; sent.length > 0 || received.length > 0; i++) {
    const takeSent = received.length === 0 || (sent.length > 0 && (order[i % order.length]));
    out.push((takeSent ? sent : received).shift()!);
  }
  return out;
}

function perDirection(items: ConversationItem[]): string[][] {
  return (["sent", "received"] as const).map((d) => ofDirection(items, d).map(itemToJsonLine));
}

Deno.test("decodeConversation() gives the same items whatever the line boundaries", () => {
  const t = synthetic("A");
  const reference = perDirection(decodeConversation(framePieces(t), t.identity));
  const fraction = fc.double({ min: 0, max: 1, noNaN: true });
  fc.assert(
    fc.property(
      fc.array(fraction, { maxLength: 40 }),
      fc.array(fraction, { maxLength: 40 }),
      fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }),
      (sentCuts, receivedCuts, order) => {
        const pieces = recut(framePieces(t), { sent: sentCuts, received: receivedCuts }, order);
        assert.deepEqual(perDirection(decodeConversation(pieces, t.identity)), reference);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("decodeConversation() reads a whole direction in one line and one byte per line", () => {
  const t = synthetic("A");
  const pieces = framePieces(t);
  const reference = perDirection(decodeConversation(pieces, t.identity));
  const whole = (["received", "sent"] as const).map((direction) => ({
    direction,
    bytes: streamOf(pieces, direction),
  }));
  assert.deepEqual(perDirection(decodeConversation(whole, t.identity)), reference);
  const bytewise = whole.flatMap((p) =>
    Array.from(p.bytes, (_, i) => ({ direction: p.direction, bytes: p.bytes.subarray(i, i + 1) }))
  );
  assert.deepEqual(perDirection(decodeConversation(bytewise, t.identity)), reference);
});

// ---- failures -------------------------------------------------------------------------------

const transcriptVector = vectors("handshake_transcript")[0];
const CHANNEL_KEY = fromHex(transcriptVector.expected.channel_key);

/** A chunk frame: clen(2) ‖ tag(16) ‖ ct. */
function chunk(nonceHex: string, plaintext: Uint8Array): Uint8Array {
  const box = seal(CHANNEL_KEY, fromHex(nonceHex), plaintext);
  return new Uint8Array([box.length >> 8, box.length & 0xff, ...box]);
}

/** A's view with the A→B frame carrying `nonce` replaced by `bytes`. */
function replacingChunk(nonce: string, bytes: Uint8Array): ConversationPiece[] {
  const t = synthetic("A");
  const pieces = framePieces(t);
  const index = t.chunks.findIndex((c) => c.nonce === nonce);
  assert.ok(index >= 0, `no chunk with nonce ${nonce}`);
  pieces[2 + index] = { direction: t.chunks[index].direction, bytes };
  return pieces;
}

const A = synthetic("A");
const A_BOOTSTRAP_NONCE = A.chunks.find((c) => c.plaintext === "000000020002")!.nonce;
const B_ACK_NONCE = "4efa11add1c766dd9a400ca4541b4028960ec21d4d5ca196";

function errors(items: ConversationItem[]) {
  return items.filter((i) => i.kind === "error");
}

Deno.test("a chunk that does not decrypt stops its direction only", () => {
  const t = synthetic("A");
  const pieces = framePieces(t);
  const index = t.chunks.findIndex((c) => c.nonce === A_BOOTSTRAP_NONCE);
  const corrupt = pieces[2 + index].bytes.slice();
  corrupt[10] ^= 1; // a tag byte
  pieces[2 + index] = { direction: "sent", bytes: corrupt };
  const items = decodeConversation(pieces, t.identity);
  const sent = ofDirection(items, "sent");
  assert.deepEqual(sent.map((i) => i.kind), [
    "connection_message",
    "metadata",
    "ack",
    "error",
  ]);
  assertFields(sent[3], {
    error: "decipher_error",
    chunk: 2,
    offset: 144,
    fatal: true,
  }, "decipher error");
  assert.match(text(sent[3], "message"), new RegExp(A_BOOTSTRAP_NONCE));
  const reference = perDirection(decodeConversation(framePieces(t), t.identity))[1];
  assert.deepEqual(ofDirection(items, "received").map(itemToJsonLine), reference);
});

Deno.test("messages cut anywhere across chunks, several per chunk, name their chunks", () => {
  // A→B after the Ack: Bootstrap (6 bytes), Swap_request (38), Disconnect (6) re-cut into chunks
  // of 3, 40 and 7 plaintext bytes, as a peer other than Octez may send them (spec §7.3).
  const t = synthetic("A");
  const messages = t.chunks.filter((c) => c.direction === "sent").slice(2);
  const plain = fromHex(messages.map((c) => c.plaintext).join(""));
  assert.equal(plain.length, 50);
  const cuts = [[0, 3], [3, 43], [43, 50]];
  const pieces = framePieces(t).filter((_, i) => i < 2 || !messages.includes(t.chunks[i - 2]));
  for (let i = 0; i < 3; i++) {
    pieces.push({
      direction: "sent",
      bytes: chunk(messages[i].nonce, plain.subarray(cuts[i][0], cuts[i][1])),
    });
  }
  const sent = ofDirection(decodeConversation(pieces, t.identity), "sent").slice(3);
  assert.deepEqual(
    sent.map((i) => [field(i, "message"), field(i, "chunks"), field(i, "size")]),
    [["Bootstrap", [2, 3], 6], ["Swap_request", [3, 4], 38], ["Disconnect", [4, 4], 6]],
  );
});

Deno.test("a Nack is decoded with its motive and points, and bytes after it are reported", () => {
  const nack = vectors("nack").find((v) => v.name === "synthetic Nack chunk")!;
  assert.equal(nack.inputs.nonce, B_ACK_NONCE);
  const items = decodeConversation(replacingChunk(B_ACK_NONCE, fromHex(nack.hex!)), A.identity);
  const received = ofDirection(items, "received");
  assertFields(received[2], {
    kind: "nack",
    chunk: 1,
    form: "Nack",
    motive: 1,
    motive_name: "Too_many_connections",
    alternative_points: ["1.2.3.4:9732"],
  }, "nack");
  // The B→A messages recorded after the Nack are left over.
  assertFields(received[3], { kind: "error", error: "trailing_data" }, "trailing");
  assert.equal(received.length, 4);
});

Deno.test("a Nack_v_0 and a Nack with a negative motive are shown", () => {
  const v0 = decodeConversation(
    replacingChunk(B_ACK_NONCE, chunk(B_ACK_NONCE, new Uint8Array([0xff]))),
    A.identity,
  );
  assertFields(ofDirection(v0, "received")[2], {
    kind: "nack",
    form: "Nack_v_0",
    motive: 0,
    motive_name: "No_motive",
  }, "nack v0");
  const negative = vectors("nack").find((v) => v.name.includes("negative motive"))!;
  const items = decodeConversation(
    replacingChunk(B_ACK_NONCE, chunk(B_ACK_NONCE, fromHex(negative.hex!))),
    A.identity,
  );
  assertFields(ofDirection(items, "received")[2], {
    motive: -1,
    motive_name: "Unknown_motive",
    alternative_points: [],
  }, "negative motive");
});

Deno.test("a P2P message that does not decode is reported and the next one still decodes", () => {
  const twoInOne = vectors("p2p_message").find((v) => v.name.includes("two messages inside"))!;
  const pieces = replacingChunk(
    A_BOOTSTRAP_NONCE,
    chunk(A_BOOTSTRAP_NONCE, fromHex(twoInOne.hex!)),
  );
  const sent = ofDirection(decodeConversation(pieces, A.identity), "sent");
  assertFields(sent[3], {
    kind: "error",
    error: "decoding_error",
    decode_error: "extra_bytes",
    chunk: 2,
    fatal: false,
  }, "extra bytes");
  assert.deepEqual(sent.slice(4).map((i) => field(i, "message")), [
    "Swap_request",
    "Disconnect",
  ]);
});

Deno.test("a P2P message length over the 100 MiB limit stops the direction", () => {
  const tooBig = vectors("p2p_message").find((v) => v.name.includes("above 100 MiB"))!;
  const pieces = replacingChunk(A_BOOTSTRAP_NONCE, chunk(A_BOOTSTRAP_NONCE, fromHex(tooBig.hex!)));
  const sent = ofDirection(decodeConversation(pieces, A.identity), "sent");
  assert.equal(sent.length, 4);
  assertFields(sent[3], {
    error: "decoding_error",
    decode_error: "size_limit_exceeded",
    path: "P2pMessage",
    fatal: true,
  }, "size limit");
  const negative = replacingChunk(
    A_BOOTSTRAP_NONCE,
    chunk(A_BOOTSTRAP_NONCE, fromHex("ffffffff0002")),
  );
  assertFields(ofDirection(decodeConversation(negative, A.identity), "sent")[3], {
    decode_error: "invalid_int",
    fatal: true,
  }, "negative length");
  // Above the uint30 range but not a negative int32: data-encoding's uint30 passes it and the
  // 100 MiB check_size refuses it (binary_stream_reader.ml 127-138, 62-66), as the live reader does.
  for (const prefix of ["40000000", "7fffffff"]) {
    const pieces = replacingChunk(A_BOOTSTRAP_NONCE, chunk(A_BOOTSTRAP_NONCE, fromHex(prefix)));
    assertFields(ofDirection(decodeConversation(pieces, A.identity), "sent")[3], {
      decode_error: "size_limit_exceeded",
      fatal: true,
    }, `length 0x${prefix}`);
  }
});

Deno.test("a chunk shorter than its tag is an invalid ciphertext size", () => {
  const items = decodeConversation(
    replacingChunk(A_BOOTSTRAP_NONCE, new Uint8Array([0x00, 0x0f, ...new Uint8Array(15)])),
    A.identity,
  );
  const sent = ofDirection(items, "sent");
  assertFields(sent.at(-1)!, { error: "invalid_ciphertext_size", chunk: 2, fatal: true }, "size");
  assert.equal(sent.length, 4);
});

Deno.test("metadata and Ack chunks that do not decode are reported and decoding goes on", () => {
  const t = synthetic("A");
  const pieces = framePieces(t);
  const meta = t.chunks.findIndex((c) => c.direction === "sent" && c.plaintext === "0000");
  const ack = t.chunks.findIndex((c) => c.direction === "sent" && c.plaintext === "00");
  pieces[2 + meta] = { direction: "sent", bytes: chunk(t.chunks[meta].nonce, fromHex("000000")) };
  pieces[2 + ack] = { direction: "sent", bytes: chunk(t.chunks[ack].nonce, fromHex("02")) };
  const sent = ofDirection(decodeConversation(pieces, t.identity), "sent");
  assertFields(sent[1], { error: "decoding_error", decode_error: "extra_bytes", chunk: 0 }, "m");
  assertFields(sent[2], { error: "decoding_error", decode_error: "unexpected_tag", chunk: 1 }, "a");
  assert.deepEqual(sent.slice(3).map((i) => field(i, "message")), [
    "Bootstrap",
    "Swap_request",
    "Disconnect",
  ]);
});

Deno.test("input that ends inside a frame or a message says how many bytes were left", () => {
  const t = synthetic("A");
  const pieces = framePieces(t);
  // Drop the last split chunk of B→A: 36 of the Advertise's 44 bytes arrived, in chunks 4..6.
  const cut = pieces.slice(0, -1);
  const received = ofDirection(decodeConversation(cut, t.identity), "received");
  assertFields(received.at(-1)!, {
    error: "truncated",
    chunk: 4,
    bytes_left: 36,
    offset: 268,
  }, "message");
  // Keep 5 bytes of that last chunk: the input ends inside chunk 7.
  cut.push({ direction: "received", bytes: pieces.at(-1)!.bytes.subarray(0, 5) });
  const partial = ofDirection(decodeConversation(cut, t.identity), "received");
  assertFields(partial.at(-1)!, { error: "truncated", chunk: 7, bytes_left: 5 }, "chunk");
  assert.match(text(partial.at(-1), "message"), /5 of 26 bytes/);
  // A connection message cut short.
  const early = decodeConversation([{ direction: "sent", bytes: t.sentFrame.subarray(0, 50) }], {
    ...t.identity,
  });
  assert.deepEqual(early.map((i) => [i.kind, i.kind === "error" && i.error]), [
    ["error", "truncated"],
  ]);
  assert.match(text(early[0], "message"), /50 of 105 bytes/);
});

Deno.test("chunks wait for the other connection message, and say so when it never comes", () => {
  const t = synthetic("A");
  const sentOnly = framePieces(t).filter((p) => p.direction === "sent");
  const items = decodeConversation(sentOnly, t.identity);
  assert.deepEqual(items.map((i) => i.kind === "error" ? i.error : i.kind), [
    "connection_message",
    "no_channel_key",
  ]);
  assertFields(items[1], { bytes_left: streamOf(sentOnly, "sent").length - 105 }, "left");
  // Sent chunks recorded before the received connection message are decoded once it arrives.
  const late = [...sentOnly, ...framePieces(t).filter((p) => p.direction === "received")];
  assert.deepEqual(
    perDirection(decodeConversation(late, t.identity)),
    perDirection(decodeConversation(framePieces(t), t.identity)),
  );
});

Deno.test("the identity of the other side is refused with a hint that directions are swapped", () => {
  const t = synthetic("A");
  const items = decodeConversation(framePieces(t), synthetic("B").identity);
  const failures = errors(items);
  assert.equal(failures.length, 1);
  assertFields(failures[0], { direction: "sent", error: "identity_mismatch" }, "mismatch");
  assert.match(text(failures[0], "message"), /swapped/);
  assert.deepEqual(items.filter((i) => i.kind !== "error").map((i) => i.kind), [
    "connection_message",
    "connection_message",
  ]);
});

Deno.test("a connection message that does not decode is reported", () => {
  const t = synthetic("A");
  const bad = t.sentFrame.slice();
  bad[85] = 0xff; // chain name length: 0xff00000d bytes, more than the frame holds
  const items = decodeConversation(
    [{ direction: "sent", bytes: bad }, ...framePieces(t).slice(1)],
    t.identity,
  );
  assert.deepEqual(items.map((i) => i.kind === "error" ? i.error : i.kind), [
    "decoding_error",
    "connection_message",
    "no_channel_key",
  ]);
  assertFields(items[0], { direction: "sent", fatal: true }, "fatal");
});

Deno.test("a caller's application codec decodes the tags it knows and JSON lines show its bytes as hex", () => {
  interface GetCurrentBranch {
    readonly kind: "GetCurrentBranch";
    readonly chainId: Uint8Array;
  }
  const codec: AppCodec<GetCurrentBranch> = {
    tags: [0x10],
    sizeOf: () => 6,
    write: () => {
      throw new Error("not used");
    },
    read(r, tag) {
      if (tag !== 0x10) throw r.error("unexpected_tag", `tag ${tag}`);
      return { kind: "GetCurrentBranch", chainId: r.fixed(4) };
    },
  };
  const t = carthagenet();
  const app = codecAppFormat("get_current_branch_only", codec) as AppFormat<unknown>;
  const items = decodeConversation(framePieces(t), t.identity, { app });
  const last = items.at(-1)!;
  assert.deepEqual(JSON.parse(itemToJsonLine(last)).value, {
    kind: "GetCurrentBranch",
    chainId: "9caecab9",
  });
  // A tag the codec does not know is a decoding error, not a crash.
  const bootstrapLike = replacingChunk(
    A_BOOTSTRAP_NONCE,
    chunk(A_BOOTSTRAP_NONCE, fromHex("000000020011")),
  );
  const sent = ofDirection(
    decodeConversation(bootstrapLike, A.identity, { app }),
    "sent",
  );
  assertFields(sent[3], {
    error: "decoding_error",
    decode_error: "unexpected_tag",
    tag: 0x11,
    app: "get_current_branch_only",
    fatal: false,
  }, "tag");
  // With --app raw the same message is shown raw.
  const raw = ofDirection(decodeConversation(bootstrapLike, A.identity, { app: "raw" }), "sent");
  assertFields(raw[3], { message: "Message", tag: 0x11, title: "Current_branch", hex: "" }, "raw");
});

/** A's view of the synthetic transcript with both metadata chunks carrying DAL metadata. */
function withDalMetadata(): { t: Transcript; pieces: ConversationPiece[] } {
  const t = synthetic("A");
  const pieces = framePieces(t);
  const dal: Record<Direction, DalConnectionMetadata> = {
    sent: { advertisedNetPort: 11732, isBootstrapPeer: false },
    received: { advertisedNetAddr: "2001:db8::7", isBootstrapPeer: true },
  };
  for (const direction of ["sent", "received"] as const) {
    const index = t.chunks.findIndex((c) => c.direction === direction); // chunk 0: metadata
    pieces[2 + index] = {
      direction,
      bytes: chunk(t.chunks[index].nonce, dalMetadataCodec.encode(dal[direction])),
    };
  }
  return { t, pieces };
}

Deno.test("DAL metadata chunks decode with the dal format, absent fields left out", () => {
  const { t, pieces } = withDalMetadata();
  const items = decodeConversation(pieces, t.identity, { metadata: dalMetadataFormat });
  assert.deepEqual(errors(items), []);
  const metadata = items.filter((i) => i.kind === "metadata").map(itemToJsonLine);
  assert.equal(metadata.length, 2);
  const sent = metadata.find((line) => line.includes('"direction":"sent"'))!;
  const received = metadata.find((line) => line.includes('"direction":"received"'))!;
  assert.match(sent, /"kind":"metadata","advertised_net_port":11732,"is_bootstrap_peer":false}$/);
  assert.doesNotMatch(sent, /advertised_net_addr|disable_mempool/);
  assert.match(received, /"advertised_net_addr":"2001:db8::7","is_bootstrap_peer":true}$/);
});

Deno.test("DAL metadata read as the shell's is a decoding error, and decoding goes on", () => {
  const { t, pieces } = withDalMetadata();
  const sent = ofDirection(decodeConversation(pieces, t.identity), "sent");
  assertFields(sent[1], { error: "decoding_error", decode_error: "extra_bytes", chunk: 0 }, "m");
  assert.match(text(sent[1], "message"), /the shell metadata chunk does not decode/);
  assert.equal(sent[2].kind, "ack");
});

Deno.test("decode --metadata takes shell or dal", async () => {
  const io = { out: () => Promise.resolve(), err: () => {}, errIsTerminal: false };
  await assert.rejects(
    decodeCommand(["--identity", "id.json", "--metadata", "tezos", "c.jsonl"], io),
    (e) => isCliError(e) && e.kind === "usage" && /shell or dal, got "tezos"/.test(e.message),
  );
  assert.match(DECODE_USAGE, /\[--metadata shell\|dal\]/);
});

Deno.test("decode --metadata dal prints the DAL fields of a recorded conversation", async () => {
  const { t, pieces } = withDalMetadata();
  const dir = await Deno.makeTempDir({ prefix: "tzp2p_cli_test_" });
  try {
    await Deno.writeTextFile(`${dir}/id.json`, identityToJson(t.identity));
    await Deno.writeTextFile(`${dir}/c.jsonl`, toJsonLines(pieces));
    let out = "";
    const io = {
      out: (s: string) => Promise.resolve(void (out += s)),
      err: () => {},
      errIsTerminal: false,
    };
    await decodeCommand(["--identity", `${dir}/id.json`, "--metadata=dal", `${dir}/c.jsonl`], io);
    const metadata = out.trim().split("\n").map((line) => JSON.parse(line)).filter((item) =>
      item.kind === "metadata"
    );
    assert.deepEqual(metadata.map((m) => [m.direction, m.is_bootstrap_peer]), [
      ["sent", false],
      ["received", true],
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import fc from "fast-check";
import { incrementNonce } from "../../lib/crypto/mod.ts";
import { isDecodeError } from "../../lib/encoding/errors.ts";
import { fromHex, toHex } from "../../lib/encoding/mod.ts";
import {
  encryptChunk,
  FrameReader,
  isP2pError,
  MAX_P2P_MESSAGE_SIZE,
} from "../../lib/connection/mod.ts";
import { MIN_MESSAGE_CAPACITY } from "../../lib/connection/message_assembler.ts";
import { concat } from "../support/bytes.ts";

const KEY = fromHex("11".repeat(32));
const NONCE = fromHex("22".repeat(24));

/** `length(4, BE) ‖ body`. */
function framed(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

function prefix(length: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, length);
  return out;
}

/** Chunk frames for `plaintexts`, with successive nonces from NONCE. */
function chunks(plaintexts: readonly Uint8Array[]): Uint8Array[] {
  let nonce = NONCE;
  return plaintexts.map((p) => {
    const frame = encryptChunk(KEY, nonce, p);
    nonce = incrementNonce(nonce);
    return frame;
  });
}

/** Cuts `stream` into a message stream's chunk plaintexts of the given sizes (the rest last). */
function cut(stream: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= stream.length) break;
    out.push(stream.subarray(at, Math.min(stream.length, at + size)));
    at += size;
  }
  if (at < stream.length) out.push(stream.subarray(at));
  return out;
}

interface Read {
  connectionMessage?: string;
  chunks: string[];
  messages: string[];
}

/**
 * Drives a reader the way authenticate, accept and the connection do: the connection message,
 * two chunks (metadata, Ack), then the message stream.
 */
function readAll(pieces: readonly Uint8Array[]): Read {
  const reader = new FrameReader();
  const read: Read = { chunks: [], messages: [] };
  const step = () => {
    for (;;) {
      if (read.connectionMessage === undefined) {
        const frame = reader.connectionMessage();
        if (frame === undefined) return;
        read.connectionMessage = toHex(frame);
        reader.setChannel(KEY, NONCE.slice());
      } else if (read.chunks.length < 2) {
        const plaintext = reader.chunk();
        if (plaintext === undefined) return;
        read.chunks.push(toHex(plaintext));
      } else if (!reader.messageChunk((m) => read.messages.push(toHex(m)))) {
        return;
      }
    }
  };
  for (const piece of pieces) {
    reader.push(piece);
    piece.fill(0xee); // the caller may reuse its buffer once pushed
    step();
  }
  assert.equal(reader.buffered, 0);
  return read;
}

const conversation = fc.record({
  body: fc.uint8Array({ minLength: 0, maxLength: 120 }),
  metadata: fc.uint8Array({ maxLength: 4 }),
  messages: fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 8 }),
  sizes: fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 12 }),
});

type Conversation = typeof conversation extends fc.Arbitrary<infer T> ? T : never;

function wire(c: Conversation): { bytes: Uint8Array; expected: Read } {
  const connectionMessage = concat([prefix(c.body.length).subarray(2), c.body]);
  const messages = c.messages.map(framed);
  const plaintexts = [c.metadata, fromHex("00"), ...cut(concat(messages), c.sizes)];
  return {
    bytes: concat([connectionMessage, ...chunks(plaintexts)]),
    expected: {
      connectionMessage: toHex(connectionMessage),
      chunks: [toHex(c.metadata), "00"],
      messages: messages.map(toHex),
    },
  };
}

Deno.test("fed byte by byte, the reader yields the same frames as fed at once", () => {
  fc.assert(
    fc.property(conversation, (c) => {
      const { bytes, expected } = wire(c);
      assert.deepEqual(readAll([bytes.slice()]), expected);
      assert.deepEqual(readAll([...bytes].map((b) => new Uint8Array([b]))), expected);
    }),
    { numRuns: 100 },
  );
});

Deno.test("fed in random splits, the reader yields the same frames", () => {
  fc.assert(
    fc.property(conversation, fc.array(fc.nat(), { maxLength: 30 }), (c, cuts) => {
      const { bytes, expected } = wire(c);
      const points = [...new Set(cuts.map((n) => n % (bytes.length + 1)))].sort((a, b) => a - b);
      const pieces: Uint8Array[] = [];
      let from = 0;
      for (const to of [...points, bytes.length]) {
        pieces.push(bytes.slice(from, to));
        from = to;
      }
      assert.deepEqual(readAll(pieces), expected);
    }),
    { numRuns: 300 },
  );
});

Deno.test("a truncated stream yields a prefix of its frames and says how much the next needs", () => {
  fc.assert(
    fc.property(conversation, fc.nat(), (c, n) => {
      const { bytes, expected } = wire(c);
      const end = n % (bytes.length + 1);
      const reader = new FrameReader();
      reader.push(bytes.subarray(0, end));
      const frame = reader.connectionMessage();
      if (frame === undefined) {
        assert.ok(reader.needed > reader.buffered || reader.buffered < 2);
        return;
      }
      assert.equal(toHex(frame), expected.connectionMessage);
      reader.setChannel(KEY, NONCE.slice());
      const messages: string[] = [];
      for (let i = 0; i < 2; i++) if (reader.chunk() === undefined) break;
      while (reader.chunks >= 2 && reader.messageChunk((m) => messages.push(toHex(m))));
      assert.deepEqual(messages, expected.messages.slice(0, messages.length));
      if (end < bytes.length) assert.ok(reader.needed > reader.buffered);
    }),
    { numRuns: 300 },
  );
});

/** Whether `e` is one of the errors the reader may throw on bad bytes. */
function typed(e: unknown): boolean {
  return isP2pError(e, "invalid_incoming_ciphertext_size") || isP2pError(e, "decipher_error") ||
    isDecodeError(e, "invalid_int") || isDecodeError(e, "size_limit_exceeded");
}

Deno.test("garbage chunks and garbage message streams throw typed errors only", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 600 }),
      fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 8 }),
      (garbage, plaintexts) => {
        // Raw garbage where chunks are expected, then authentic chunks of garbage plaintext.
        for (const bytes of [garbage, concat(chunks(plaintexts))]) {
          const reader = new FrameReader();
          reader.setChannel(KEY, NONCE.slice());
          reader.push(bytes);
          try {
            while (reader.messageChunk(() => {}));
          } catch (e) {
            assert.ok(typed(e), String(e));
          }
        }
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("a chunk announcing fewer than 16 bytes is refused before its bytes are in", () => {
  const reader = new FrameReader();
  reader.setChannel(KEY, NONCE.slice());
  reader.push(fromHex("000f"));
  assert.throws(
    () => reader.messageChunk(() => {}),
    (e: unknown) => isP2pError(e, "invalid_incoming_ciphertext_size") && e.details.value === 15,
  );
  assert.equal(reader.offset, 0); // nothing consumed
});

Deno.test("a chunk that fails authentication still uses up its nonce", () => {
  const [frame] = chunks([fromHex("00")]);
  frame[frame.length - 1] ^= 1;
  const reader = new FrameReader();
  reader.setChannel(KEY, NONCE.slice());
  reader.push(frame);
  assert.throws(() => reader.chunk(), (e: unknown) => isP2pError(e, "decipher_error"));
  assert.equal(toHex(reader.nonce!), toHex(incrementNonce(NONCE)));
  assert.equal(reader.buffered, 0);
});

/** The error of a message stream that starts with the 4-byte `length`. */
function lengthError(length: number): unknown {
  const reader = new FrameReader();
  reader.setChannel(KEY, NONCE.slice());
  reader.push(concat(chunks([prefix(length)])));
  try {
    reader.messageChunk(() => {});
  } catch (e) {
    return e;
  }
  return undefined;
}

Deno.test("P2P lengths above 100 MiB - 4 are size_limit_exceeded up to 0x7fffffff, as in Octez", () => {
  assert.equal(lengthError(MAX_P2P_MESSAGE_SIZE - 4), undefined);
  for (const length of [MAX_P2P_MESSAGE_SIZE - 3, 0x3fffffff, 0x40000000, 0x7fffffff]) {
    const e = lengthError(length);
    assert.ok(isDecodeError(e, "size_limit_exceeded"), `${length}: ${e}`);
    assert.equal(e.path, "P2pMessage");
  }
  for (const length of [0x80000000, 0xffffffff]) {
    assert.ok(isDecodeError(lengthError(length), "invalid_int"), `${length}`);
  }
});

Deno.test("a 4-byte prefix claiming 100 MiB reserves nothing like it; the buffer grows with bytes", () => {
  const reader = new FrameReader();
  reader.setChannel(KEY, NONCE.slice());
  const length = MAX_P2P_MESSAGE_SIZE - 4;
  const piece = new Uint8Array(60_000);
  const plaintexts = [prefix(length), ...Array.from({ length: 10 }, () => piece)];
  reader.push(concat(chunks(plaintexts.slice(0, 1))));
  assert.ok(reader.messageChunk(() => assert.fail("nothing is complete")));
  assert.equal(reader.messageCapacity, MIN_MESSAGE_CAPACITY);
  const frames = chunks(plaintexts).slice(1);
  for (const frame of frames) {
    reader.push(frame);
    assert.ok(reader.messageChunk(() => assert.fail("nothing is complete")));
    // Never more than twice what arrived (or the 128 KiB floor).
    assert.ok(reader.messageCapacity <= Math.max(MIN_MESSAGE_CAPACITY, 2 * reader.messageFill));
  }
  assert.equal(reader.messageFill, 4 + 10 * piece.length);
  assert.ok(reader.inputCapacity <= 256 * 1024, `input ${reader.inputCapacity}`);
});

Deno.test("a connection message prefix claiming 65 535 bytes reserves only what was pushed", () => {
  const reader = new FrameReader();
  reader.push(fromHex("ffff00"));
  assert.equal(reader.connectionMessage(), undefined);
  assert.equal(reader.needed, 2 + 0xffff);
  assert.ok(reader.inputCapacity <= 4096, `input ${reader.inputCapacity}`);
});

Deno.test("a complete message is delivered in a buffer of exactly its size, its own", () => {
  const body = new Uint8Array(200_000).fill(7);
  const plaintexts = cut(framed(body), [65_517, 65_517, 65_517]);
  const reader = new FrameReader();
  reader.setChannel(KEY, NONCE.slice());
  const out: Uint8Array[] = [];
  for (const frame of chunks(plaintexts)) {
    reader.push(frame);
    while (reader.messageChunk((m) => out.push(m)));
  }
  assert.equal(out.length, 1);
  assert.equal(out[0].buffer.byteLength, 4 + body.length);
  assert.deepEqual(out[0].subarray(4), body);
});

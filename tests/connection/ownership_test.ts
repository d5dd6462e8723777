import assert from "node:assert/strict";
import type { RawAppMessage } from "../../lib/encoding/mod.ts";
import { accept, type Connection, FrameReader } from "../../lib/connection/mod.ts";
import { rawAppCodec } from "../../lib/encoding/mod.ts";
import { SLAB_MAX_ALLOCATION } from "../../lib/base/slab.ts";
import { appMessage, authenticatePair, memoryPipe, tcpPair } from "./helpers.ts";

// Small (slab views), medium (the sender's recycled encode slabs), 64 KiB and beyond (two and
// four chunks), so that every buffer path of both ends is crossed.
const SIZES = [0, 1, 64, 1000, SLAB_MAX_ALLOCATION - 6, SLAB_MAX_ALLOCATION + 1, 65536, 200_000];

function expectedBody(size: number, seed: number): Uint8Array {
  return appMessage(size, seed).message.body;
}

// Sends `rounds` rounds of SIZES, keeping every delivered body, then checks each kept body against
// what was sent: the buffers reused for the later rounds (slabs, sealing and input buffers) must
// not have touched the earlier messages.
async function keptMessagesStayValid(
  sender: Connection<RawAppMessage>,
  receiver: Connection<RawAppMessage>,
  rounds: number,
): Promise<void> {
  // Corrupted frames may announce a message that never completes: fail instead of waiting.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("messages stopped arriving")), 20_000);
  });
  try {
    await Promise.race([transferAndCheck(sender, receiver, rounds), expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function transferAndCheck(
  sender: Connection<RawAppMessage>,
  receiver: Connection<RawAppMessage>,
  rounds: number,
): Promise<void> {
  const kept: { body: Uint8Array; size: number; seed: number }[] = [];
  for (let seed = 0; seed < rounds; seed++) {
    const writing = (async () => {
      for (const size of SIZES) await sender.write(appMessage(size, seed));
    })();
    for (const size of SIZES) {
      const { message } = await receiver.read();
      assert.equal(message.kind, "Message");
      if (message.kind === "Message") kept.push({ body: message.message.body, size, seed });
    }
    await writing;
  }
  for (const { body, size, seed } of kept) {
    assert.deepEqual(body, expectedBody(size, seed), `message of ${size} B, round ${seed}`);
  }
}

Deno.test("kept messages stay intact while more traffic flows over TCP", async () => {
  const [a, b] = await tcpPair();
  try {
    await keptMessagesStayValid(a, b, 6);
    await keptMessagesStayValid(b, a, 3);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

Deno.test("kept messages stay intact over an in-memory pipe, which hands over what is written", async () => {
  const [x, y] = memoryPipe();
  const [authA, authB] = await authenticatePair(x, y);
  const [a, b] = await Promise.all([accept(authA, rawAppCodec), accept(authB, rawAppCodec)]);
  try {
    // A sealing buffer reused before the reader took it would fail authentication here.
    await keptMessagesStayValid(a, b, 4);
    await keptMessagesStayValid(b, a, 2);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

// One direction of a pipe built on a byte stream: `enqueue` transfers the written chunk's
// ArrayBuffer (detaches it), as a stream may. Handed a view of the shared slab, it would detach
// the slab under every message kept from it.
function transferringPipe(): [ByteStreamPair, ByteStreamPair] {
  const half = () => {
    let controller!: ReadableByteStreamController;
    const readable = new ReadableStream({ type: "bytes", start: (c) => void (controller = c) });
    const writable = new WritableStream<Uint8Array>({
      write: (chunk) => controller.enqueue(chunk),
      close: () => controller.close(),
      abort: () => controller.close(),
    });
    return { readable: readable as ReadableStream<Uint8Array>, writable };
  };
  const aToB = half(), bToA = half();
  return [
    { readable: bToA.readable, writable: aToB.writable },
    { readable: aToB.readable, writable: bToA.writable },
  ];
}

interface ByteStreamPair {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

Deno.test("a stream that transfers what it is given detaches no shared buffer", async () => {
  const [tcpA, tcpB] = await tcpPair();
  const [x, y] = transferringPipe();
  const [authA, authB] = await authenticatePair(x, y);
  const [a, b] = await Promise.all([accept(authA, rawAppCodec), accept(authB, rawAppCodec)]);
  try {
    // A small message kept from another connection: a view of the shared slab.
    await tcpA.write(appMessage(64, 9));
    const { message } = await tcpB.read();
    const kept = message.kind === "Message" ? message.message.body : new Uint8Array(0);
    await keptMessagesStayValid(a, b, 2);
    await keptMessagesStayValid(b, a, 1);
    assert.deepEqual(kept, expectedBody(64, 9));
  } finally {
    await Promise.all([a.close(), b.close(), tcpA.close(), tcpB.close()]);
  }
});

Deno.test("small delivered messages share a slab, large ones have their own buffer", async () => {
  const [a, b] = await tcpPair();
  try {
    await a.write(appMessage(64, 1));
    await a.write(appMessage(64, 2));
    await a.write(appMessage(65536, 3));
    const bodies = [];
    for (let i = 0; i < 3; i++) {
      const { message } = await b.read();
      if (message.kind === "Message") bodies.push(message.message.body);
    }
    assert.equal(bodies[0].buffer, bodies[1].buffer);
    assert.equal(bodies[2].buffer.byteLength, 4 + 2 + 65536);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

Deno.test("a frame reader with nothing unread gives its input buffer back", () => {
  const reader = new FrameReader();
  reader.push(new Uint8Array([0x00, 0x03, 0xaa, 0xbb, 0xcc, 0x00]));
  assert.deepEqual(reader.connectionMessage(), new Uint8Array([0, 3, 0xaa, 0xbb, 0xcc]));
  reader.releaseInput(); // one byte of the next frame is still unread: kept
  assert.ok(reader.inputCapacity > 0);
  reader.push(new Uint8Array([0x01, 0x07]));
  assert.deepEqual(reader.connectionMessage(), new Uint8Array([0, 1, 7]));
  reader.releaseInput();
  assert.equal(reader.inputCapacity, 0);
  reader.push(new Uint8Array([0x00, 0x01, 0x09]));
  assert.deepEqual(reader.connectionMessage(), new Uint8Array([0, 1, 9]));
});

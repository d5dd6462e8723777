// Octez `src/lib_p2p/test/test_p2p_socket.ml` re-created, scenario by scenario, over real TCP on
// 127.0.0.1 (Octez forks a client and a server process; here both run as tasks of one test, see
// run_nodes.ts). Each test name starts with Octez's test name.

import assert from "node:assert/strict";
import { readExactly } from "../support/socket_frames.ts";
import {
  accept,
  type AppCodec,
  decryptChunk,
  encryptChunk,
  isP2pError,
  nack,
} from "../../lib/connection/mod.ts";
import { channelKey, generateIdentitySync, makePowTarget } from "../../lib/crypto/mod.ts";
import { equalBytes } from "../../lib/base/bytes.ts";
import { rawAppCodec, type RawAppMessage } from "../../lib/encoding/mod.ts";
import { RejectionMotive } from "../../lib/base/rejection.ts";
import { acceptAuth, connectAuth, id2, randomBytes, runNodes } from "./run_nodes.ts";

const timeoutMs = 5_000;

function rawMessage(body: Uint8Array): { kind: "Message"; message: RawAppMessage } {
  return { kind: "Message", message: { kind: "Raw", tag: 0x10, body } };
}

function bodyOf(received: { message: unknown }): Uint8Array {
  const m = received.message as { kind: string; message: RawAppMessage };
  assert.equal(m.kind, "Message");
  return m.message.body;
}

Deno.test("low-level: raw bytes written by the server are read in full by the client", async () => {
  const simpleMsg = randomBytes(1 << 4);
  await runNodes(
    async (point, barrier) => {
      const socket = await Deno.connect({ hostname: point.addr, port: point.port });
      const msg = await readExactly(socket, simpleMsg.length);
      assert.ok(equalBytes(msg, simpleMsg));
      await barrier.sync();
      socket.close();
    },
    async (socket, barrier) => {
      await socket.write(simpleMsg);
      await barrier.sync();
      socket.close();
    },
  );
});

Deno.test("pow: a stamp below the server's target fails there; the client sees connection_closed", async () => {
  // Octez's high_pow_target is 100: no PoW-0 identity reaches it.
  await runNodes(
    async (point) => {
      const e = await connectAuth(point, id2).then(() => undefined, (e) => e);
      assert.ok(isP2pError(e, "connection_closed"), `got ${e}`);
    },
    async (socket) => {
      const e = await acceptAuth(socket, { powTarget: makePowTarget(100) }).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(isP2pError(e, "not_enough_proof_of_work"), `got ${e}`);
      // authenticate() closed the socket on failure.
    },
  );
});

Deno.test("nacked: the client answers the Ack with a Nack; the server's accept is rejected_by_nack", async () => {
  await runNodes(
    async (point, barrier) => {
      const auth = await connectAuth(point, id2);
      await nack(auth, RejectionMotive.NoMotive, []);
      await barrier.sync();
    },
    async (socket, barrier) => {
      const auth = await acceptAuth(socket);
      const e = await accept(auth, rawAppCodec, { timeoutMs }).then(() => undefined, (e) => e);
      assert.ok(isP2pError(e, "rejected_by_nack"), `got ${e}`);
      await barrier.sync();
    },
  );
});

// Simple, chunked and oversized messages: both ends write one message and read the other's.
function exchange(size: number, binaryChunksSize?: number) {
  const serverMsg = randomBytes(size);
  const clientMsg = randomBytes(size);
  return runNodes(
    async (point, barrier) => {
      const conn = await accept(await connectAuth(point, id2), rawAppCodec, {
        timeoutMs,
        binaryChunksSize,
      });
      await conn.writeSync(rawMessage(clientMsg));
      assert.ok(equalBytes(bodyOf(await conn.read()), serverMsg));
      await barrier.sync();
      await conn.close();
    },
    async (socket, barrier) => {
      const conn = await accept(await acceptAuth(socket), rawAppCodec, {
        timeoutMs,
        binaryChunksSize,
      });
      await conn.writeSync(rawMessage(serverMsg));
      assert.ok(equalBytes(bodyOf(await conn.read()), clientMsg));
      await barrier.sync();
      await conn.close();
    },
  );
}

Deno.test("simple-message: 16-byte messages cross both ways after the handshake", () =>
  exchange(16));

Deno.test("chunked-message: 256-byte messages cross both ways in chunks of 21 bytes", () =>
  exchange(1 << 8, 21));

Deno.test("oversized-message: 128 KiB messages cross both ways, over several chunks", () =>
  exchange(1 << 17));

Deno.test("close-on-read: the server closes; the client's pending read fails with connection_closed", async () => {
  await runNodes(
    async (point, barrier) => {
      const conn = await accept(await connectAuth(point, id2), rawAppCodec, { timeoutMs });
      await barrier.sync();
      const e = await conn.read().then(() => undefined, (e) => e);
      assert.ok(isP2pError(e, "connection_closed"), `got ${e}`);
      await conn.close();
    },
    async (socket, barrier) => {
      const conn = await accept(await acceptAuth(socket), rawAppCodec, { timeoutMs });
      await barrier.sync();
      await conn.close();
    },
  );
});

Deno.test("close-on-write: the server closes; the client's write 100 ms later fails with connection_closed", async () => {
  await runNodes(
    async (point, barrier) => {
      const conn = await accept(await connectAuth(point, id2), rawAppCodec, { timeoutMs });
      await barrier.sync();
      await new Promise((r) => setTimeout(r, 100));
      const e = await conn.writeSync(rawMessage(randomBytes(16))).then(() => undefined, (e) => e);
      assert.ok(isP2pError(e, "connection_closed"), `got ${e}`);
      await conn.close();
    },
    async (socket, barrier) => {
      const conn = await accept(await acceptAuth(socket), rawAppCodec, { timeoutMs });
      await conn.close();
      await barrier.sync();
    },
  );
});

// Octez's reader decodes `dynamic_size (option string)` and receives the 16 bytes 4, -1, -1, -1
// (int32 each): a 4-byte region whose option tag is 0xff. The reader here has the same layout
// after the message tag 0x10; the writer sends those 16 bytes as a Raw 0x10 message.
const optionStringCodec: AppCodec<string | null> = {
  tags: [0x10],
  sizeOf: () => 2,
  write: () => {
    throw new Error("the garbled-data reader never writes");
  },
  read(r) {
    const outer = r.openRegion(r.u30());
    const tag = r.u8();
    if (tag > 1) throw r.error("unexpected_tag", `option tag ${tag}`);
    const value = tag === 0 ? null : r.utf8(r.u30());
    r.closeRegion(outer);
    return value;
  },
};

Deno.test("garbled-data: the reader of a garbled message gets decoding_error, the writer connection_closed", async () => {
  const garbled = new Uint8Array(16).fill(0xff);
  new DataView(garbled.buffer).setInt32(0, 4);
  await runNodes(
    async (point) => {
      const conn = await accept(await connectAuth(point, id2), optionStringCodec, { timeoutMs });
      const e = await conn.read().then(() => undefined, (e) => e);
      assert.ok(isP2pError(e, "decoding_error"), `got ${e}`);
      await conn.close();
    },
    async (socket) => {
      const conn = await accept(await acceptAuth(socket), rawAppCodec, { timeoutMs });
      await conn.writeSync({ kind: "Message", message: { kind: "Raw", tag: 0x10, body: garbled } });
      const e = await conn.read().then(() => undefined, (e) => e);
      assert.ok(isP2pError(e, "connection_closed"), `got ${e}`);
      await conn.close();
    },
  );
});

Deno.test("ACK (crypto): a chunk sealed with a channel key and nonce opens with them, over TCP", async () => {
  const { secretKey } = generateIdentitySync(0);
  const { publicKey } = generateIdentitySync(0);
  const key = channelKey(publicKey, secretKey);
  const zeroNonce = new Uint8Array(24);
  const msg = new TextEncoder().encode("test");
  await runNodes(
    async (point) => {
      const socket = await Deno.connect({ hostname: point.addr, port: point.port });
      const frame = encryptChunk(key, zeroNonce, msg);
      // frame = len(2, BE) ‖ tag(16) ‖ ciphertext(4)
      assert.equal(frame.length, 2 + 16 + msg.length);
      await socket.write(frame);
      socket.close();
    },
    async (socket) => {
      const header = await readExactly(socket, 2);
      const length = (header[0] << 8) | header[1];
      assert.equal(length, 16 + msg.length);
      const rest = await readExactly(socket, length);
      const frame = new Uint8Array([...header, ...rest]);
      assert.equal(new TextDecoder().decode(decryptChunk(key, zeroNonce, frame)), "test");
      // Stronger than Octez: the next nonce, or one flipped bit, fails with decipher_error.
      const next = zeroNonce.slice();
      next[23] = 1;
      assert.throws(() => decryptChunk(key, next, frame), (e) => isP2pError(e, "decipher_error"));
      frame[5] ^= 1;
      assert.throws(
        () => decryptChunk(key, zeroNonce, frame),
        (e) => isP2pError(e, "decipher_error"),
      );
      socket.close();
    },
  );
});

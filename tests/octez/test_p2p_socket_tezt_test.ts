// Octez `src/lib_p2p/tezt/test_p2p_socket.ml` (the tezt suite, not the alcotest one of the same
// name, which is test_p2p_socket_test.ts) re-created over real TCP on 127.0.0.1: nack, self peer
// id, self connection message.

import assert from "node:assert/strict";
import { readFrame } from "../support/socket_frames.ts";
import { accept, encryptChunk, isP2pError, nack } from "../../lib/connection/mod.ts";
import { rawAppCodec } from "../../lib/encoding/mod.ts";
import { channelKey, deriveNonces } from "../../lib/crypto/mod.ts";
import { equalBytes } from "../../lib/base/bytes.ts";
import { makePointId } from "../../lib/base/point_id.ts";
import { RejectionMotive } from "../../lib/base/rejection.ts";
import { acceptAuth, connectAuth, id1, id2, options, runNodes } from "./run_nodes.ts";
import { authenticate } from "../../lib/connection/mod.ts";

Deno.test("p2p socket nack: the server checks the client's id and Nacks; the client is rejected_by_nack", async () => {
  await runNodes(
    async (point, barrier) => {
      const auth = await connectAuth(point, id2);
      const e = await accept(auth, rawAppCodec, { timeoutMs: 5_000 }).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(isP2pError(e, "rejected_by_nack"), `got ${e}`);
      assert.equal(e.details.motive, RejectionMotive.NoMotive);
      await barrier.sync();
    },
    async (socket, barrier) => {
      const auth = await acceptAuth(socket);
      assert.equal(auth.info.incoming, true);
      assert.ok(equalBytes(auth.peerId, id2.peerId));
      await nack(auth, RejectionMotive.NoMotive, []);
      await barrier.sync();
    },
  );
});

Deno.test("p2p socket self peer id: a client announcing the server's key fails with decipher_error, not myself", async () => {
  await runNodes(
    async (point) => {
      // The server's public key (so its peer id) with the client's secret key and stamp.
      const impostor = { ...id2, publicKey: id1.publicKey, peerId: id1.peerId };
      const socket = await Deno.connect({ hostname: point.addr, port: point.port });
      await authenticate(socket, options(impostor, false, { remotePoint: point })).catch(() => {});
    },
    async (socket) => {
      const e = await acceptAuth(socket).then(() => undefined, (e) => e);
      // Octez accepts Decipher_error or Not_enough_proof_of_work (the borrowed stamp may not fit
      // the key); with a PoW target of 0 only the first is possible.
      assert.ok(isP2pError(e, "decipher_error"), `got ${e}`);
    },
  );
});

Deno.test("p2p socket self connection message: replaying the server's connection message fails with decipher_error, not myself", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const point = makePointId("127.0.0.1", (listener.addr as Deno.NetAddr).port);
  try {
    await Promise.all([
      (async () => {
        // First connection: it only gives the client the server's connection message.
        await acceptAuth(await listener.accept()).catch(() => {});
        // Second: the client sends that message back as its own.
        const e = await acceptAuth(await listener.accept()).then(() => undefined, (e) => e);
        assert.ok(isP2pError(e, "decipher_error"), `got ${e}`);
      })(),
      (async () => {
        const first = await Deno.connect({ hostname: point.addr, port: point.port });
        const serverMessage = await readFrame(first);
        first.close();
        const second = await Deno.connect({ hostname: point.addr, port: point.port });
        await second.write(serverMessage);
        const received = await readFrame(second);
        // The client lacks the server's secret key: it seals with its own, for the server's key.
        const key = channelKey(id1.publicKey, id2.secretKey);
        const { localNonce } = deriveNonces(serverMessage, received, false);
        // Shell metadata: disable_mempool = false, private_node = false.
        await second.write(encryptChunk(key, localNonce, new Uint8Array([0, 0])));
        // Wait for the server to close.
        await second.read(new Uint8Array(1024)).catch(() => null);
        second.close();
      })(),
    ]);
  } finally {
    listener.close();
  }
});

import assert from "node:assert/strict";
import { rawAppCodec, type RawAppMessage, toHex } from "../../lib/encoding/mod.ts";
import { makePointId, pointIdToString } from "../../lib/base/point_id.ts";
import type { P2pMessage } from "../../gen/p2p_message.ts";
import { generateIdentitySync, peerIdToString } from "../../lib/crypto/mod.ts";
import {
  accept,
  authenticate,
  connect,
  type Connection,
  isP2pError,
  OCTEZ_MAINNET_VERSIONS,
} from "../../lib/connection/mod.ts";
import { sleep } from "../support/async.ts";
import { appMessage, authenticatePair, handshakeOptions, memoryPipe, tcpPair } from "./helpers.ts";

type Message = P2pMessage<RawAppMessage>;

function body(message: Message): Uint8Array {
  assert.equal(message.kind, "Message");
  return (message as { message: RawAppMessage }).message.body;
}

// Sends `sizes` one way and checks every byte of what arrives.
async function sendAll(from: Connection<RawAppMessage>, sizes: number[], seed: number) {
  for (const size of sizes) await from.write(appMessage(size, seed));
}

async function receiveAll(to: Connection<RawAppMessage>, sizes: number[], seed: number) {
  for (const size of sizes) {
    const { size: wireSize, message } = await to.read();
    assert.equal(wireSize, 4 + 2 + size);
    assert.deepEqual(body(message), appMessage(size, seed).message.body);
  }
}

const SIZES = [0, 1, 63, 64, 1000, 65511, 65512, 65517, 100_000, 262_144, 1 << 20];

Deno.test("two TCP endpoints exchange messages of 0 B to 1 MiB in both directions at once", async () => {
  const [a, b] = await tcpPair();
  await Promise.all([
    sendAll(a, SIZES, 1),
    sendAll(b, SIZES, 2),
    receiveAll(b, SIZES, 1),
    receiveAll(a, SIZES, 2),
  ]);
  const stat = a.stat();
  assert.equal(stat.messagesSent, SIZES.length);
  assert.equal(stat.messagesReceived, SIZES.length);
  const payload = SIZES.reduce((n, s) => n + s + 6, 0);
  assert.ok(stat.totalSent > payload && stat.totalRecv > payload);
  assert.equal(b.stat().totalRecv, stat.totalSent);
  await Promise.all([a.close(), b.close()]);
});

Deno.test("small binary chunk sizes cut and reassemble messages both ways (21 and 1 000 bytes)", async () => {
  const [a, b] = await tcpPair({ binaryChunksSize: 21 });
  const small = [0, 1, 2, 3, 4, 5, 100, 4096];
  await Promise.all([
    sendAll(a, small, 3),
    sendAll(b, small, 4),
    receiveAll(b, small, 3),
    receiveAll(a, small, 4),
  ]);
  // 3 plaintext bytes per chunk: a 4 096-byte body is a 4 102-byte message in 1 368 chunks.
  const sentBefore = a.stat().totalSent;
  await a.writeSync(appMessage(4096));
  assert.equal(a.stat().totalSent - sentBefore, 4102 + 18 * 1368);
  await receiveAll(b, [4096], 0);
  await Promise.all([a.close(), b.close()]);

  const [c, d] = await tcpPair({ binaryChunksSize: 1000 });
  const medium = [0, 981, 982, 983, 300_000];
  await Promise.all([
    sendAll(c, medium, 5),
    sendAll(d, medium, 6),
    receiveAll(d, medium, 5),
    receiveAll(c, medium, 6),
  ]);
  await Promise.all([c.close(), d.close()]);
});

Deno.test("connection info gives peer ids, points, versions and metadata", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const alice = generateIdentitySync(0);
  const bob = generateIdentitySync(0);
  const [server, client] = await Promise.all([
    listener.accept().then((conn) =>
      authenticate(
        conn,
        handshakeOptions(bob, true, {
          listeningPort: port,
          metadata: { disableMempool: true, privateNode: false },
        }),
      )
    ),
    connect(makePointId("127.0.0.1", port), {
      ...handshakeOptions(alice, false, {
        listeningPort: 19732,
        metadata: { disableMempool: false, privateNode: true },
      }),
    }),
  ]);
  listener.close();
  assert.equal(toHex(server.peerId), toHex(alice.peerId));
  assert.equal(toHex(client.peerId), toHex(bob.peerId));
  assert.equal(server.info.incoming, true);
  assert.equal(client.info.incoming, false);
  // Incoming: the remote address with the port it advertised; outgoing: the point dialled.
  assert.equal(pointIdToString(server.info.remoteListeningPoint!), "127.0.0.1:19732");
  assert.equal(pointIdToString(client.info.remoteListeningPoint!), `127.0.0.1:${port}`);
  assert.notEqual(server.info.remoteSocketPort, 19732);
  assert.equal(server.info.privateNode, true);
  assert.deepEqual(client.remoteMetadata, { disableMempool: true, privateNode: false });
  assert.deepEqual(server.info.announcedVersion, {
    chainName: "TEZOS_MAINNET",
    distributedDbVersion: 2,
    p2pVersion: 1,
  });
  const [a, b] = await Promise.all([accept(client, rawAppCodec), accept(server, rawAppCodec)]);
  assert.deepEqual(a.version, {
    chainName: "TEZOS_MAINNET",
    distributedDbVersion: 2,
    p2pVersion: 1,
  });
  assert.deepEqual(a.localMetadata, { disableMempool: false, privateNode: true });
  assert.deepEqual(b.remoteMetadata, { disableMempool: false, privateNode: true });
  await Promise.all([a.close(), b.close()]);
});

Deno.test("equal(), privateNode and the one-line text that Deno.inspect shows", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const alice = generateIdentitySync(0);
  const bob = generateIdentitySync(0);
  const [server, client] = await Promise.all([
    listener.accept().then((conn) =>
      authenticate(conn, handshakeOptions(bob, true, { listeningPort: port }))
    ),
    connect(makePointId("127.0.0.1", port), {
      ...handshakeOptions(alice, false, {
        listeningPort: 19732,
        metadata: { disableMempool: false, privateNode: true },
      }),
    }),
  ]);
  listener.close();
  // Octez P2p_connection.Info.pp: direction, peer id, point, version, " private".
  const atBob = `incoming ${peerIdToString(alice.peerId)} 127.0.0.1:19732 TEZOS_MAINNET.2 (p2p: 1)`;
  const atAlice = `outgoing ${
    peerIdToString(bob.peerId)
  } 127.0.0.1:${port} TEZOS_MAINNET.2 (p2p: 1)`;
  assert.equal(Deno.inspect(server), `AuthenticatedConnection(${atBob} private)`);
  assert.equal(String(client), `AuthenticatedConnection(${atAlice})`);
  const [a, b] = await Promise.all([accept(client, rawAppCodec), accept(server, rawAppCodec)]);
  try {
    assert.equal(a.privateNode, false);
    assert.equal(b.privateNode, true);
    assert.equal(a.equal(a), true);
    assert.equal(a.equal(b), false);
    assert.equal(b.equal(a), false);
    // The message type does not matter: the socket does.
    const untyped: Connection<unknown> = a;
    assert.equal(untyped.equal(a), true);
    assert.equal(Deno.inspect(b), `Connection(${atBob} private)`);
    assert.equal(`${a}`, `Connection(${atAlice})`);
    assert.equal(
      Deno.inspect({ peer: a }, { breakLength: Infinity }),
      `{ peer: Connection(${atAlice}) }`,
    );
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

Deno.test("the text form says when the point is unknown and quotes an odd chain name", async () => {
  const [x, y] = memoryPipe();
  const odd = { ...OCTEZ_MAINNET_VERSIONS, chainName: "EVIL CHAIN\n" };
  const [authA, authB] = await authenticatePair(x, y, { versions: odd }, {});
  assert.match(
    Deno.inspect(authB),
    /^AuthenticatedConnection\(incoming id\w+ unknown point "EVIL CHAIN\\n"\.2 \(p2p: 1\)\)$/,
  );
  authA.close();
  authB.close();
});

Deno.test("an incoming connection with no advertised port has no listening point", async () => {
  const [x, y] = memoryPipe();
  const [, authB] = await authenticatePair(x, y, {}, {});
  assert.equal(authB.info.remoteListeningPoint, undefined);
  assert.equal(authB.info.remoteAddress, undefined);
  authB.close();
});

Deno.test("writeNow drops a message when the outgoing queue is full, write waits for room", async () => {
  const [x, y] = memoryPipe();
  const [authA, authB] = await authenticatePair(x, y);
  const [a, b] = await Promise.all([
    accept(authA, rawAppCodec, { outgoingQueueSize: 1000 }),
    accept(authB, rawAppCodec),
  ]);
  // Synchronous calls: the writer loop cannot take anything off the queue in between.
  assert.equal(a.writeNow(appMessage(600, 1)), true);
  assert.equal(a.writeNow(appMessage(600, 2)), false);
  assert.equal(a.writeNow(appMessage(300, 3)), true);
  let queued = false;
  const waiting = a.write(appMessage(600, 4)).then(() => queued = true);
  assert.equal(queued, false);
  await waiting;
  await receiveAll(b, [600], 1);
  await receiveAll(b, [300], 3);
  await receiveAll(b, [600], 4);
  assert.equal(b.readNow(), undefined);
  await Promise.all([a.close(), b.close()]);
});

Deno.test("writeSync resolves once the bytes are handed to the stream; readNow polls", async () => {
  const [x, y] = memoryPipe();
  const [authA, authB] = await authenticatePair(x, y);
  const [a, b] = await Promise.all([accept(authA, rawAppCodec), accept(authB, rawAppCodec)]);
  const before = x.written.length;
  await a.writeSync(appMessage(10));
  assert.equal(x.written.length, before + 1);
  assert.equal(x.written.at(-1)!.length, 18 + 16);
  await sleep(10);
  const polled = b.readNow();
  assert.ok(polled !== undefined);
  assert.equal(polled.size, 16);
  assert.equal(b.readNow(), undefined);
  await Promise.all([a.close(), b.close()]);
});

Deno.test("close({ wait: true }) sends everything queued first; the remote then sees connection_closed", async () => {
  const [a, b] = await tcpPair();
  const sizes = Array.from({ length: 200 }, (_, i) => 1000 + i);
  for (const size of sizes) assert.ok(a.writeNow(appMessage(size, 7)));
  await a.close({ wait: true });
  assert.equal(await a.closed, undefined);
  await receiveAll(b, sizes, 7);
  const e = await b.read().then(() => undefined, (e: unknown) => e);
  assert.ok(isP2pError(e, "connection_closed"));
  assert.equal((await b.closed)?.kind, "connection_closed");
  assert.throws(() => b.readNow(), (e: unknown) => isP2pError(e, "connection_closed"));
  await b.close();
});

Deno.test("close() without wait fails pending reads and writes with connection_closed", async () => {
  const [a, b] = await tcpPair({ outgoingQueueSize: 1000 });
  const pendingRead = a.read().then(() => undefined, (e: unknown) => e);
  a.writeNow(appMessage(900));
  const pendingWrite = a.write(appMessage(900)).then(() => undefined, (e: unknown) => e);
  await a.close();
  assert.ok(isP2pError(await pendingRead, "connection_closed"));
  assert.ok(isP2pError(await pendingWrite, "connection_closed"));
  assert.throws(
    () => a.writeNow({ kind: "Bootstrap" }),
    (e: unknown) => isP2pError(e, "connection_closed"),
  );
  await b.close();
});

Deno.test("a full incoming queue stops reading: the remote's writes wait until we read", async () => {
  const [x, y] = memoryPipe();
  const [authA, authB] = await authenticatePair(x, y);
  const [a, b] = await Promise.all([
    accept(authA, rawAppCodec),
    accept(authB, rawAppCodec, { incomingQueueSize: 65536 }),
  ]);
  // 2.5 MiB in ten 256 KiB socket writes; an in-memory pipe holds about one write.
  const sizes = Array(40).fill(65536);
  let written = 0;
  const writes = sizes.map((size) => a.writeSync(appMessage(size)).then(() => written++));
  await sleep(50);
  assert.ok(written < 20, `${written} of 40 writes went through`);
  await receiveAll(b, sizes, 0);
  await Promise.all(writes);
  assert.equal(written, 40);
  await Promise.all([a.close(), b.close()]);
});

Deno.test("the Web Streams views carry messages and end when the remote closes", async () => {
  const [a, b] = await tcpPair();
  const writer = a.writable.getWriter();
  for (let i = 0; i < 5; i++) await writer.write(appMessage(i * 100, i));
  await writer.write({ kind: "Bootstrap" });
  await writer.close(); // closes a after a flush
  const received: Message[] = [];
  for await (const message of b.readable) received.push(message);
  assert.equal(received.length, 6);
  assert.deepEqual(body(received[3]), appMessage(300, 3).message.body);
  assert.equal(received[5].kind, "Bootstrap");
  await b.close();
});

Deno.test("a decoded message keeps its bytes after more messages arrive", async () => {
  const [a, b] = await tcpPair();
  await a.write(appMessage(64, 1));
  const first = await b.read();
  for (let i = 0; i < 50; i++) await a.write(appMessage(64, 2));
  for (let i = 0; i < 50; i++) await b.read();
  assert.deepEqual(body(first.message), appMessage(64, 1).message.body);
  await Promise.all([a.close(), b.close()]);
});

Deno.test("an encoding failure is reported and nothing is sent", async () => {
  const [a, b] = await tcpPair();
  const tooMany = {
    kind: "Advertise" as const,
    points: Array.from({ length: 101 }, () => makePointId("1.2.3.4", 1)),
  };
  assert.throws(() => a.writeNow(tooMany), (e: unknown) => isP2pError(e, "encoding_error"));
  await assert.rejects(a.write(tooMany), (e: unknown) => isP2pError(e, "encoding_error"));
  assert.equal(a.stat().messagesSent, 0);
  await Promise.all([a.close(), b.close()]);
});

Deno.test("accept() can be called once per authenticated connection", async () => {
  const [x, y] = memoryPipe();
  const [authA, authB] = await authenticatePair(x, y);
  const [a, b] = await Promise.all([accept(authA, rawAppCodec), accept(authB, rawAppCodec)]);
  await assert.rejects(accept(authA, rawAppCodec), TypeError);
  await Promise.all([a.close(), b.close()]);
});

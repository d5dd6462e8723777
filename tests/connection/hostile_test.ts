import assert from "node:assert/strict";
import { fromHex, rawAppCodec, toHex } from "../../lib/encoding/mod.ts";
import { generateIdentitySync, makePowTarget } from "../../lib/crypto/mod.ts";
import { checkProofOfWork } from "../../lib/crypto/mod.ts";
import {
  accept,
  authenticate,
  type Connection,
  isP2pError,
  nack,
  type P2pErrorKind,
} from "../../lib/connection/mod.ts";
import type { RawAppMessage } from "../../lib/encoding/mod.ts";
import { concat } from "../support/bytes.ts";
import {
  appMessage,
  authenticatePair,
  freshIdentity,
  handshakeOptions,
  memoryPipe,
  tcpPair,
} from "./helpers.ts";
import { type ScriptedPeer, scriptedPeer } from "./scripted_peer.ts";

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail("expected a rejection");
}

async function assertP2pError(promise: Promise<unknown>, kind: P2pErrorKind) {
  const e = await rejection(promise);
  assert.ok(isP2pError(e, kind), `expected ${kind}, got ${e}`);
  return e;
}

// The responder under test, accepted by a scripted initiator that then sends `chunks`.
async function acceptedByScript(): Promise<[Connection<RawAppMessage>, ScriptedPeer]> {
  const peer = scriptedPeer();
  const authenticating = authenticate(peer.responderStream, peer.responderOptions);
  await peer.sendConnectionMessage();
  await peer.sendMetadata();
  const auth = await authenticating;
  const accepting = accept(auth, rawAppCodec);
  await peer.sendAck();
  return [await accepting, peer];
}

Deno.test("a remote stamp below our PoW target fails with not_enough_proof_of_work, over TCP", async () => {
  let weak = generateIdentitySync(0);
  while (checkProofOfWork(weak.publicKey, weak.proofOfWorkStamp, makePowTarget(8))) {
    weak = generateIdentitySync(0);
  }
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const [server, client] = await Promise.all([
    listener.accept(),
    Deno.connect({ hostname: "127.0.0.1", port }),
  ]);
  listener.close();
  const [strictSide, weakSide] = await Promise.all([
    rejection(
      authenticate(
        server,
        handshakeOptions(freshIdentity(), true, { powTarget: makePowTarget(8) }),
      ),
    ),
    rejection(authenticate(client, handshakeOptions(weak, false))),
  ]);
  assert.ok(isP2pError(strictSide, "not_enough_proof_of_work"));
  assert.equal(toHex(strictSide.details.peerId!), toHex(weak.peerId));
  assert.equal(strictSide.details.point?.addr, "127.0.0.1");
  // The strict side closes without sending its metadata.
  assert.ok(isP2pError(weakSide, "connection_closed"));
});

Deno.test("a stamp that reaches difficulty 8 passes a target of 8", async () => {
  const [a, b] = memoryPipe();
  const strong = generateIdentitySync(8);
  const [authA, authB] = await Promise.all([
    authenticate(a, handshakeOptions(strong, false)),
    authenticate(b, handshakeOptions(freshIdentity(), true, { powTarget: makePowTarget(8) })),
  ]);
  assert.equal(toHex(authB.peerId), toHex(strong.peerId));
  authA.close();
  authB.close();
});

Deno.test("the same identity on both ends fails with myself on both ends", async () => {
  const [a, b] = memoryPipe();
  const me = freshIdentity();
  const [ea, eb] = await Promise.all([
    rejection(authenticate(a, handshakeOptions(me, false))),
    rejection(authenticate(b, handshakeOptions(me, true))),
  ]);
  assert.ok(isP2pError(ea, "myself"));
  assert.ok(isP2pError(eb, "myself"));
  assert.equal(toHex(ea.details.peerId!), toHex(me.peerId));
});

Deno.test("a flipped bit in a message chunk fails reads with decipher_error and closes", async () => {
  const [conn, peer] = await acceptedByScript();
  const frame = peer.chunk(fromHex("000000020002"));
  frame[5] ^= 0x01;
  const reading = conn.read();
  await peer.send(frame);
  await assertP2pError(reading, "decipher_error");
  assert.equal((await conn.closed)?.kind, "decipher_error");
  await assertP2pError(conn.write({ kind: "Bootstrap" }), "decipher_error");
  await conn.close();
  await peer.end();
});

Deno.test("a flipped bit in the metadata chunk fails authentication with decipher_error", async () => {
  const peer = scriptedPeer();
  const authenticating = rejection(authenticate(peer.responderStream, peer.responderOptions));
  await peer.sendConnectionMessage();
  const metadata = fromHex("00122e09103ade110a521bb05c28b5cf63d6bb80");
  metadata[19] ^= 0x80;
  await peer.send(metadata);
  assert.ok(isP2pError(await authenticating, "decipher_error"));
  await peer.end();
});

Deno.test("a flipped bit in the Ack chunk fails accept with invalid_auth", async () => {
  const peer = scriptedPeer();
  const authenticating = authenticate(peer.responderStream, peer.responderOptions);
  await peer.sendConnectionMessage();
  await peer.sendMetadata();
  const accepting = rejection(accept(await authenticating, rawAppCodec));
  const ack = fromHex("0011b6f7972ec0cdf5104e00d721f026688970");
  ack[2] ^= 0x01;
  await peer.send(ack);
  const e = await accepting;
  assert.ok(isP2pError(e, "invalid_auth"));
  assert.ok(isP2pError(e.cause, "decipher_error"));
  await peer.end();
});

Deno.test("a frame cut short by end of stream fails reads with connection_closed", async () => {
  const [conn, peer] = await acceptedByScript();
  const frame = peer.chunk(fromHex("000000020002"));
  const reading = conn.read();
  await peer.send(frame.subarray(0, frame.length - 3));
  await peer.end();
  await assertP2pError(reading, "connection_closed");
  await conn.close();
});

Deno.test("a connection message cut short by end of stream fails with connection_closed", async () => {
  const peer = scriptedPeer();
  const authenticating = rejection(authenticate(peer.responderStream, peer.responderOptions));
  await peer.send(fromHex("0067" + "00".repeat(40)));
  await peer.end();
  assert.ok(isP2pError(await authenticating, "connection_closed"));
});

// Plaintexts the scripted peer sends after the Ack, and the decode error each must cause.
const malformedMessages: [string, string, string][] = [
  // 0x06400000 - 3 = 104 857 597 > 104 857 596; only the 4 length bytes are sent.
  ["a message length above 100 MiB - 4, before any buffering", "063ffffd", "size_limit_exceeded"],
  ["a negative message length", "80000000", "invalid_int"],
  ["a length too short for the tag", "00000001" + "00", "not_enough_data"],
];

for (const [what, plaintext, codecKind] of malformedMessages) {
  Deno.test(`${what} is a decoding_error (${codecKind})`, async () => {
    const [conn, peer] = await acceptedByScript();
    const reading = conn.read();
    await peer.send(peer.chunk(fromHex(plaintext)));
    const e = await assertP2pError(reading, "decoding_error");
    assert.ok(isP2pError(e) && e.details.codecError?.kind === codecKind);
    assert.equal((await conn.closed)?.kind, "decoding_error");
    await conn.close();
    await peer.end();
  });
}

Deno.test("a chunk announcing fewer than 16 bytes is invalid_incoming_ciphertext_size", async () => {
  const [conn, peer] = await acceptedByScript();
  const reading = conn.read();
  await peer.send(fromHex("000f" + "00".repeat(15)));
  const e = await assertP2pError(reading, "invalid_incoming_ciphertext_size");
  assert.ok(isP2pError(e) && e.details.value === 15);
  await conn.close();
  await peer.end();
});

Deno.test("a Bootstrap with a trailing byte is a decoding_error (extra_bytes)", async () => {
  const [conn, peer] = await acceptedByScript();
  await peer.send(peer.chunk(fromHex("000000020002")));
  await peer.send(peer.chunk(fromHex("00000003000200")));
  assert.equal((await conn.read()).message.kind, "Bootstrap");
  const e = await assertP2pError(conn.read(), "decoding_error");
  assert.ok(isP2pError(e) && e.details.codecError?.kind === "extra_bytes");
  await conn.close();
  await peer.end();
});

Deno.test("several messages in one chunk and one message over several chunks are both read", async () => {
  const [conn, peer] = await acceptedByScript();
  const advertise = fromHex(
    "0000002800030000000c312e322e332e343a39373332000000125b323030313a6462383a3a315d3a39373333",
  );
  const stream = concat([fromHex("000000020002"), fromHex("000000020001"), advertise]);
  // Chunk 1: Bootstrap, Disconnect and 5 bytes of Advertise; then 1, 30, and the rest.
  for (const [from, to] of [[0, 17], [17, 18], [18, 48], [48, stream.length]]) {
    await peer.send(peer.chunk(stream.subarray(from, to)));
  }
  assert.equal((await conn.read()).message.kind, "Bootstrap");
  assert.equal((await conn.read()).message.kind, "Disconnect");
  const third = await conn.read();
  assert.equal(third.size, advertise.length);
  assert.equal(third.message.kind, "Advertise");
  // An empty chunk carries nothing and is accepted.
  await peer.send(peer.chunk(new Uint8Array(0)));
  await peer.send(peer.chunk(fromHex("000000020002")));
  assert.equal((await conn.read()).message.kind, "Bootstrap");
  await conn.close();
  await peer.end();
});

Deno.test("garbage instead of a connection message is a decoding_error", async () => {
  const peer = scriptedPeer();
  const authenticating = rejection(authenticate(peer.responderStream, peer.responderOptions));
  await peer.send(fromHex("0005" + "0102030405"));
  const e = await authenticating;
  assert.ok(isP2pError(e, "decoding_error"));
  assert.equal(e.details.codecError?.kind, "not_enough_data");
  await peer.end();
});

Deno.test("an HTTP request instead of a connection message ends in connection_closed", async () => {
  const peer = scriptedPeer();
  const authenticating = rejection(authenticate(peer.responderStream, peer.responderOptions));
  await peer.send(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  await peer.end();
  assert.ok(isP2pError(await authenticating, "connection_closed"));
});

Deno.test("a peer that stops mid-handshake fails with timeout, then nothing is left running", async () => {
  const peer = scriptedPeer();
  const started = performance.now();
  const authenticating = rejection(
    authenticate(peer.responderStream, { ...peer.responderOptions, timeoutMs: 100 }),
  );
  await peer.sendConnectionMessage(); // and then nothing: no metadata
  const e = await authenticating;
  assert.ok(isP2pError(e, "timeout"));
  assert.equal(e.details.timeoutMs, 100);
  assert.ok(performance.now() - started < 2_000);
  await peer.end();
});

Deno.test("a silent TCP peer fails with timeout and the socket is closed", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const [server, client] = await Promise.all([
    listener.accept(),
    Deno.connect({ hostname: "127.0.0.1", port }),
  ]);
  listener.close();
  const e = await rejection(
    authenticate(client, handshakeOptions(freshIdentity(), false, { timeoutMs: 50 })),
  );
  assert.ok(isP2pError(e, "timeout"));
  // The silent side sees our connection message, then end of stream.
  const reader = server.readable.getReader();
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.length;
  }
  assert.equal(received, 105);
});

Deno.test("an aborted signal cancels the handshake with canceled", async () => {
  const peer = scriptedPeer();
  const controller = new AbortController();
  const authenticating = rejection(
    authenticate(peer.responderStream, { ...peer.responderOptions, signal: controller.signal }),
  );
  await peer.sendConnectionMessage();
  controller.abort(new Error("shutting down"));
  const e = await authenticating;
  assert.ok(isP2pError(e, "canceled"));
  assert.equal((e.cause as Error).message, "shutting down");
  const [a] = memoryPipe();
  const already = await rejection(
    authenticate(a, handshakeOptions(freshIdentity(), false, { signal: AbortSignal.abort() })),
  );
  assert.ok(isP2pError(already, "canceled"));
  await peer.end();
});

Deno.test("a Nack_v_0 goes to a remote that announced P2P version 0", async () => {
  const [a, b] = memoryPipe();
  const [authA, authB] = await authenticatePair(a, b, {
    versions: { chainName: "TEZOS_MAINNET", distributedDbVersions: [2], p2pVersions: [0] },
  });
  assert.equal(authB.version.kind, "selected");
  const [refused] = await Promise.all([rejection(accept(authA, rawAppCodec)), nack(authB, 5, [])]);
  assert.ok(isP2pError(refused, "rejected_by_nack"));
  assert.equal(refused.details.motive, 0);
  assert.equal(refused.details.alternativePoints, undefined);
});

Deno.test("a chain-name mismatch is reported for a Nack with Unknown_chain_name, over TCP", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const [server, client] = await Promise.all([
    listener.accept(),
    Deno.connect({ hostname: "127.0.0.1", port }),
  ]);
  listener.close();
  const [authA, authB] = await Promise.all([
    authenticate(client, handshakeOptions(freshIdentity(), false)),
    authenticate(
      server,
      handshakeOptions(freshIdentity(), true, {
        versions: { chainName: "TEZOS_GHOSTNET", distributedDbVersions: [2], p2pVersions: [1] },
      }),
    ),
  ]);
  assert.deepEqual(authB.version, { kind: "rejected", motive: 2 });
  const [refused] = await Promise.all([
    rejection(accept(authA, rawAppCodec)),
    nack(authB, authB.version.kind === "rejected" ? authB.version.motive : 0, []),
  ]);
  assert.ok(isP2pError(refused, "rejected_by_nack"));
  assert.equal(refused.details.motive, 2);
  assert.deepEqual(refused.details.alternativePoints, []);
  await assert.rejects(nack(authB, 1), TypeError);
});

Deno.test("a remote that closes instead of answering the Ack is rejected_socket_connection", async () => {
  const [a, b] = memoryPipe();
  const [authA, authB] = await authenticatePair(a, b);
  const accepting = rejection(accept(authA, rawAppCodec));
  authB.close();
  assert.ok(isP2pError(await accepting, "rejected_socket_connection"));
});

Deno.test("more than 100 alternative points or a bad chunk size are refused before sending", async () => {
  const [a, b] = memoryPipe();
  const [authA, authB] = await authenticatePair(a, b);
  const points = Array.from({ length: 101 }, (_, i) => ({ addr: "10.0.0.1", port: i + 1 }));
  await assert.rejects(nack(authB, 1, points), RangeError);
  for (const binaryChunksSize of [18, 65536, 1.5]) {
    await assertP2pError(accept(authA, rawAppCodec, { binaryChunksSize }), "invalid_chunks_size");
  }
  authA.close();
  authB.close();
});

Deno.test("a peer that closes while we write fails the writes with connection_closed", async () => {
  const [a, b] = await tcpPair({ outgoingQueueSize: 1 << 20 });
  await b.close();
  const big = appMessage(256 * 1024);
  let error: unknown;
  try {
    for (let i = 0; i < 400; i++) await a.write(big);
    await a.writeSync(big);
  } catch (e) {
    error = e;
  }
  assert.ok(isP2pError(error, "connection_closed"), `got ${error}`);
  assert.equal((await a.closed)?.kind, "connection_closed");
  await a.close();
});

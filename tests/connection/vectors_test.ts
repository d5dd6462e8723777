import assert from "node:assert/strict";
import { vectors } from "../support/vectors.ts";
import { fromHex, rawAppCodec, toHex } from "../../lib/encoding/mod.ts";
import { makePointId, parsePointId, pointIdToString } from "../../lib/base/point_id.ts";
import { channelKey, makePowTarget } from "../../lib/crypto/mod.ts";
import {
  accept,
  authenticate,
  type AuthenticateOptions,
  decryptChunk,
  encryptChunk,
  isP2pError,
  nack,
  selectVersion,
  shellMetadataCodec,
} from "../../lib/connection/mod.ts";
import { concat } from "../support/bytes.ts";
import { identityOfVector } from "../support/identity.ts";
import { memoryPipe } from "./helpers.ts";

const [transcript] = vectors("handshake_transcript");
const chunks = vectors("encrypted_chunk").filter((v) => v.name.startsWith("synthetic handshake"));
const wire = (index: number) => fromHex(chunks[index].hex!);

const versions = {
  chainName: "TEZOS_MAINNET",
  distributedDbVersions: [0, 1, 2],
  p2pVersions: [0, 1],
};

// A (initiator) and B (responder) of the synthetic transcript, with its message nonces and ports.
function transcriptOptions(): [AuthenticateOptions, AuthenticateOptions] {
  const { A, B } = transcript.inputs;
  const common = {
    powTarget: makePowTarget(0),
    versions,
    metadataCodec: shellMetadataCodec,
    timeoutMs: 5_000,
  };
  return [
    {
      ...common,
      identity: identityOfVector(A),
      incoming: false,
      listeningPort: 19732,
      remotePoint: makePointId("127.0.0.1", 9732),
      metadata: { disableMempool: false, privateNode: false },
      messageNonce: fromHex("000102030405060708090a0b0c0d0e0f1011121314151617"),
    },
    {
      ...common,
      identity: identityOfVector(B),
      incoming: true,
      listeningPort: 9732,
      remotePoint: makePointId("127.0.0.1", 50000),
      metadata: { disableMempool: true, privateNode: false },
      messageNonce: fromHex("202122232425262728292a2b2c2d2e2f3031323334353637"),
    },
  ];
}

Deno.test("the synthetic handshake transcript is reproduced byte for byte by both ends", async () => {
  const [aStream, bStream] = memoryPipe();
  const [aOptions, bOptions] = transcriptOptions();
  const [authA, authB] = await Promise.all([
    authenticate(aStream, aOptions),
    authenticate(bStream, bOptions),
  ]);
  assert.equal(toHex(authA.peerId), toHex(bOptions.identity.peerId));
  assert.equal(toHex(authB.peerId), toHex(aOptions.identity.peerId));
  assert.deepEqual(authA.remoteMetadata, { disableMempool: true, privateNode: false });
  assert.deepEqual(authB.remoteMetadata, { disableMempool: false, privateNode: false });
  assert.deepEqual(authA.version, {
    kind: "selected",
    version: { chainName: "TEZOS_MAINNET", distributedDbVersion: 2, p2pVersion: 1 },
  });
  assert.equal(pointIdToString(authB.info.remoteListeningPoint!), "127.0.0.1:19732");
  assert.equal(pointIdToString(authA.info.remoteListeningPoint!), "127.0.0.1:9732");

  const [a, b] = await Promise.all([accept(authA, rawAppCodec), accept(authB, rawAppCodec)]);
  await a.writeSync({ kind: "Bootstrap" });
  assert.equal((await b.read()).message.kind, "Bootstrap");
  await b.writeSync({
    kind: "Advertise",
    points: [parsePointId("1.2.3.4:9732"), parsePointId("[2001:db8::1]:9733")],
  });
  const advertise = await a.read();
  assert.equal(advertise.size, 44);
  assert.deepEqual(advertise.message, {
    kind: "Advertise",
    points: [makePointId("1.2.3.4", 9732), makePointId("2001:db8::1", 9733)],
  });
  await a.writeSync({
    kind: "SwapRequest",
    point: parsePointId("5.6.7.8:9732"),
    peerId: bOptions.identity.peerId,
  });
  const swapRequest = await b.read();
  assert.equal(swapRequest.message.kind, "SwapRequest");
  await b.writeSync({
    kind: "SwapAck",
    point: parsePointId("[2001:db8::1]:9733"),
    peerId: aOptions.identity.peerId,
  });
  assert.equal((await a.read()).message.kind, "SwapAck");
  await a.writeSync({ kind: "Disconnect" });
  assert.equal((await b.read()).message.kind, "Disconnect");
  await a.close();
  await b.close();

  const expectedA = concat([
    fromHex(transcript.inputs.A_connection_message_hex),
    ...[0, 2, 4, 6, 8].map(wire),
  ]);
  const expectedB = concat([
    fromHex(transcript.inputs.B_connection_message_hex),
    ...[1, 3, 5, 7].map(wire),
  ]);
  assert.equal(toHex(concat(aStream.written)), toHex(expectedA));
  assert.equal(toHex(concat(bStream.written)), toHex(expectedB));
  const stat = a.stat();
  assert.equal(stat.totalSent, expectedA.length);
  assert.equal(stat.totalRecv, expectedB.length);
  assert.equal(stat.messagesSent, 3);
  assert.equal(stat.messagesReceived, 2);
});

Deno.test("the transcript's channel key and nonces are what the chunks were sealed with", () => {
  const key = fromHex(transcript.expected.channel_key);
  const e = transcript.expected;
  const [aOptions, bOptions] = transcriptOptions();
  assert.equal(
    toHex(channelKey(bOptions.identity.publicKey, aOptions.identity.secretKey)),
    e.channel_key,
  );
  for (const [index, nonce] of [[0, e.A_local_nonce], [1, e.B_local_nonce]] as const) {
    assert.equal(chunks[index].inputs.nonce, nonce);
    assert.equal(
      toHex(decryptChunk(key, fromHex(nonce), wire(index))),
      chunks[index].expected.plaintext,
    );
  }
});

Deno.test("the synthetic Nack vector is what nack() sends, and accept() reports it", async () => {
  const [vector] = vectors("nack").filter((v) => v.inputs?.channel_key !== undefined);
  const [aStream, bStream] = memoryPipe();
  const [aOptions, bOptions] = transcriptOptions();
  const [authA, authB] = await Promise.all([
    authenticate(aStream, aOptions),
    authenticate(bStream, bOptions),
  ]);
  const [refused] = await Promise.all([
    accept(authA, rawAppCodec).then(() => undefined, (e: unknown) => e),
    nack(authB, 1, [parsePointId("1.2.3.4:9732")]),
  ]);
  assert.ok(isP2pError(refused, "rejected_by_nack"));
  assert.equal(refused.details.motive, 1);
  assert.deepEqual(refused.details.alternativePoints, [makePointId("1.2.3.4", 9732)]);
  assert.equal(toHex(bStream.written.at(-1)!), vector.hex);
  const key = fromHex(vector.inputs.channel_key);
  const nonce = fromHex(vector.inputs.nonce);
  assert.equal(toHex(decryptChunk(key, nonce, fromHex(vector.hex!))), vector.expected.plaintext);
  assert.equal(toHex(encryptChunk(key, nonce, fromHex(vector.expected.plaintext))), vector.hex);
});

Deno.test("the chunk_split vector: 12-byte chunks with nonces continuing from B_local+4", async () => {
  const [vector] = vectors("chunk_split");
  const [aStream, bStream] = memoryPipe();
  const [aOptions, bOptions] = transcriptOptions();
  const [authA, authB] = await Promise.all([
    authenticate(aStream, aOptions),
    authenticate(bStream, bOptions),
  ]);
  const binaryChunksSize = 18 + vector.inputs.plaintext_bytes_per_chunk;
  const [a, b] = await Promise.all([
    accept(authA, rawAppCodec),
    accept(authB, rawAppCodec, { binaryChunksSize }),
  ]);
  // Nonces B_local+2 and +3 go to two one-chunk messages; the split Advertise starts at +4.
  await b.writeSync({ kind: "Bootstrap" });
  await b.writeSync({ kind: "Bootstrap" });
  const before = bStream.written.length;
  const message = fromHex(vector.inputs.message);
  await b.writeSync({
    kind: "Advertise",
    points: [parsePointId("1.2.3.4:9732"), parsePointId("[2001:db8::1]:9733")],
  });
  const sent = concat(bStream.written.slice(before));
  const expected = concat(vector.expected.chunks.map((c: { wire: string }) => fromHex(c.wire)));
  assert.equal(toHex(sent), toHex(expected));
  assert.equal(vector.expected.chunks[0].nonce, vector.inputs.first_nonce);
  assert.equal((await a.read()).message.kind, "Bootstrap");
  assert.equal((await a.read()).message.kind, "Bootstrap");
  const received = await a.read();
  assert.equal(received.size, message.length);
  assert.equal(received.message.kind, "Advertise");
  await a.close();
  await b.close();
});

for (const vector of vectors("version_selection")) {
  Deno.test(`version selection: ${vector.name}`, () => {
    const { local, remote_announced: remote } = vector.inputs;
    const result = selectVersion(
      {
        chainName: local.chain,
        distributedDbVersions: local.ddb_versions,
        p2pVersions: local.p2p_versions,
      },
      { chainName: remote.chain, distributedDbVersion: remote.ddb, p2pVersion: remote.p2p },
    );
    if (vector.expected.reject !== undefined) {
      assert.deepEqual(result, { kind: "rejected", motive: vector.expected.motive_code });
    } else {
      assert.deepEqual(result, {
        kind: "selected",
        version: {
          chainName: vector.expected.chain,
          distributedDbVersion: vector.expected.ddb,
          p2pVersion: vector.expected.p2p,
        },
      });
    }
  });
}

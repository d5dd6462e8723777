/**
 * Two peers with fresh identities (a low proof of work, for speed) connect over TCP on loopback,
 * authenticate each other, exchange a few P2P messages, and print their peer ids, the negotiated
 * version and the connection statistics.
 *
 *     deno run --allow-net=127.0.0.1 examples/handshake.ts
 *
 * @module
 */

import { makePointId, pointIdToString } from "../lib/base/point_id.ts";
import {
  generateIdentitySync,
  type Identity,
  makePowTarget,
  peerIdToString,
} from "../lib/crypto/mod.ts";
import { rawAppCodec } from "../lib/encoding/mod.ts";
import {
  accept,
  authenticate,
  type AuthenticateOptions,
  connect,
  OCTEZ_MAINNET_VERSIONS,
  type P2pStat,
  shellMetadataCodec,
} from "../lib/connection/mod.ts";

const POW_DIFFICULTY = 8;

function options(identity: Identity, listeningPort: number): Omit<AuthenticateOptions, "incoming"> {
  return {
    identity,
    powTarget: makePowTarget(POW_DIFFICULTY),
    listeningPort,
    versions: OCTEZ_MAINNET_VERSIONS,
    metadata: { disableMempool: false, privateNode: false },
    metadataCodec: shellMetadataCodec,
    timeoutMs: 5_000,
  };
}

function formatStat(stat: P2pStat): string {
  return `sent ${stat.totalSent} B in ${stat.messagesSent} messages, ` +
    `received ${stat.totalRecv} B in ${stat.messagesReceived} messages`;
}

/** Runs the example: one connection on loopback, a few messages each way. */
export async function main(): Promise<void> {
  const alice = generateIdentitySync(POW_DIFFICULTY);
  const bob = generateIdentitySync(POW_DIFFICULTY);
  console.log(`alice ${peerIdToString(alice.peerId)}`);
  console.log(`bob   ${peerIdToString(bob.peerId)}`);

  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const [atBob, atAlice] = await Promise.all([
    listener.accept().then((conn) => authenticate(conn, { ...options(bob, port), incoming: true })),
    connect(makePointId("127.0.0.1", port), options(alice, 19732)),
  ]);
  listener.close();
  console.log(
    `bob sees   ${peerIdToString(atBob.peerId)} listening at ` +
      `${atBob.info.remoteListeningPoint ? pointIdToString(atBob.info.remoteListeningPoint) : "?"}`,
  );
  console.log(`alice sees ${peerIdToString(atAlice.peerId)}`);

  const [bobSide, aliceSide] = await Promise.all([
    accept(atBob, rawAppCodec),
    accept(atAlice, rawAppCodec),
  ]);
  console.log(`version    ${JSON.stringify(aliceSide.version)}`);

  // Alice asks for points; Bob answers with an Advertise; then one application message.
  await aliceSide.write({ kind: "Bootstrap" });
  console.log(`bob got    ${(await bobSide.read()).message.kind}`);
  await bobSide.write({
    kind: "Advertise",
    points: [makePointId("192.0.2.1", 9732), makePointId("2001:db8::1", 9732)],
  });
  const advertise = (await aliceSide.read()).message;
  if (advertise.kind === "Advertise") {
    console.log(`alice got  Advertise ${advertise.points.map(pointIdToString).join(", ")}`);
  }
  const body = new TextEncoder().encode("hello from alice");
  await aliceSide.writeSync({ kind: "Message", message: { kind: "Raw", tag: 0x10, body } });
  const { size, message } = await bobSide.read();
  if (message.kind === "Message") {
    console.log(
      `bob got    ${size}-byte message, tag 0x${message.message.tag.toString(16)}: ` +
        new TextDecoder().decode(message.message.body),
    );
  }

  console.log(`alice stat ${formatStat(aliceSide.stat())}`);
  console.log(`bob stat   ${formatStat(bobSide.stat())}`);
  await aliceSide.close({ wait: true });
  console.log(`bob saw the connection end: ${(await bobSide.closed)?.kind}`);
  await bobSide.close();
}

if (import.meta.main) await main();

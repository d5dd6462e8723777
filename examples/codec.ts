/**
 * Encodes and decodes real Octez wire messages with the generated codecs: a connection message,
 * an Advertise, a DAL gossipsub IHave inside the P2P envelope, and messages of a user-defined
 * application (examples/chat_schema.ts) plugged in next to gossipsub.
 *
 *     deno run examples/codec.ts
 *
 * @module
 */

import {
  combineAppCodecs,
  dalGossipCodec,
  type DalGossipMessage,
  decodeConnectionMessage,
  DecodeError,
  decodeP2pMessage,
  encodeConnectionMessage,
  encodeP2pMessage,
  fromHex,
  type P2pMessage,
  parsePointId,
  pointIdToString,
  rawAppCodec,
  toHex,
} from "../mod.ts";
import { chatCodec, type ChatMessage } from "./gen/chat.ts";

/** Runs the example, printing to `log`. */
export function main(log: (line: string) => void = console.log): void {
  // The first, clear-text message of every connection, framed by its 2-byte length.
  const frame = encodeConnectionMessage({
    port: 9732,
    publicKey: fromHex("70387c4cbd115833626a88a9f2b9bbadd70705f5ad059f494655ac823620c641"),
    proofOfWorkStamp: new Uint8Array(24),
    messageNonce: crypto.getRandomValues(new Uint8Array(24)),
    version: { chainName: "TEZOS_MAINNET", distributedDbVersion: 2, p2pVersion: 1 },
  });
  const message = decodeConnectionMessage(frame);
  log(
    `connection message: ${frame.length} bytes, chain ${message.version.chainName}, port ${message.port}`,
  );

  // Peer discovery: an Advertise of IPv4 and IPv6 points, as Octez prints them.
  const advertise = encodeP2pMessage(
    { kind: "Advertise", points: ["1.2.3.4:9732", "[2001:DB8:0:0::1]:9733"].map(parsePointId) },
    rawAppCodec,
  );
  const decoded = decodeP2pMessage(advertise, rawAppCodec);
  if (decoded.kind === "Advertise") {
    log(`Advertise: ${toHex(advertise)} -> ${decoded.points.map(pointIdToString).join(", ")}`);
  }

  // Gossipsub and a user application share the envelope: each codec owns its tags.
  type AppMessage = DalGossipMessage | ChatMessage;
  const apps = combineAppCodecs<AppMessage>([dalGossipCodec, chatCodec]);
  const topic = { slotIndex: 7, pkh: { kind: "Bls" as const, hash: new Uint8Array(20).fill(1) } };
  const outgoing: P2pMessage<AppMessage>[] = [
    { kind: "Message", message: { kind: "Graft", topic } },
    {
      kind: "Message",
      message: {
        kind: "Say",
        line: { room: "lobby", text: "héllo, tezos", sentAtMs: 1_700_000_000_000n },
      },
    },
    { kind: "Message", message: { kind: "Ping" } },
  ];
  for (const m of outgoing) {
    const bytes = encodeP2pMessage(m, apps);
    const back = decodeP2pMessage(bytes, apps);
    log(`${back.kind === "Message" ? back.message.kind : back.kind}: ${toHex(bytes)}`);
  }

  // Hostile input never crashes: it is a DecodeError with a kind, a schema path and an offset.
  try {
    decodeP2pMessage(fromHex("063ffffd"), rawAppCodec);
  } catch (e) {
    if (e instanceof DecodeError) {
      log(`hostile length: ${e.kind} at ${e.path} (offset ${e.offset})`);
    }
  }
}

if (import.meta.main) main();

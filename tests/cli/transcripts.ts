// Recorded conversations built at run time from the shared vectors (read in place, never copied):
// the synthetic A↔B handshake of spec §22.1, the start of the Carthagenet capture, and the
// synthetic handshake carrying messages of the caller's choice after the Ack.

import { fromHex, toHex } from "../../lib/encoding/mod.ts";
import { incrementNonce, seal } from "../../lib/crypto/mod.ts";
import type { ConversationPiece } from "../../lib/cli/conversation.ts";
import type { Direction } from "../../lib/cli/conversation_item.ts";
import type { Identity } from "../../lib/crypto/mod.ts";
import { concat } from "../support/bytes.ts";
import { identityOfVector } from "../support/identity.ts";
import { type Vector, vectors } from "../support/vectors.ts";

/** One encrypted frame of a transcript with what the vectors say it holds. */
export interface Frame {
  readonly direction: Direction;
  readonly bytes: Uint8Array;
  readonly nonce: string;
  readonly plaintext: string;
  readonly decoded: unknown;
}

/** A conversation as seen from one side, frames in recorded order. */
export interface Transcript {
  /** The identity of the recording side (its identity.json is `identityToJson(identity)`). */
  readonly identity: Identity;
  readonly incoming: boolean;
  /** Connection message frames, sent first. */
  readonly sentFrame: Uint8Array;
  readonly receivedFrame: Uint8Array;
  /** The expected fields of the sent and received connection messages. */
  readonly sentFields: Record<string, unknown>;
  readonly receivedFields: Record<string, unknown>;
  readonly chunks: readonly Frame[];
}

function byName(kind: string, name: string): Vector {
  const found = vectors(kind).find((v) => v.name === name);
  if (found === undefined) throw new Error(`no vector ${kind} ${JSON.stringify(name)}`);
  return found;
}

function chunkFrame(v: Vector, direction: Direction): Frame {
  return {
    direction,
    bytes: fromHex(v.hex!),
    nonce: v.inputs.nonce,
    plaintext: v.expected.plaintext,
    decoded: v.expected.decoded,
  };
}

/**
 * The synthetic handshake seen by A (the initiator, `sent` = A→B), or by B (the responder,
 * `incoming`, `sent` = B→A). B→A ends with the Advertise cut into 12-byte chunks.
 */
export function synthetic(side: "A" | "B"): Transcript {
  const t = vectors("handshake_transcript")[0];
  const me = t.inputs[side];
  const aToB: Direction = side === "A" ? "sent" : "received";
  const bToA: Direction = side === "A" ? "received" : "sent";
  const chunks = vectors("encrypted_chunk")
    .filter((v) => v.name.startsWith("synthetic handshake chunk"))
    .map((v) => chunkFrame(v, v.name.includes("A->B") ? aToB : bToA));
  if (chunks.length !== 9) throw new Error(`expected 9 synthetic chunks, got ${chunks.length}`);
  const split = vectors("chunk_split")[0];
  for (const c of split.expected.chunks) {
    chunks.push({
      direction: bToA,
      bytes: fromHex(c.wire),
      nonce: c.nonce,
      plaintext: c.plaintext,
      decoded: undefined,
    });
  }
  const a = fromHex(t.inputs.A_connection_message_hex);
  const b = fromHex(t.inputs.B_connection_message_hex);
  return {
    identity: identityOfVector(me),
    incoming: side === "B",
    sentFrame: side === "A" ? a : b,
    receivedFrame: side === "A" ? b : a,
    sentFields: t.expected[`${side}_connection_message`],
    receivedFields: t.expected[`${side === "A" ? "B" : "A"}_connection_message`],
    chunks,
  };
}

/**
 * The start of the Carthagenet capture, seen by the tezedge node that recorded it (it dialled):
 * connection messages, metadata, Ack and the first P2P message of each direction.
 */
export function carthagenet(): Transcript & { peerIds: { sent: string; received: string } } {
  const sent = byName(
    "connection_message",
    "Carthagenet capture: connection message sent by tezedge node",
  );
  const received = byName(
    "connection_message",
    "Carthagenet capture: connection message received from remote node",
  );
  // The recording node's identity: tezedge tezos/messages/benches/identity.json.
  const identity = vectors("identity").find((v) =>
    v.inputs.public_key === sent.expected.fields.public_key
  );
  if (identity === undefined) throw new Error("the capture's identity is not in the vectors");
  const capture = (suffix: string, direction: Direction) =>
    chunkFrame(
      vectors("encrypted_chunk").find((v) => v.name.startsWith(`capture: ${suffix}`)) ?? (() => {
        throw new Error(`no capture chunk ${suffix}`);
      })(),
      direction,
    );
  return {
    identity: identityOfVector(identity.inputs),
    incoming: false,
    sentFrame: fromHex(sent.hex!),
    receivedFrame: fromHex(received.hex!),
    sentFields: sent.expected.fields,
    receivedFields: received.expected.fields,
    peerIds: { sent: sent.expected.peer_id_b58, received: received.expected.peer_id_b58 },
    chunks: [
      capture("metadata sent", "sent"),
      capture("metadata received", "received"),
      capture("ack sent", "sent"),
      capture("ack received", "received"),
      capture("first p2p message sent", "sent"),
      capture("first p2p message received", "received"),
    ],
  };
}

/** The transcript as recorded: connection messages, then one piece per chunk. */
export function framePieces(t: Transcript): ConversationPiece[] {
  return [
    { direction: "sent", bytes: t.sentFrame },
    { direction: "received", bytes: t.receivedFrame },
    ...t.chunks.map((c) => ({ direction: c.direction, bytes: c.bytes })),
  ];
}

/** All bytes of one direction, in order. */
export function streamOf(pieces: readonly ConversationPiece[], direction: Direction): Uint8Array {
  return concat(pieces.filter((p) => p.direction === direction).map((p) => p.bytes));
}

/** `{"direction", "hex"}` JSON lines of pieces, as `tzp2p decode` reads them. */
export function toJsonLines(pieces: readonly ConversationPiece[]): string {
  return pieces.map((p) => JSON.stringify({ direction: p.direction, hex: toHex(p.bytes) }) + "\n")
    .join("");
}

/**
 * The synthetic handshake seen by A (`sent` = A→B) up to both Acks, then `sent` and `received`:
 * encoded P2P messages (length prefix included), each direction's bytes cut into chunks of at
 * most `chunkSize` plaintext bytes and encrypted with the handshake's channel key and the nonces
 * that follow each direction's Ack (spec §7.3).
 */
export function syntheticWithMessages(
  messages: { sent: readonly Uint8Array[]; received: readonly Uint8Array[] },
  chunkSize = 0xffff - 16,
): { transcript: Transcript; pieces: ConversationPiece[] } {
  const t = synthetic("A");
  const key = fromHex(vectors("handshake_transcript")[0].expected.channel_key);
  const pieces: ConversationPiece[] = [
    { direction: "sent", bytes: t.sentFrame },
    { direction: "received", bytes: t.receivedFrame },
  ];
  for (const direction of ["sent", "received"] as const) {
    const [metadata, ack] = t.chunks.filter((c) => c.direction === direction);
    pieces.push({ direction, bytes: metadata.bytes }, { direction, bytes: ack.bytes });
    const stream = concat(messages[direction]);
    let nonce = fromHex(ack.nonce);
    for (let at = 0; at < stream.length; at += chunkSize) {
      nonce = incrementNonce(nonce);
      const box = seal(key, nonce, stream.subarray(at, at + chunkSize));
      // chunk = clen(2, BE) ‖ tag(16) ‖ ciphertext
      pieces.push({
        direction,
        bytes: concat([new Uint8Array([box.length >> 8, box.length]), box]),
      });
    }
  }
  return { transcript: t, pieces };
}

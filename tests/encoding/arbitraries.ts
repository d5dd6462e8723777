/**
 * fast-check generators of valid values for every generated type.
 *
 * @module
 */

import fc from "fast-check";
import { makePointId, type PointId } from "../../lib/base/point_id.ts";
import type { RawAppMessage } from "../../lib/encoding/mod.ts";
import type { AckMessage, ConnectionMessage, ConnectionMetadata } from "../../gen/connection.ts";
import type { NetworkVersion } from "../../gen/base.ts";
import type { P2pMessage } from "../../gen/p2p_message.ts";
import type {
  DalGossipMessage,
  DalMessageId,
  DalTopic,
  Pkh,
  PxPeer,
  SimpleGossipMessage,
} from "../../gen/gossipsub.ts";

const u16 = fc.integer({ min: 0, max: 0xffff });
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

export const point: fc.Arbitrary<PointId> = fc.oneof(
  fc.tuple(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), u16).map((
    [q, port],
  ) => makePointId(q.join("."), port)),
  fc.tuple(
    fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
      minLength: 8,
      maxLength: 8,
    }),
    u16,
  ).map(([g, port]) => makePointId(g.map((x) => x.toString(16)).join(":"), port)),
);

export const peerId: fc.Arbitrary<Uint8Array> = bytes(16);

export const networkVersion: fc.Arbitrary<NetworkVersion> = fc.record({
  chainName: fc.string({ maxLength: 60, unit: "binary" }),
  distributedDbVersion: u16,
  p2pVersion: u16,
});

export const connectionMessage: fc.Arbitrary<ConnectionMessage> = fc.record({
  port: u16,
  publicKey: bytes(32),
  proofOfWorkStamp: bytes(24),
  messageNonce: bytes(24),
  version: networkVersion,
});

export const metadata: fc.Arbitrary<ConnectionMetadata> = fc.record({
  disableMempool: fc.boolean(),
  privateNode: fc.boolean(),
});

export const ackMessage: fc.Arbitrary<AckMessage> = fc.oneof(
  fc.constant({ kind: "Ack" as const }),
  fc.constant({ kind: "NackV0" as const }),
  fc.record({
    kind: fc.constant("Nack" as const),
    motive: fc.integer({ min: -0x8000, max: 0x7fff }),
    alternativePoints: fc.array(point, { maxLength: 100 }),
  }),
);

export const rawApp: fc.Arbitrary<RawAppMessage> = fc.record({
  kind: fc.constant("Raw" as const),
  tag: fc.integer({ min: 0x10, max: 0xffff }),
  body: fc.uint8Array({ maxLength: 300 }),
});

export const p2pMessage: fc.Arbitrary<P2pMessage<RawAppMessage>> = fc.oneof(
  fc.constant({ kind: "Disconnect" as const }),
  fc.constant({ kind: "Bootstrap" as const }),
  fc.record({
    kind: fc.constant("Advertise" as const),
    points: fc.array(point, { maxLength: 100 }),
  }),
  fc.record({ kind: fc.constant("SwapRequest" as const), point, peerId }),
  fc.record({ kind: fc.constant("SwapAck" as const), point, peerId }),
  fc.record({ kind: fc.constant("Message" as const), message: rawApp }),
);

const pkh: fc.Arbitrary<Pkh> = fc.record({
  kind: fc.constantFrom("Ed25519", "Secp256k1", "P256", "Bls", "MlDsa44") as fc.Arbitrary<
    Pkh["kind"]
  >,
  hash: bytes(20),
});

/** DAL topics, never the reserved ping topic (slot 0, tz1 of 20 zero bytes). */
const dalTopic: fc.Arbitrary<DalTopic> = fc.record({
  slotIndex: fc.integer({ min: 0, max: 255 }),
  pkh,
})
  .filter((t) =>
    !(t.slotIndex === 0 && t.pkh.kind === "Ed25519" && t.pkh.hash.every((b) => b === 0))
  );

const dalMessageId: fc.Arbitrary<DalMessageId> = fc.record({
  level: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  slotIndex: fc.integer({ min: 0, max: 255 }),
  commitment: bytes(48),
  shardIndex: u16,
  pkh,
});

const px: fc.Arbitrary<PxPeer> = fc.record({ point, peerId });
const backoff = fc.integer({ min: -0x8000, max: 0x7fff });

export const dalGossipMessage: fc.Arbitrary<DalGossipMessage> = fc.oneof(
  fc.record({ kind: fc.constant("Graft" as const), topic: dalTopic }),
  fc.record({
    kind: fc.constant("Prune" as const),
    topic: dalTopic,
    px: fc.array(px, { maxLength: 16 }),
    backoff,
  }),
  fc.record({
    kind: fc.constant("IHave" as const),
    topic: dalTopic,
    messageIds: fc.array(dalMessageId, { maxLength: 20 }),
  }),
  fc.record({
    kind: fc.constant("IWant" as const),
    messageIds: fc.array(dalMessageId, { maxLength: 20 }),
  }),
  fc.record({ kind: fc.constant("Subscribe" as const), topic: dalTopic }),
  fc.constant({ kind: "Ping" as const }),
  fc.record({ kind: fc.constant("Unsubscribe" as const), topic: dalTopic }),
  fc.record({
    kind: fc.constant("MessageWithHeader" as const),
    message: fc.record({ share: fc.array(bytes(32), { maxLength: 8 }), shardProof: bytes(48) }),
    topic: dalTopic,
    messageId: dalMessageId,
  }),
);

/** Simple topics: any string but the empty one (reserved for Ping). */
const simpleTopic = fc.string({ minLength: 1, maxLength: 40, unit: "grapheme" });

export const simpleGossipMessage: fc.Arbitrary<SimpleGossipMessage> = fc.oneof(
  fc.record({ kind: fc.constant("Graft" as const), topic: simpleTopic }),
  fc.record({
    kind: fc.constant("Prune" as const),
    topic: simpleTopic,
    px: fc.array(px, { maxLength: 16 }),
    backoff,
  }),
  fc.record({
    kind: fc.constant("IHave" as const),
    topic: simpleTopic,
    messageIds: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 20 }),
  }),
  fc.record({
    kind: fc.constant("IWant" as const),
    messageIds: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 20 }),
  }),
  fc.record({ kind: fc.constant("Subscribe" as const), topic: simpleTopic }),
  fc.constant({ kind: "Ping" as const }),
  fc.record({ kind: fc.constant("Unsubscribe" as const), topic: simpleTopic }),
  fc.record({
    kind: fc.constant("MessageWithHeader" as const),
    message: fc.uint8Array({ maxLength: 500 }),
    topic: simpleTopic,
    messageId: fc.uint8Array({ maxLength: 40 }),
  }),
);

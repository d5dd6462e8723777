/**
 * Gossipsub messages as application messages of the P2P envelope, in the layout of the Octez DAL
 * (`transport_layer_interface.ml`), generic over the topic, message id and message encodings, with
 * two instances: the DAL one and a simple one (string topics, byte ids and payloads) for users'
 * own gossip applications.
 *
 * @module
 */

import {
  alias,
  bytes,
  type Decl,
  declare,
  fixedBytes,
  int16,
  int32,
  list,
  type Node,
  obj,
  ref,
  req,
  type SchemaFile,
  string,
  tagged,
  uint16,
  uint8,
  union,
} from "../lib/codegen/dsl.ts";
import { PeerId, Point } from "./base.ts";

/** A peer proposed in a Prune's peer exchange: its point and its id. */
export const PxPeer: Decl = declare(
  "PxPeer",
  "A peer proposed by peer exchange on prune: its (maybe reachable) point and its id.",
  obj(req("point", ref(Point), "Where the peer may be reached."), req("peerId", ref(PeerId))),
);

/**
 * The gossipsub message union for given topic, message id and message encodings. Ping has no tag
 * of its own: it is a Subscribe whose topic body is exactly `pingTopic` (Octez v21.4+), so a real
 * subscription to that topic cannot be expressed.
 */
export function gossipMessages(
  name: string,
  doc: string,
  codec: string,
  topic: Node,
  messageId: Node,
  message: Node,
  pingTopic: Uint8Array,
): Decl {
  return declare(
    name,
    doc,
    union(2, [
      tagged(0x10, "Graft", [req("topic", topic)], "Asks the receiver to add us to its mesh."),
      tagged(
        0x11,
        "Prune",
        [
          req("topic", topic),
          req("px", list(ref(PxPeer), 16), "Peer exchange: other peers to try (at most 16)."),
          req("backoff", int16(), "Seconds before grafting again on this topic."),
        ],
        "Removes us from the sender's mesh.",
      ),
      tagged(
        0x12,
        "IHave",
        [req("topic", topic), req("messageIds", list(messageId, 5000), "At most 5000 ids.")],
        "Announces message ids the sender has.",
      ),
      tagged(
        0x13,
        "IWant",
        [req("messageIds", list(messageId, 5000), "At most 5000 ids.")],
        "Asks for full messages.",
      ),
      tagged(0x14, "Subscribe", [req("topic", topic)], "The sender subscribed to a topic."),
      alias(0x14, "Ping", pingTopic, "Keep-alive: a Subscribe to the reserved ping topic."),
      tagged(0x15, "Unsubscribe", [req("topic", topic)], "The sender left a topic."),
      tagged(
        0x16,
        "MessageWithHeader",
        [req("message", message), req("topic", topic), req("messageId", messageId)],
        "A full message with its topic and id (the message comes first on the wire).",
      ),
    ]),
    { appCodec: codec },
  );
}

/** A Tezos public key hash: a 1-byte curve tag and a 20-byte hash. */
export const Pkh: Decl = declare(
  "Pkh",
  "A Tezos public key hash (tz1…tz5): curve tag then the 20-byte hash.",
  union(1, [
    tagged(0x00, "Ed25519", [req("hash", fixedBytes(20))], "tz1."),
    tagged(0x01, "Secp256k1", [req("hash", fixedBytes(20))], "tz2."),
    tagged(0x02, "P256", [req("hash", fixedBytes(20))], "tz3."),
    tagged(0x03, "Bls", [req("hash", fixedBytes(20))], "tz4."),
    tagged(0x04, "MlDsa44", [req("hash", fixedBytes(20))], "tz5 (recent Octez only)."),
  ]),
  // Every id of an IHave carries its topic's key hash (Octez gossips the ids of one topic per
  // IHave: `Message_cache.get_message_ids_to_gossip topic`, src/lib_gossipsub/gossipsub_automaton.ml
  // 2299-2300), yet each is read anew at its offset inside the id's run (readPkhAt): a new object
  // and view cost no more than comparing 21 bytes with the previous id's (deno bench, 1,000 ids:
  // 27-28 µs either way), and sharing one value cost 3-5 µs more on an IHave whose key hashes do
  // not repeat.
);

/** A DAL gossip topic: a slot index and the attester's public key hash. */
export const DalTopic: Decl = declare(
  "DalTopic",
  "A DAL topic: a slot index and the public key hash of the attester.",
  obj(req("slotIndex", uint8()), req("pkh", ref(Pkh))),
);

/** A DAL message id: 76 bytes. */
export const DalMessageId: Decl = declare(
  "DalMessageId",
  "A DAL message id (76 bytes): level, slot, commitment, shard index and attester.",
  obj(
    req("level", int32()),
    req("slotIndex", uint8()),
    // A new view for each id: an IHave's ids share a few commitments (one topic over the few
    // levels of the gossip window, shuffled), but comparing 48 bytes with an earlier one to share
    // its view costs more than the view (deno bench, 1,000 ids of one topic: 31-32 µs against 27).
    req("commitment", fixedBytes(48), "BLS12-381 G1 commitment, compressed."),
    req("shardIndex", uint16()),
    req("pkh", ref(Pkh)),
  ),
);

/** A DAL message: a shard's scalars and its proof. */
export const DalMessage: Decl = declare(
  "DalMessage",
  "A DAL message: the shard's share (32-byte scalars) and its 48-byte proof.",
  obj(
    req("share", list(fixedBytes(32)), "Scalars of the shard, 32 bytes each."),
    req("shardProof", fixedBytes(48), "BLS12-381 G1 proof, compressed."),
  ),
);

/** The DAL gossipsub messages. */
export const DalGossipMessage: Decl = gossipMessages(
  "DalGossipMessage",
  "A gossipsub message of the Octez DAL (tags 0x10–0x16).",
  "dalGossipCodec",
  ref(DalTopic),
  ref(DalMessageId),
  ref(DalMessage),
  // slot 0, tz1 with 20 zero bytes
  new Uint8Array(22),
);

/** The simple gossipsub messages: string topics, byte-string ids and payloads. */
export const SimpleGossipMessage: Decl = gossipMessages(
  "SimpleGossipMessage",
  "A gossipsub message of the simple instance: string topics, byte-string ids and payloads.\n" +
    "Ping is a Subscribe to the empty topic.",
  "simpleGossipCodec",
  string(),
  bytes(),
  bytes(),
  new Uint8Array(4),
);

/** The declarations of this file and where they are generated. */
export const schemaFile: SchemaFile = {
  source: "schema/gossipsub.ts",
  output: "gen/gossipsub.ts",
  doc: "Codecs of gossipsub messages: the DAL instance and the simple instance.",
  decls: [PxPeer, Pkh, DalTopic, DalMessageId, DalMessage, DalGossipMessage, SimpleGossipMessage],
};

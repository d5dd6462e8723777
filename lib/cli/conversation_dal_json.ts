/**
 * DAL gossipsub messages as `tzp2p decode --app dal` prints them: the field names of Octez's
 * encodings (src/lib_dal_node/gossipsub/transport_layer_interface.ml 55-153 and
 * src/lib_dal_node_services/types.ml at tezos-mirror d26a8bef82), with our choices where Octez's
 * JSON would hide what the wire says.
 *
 * ```text
 * graft / subscribe / unsubscribe  {"kind", "topic": {"slot_index", "pkh": "tz…"}}
 * prune     {"kind", "topic", "px": [{"maybe_reachable_point": "a:p", "peer": "id…"}],
 *            "backoff": {"span": seconds}}                                  (Types.Span, int16)
 * ihave     {"kind", "topic", "message_ids": [{"level", "slot_index", "commitment": "sh…",
 *            "shard_index", "pkh"}]}
 * iwant     {"kind", "message_ids"}
 * message_with_header {"kind", "message": {"share": ["hex", …], "shard_proof": "sh…"},
 *            "topic", "message_id"}
 * ping      {"kind": "ping"}   ours: Octez writes Ping as a Subscribe to the zero tz1 topic
 *           (transport_layer_interface.ml 117-136), which would hide it; the title says Ping too
 * ```
 *
 * Key hashes are base58check (`tz1`…`tz5`, src/lib_crypto/base58.ml 379-387); commitments and
 * shard proofs too (`Cryptobox.Commitment` with prefix `slot_header`, base58.ml 466;
 * `Proof = Commitment`, src/lib_crypto_dal/cryptobox.ml 85-135); scalars are hex, as Octez's
 * fixed-bytes JSON (src/lib_kzg/bls.ml 30).
 *
 * @module
 */

import type {
  DalGossipMessage,
  DalMessage,
  DalMessageId,
  DalTopic,
  Pkh,
  PxPeer,
} from "../../gen/gossipsub.ts";
import { pointIdToString } from "../base/point_id.ts";
import { base58CheckEncode } from "../crypto/base58.ts";
import { peerIdToString } from "../crypto/mod.ts";
import { toHex } from "../encoding/mod.ts";
import type { Json } from "../encoding/shell_json.ts";

// Base58check version bytes of public key hashes (src/lib_crypto/base58.ml 379-387).
const PKH_PREFIXES: Record<Pkh["kind"], Uint8Array> = {
  Ed25519: new Uint8Array([6, 161, 159]), // tz1
  Secp256k1: new Uint8Array([6, 161, 161]), // tz2
  P256: new Uint8Array([6, 161, 164]), // tz3
  Bls: new Uint8Array([6, 161, 166]), // tz4
  MlDsa44: new Uint8Array([6, 161, 169]), // tz5
};

// `Base58.Prefix.slot_header` (src/lib_crypto/base58.ml 466): 48-byte G1 points print as `sh…`.
const SLOT_HEADER_PREFIX = new Uint8Array([2, 116, 180]);

/** A public key hash as its `tz…` address. */
export function pkhToJson(pkh: Pkh): string {
  return base58CheckEncode(PKH_PREFIXES[pkh.kind], pkh.hash);
}

function topicToJson(t: DalTopic): Json {
  return { slot_index: t.slotIndex, pkh: pkhToJson(t.pkh) };
}

function messageIdToJson(id: DalMessageId): Json {
  return {
    level: id.level,
    slot_index: id.slotIndex,
    commitment: base58CheckEncode(SLOT_HEADER_PREFIX, id.commitment),
    shard_index: id.shardIndex,
    pkh: pkhToJson(id.pkh),
  };
}

function pxToJson(p: PxPeer): Json {
  return { maybe_reachable_point: pointIdToString(p.point), peer: peerIdToString(p.peerId) };
}

function dalMessageBodyToJson(m: DalMessage): Json {
  return {
    share: m.share.map(toHex),
    shard_proof: base58CheckEncode(SLOT_HEADER_PREFIX, m.shardProof),
  };
}

/** Octez's title of a message's case; `Ping` for the Subscribe that carries a ping. */
export function dalMessageTitle(m: DalGossipMessage): string {
  switch (m.kind) {
    case "MessageWithHeader":
      return "Message_with_header";
    default:
      return m.kind;
  }
}

/** A DAL gossipsub message as JSON (see the module doc for the layout). */
export function dalMessageToJson(m: DalGossipMessage): Json {
  switch (m.kind) {
    case "Graft":
      return { kind: "graft", topic: topicToJson(m.topic) };
    case "Prune":
      return {
        kind: "prune",
        topic: topicToJson(m.topic),
        px: m.px.map(pxToJson),
        backoff: { span: m.backoff },
      };
    case "IHave":
      return {
        kind: "ihave",
        topic: topicToJson(m.topic),
        message_ids: m.messageIds.map(messageIdToJson),
      };
    case "IWant":
      return { kind: "iwant", message_ids: m.messageIds.map(messageIdToJson) };
    case "Subscribe":
      return { kind: "subscribe", topic: topicToJson(m.topic) };
    case "Ping":
      return { kind: "ping" };
    case "Unsubscribe":
      return { kind: "unsubscribe", topic: topicToJson(m.topic) };
    case "MessageWithHeader":
      return {
        kind: "message_with_header",
        message: dalMessageBodyToJson(m.message),
        topic: topicToJson(m.topic),
        message_id: messageIdToJson(m.messageId),
      };
  }
}

/**
 * Text forms of the DAL gossipsub values: attester addresses (`tz1…`–`tz5…`), topics
 * (`SLOT:PKH`), commitments (`sh1…`) and message ids (`LEVEL/SLOT/SHARD/COMMITMENT/PKH`), as the
 * command line reads and prints them.
 *
 * Addresses and commitments are Octez's base58check forms (prefixes from
 * `src/lib_crypto/base58.ml` 379-387 and 466 at tezos-mirror d26a8bef82):
 *
 * ```text
 * tz1 = base58check(06 a1 9f ‖ hash(20))   Ed25519      (36 characters)
 * tz2 = base58check(06 a1 a1 ‖ hash(20))   Secp256k1
 * tz3 = base58check(06 a1 a4 ‖ hash(20))   P256
 * tz4 = base58check(06 a1 a6 ‖ hash(20))   BLS12-381
 * tz5 = base58check(06 a1 a9 ‖ hash(20))   ML-DSA-44 (recent Octez only, src/lib_crypto/mldsa44.ml 29)
 * sh1 = base58check(02 74 b4 ‖ commitment(48))            (74 characters; lib_crypto_dal/cryptobox.ml 92)
 * ```
 *
 * ```ts
 * import { formatDalTopic, parseDalTopic } from "./dal_topic.ts";
 *
 * const topic = parseDalTopic("7:tz1XQjK1b3P72kMcHsoPhnAg3dvX1n8Ainty");
 * console.log(topic.slotIndex, topic.pkh.kind); // 7 "Ed25519"
 * console.log(formatDalTopic(topic)); // "7:tz1XQjK1b3P72kMcHsoPhnAg3dvX1n8Ainty"
 * ```
 *
 * @module
 */

import type { DalMessageId, DalTopic, Pkh } from "../../gen/gossipsub.ts";
import { base58CheckDecode, base58CheckEncode } from "../crypto/base58.ts";
import { isCryptoError } from "../crypto/errors.ts";

const PKH_PREFIXES: Readonly<Record<Pkh["kind"], Uint8Array>> = {
  Ed25519: Uint8Array.of(6, 161, 159),
  Secp256k1: Uint8Array.of(6, 161, 161),
  P256: Uint8Array.of(6, 161, 164),
  Bls: Uint8Array.of(6, 161, 166),
  MlDsa44: Uint8Array.of(6, 161, 169),
};

const KIND_OF_TEXT_PREFIX: Readonly<Record<string, Pkh["kind"]>> = {
  tz1: "Ed25519",
  tz2: "Secp256k1",
  tz3: "P256",
  tz4: "Bls",
  tz5: "MlDsa44",
};

const PKH_HASH_SIZE = 20;
const COMMITMENT_PREFIX = Uint8Array.of(2, 116, 180);
const COMMITMENT_SIZE = 48;

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? text.slice(0, 80) + "…" : text);
}

/**
 * Reads a public key hash from its base58check text (`tz1…`, `tz2…`, `tz3…`, `tz4…`, `tz5…`).
 *
 * @param text The address.
 * @returns The key kind and its 20-byte hash.
 * @throws {RangeError} On any other text: unknown prefix, bad character, bad checksum, wrong
 * length.
 */
export function parsePkh(text: string): Pkh {
  const kind = KIND_OF_TEXT_PREFIX[text.slice(0, 3)];
  if (kind === undefined) {
    throw new RangeError(
      `invalid public key hash ${
        quote(text)
      }: expected tz1, tz2, tz3, tz4 or tz5 followed by base58`,
    );
  }
  try {
    return { kind, hash: base58CheckDecode(text, PKH_PREFIXES[kind], PKH_HASH_SIZE) };
  } catch (e) {
    if (isCryptoError(e)) {
      throw new RangeError(`invalid public key hash ${quote(text)}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

/**
 * The base58check text of a public key hash.
 *
 * @param pkh The key kind and its 20-byte hash.
 * @returns `tz1…` to `tz5…` (36 characters).
 * @throws {RangeError} When the hash is not 20 bytes or the kind is unknown.
 */
export function formatPkh(pkh: Pkh): string {
  const prefix = PKH_PREFIXES[pkh.kind];
  if (prefix === undefined) throw new RangeError(`unknown public key hash kind ${pkh.kind}`);
  if (pkh.hash.length !== PKH_HASH_SIZE) {
    throw new RangeError(`a public key hash has ${PKH_HASH_SIZE} bytes, got ${pkh.hash.length}`);
  }
  return base58CheckEncode(prefix, pkh.hash);
}

/**
 * Reads a DAL topic written `SLOT:PKH`, e.g. `0:tz1…`. The slot index is a decimal `uint8`, as
 * Octez encodes it (`src/lib_dal_node_services/types.ml` 73: `req "slot_index" uint8`).
 *
 * @param text The topic.
 * @returns The topic.
 * @throws {RangeError} When the text is not `SLOT:PKH` with a slot index 0..255 and a valid
 * address.
 */
export function parseDalTopic(text: string): DalTopic {
  const colon = text.indexOf(":");
  if (colon < 0) {
    throw new RangeError(`invalid DAL topic ${quote(text)}: expected SLOT:PKH, e.g. 0:tz1…`);
  }
  const slot = text.slice(0, colon);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(slot) || Number(slot) > 255) {
    throw new RangeError(
      `invalid DAL topic ${quote(text)}: the slot index must be an integer from 0 to 255, got ${
        quote(slot)
      }`,
    );
  }
  let pkh: Pkh;
  try {
    pkh = parsePkh(text.slice(colon + 1));
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new RangeError(`invalid DAL topic ${quote(text)}: ${e.message}`, { cause: e });
  }
  return { slotIndex: Number(slot), pkh };
}

/**
 * The text of a DAL topic, `SLOT:PKH`.
 *
 * @param topic The topic.
 * @returns E.g. `3:tz1…`.
 * @throws {RangeError} When the address cannot be formatted.
 */
export function formatDalTopic(topic: DalTopic): string {
  return `${topic.slotIndex}:${formatPkh(topic.pkh)}`;
}

/**
 * The base58check text of a DAL commitment (`sh1…`, Octez `Cryptobox.Commitment.to_b58check`).
 * Only the length is checked: whether the bytes are a point of the curve is not this function's
 * concern.
 *
 * @param commitment The 48-byte compressed commitment.
 * @returns `sh1…` (74 characters).
 * @throws {RangeError} When `commitment` is not 48 bytes.
 */
export function formatDalCommitment(commitment: Uint8Array): string {
  if (commitment.length !== COMMITMENT_SIZE) {
    throw new RangeError(
      `a DAL commitment has ${COMMITMENT_SIZE} bytes, got ${commitment.length}`,
    );
  }
  return base58CheckEncode(COMMITMENT_PREFIX, commitment);
}

/**
 * The text of a DAL message id, `LEVEL/SLOT/SHARD/COMMITMENT/PKH`, e.g.
 * `1234/3/17/sh1…/tz1…`: from the coarsest to the finest coordinate of a shard, with Octez's
 * base58 forms for the commitment and the attester. (Octez's own `Message_id.pp`,
 * `src/lib_dal_node_services/types.ml` 135-144, prints an OCaml-record form that is not meant to
 * be read back.)
 *
 * @param id The message id.
 * @returns The text.
 * @throws {RangeError} When the commitment or the address cannot be formatted.
 */
export function formatDalMessageId(id: DalMessageId): string {
  return `${id.level}/${id.slotIndex}/${id.shardIndex}/${formatDalCommitment(id.commitment)}/${
    formatPkh(id.pkh)
  }`;
}

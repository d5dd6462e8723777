/**
 * Structural checks of DAL values, as Octez's decoder makes them: commitments (in message ids)
 * and shard proofs are compressed BLS12-381 G1 points that must lie in the prime-order subgroup,
 * and every scalar of a share must be an Fr element below the group order r. Octez's
 * `Cryptobox.Commitment.encoding`, `shard_proof_encoding` and `share_encoding` are `conv`s over
 * `G1.of_compressed_bytes_exn` and `Fr.of_bytes_exn` (`src/lib_kzg/bls.ml` 30, 50-54;
 * `src/lib_crypto_dal/cryptobox.ml` 166-168), so a value that fails here fails to decode there.
 *
 * These checks say nothing about whether a shard belongs to its commitment (the KZG proof check of
 * Octez's `message_validation.ml`): that stays the application's.
 *
 * @example
 * ```ts
 * import { isValidG1Compressed, isValidScalar } from "./dal_values.ts";
 *
 * const infinity = new Uint8Array(48);
 * infinity[0] = 0xc0;
 * console.log(isValidG1Compressed(infinity)); // true
 * console.log(isValidScalar(new Uint8Array(32).fill(0xff))); // false: 2^256 - 1 ≥ r
 * ```
 *
 * @module
 */

import { bls12_381 } from "@noble/curves/bls12-381.js";
import type { DalMessage, DalMessageId } from "../../gen/gossipsub.ts";

/** Size of a compressed G1 point. */
export const G1_COMPRESSED_BYTES = 48;
/** Size of an Fr scalar. */
export const SCALAR_BYTES = 32;

// The group order r = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001,
// little-endian, as Octez lays scalars out. Octez's `Fr.of_bytes_opt` (`src/lib_bls12_381/fr.ml`
// 108-114) calls blst's `blst_scalar_from_lendian` (a byte copy) then `blst_scalar_fr_check`,
// which accepts 0 and every value below r (`libblst/src/exports.c` 88-91, `blst_wrapper.c` 34-42).
// noble's `bls12_381.fields.Fr.fromBytes` is no substitute: it reads big-endian and reduces
// modulo r instead of rejecting (noble-curves 2.4.0 `src/bls12-381.ts` 152-158).
const R_LE: Uint8Array = (() => {
  const r = bls12_381.fields.Fr.ORDER;
  const bytes = new Uint8Array(SCALAR_BYTES);
  for (let i = 0; i < SCALAR_BYTES; i++) bytes[i] = Number((r >> BigInt(8 * i)) & 0xffn);
  return bytes;
})();

/**
 * Whether `bytes` is a 32-byte little-endian scalar below the BLS12-381 group order r (what
 * Octez's `Bls12_381.Fr.of_bytes_exn` accepts from a 32-byte field).
 *
 * A byte comparison from the most significant byte down, with no BigInt: r's top byte is 0x73, so
 * a uniformly random 32-byte string is decided on its first byte 255 times in 256. 64 scalars (a
 * mainnet shard) take 0.4 µs, 144x faster than building a BigInt per scalar and comparing it with
 * r (57 µs; `bench/dal_bench.ts`, BENCHMARKS.md).
 *
 * @param bytes Candidate scalar.
 * @returns `true` when Octez would decode it.
 */
export function isValidScalar(bytes: Uint8Array): boolean {
  if (bytes.length !== SCALAR_BYTES) return false;
  for (let i = SCALAR_BYTES - 1; i >= 0; i--) {
    const b = bytes[i], r = R_LE[i];
    if (b !== r) return b < r;
  }
  return false; // equal to r
}

/**
 * Whether `bytes` is a compressed BLS12-381 G1 point that Octez's `G1.of_compressed_bytes_opt`
 * accepts: blst's `blst_p1_uncompress` followed by the subgroup check `blst_p1_in_g1`
 * (`src/lib_bls12_381/g1.ml` 218-226).
 *
 * ```text
 * byte 0                         bytes 1..47
 * ┌───┬───┬───┬─────────────┐    ┌───────────────────────────┐
 * │ C │ I │ S │ x[380..376] │    │ x[375..0], big-endian     │
 * └───┴───┴───┴─────────────┘    └───────────────────────────┘
 * C (0x80) compressed: must be 1, else BLST_BAD_ENCODING        (libblst/src/e1.c 267-268)
 * I (0x40) infinity:   when 1, every other bit of the 48 bytes
 *                      must be 0, so the point at infinity is
 *                      exactly C0 00…00 (E0 00…00 is refused)   (e1.c 270-276)
 * S (0x20) sort:       1 when y is the larger of ±y (y > (p-1)/2) (e1.c 284-286)
 * x (381 bits)         must be < p, else BLST_BAD_ENCODING        (e1.c 242-247)
 *                      x³ + 4 must be a square in Fp              (e1.c 250-254)
 *                      x = 0 gives (0, ±2), of order 3: refused   (e1.c 288-290)
 * then the point must be in the order-r subgroup (cofactor h ≠ 1) (g1.ml 224-225)
 * ```
 *
 * The point at infinity passes: blst turns C0 00…00 into the affine (0, 0), `blst_p1_from_affine`
 * makes it the projective identity (e1.c 94-99) and the subgroup check holds for it
 * (`map_to_g1.c` 531-548); it is Octez's `G1.zero`, the commitment of the zero polynomial.
 *
 * Decompression and the subgroup check are noble's (`Point.fromBytes` runs `assertValidity`:
 * on the curve and torsion-free); noble refuses the same flag combinations and x ≥ p.
 *
 * @param bytes Candidate point.
 * @returns `true` when Octez would decode it.
 */
export function isValidG1Compressed(bytes: Uint8Array): boolean {
  if (bytes.length !== G1_COMPRESSED_BYTES) return false;
  const flags = bytes[0];
  if ((flags & 0x80) === 0) return false;
  if ((flags & 0x40) !== 0) {
    // Decided here rather than in noble, so that a byte-exact rule does not depend on noble's
    // handling of the identity: C0 then 47 zero bytes, nothing else.
    if (flags !== 0xc0) return false;
    for (let i = 1; i < G1_COMPRESSED_BYTES; i++) if (bytes[i] !== 0) return false;
    return true;
  }
  try {
    bls12_381.G1.Point.fromBytes(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Why a DAL value is not one Octez would decode; `Valid` when it is. */
export type DalValueCheck =
  /** Every value is well formed. */
  | { readonly kind: "Valid" }
  /** The id's commitment is not a compressed G1 point in the subgroup. */
  | { readonly kind: "InvalidCommitment" }
  /** The shard proof is not a compressed G1 point in the subgroup. */
  | { readonly kind: "InvalidShardProof" }
  /** The share's scalar at `index` is not below r (or not 32 bytes). */
  | { readonly kind: "InvalidShareScalar"; readonly index: number };

const VALID: DalValueCheck = { kind: "Valid" };
const INVALID_COMMITMENT: DalValueCheck = { kind: "InvalidCommitment" };
const INVALID_SHARD_PROOF: DalValueCheck = { kind: "InvalidShardProof" };

/**
 * Checks the one cryptographic value of a DAL message id: its commitment. Level, slot index,
 * shard index and attester are plain integers and a key hash, already bounded by the codec.
 *
 * @param id A DAL message id.
 * @returns `Valid` or `InvalidCommitment`.
 */
export function checkDalMessageId(id: DalMessageId): DalValueCheck {
  return isValidG1Compressed(id.commitment) ? VALID : INVALID_COMMITMENT;
}

/**
 * Checks the values of a DAL message: every scalar of the share (cheap, first), then the shard
 * proof. Octez's encoding has no bound on the number of scalars (`array Scalar.encoding`,
 * `cryptobox.ml` 166), so neither does this check; the P2P message size bounds it.
 *
 * @param message A DAL message (a shard and its proof).
 * @returns `Valid`, `InvalidShareScalar` with the first bad index, or `InvalidShardProof`.
 */
export function checkDalMessage(message: DalMessage): DalValueCheck {
  const share = message.share;
  for (let i = 0; i < share.length; i++) {
    if (!isValidScalar(share[i])) return { kind: "InvalidShareScalar", index: i };
  }
  return isValidG1Compressed(message.shardProof) ? VALID : INVALID_SHARD_PROOF;
}

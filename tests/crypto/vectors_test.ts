// Every vector kind this area covers is present with the count spec §22 announces, so that a test
// iterating over an empty list cannot pass by accident.

import assert from "node:assert/strict";
import { vectors } from "../support/vectors.ts";

const EXPECTED_COUNTS: Record<string, number> = {
  identity: 6,
  peer_id: 2,
  pow_target: 5,
  pow_check: 6,
  nonce_derivation: 3,
  nonce_increment: 3,
  precompute_key: 2,
  encrypted_chunk: 17,
};

for (const [kind, count] of Object.entries(EXPECTED_COUNTS)) {
  Deno.test(`p2p.json holds ${count} vectors of kind ${kind}`, () => {
    assert.equal(vectors(kind).length, count);
  });
}

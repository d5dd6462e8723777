import assert from "node:assert/strict";
import { isPointIdError } from "../../lib/base/point_id.ts";
import { isCryptoError } from "../../lib/crypto/errors.ts";
import {
  parsePointIdWithPeerId,
  peerIdOfPublicKey,
  peerIdToString,
} from "../../lib/crypto/peer_id.ts";

const peerId = peerIdOfPublicKey(new Uint8Array(32).fill(7));

Deno.test("parsePointIdWithPeerId() returns the point and the peer id after #", () => {
  const parsed = parsePointIdWithPeerId(`[::1]:9732#${peerIdToString(peerId)}`);
  assert.deepEqual(parsed.point, { addr: "::1", port: 9732 });
  assert.deepEqual(parsed.peerId, peerId);
});

Deno.test("parsePointIdWithPeerId() gives no peer id for a point without #", () => {
  assert.deepEqual(parsePointIdWithPeerId("1.2.3.4:1"), {
    point: { addr: "1.2.3.4", port: 1 },
    peerId: undefined,
  });
});

Deno.test("parsePointIdWithPeerId() refuses a suffix that is not a peer id, the CryptoError as cause", () => {
  const text = peerIdToString(peerId);
  for (
    const [suffix, kind] of [
      [text.slice(0, -1) + (text.endsWith("a") ? "b" : "a"), "bad_checksum"],
      [text.slice(1), "bad_length"],
    ] as const
  ) {
    const bad = `1.2.3.4:1#${suffix}`;
    assert.throws(
      () => parsePointIdWithPeerId(bad),
      (e) => isPointIdError(e, "invalid_point") && e.text === bad && isCryptoError(e.cause, kind),
      suffix,
    );
  }
});

Deno.test("parsePointIdWithPeerId() refuses what parsePointId() refuses", () => {
  for (const bad of ["1.2.3.4", "1.2.3.4:1#", "1.2.3.4:1#id-x", "example.com:1"]) {
    assert.throws(() => parsePointIdWithPeerId(bad), (e) => isPointIdError(e, "invalid_point"));
  }
});

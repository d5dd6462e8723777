// Node.connect() takes a point as text: text that is not a point is a NodeError like every other
// failure of connect(), with the PointIdError as its cause.

import assert from "node:assert/strict";
import { isPointIdError } from "../../lib/base/point_id.ts";
import { isCryptoError } from "../../lib/crypto/errors.ts";
import { isNodeError } from "../../lib/node/mod.ts";
import { testNode } from "./helpers.ts";

Deno.test("connect() rejects text that is not a point with NodeError invalid_point", async () => {
  const node = await testNode();
  try {
    for (const bad of ["127.0.0.1", "example.com:9732", "[::1]:70000", "127.0.0.1:1#id-x"]) {
      await assert.rejects(
        node.connect(bad),
        (e) =>
          isNodeError(e, "invalid_point") && e.details.point === bad && isPointIdError(e.cause),
        bad,
      );
    }
    await assert.rejects(
      node.connect({ addr: "nope", port: 1 }),
      (e) => isNodeError(e, "invalid_point") && isPointIdError(e.cause),
    );
  } finally {
    await node.close();
  }
});

Deno.test("connect() rejects a #peer_id suffix that is not a peer id, the CryptoError two levels down", async () => {
  const node = await testNode();
  try {
    await assert.rejects(
      node.connect("127.0.0.1:1#idqjq34sB6uHWdFzJDB97zwXAdHASc"),
      (e) =>
        isNodeError(e, "invalid_point") && isPointIdError(e.cause) &&
        isCryptoError(e.cause.cause, "bad_checksum"),
    );
  } finally {
    await node.close();
  }
});

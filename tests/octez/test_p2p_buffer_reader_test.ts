// Octez `src/lib_p2p/test/test_p2p_buffer_reader.ml`, in what applies to tzp2p. Octez's
// `P2p_buffer_reader` copies bytes from a read queue into caller-given (buffer, pos, length)
// descriptors; its `mk_buffer` checks are about that OCaml API, which tzp2p does not have (see
// tests/README.md). Partial reads and `read_full` are covered by tests/connection/
// frame_reader_test.ts (byte-by-byte and random splits give the same frames; a frame is yielded
// only once all its bytes are in). This file re-creates "read hangs if there is no data to
// read": a read with nothing to read waits, and cancelling (closing) ends it with an error.

import assert from "node:assert/strict";
import { isP2pError } from "../../lib/connection/mod.ts";
import { connectedPairs } from "./tcp_mesh.ts";

Deno.test("read hangs if there is no data to read, until the reader is cancelled", async () => {
  const [{ server, client }] = await connectedPairs(1);
  let settled = false;
  const reading = server.read().finally(() => (settled = true));
  reading.catch(() => {});
  await new Promise((r) => setTimeout(r, 300)); // Octez cancels after 0.3 s
  assert.equal(settled, false, "the read returned with no data");
  await server.close(); // Octez's canceler
  const e = await reading.then(() => undefined, (e) => e);
  assert.ok(isP2pError(e, "connection_closed"), `got ${e}`);
  await client.close();
});

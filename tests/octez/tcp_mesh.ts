/**
 * Authenticated raw connections over loopback TCP for the scheduler and broadcast scenarios: one
 * server accepting `n` clients, each pair as two {@link Connection}s of raw application
 * messages.
 *
 * @module
 */

import { accept, type Connection } from "../../lib/connection/mod.ts";
import { generateIdentitySync } from "../../lib/crypto/mod.ts";
import { rawAppCodec, type RawAppMessage } from "../../lib/encoding/mod.ts";
import { makePointId } from "../../lib/base/point_id.ts";
import { authenticate } from "../../lib/connection/mod.ts";
import { options } from "./run_nodes.ts";

/** The server's and the client's ends of one connection. */
export interface Pair {
  /** The accepting end. */
  readonly server: Connection<RawAppMessage>;
  /** The dialling end. */
  readonly client: Connection<RawAppMessage>;
}

/** `n` authenticated connections to one listener on 127.0.0.1 (fresh PoW-0 identities). */
export async function connectedPairs(n: number): Promise<Pair[]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const point = makePointId("127.0.0.1", (listener.addr as Deno.NetAddr).port);
  const server = generateIdentitySync(0);
  try {
    const pairs: Pair[] = [];
    for (let i = 0; i < n; i++) {
      const [incoming, outgoing] = await Promise.all([
        listener.accept(),
        Deno.connect({ hostname: point.addr, port: point.port }),
      ]);
      const [s, c] = await Promise.all([
        authenticate(incoming, options(server, true)),
        authenticate(outgoing, options(generateIdentitySync(0), false, { remotePoint: point })),
      ]);
      const [sc, cc] = await Promise.all([
        accept(s, rawAppCodec, { timeoutMs: 5_000 }),
        accept(c, rawAppCodec, { timeoutMs: 5_000 }),
      ]);
      pairs.push({ server: sc, client: cc });
    }
    return pairs;
  } finally {
    listener.close();
  }
}

/** The body of a raw application message, or an error if it is another kind. */
export function bodyOf(received: { message: unknown }): Uint8Array {
  const m = received.message as { kind: string; message?: RawAppMessage };
  if (m.kind !== "Message" || m.message === undefined) throw new Error(`got ${m.kind}`);
  return m.message.body;
}

// TCP connections from a chosen loopback source address (127.0.0.2, 127.0.0.3, …), so that tests
// of per-address rules (greylists, blacklists) keep their peers apart. `Deno.connect` cannot bind
// a local address; Node's `net.connect({ localAddress })` can, and Deno runs it.

import net from "node:net";
import { Duplex } from "node:stream";
import type { PointId } from "../../lib/base/point_id.ts";
import type { ByteStream } from "../../lib/connection/mod.ts";

/** A TCP connection to `point` from `localAddress`, as a `ByteStream` for `authenticate`. */
export async function dialFrom(localAddress: string, point: PointId): Promise<ByteStream> {
  const socket = net.connect({ host: point.addr, port: point.port, localAddress });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const { readable, writable } = Duplex.toWeb(socket);
  return {
    readable: readable as ReadableStream<Uint8Array>,
    writable: writable as WritableStream<Uint8Array>,
    remoteAddr: { transport: "tcp", hostname: point.addr, port: point.port },
    close: () => socket.destroy(),
    closeWrite: () => new Promise<void>((resolve) => socket.end(resolve)),
  };
}

/**
 * Reading raw bytes from a socket in tests and benches that play a hand-written peer.
 *
 * @module
 */

/**
 * Reads exactly `size` bytes.
 *
 * @param socket The socket.
 * @param size Bytes wanted.
 * @returns The bytes.
 * @throws {Error} At end of stream before `size` bytes.
 */
export async function readExactly(socket: Deno.Conn, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  for (let at = 0; at < size;) {
    const n = await socket.read(out.subarray(at));
    if (n === null) throw new Error(`end of stream after ${at} of ${size} bytes`);
    at += n;
  }
  return out;
}

/**
 * Reads one frame prefixed by its 16-bit big-endian length (a connection message or a chunk),
 * prefix included.
 *
 * @param socket The socket.
 * @returns The frame.
 */
export async function readFrame(socket: Deno.Conn): Promise<Uint8Array> {
  const header = await readExactly(socket, 2);
  const body = await readExactly(socket, (header[0] << 8) | header[1]);
  const frame = new Uint8Array(2 + body.length);
  frame.set(header);
  frame.set(body, 2);
  return frame;
}

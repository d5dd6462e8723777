/**
 * Octez's `P2p_test_utils.run_nodes client server` over real TCP on loopback: a listener on
 * 127.0.0.1 port 0, one server task that accepts one socket and one client task that dials it,
 * run together; the helpers `accept` and `connect` authenticate like Octez's, and check the
 * direction and the remote peer id as Octez's `connect` does.
 *
 * Where Octez forks two processes and synchronises them with `sync ch`, these tasks share one
 * event loop and synchronise with a {@link Barrier}.
 *
 * @module
 */

import assert from "node:assert/strict";
import { generateIdentitySync, type Identity } from "../../lib/crypto/mod.ts";
import { makePointId, type PointId } from "../../lib/base/point_id.ts";
import {
  authenticate,
  type AuthenticatedConnection,
  type AuthenticateOptions,
  type ByteStream,
  type SupportedVersions,
} from "../../lib/connection/mod.ts";
import { equalBytes } from "../../lib/base/bytes.ts";
import { handshakeOptions } from "../connection/helpers.ts";

/** Octez's test version: chain `SANDBOXED_TEZOS`, distributed db 0, P2P 0. */
export const SANDBOXED_VERSIONS: SupportedVersions = {
  chainName: "SANDBOXED_TEZOS",
  distributedDbVersions: [0],
  p2pVersions: [0],
};

/** Octez's `id1` (the server) and `id2` (the client); PoW 0 instead of 16, so tests are fast. */
export const id1: Identity = generateIdentitySync(0);
/** The client's identity. */
export const id2: Identity = generateIdentitySync(0);

/** Both tasks wait at `sync()` until the other one reaches it too (Octez's `sync ch`). */
export class Barrier {
  #waiting: (() => void) | undefined;

  /** Resolves once both sides have called it. */
  sync(): Promise<void> {
    if (this.#waiting !== undefined) {
      const other = this.#waiting;
      this.#waiting = undefined;
      other();
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.#waiting = resolve));
  }
}

/** The server side: the accepted socket. */
export type Server = (socket: Deno.Conn, barrier: Barrier) => Promise<void>;
/** The client side: the listener's point. */
export type Client = (point: PointId, barrier: Barrier) => Promise<void>;

/** Runs a server and a client over one loopback TCP connection; both must succeed. */
export async function runNodes(client: Client, server: Server): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const barrier = new Barrier();
  try {
    await Promise.all([
      (async () => server(await listener.accept(), barrier))(),
      client(makePointId("127.0.0.1", port), barrier),
    ]);
  } finally {
    listener.close();
  }
}

/** Handshake options of Octez's tests, for `identity`. */
export function options(
  identity: Identity,
  incoming: boolean,
  extra: Partial<AuthenticateOptions> = {},
): AuthenticateOptions {
  return handshakeOptions(identity, incoming, { versions: SANDBOXED_VERSIONS, ...extra });
}

/** Octez's `accept`: authenticates an incoming socket as `id1`. */
export function acceptAuth(
  socket: ByteStream,
  extra: Partial<AuthenticateOptions> = {},
): Promise<AuthenticatedConnection> {
  return authenticate(socket, options(id1, true, extra));
}

/**
 * Octez's `connect`: dials `point` as `identity`, authenticates, and checks that the connection is
 * outgoing and that the remote is `targetId` (default `id1`).
 */
export async function connectAuth(
  point: PointId,
  identity: Identity,
  extra: Partial<AuthenticateOptions> = {},
  targetId: Identity = id1,
): Promise<AuthenticatedConnection> {
  const socket = await Deno.connect({ hostname: point.addr, port: point.port });
  const auth = await authenticate(
    socket,
    options(identity, false, { remotePoint: point, ...extra }),
  );
  assert.equal(auth.info.incoming, false);
  assert.ok(equalBytes(auth.peerId, targetId.peerId));
  return auth;
}

/** `size` random bytes (Octez's `Rand.generate`). */
export function randomBytes(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let at = 0; at < size; at += 65_536) {
    crypto.getRandomValues(out.subarray(at, Math.min(size, at + 65_536)));
  }
  return out;
}

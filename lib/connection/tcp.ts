/**
 * Dialling a point over TCP and authenticating it in one step, under one time limit (Octez
 * `connection_timeout` covers the TCP connect and the whole handshake).
 *
 * @module
 */

import { type PointId, pointIdToString } from "../base/point_id.ts";
import type { ConnectionMetadata } from "../../gen/connection.ts";
import type { AuthenticatedConnection } from "./answer.ts";
import { authenticate, type AuthenticateOptions } from "./authenticate.ts";
import { connectionClosed, P2pError } from "./errors.ts";

/**
 * Options of {@link connect}: those of `authenticate`, minus the direction and the point.
 *
 * @typeParam Meta The connection metadata type.
 */
export type ConnectOptions<Meta = ConnectionMetadata> = Omit<
  AuthenticateOptions<Meta>,
  "incoming" | "remotePoint"
>;

/**
 * Opens a TCP connection to `point` and authenticates it as the initiator.
 *
 * @param point The point to dial.
 * @param options Identity, PoW target, versions, metadata and its codec; `timeoutMs` covers
 * connect and handshake.
 * @returns The authenticated connection, to `accept` or {@link nack}.
 * @throws {P2pError} `connection_closed` when the TCP connect fails, `timeout`, `canceled`, or any
 * error of `authenticate`.
 */
export async function connect<Meta = ConnectionMetadata>(
  point: PointId,
  options: ConnectOptions<Meta>,
): Promise<AuthenticatedConnection<Meta>> {
  const started = performance.now();
  const { timeoutMs, signal } = options;
  if (signal?.aborted) {
    throw new P2pError("canceled", "connect canceled", {}, { cause: signal.reason });
  }
  const dialling = Deno.connect({ hostname: point.addr, port: point.port });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  let conn: Deno.Conn;
  try {
    conn = await new Promise<Deno.Conn>((resolve, reject) => {
      dialling.then(
        resolve,
        (e) => reject(connectionClosed(`cannot connect to ${pointIdToString(point)}`, e)),
      );
      if (timeoutMs !== undefined) {
        timer = setTimeout(
          () =>
            reject(
              new P2pError("timeout", `connect timed out after ${timeoutMs} ms`, { timeoutMs }),
            ),
          timeoutMs,
        );
      }
      onAbort = () =>
        reject(new P2pError("canceled", "connect canceled", {}, { cause: signal?.reason }));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  } catch (e) {
    // Deno.connect cannot be interrupted: close the socket if it opens after all.
    dialling.then((late) => late.close(), () => {});
    throw e;
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
  const remaining = timeoutMs === undefined
    ? undefined
    : Math.max(0, timeoutMs - (performance.now() - started));
  return await authenticate(conn, {
    ...options,
    incoming: false,
    remotePoint: point,
    timeoutMs: remaining,
  });
}

/**
 * How the pool reports a handshake that did not end in a running connection: Octez's name of the
 * error (`P2p_errors`), the pool's counters (`handshakeFailures`, `nacks`) and the
 * `handshake_failed` / `handshake_refused` events, for a failure or a remote Nack and for a refusal
 * of ours.
 *
 * @module
 */

import { type PointId, pointIdToString } from "../base/point_id.ts";
import { rejectionMotiveName } from "../base/rejection.ts";
import { type AuthenticatedConnection, isP2pError, P2pError } from "../connection/mod.ts";
import { peerIdToString } from "../crypto/mod.ts";
import type { Direction, HandshakeFailedEvent, HandshakeRefusedEvent } from "./events.ts";
import type { PoolStats } from "./pool_config.ts";

/**
 * Octez's name of a connection error (`P2p_errors`): our kinds are its constructors in snake case
 * (`not_enough_proof_of_work` → `Not_enough_proof_of_work`); a TCP failure is
 * `Connection_refused`, as `P2p_connect_handler` reports it.
 *
 * @param e The error.
 * @returns The name.
 */
export function octezErrorName(e: unknown): string {
  if (e instanceof P2pError) return e.kind[0].toUpperCase() + e.kind.slice(1);
  if (e instanceof Deno.errors.ConnectionRefused) return "Connection_refused";
  return e instanceof Error ? e.name : "Unknown_error";
}

/**
 * Adds one to a named counter.
 *
 * @param counters The counters by name.
 * @param key The name.
 */
export function count(counters: Record<string, number>, key: string): void {
  counters[key] = (counters[key] ?? 0) + 1;
}

/**
 * Counts a failed handshake: a Nack we received under `nacks` (`remote:<motive>`), anything else
 * under `handshakeFailures` by its Octez name.
 *
 * @param stats The pool's counters.
 * @param e The failure.
 */
export function countFailure(stats: PoolStats, e: unknown): void {
  if (isP2pError(e, "rejected_by_nack")) {
    count(stats.nacks, `remote:${rejectionMotiveName(e.details.motive ?? 0)}`);
  } else count(stats.handshakeFailures, octezErrorName(e));
}

/**
 * The event of a failed handshake: `handshake_refused` by the remote for a Nack we received,
 * `handshake_failed` otherwise.
 *
 * @param direction Which side opened the connection.
 * @param point The remote point, when known.
 * @param e The failure.
 * @returns The event.
 */
export function failureEvent(
  direction: Direction,
  point: PointId | undefined,
  e: unknown,
): HandshakeFailedEvent | HandshakeRefusedEvent {
  const pointText = point === undefined ? undefined : pointIdToString(point);
  const peer = e instanceof P2pError ? e.details.peerId : undefined;
  const peerId = peer === undefined ? undefined : peerIdToString(peer);
  if (isP2pError(e, "rejected_by_nack")) {
    const motive = rejectionMotiveName(e.details.motive ?? 0);
    return {
      event: "handshake_refused",
      direction,
      point: pointText,
      peerId,
      by: "remote",
      motive,
    };
  }
  return {
    event: "handshake_failed",
    direction,
    point: pointText,
    peerId,
    error: octezErrorName(e),
    message: e instanceof Error ? e.message : String(e),
  };
}

/**
 * The event of an authenticated connection we refuse: with a Nack's motive, or closed without one.
 *
 * @param auth The connection.
 * @param motive The Nack motive, if we send one.
 * @param why Why it is closed without a Nack.
 * @returns The event.
 */
export function localRefusalEvent<Meta>(
  auth: AuthenticatedConnection<Meta>,
  motive: number | undefined,
  why: string,
): HandshakeRefusedEvent {
  const point = auth.info.remoteListeningPoint;
  return {
    event: "handshake_refused",
    direction: auth.info.incoming ? "incoming" : "outgoing",
    point: point === undefined ? undefined : pointIdToString(point),
    peerId: peerIdToString(auth.peerId),
    by: "local",
    motive: motive === undefined ? `closed without Nack: ${why}` : rejectionMotiveName(motive),
  };
}

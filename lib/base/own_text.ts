/**
 * Copies of decoded texts in memory of their own, for tables that outlive the message the texts
 * came from. A decoded address may be a slice of its message's text (`Reader.ascii` cuts every
 * address of an Advertise from one string of up to 8 KiB), and V8 keeps the whole text alive for
 * as long as a slice of 13 characters or more is kept. Internal: not exported from `./base`.
 *
 * @module
 */

import type { PointId } from "./point_id.ts";

const codes: number[] = [];

/**
 * A copy of `text` that shares no memory with the string it was cut from: its characters copied
 * one by one into `fromCharCode`, which makes a new string.
 *
 * @param text A short text (an address, a point's text).
 * @returns An equal string of its own.
 */
export function ownCopy(text: string): string {
  codes.length = text.length;
  for (let i = 0; i < text.length; i++) codes[i] = text.charCodeAt(i);
  return String.fromCharCode.apply(null, codes);
}

/**
 * A point equal to `point` whose address is a copy of its own ({@link ownCopy}).
 *
 * @param point A point, possibly decoded from a message.
 * @returns An equal point that keeps no message alive.
 */
export function ownPointId(point: PointId): PointId {
  return { addr: ownCopy(point.addr), port: point.port };
}

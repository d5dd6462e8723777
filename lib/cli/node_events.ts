/**
 * How `tzp2p node` prints its events: JSON lines (snake_case keys, `null` for absent values) or
 * readable text lines, heartbeats only once a minute.
 *
 * @module
 */

import type { NodeEvent } from "../node/events.ts";

/** A camelCase key in snake_case (`peerId` → `peer_id`). */
function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A value with snake_case keys at every depth, `undefined` as `null`, bytes as hex. */
function toJsonValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Uint8Array) {
    return Array.from(value, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [snakeCase(k), toJsonValue(v)]),
    );
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}

/**
 * One JSON line of an event: the event's fields in snake_case, `null` for absent values.
 *
 * @param event A node event, or one of the command's own (`listening`, `stopped`).
 * @returns The line, with its newline.
 */
export function formatEventJson(event: NodeEvent | CommandEvent): string {
  return `${JSON.stringify(toJsonValue(event))}\n`;
}

const show = (v: string | undefined) => v ?? "?";

/**
 * One readable line of an event (without the time stamp).
 *
 * @param event A node event.
 * @returns The line, without newline.
 */
export function formatEventText(event: NodeEvent): string {
  switch (event.event) {
    case "connection_established":
      return `connected to ${event.peerId} at ${show(event.point)} (${event.direction}) ${
        JSON.stringify(toJsonValue(event.metadata))
      }`;
    case "connection_closed":
      return `disconnected from ${event.peerId} at ${show(event.point)}: ${event.reason}`;
    case "handshake_failed":
      return `handshake failed (${event.direction}, ${show(event.point)}${
        event.peerId === undefined ? "" : `, ${event.peerId}`
      }): ${event.error}: ${event.message}`;
    case "handshake_refused":
      return `handshake refused by ${
        event.by === "local" ? "us" : "the peer"
      } (${event.direction}, ${show(event.point)}${
        event.peerId === undefined ? "" : `, ${event.peerId}`
      }): ${event.motive}`;
    case "message_delivered":
      return `message ${event.topic === undefined ? "" : `on ${event.topic} `}${
        event.messageId === undefined ? "" : `${event.messageId} `
      }(${event.size} bytes)${event.from === undefined ? "" : ` from ${event.from}`}`;
    case "graft":
    case "prune":
      return `${event.event} ${
        event.direction === "sent" ? "sent to" : "received from"
      } ${event.peerId} on ${event.topic}`;
    case "greylisted":
    case "banned":
      return `${event.event} ${event.address ?? event.peerId}: ${event.reason}`;
    case "heartbeat":
      return `heartbeat ${event.ticks}: ${
        event.durationMs.toFixed(2)
      } ms, ${event.connections} connections, ${event.meshPeers} mesh peers`;
  }
}

/**
 * Whether an event is logged: heartbeats (one a second) only as a summary every minute, so that
 * a log stays readable; a metrics endpoint has every one.
 *
 * @param event The event.
 * @returns Whether to print it.
 */
export function isLogged(event: NodeEvent | CommandEvent): boolean {
  return event.event !== "heartbeat" || event.ticks % 60 === 0;
}

/** The command's own events, around the node's. */
export type CommandEvent =
  | {
    readonly event: "listening";
    readonly point: string | null;
    readonly peerId: string;
    readonly pid: number;
    /** `http://HOST:PORT/metrics`: present only with `--metrics`. */
    readonly metricsUrl?: string;
  }
  | { readonly event: "stopped" };

/**
 * One-line printers of the worker's outputs, for logs (Octez
 * `gossipsub_worker.ml` `pp_p2p_output` and `pp_app_output`). The layout is
 * Octez's, `Kind{field=value, …}` with list items separated by `; `, with our
 * kind and field names:
 *
 * ```text
 * OutMessage{peer=3, p2pMessage=Prune{topic="t", px=4; 5, backoff=60s}}
 * Connect{peer=4; origin=3}          Connect{peer=4; origin=(trusted)}
 * MessageWithHeader{message="hello", messageId=1, topic="t"}
 * ```
 *
 * Peers, topics, ids and payloads are printed by the optional
 * {@linkcode Printers}, else by {@linkcode formatValue}.
 *
 * @module
 */

import type { AppOutput, MessageWithHeader, P2pOutput, PeerMessage } from "./types.ts";
import type { Span } from "../automaton/modules.ts";

/** How to print each abstract type; each printer must return one line. */
export interface Printers<P, T, I, M> {
  /** Peers (default {@linkcode formatValue}). */
  readonly peer?: (peer: P) => string;
  /** Topics (default {@linkcode formatValue}). */
  readonly topic?: (topic: T) => string;
  /** Message ids (default {@linkcode formatValue}). */
  readonly messageId?: (id: I) => string;
  /** Payloads (default {@linkcode formatValue}). */
  readonly message?: (message: M) => string;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Byte arrays up to this length are printed in hex; longer ones by their length. */
const MAX_HEX_BYTES = 32;
/** Strings longer than this are cut (the cut is marked with `…`). */
const MAX_STRING = 80;

/**
 * The default printer: strings quoted (escaped, cut after 80 characters),
 * numbers, bigints and booleans as is, byte arrays in hex up to 32 bytes and
 * as `<n bytes>` beyond, anything else as JSON (or `String` when it has none).
 * Always one line.
 */
export function formatValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value);
    case "number":
    case "bigint":
    case "boolean":
      return String(value);
  }
  if (value instanceof Uint8Array) {
    if (value.length > MAX_HEX_BYTES) return `<${value.length} bytes>`;
    let hex = "";
    for (const byte of value) hex += HEX[byte];
    return hex;
  }
  try {
    const json = JSON.stringify(value, (_k, v) => typeof v === "bigint" ? String(v) : v);
    if (json !== undefined) return json;
  } catch {
    // Cyclic: fall through.
  }
  return String(value).replace(/\s+/g, " ");
}

/** A span in ms as seconds, e.g. `60s`, `1.5s`. */
function formatSpan(span: Span): string {
  return `${span / 1000}s`;
}

function printersWithDefaults<P, T, I, M>(printers: Printers<P, T, I, M>) {
  return {
    peer: printers.peer ?? formatValue,
    topic: printers.topic ?? formatValue,
    messageId: printers.messageId ?? formatValue,
    message: printers.message ?? formatValue,
  };
}

function formatMessageWithHeader<P, T, I, M>(
  m: MessageWithHeader<T, I, M>,
  p: Required<Printers<P, T, I, M>>,
): string {
  return `MessageWithHeader{message=${p.message(m.message)}, messageId=${
    p.messageId(m.messageId)
  }, topic=${p.topic(m.topic)}}`;
}

function formatP2pMessage<P, T, I, M>(
  m: PeerMessage<P, T, I, M>,
  p: Required<Printers<P, T, I, M>>,
): string {
  switch (m.kind) {
    case "Graft":
      return `Graft{topic=${p.topic(m.topic)}}`;
    case "Prune":
      return `Prune{topic=${p.topic(m.topic)}, px=${m.px.map(p.peer).join("; ")}, backoff=${
        formatSpan(m.backoff)
      }}`;
    case "IHave":
      return `IHave{topic=${p.topic(m.topic)}, messageIds=${
        m.messageIds.map(p.messageId).join("; ")
      }}`;
    case "IWant":
      return `IWant{messageIds=${m.messageIds.map(p.messageId).join("; ")}}`;
    case "Subscribe":
      return `Subscribe{topic=${p.topic(m.topic)}}`;
    case "Unsubscribe":
      return `Unsubscribe{topic=${p.topic(m.topic)}}`;
    case "MessageWithHeader":
      return formatMessageWithHeader(m, p);
    case "Ping":
      return "Ping";
  }
}

/** One line describing an order for the P2P layer (Octez `pp_p2p_output`). */
export function formatP2pOutput<P, T, I, M>(
  output: P2pOutput<P, T, I, M>,
  printers: Printers<P, T, I, M> = {},
): string {
  const p = printersWithDefaults(printers);
  switch (output.kind) {
    case "OutMessage":
      return `OutMessage{peer=${p.peer(output.toPeer)}, p2pMessage=${
        formatP2pMessage(output.p2pMessage, p)
      }}`;
    case "Disconnect":
      return `Disconnect{peer=${p.peer(output.peer)}}`;
    case "Kick":
      return `Kick{peer=${p.peer(output.peer)}}`;
    case "Connect": {
      const origin = output.origin.kind === "PX" ? p.peer(output.origin.peer) : "(trusted)";
      return `Connect{peer=${p.peer(output.peer)}; origin=${origin}}`;
    }
    case "ConnectPoint":
      return `ConnectPoint{point=${output.point}}`;
    case "Forget":
      return `Forget{peer=${p.peer(output.peer)}; origin=${p.peer(output.origin)}}`;
  }
}

/** One line describing a full message delivered to the application (Octez `pp_app_output`). */
export function formatAppOutput<T, I, M>(
  output: AppOutput<T, I, M>,
  printers: Printers<never, T, I, M> = {},
): string {
  return formatMessageWithHeader(output, printersWithDefaults(printers));
}

/**
 * What a node reports as it runs: connections opened and closed, handshakes that failed or were
 * refused (with Octez's names for the error and the motive), and application messages delivered.
 * A node hands each event to the `onEvent` callback of its options, synchronously and in order;
 * the command line prints them as text or JSON lines.
 *
 * Peer ids are base58 (`id…`), points are text (`127.0.0.1:9732`, `[::1]:9732`).
 *
 * @module
 */

/** Which side opened a connection. */
export type Direction = "incoming" | "outgoing";

/** A connection passed the handshake and the Ack exchange and now runs. */
export interface ConnectionEstablishedEvent {
  /** The event. */
  readonly event: "connection_established";
  /** The remote peer id. */
  readonly peerId: string;
  /** Where the remote listens, when known. */
  readonly point: string | undefined;
  /** Which side opened it. */
  readonly direction: Direction;
  /** The remote's connection metadata, as decoded (JSON-friendly: no byte arrays). */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** A running connection ended. */
export interface ConnectionClosedEvent {
  /** The event. */
  readonly event: "connection_closed";
  /** The remote peer id. */
  readonly peerId: string;
  /** Where the remote listens, when known. */
  readonly point: string | undefined;
  /** Why: `"closed_locally"` or the error kind that ended it (e.g. `connection_closed`). */
  readonly reason: string;
}

/** A handshake failed before a connection ran (TCP, authentication, Ack exchange, checks). */
export interface HandshakeFailedEvent {
  /** The event. */
  readonly event: "handshake_failed";
  /** Which side opened the connection. */
  readonly direction: Direction;
  /** The remote point (dialled point, or remote socket address), when known. */
  readonly point: string | undefined;
  /** The remote peer id, when the failure came after the connection messages. */
  readonly peerId: string | undefined;
  /** Octez's name of the error (`Not_enough_proof_of_work`, `Decipher_error`, …). */
  readonly error: string;
  /** A readable explanation. */
  readonly message: string;
}

/** A handshake ended in a Nack, sent by us or received from the remote. */
export interface HandshakeRefusedEvent {
  /** The event. */
  readonly event: "handshake_refused";
  /** Which side opened the connection. */
  readonly direction: Direction;
  /** The remote point, when known. */
  readonly point: string | undefined;
  /** The remote peer id. */
  readonly peerId: string | undefined;
  /** Who refused: `"local"` (we sent the Nack) or `"remote"`. */
  readonly by: "local" | "remote";
  /** Octez's name of the motive (`Too_many_connections`, `Unknown_chain_name`, …). */
  readonly motive: string;
}

/** An application message was delivered to this node's subscribers (gossip) or readers (shell). */
export interface MessageDeliveredEvent {
  /** The event. */
  readonly event: "message_delivered";
  /** The topic in text form (simple: the topic; DAL: `SLOT:PKH`); absent for shell messages. */
  readonly topic: string | undefined;
  /** The message id in text form (simple: hex; DAL: `LEVEL/SLOT/SHARD/sh1…/tz…`). */
  readonly messageId: string | undefined;
  /** The sender's peer id, when known. */
  readonly from: string | undefined;
  /** Size of the payload in bytes. */
  readonly size: number;
}

/** A Graft or Prune sent to, or received from, a peer. */
export interface MeshChangeEvent {
  /** Graft (a peer joins a mesh) or Prune (it leaves). */
  readonly event: "graft" | "prune";
  /** `sent` by us or `received` from the peer. */
  readonly direction: "sent" | "received";
  /** The peer. */
  readonly peerId: string;
  /** The topic in text form. */
  readonly topic: string;
}

/** One gossipsub heartbeat ran (gossip nodes; about one a second). */
export interface HeartbeatEvent {
  /** The event. */
  readonly event: "heartbeat";
  /** Heartbeats so far. */
  readonly ticks: number;
  /** How long the automaton and the emission took, ms. */
  readonly durationMs: number;
  /** Running connections. */
  readonly connections: number;
  /** Mesh peers summed over our topics. */
  readonly meshPeers: number;
}

/** An address or a peer was greylisted (by a failure) or blacklisted (by the operator). */
export interface AclEvent {
  /** Greylisted: refused for a while after a failure; banned: blacklisted until unbanned. */
  readonly event: "greylisted" | "banned";
  /** The address (canonical text), for an address. */
  readonly address: string | undefined;
  /** The peer id, for a peer. */
  readonly peerId: string | undefined;
  /** Why: Octez's name of the failure (`Not_enough_proof_of_work`, `Decoding_error`, …), `exception`, or `operator`. */
  readonly reason: string;
}

/** Everything a node reports through `onEvent`. */
export type NodeEvent =
  | ConnectionEstablishedEvent
  | ConnectionClosedEvent
  | HandshakeFailedEvent
  | HandshakeRefusedEvent
  | MessageDeliveredEvent
  | MeshChangeEvent
  | HeartbeatEvent
  | AclEvent;

/**
 * The messages, inputs, outputs and events of the gossipsub worker (Octez
 * `gossipsub_worker.ml`, spec §11.1), in memory. The `kind` names of
 * {@linkcode PeerMessage} are those of the wire codecs in `gen/gossipsub.ts`, so
 * a node layer maps one to the other field by field. Two differences with the
 * wire: a Prune's `px` holds peers (the node turns them into point and peer id)
 * and its `backoff` is in milliseconds like every automaton span (the wire
 * carries whole seconds in an int16).
 *
 * @module
 */

import type { BatchEntry } from "../automaton/io.ts";
import type { Span } from "../automaton/modules.ts";

/** A full message: the payload with its topic and id (Octez `message_with_header`). */
export interface MessageWithHeader<T, I, M> {
  /** The payload. */
  readonly message: M;
  /** The topic it is published on. */
  readonly topic: T;
  /** Its id. */
  readonly messageId: I;
}

/** A gossipsub message exchanged with one remote peer (Octez worker `p2p_message`). */
export type PeerMessage<P, T, I, M> =
  | { readonly kind: "Graft"; readonly topic: T }
  | {
    readonly kind: "Prune";
    readonly topic: T;
    /** Peer exchange: other subscribers of the topic the receiver may connect to. */
    readonly px: readonly P[];
    /** How long the receiver must wait before grafting again, in ms. */
    readonly backoff: Span;
  }
  | { readonly kind: "IHave"; readonly topic: T; readonly messageIds: readonly I[] }
  | { readonly kind: "IWant"; readonly messageIds: readonly I[] }
  | { readonly kind: "Subscribe"; readonly topic: T }
  | { readonly kind: "Unsubscribe"; readonly topic: T }
  | ({ readonly kind: "MessageWithHeader" } & MessageWithHeader<T, I, M>)
  | { readonly kind: "Ping" };

/** An input from the P2P layer (Octez `p2p_input`). */
export type P2pInput<P, T, I, M> =
  | {
    readonly kind: "InMessage";
    /** The remote peer that sent the message. */
    readonly fromPeer: P;
    /** The message. */
    readonly p2pMessage: PeerMessage<P, T, I, M>;
  }
  | {
    readonly kind: "NewConnection";
    /** The remote peer. */
    readonly peer: P;
    /** A direct (explicit) peer: receives every message and is never grafted. */
    readonly direct: boolean;
    /** We dialled it (counts toward D_out). Octez HEAD passes `outbound = trusted`. */
    readonly outbound: boolean;
    /**
     * A trusted peer (Octez HEAD): remembered for good, and re-dialled with a
     * `Connect` output every `reconnectionTicks` heartbeats while disconnected.
     * Defaults to false.
     */
    readonly trusted?: boolean;
    /**
     * The peer runs a bootstrap profile (Octez v21+): it gets no full
     * messages, IHave or IWant from us. Defaults to false.
     */
    readonly bootstrap?: boolean;
  }
  | { readonly kind: "Disconnection"; readonly peer: P };

/** An input from the local application (Octez `app_input`). */
export type AppInput<T, I, M> =
  | ({ readonly kind: "PublishMessage" } & MessageWithHeader<T, I, M>)
  | { readonly kind: "Join"; readonly topic: T }
  | { readonly kind: "Leave"; readonly topic: T };

/** Why the worker asks the P2P layer to connect to a peer. */
export type PeerOrigin<P> =
  /** The peer was advertised in the PX list of a Prune from `peer`. */
  | { readonly kind: "PX"; readonly peer: P }
  /** A trusted peer that is currently disconnected. */
  | { readonly kind: "Trusted" };

/**
 * An order for the P2P layer (Octez `p2p_output`, HEAD field names: `peer`
 * where the v18 seed says `px`).
 */
export type P2pOutput<P, T, I, M> =
  | {
    readonly kind: "OutMessage";
    /** The recipient. */
    readonly toPeer: P;
    /** The message to send. */
    readonly p2pMessage: PeerMessage<P, T, I, M>;
  }
  /** Close the connection with `peer` (never produced by the worker itself, as in Octez). */
  | { readonly kind: "Disconnect"; readonly peer: P }
  /** Close and ban `peer` (never produced by the worker itself, as in Octez). */
  | { readonly kind: "Kick"; readonly peer: P }
  /** Try to connect to `peer`. */
  | { readonly kind: "Connect"; readonly peer: P; readonly origin: PeerOrigin<P> }
  /** Try to connect to an initial point (see `WorkerConfig.initialPoints`). */
  | { readonly kind: "ConnectPoint"; readonly point: string }
  /** `peer`, advertised by `origin`, will not be used: forget what was learnt about it. */
  | { readonly kind: "Forget"; readonly peer: P; readonly origin: P };

/** A full message delivered to the application (Octez `app_output`). */
export type AppOutput<T, I, M> = MessageWithHeader<T, I, M>;

/** Which output stream an {@linkcode WorkerEvent} `OutputQueueDrop` is about. */
export type OutputStreamName = "p2p" | "app";

/**
 * One item of the worker's input queue, processed in order by the event loop
 * and shown to `eventsLogging` just before it is applied (Octez `event`).
 */
export type WorkerEvent<P, T, I, M> =
  | { readonly kind: "Heartbeat" }
  | { readonly kind: "P2pInput"; readonly input: P2pInput<P, T, I, M> }
  | { readonly kind: "AppInput"; readonly input: AppInput<T, I, M> }
  /** Retry the full messages whose validity was unknown (pushed after every Heartbeat). */
  | { readonly kind: "CheckUnknownMessages" }
  /** A batch of received messages whose accumulation time is over. */
  | { readonly kind: "ProcessBatch"; readonly batch: readonly BatchEntry<P, T, I, M>[] }
  /**
   * The application scores a peer (P5; Octez's automaton `Set_application_score`, which its worker
   * does not expose: queued here so it applies in order with everything else).
   */
  | { readonly kind: "SetApplicationScore"; readonly peer: P; readonly score: number }
  /** A peer subscribed to more than `maxTopicsPerPeer` topics (logged at most once per `dropEventInterval`). */
  | { readonly kind: "SubscribeTopicCapExceeded"; readonly peer: P; readonly maxTopics: number }
  /** An `InMessage` was dropped because the input queue held `depth` events (rate-limited). */
  | { readonly kind: "P2pQueueDrop"; readonly depth: number }
  /** An output was dropped because its stream held `depth` unread items (rate-limited). */
  | { readonly kind: "OutputQueueDrop"; readonly stream: OutputStreamName; readonly depth: number };

/**
 * A read-only view of the events waiting in a worker's input queue, in the
 * order they will be applied (Octez `input_events_stream`, whose length the
 * DAL node exports as a metric).
 */
export interface InputEventsView<P, T, I, M> extends Iterable<WorkerEvent<P, T, I, M>> {
  /** Number of waiting events. */
  readonly length: number;
}

/**
 * Counters of one worker (spec §11.8), plus the drops this port adds. Every
 * `countSent*` counts only messages actually put in the P2P output stream.
 */
export interface WorkerStats {
  /** Topics joined (+1 per successful Join, −1 per successful Leave). */
  countTopics: number;
  /** Connections (+1 per added peer, −1 per Disconnection, even of an unknown peer, as in Octez). */
  countConnections: number;
  /** Connections to bootstrap peers. */
  countBootstrapConnections: number;
  /** Full messages sent (published, forwarded or answering an IWant). */
  countSentAppMessages: number;
  /** Grafts sent. */
  countSentGrafts: number;
  /** Prunes sent. */
  countSentPrunes: number;
  /** IHaves sent. */
  countSentIhaves: number;
  /** IWants sent. */
  countSentIwants: number;
  /** Received full messages found valid and routed. */
  countRecvValidAppMessages: number;
  /** Received full messages found invalid. */
  countRecvInvalidAppMessages: number;
  /** Received full messages of unknown validity (buffered for a retry). */
  countRecvUnknownValidityAppMessages: number;
  /** Received full messages found outdated. */
  countRecvOutdatedAppMessages: number;
  /** Received full messages already seen (duplicates; not an Octez counter). */
  countRecvDuplicateAppMessages: number;
  /** Received Grafts accepted (including Mesh_full, answered by a Prune). */
  countRecvGrafts: number;
  /** Received Prunes from mesh peers. */
  countRecvPrunes: number;
  /** Message ids requested in answer to received IHaves. */
  countRecvIhaves: number;
  /** Full messages sent in answer to received IWants. */
  countRecvIwants: number;
  /** `InMessage` inputs dropped because the input queue was full. */
  countDroppedP2pInputs: number;
  /** `PublishMessage` inputs refused because the input queue was full. */
  countDroppedAppInputs: number;
  /** P2P outputs dropped because nobody read the P2P output stream. */
  countDroppedP2pOutputs: number;
  /** App outputs dropped because nobody read the app output stream. */
  countDroppedAppOutputs: number;
  /**
   * Heartbeat timer ticks that found the previous heartbeat still queued; each
   * still runs, right after that one (no tick is lost).
   */
  countLateHeartbeats: number;
  /** Unknown-validity messages evicted from the full retry buffer. */
  countEvictedUnknownValidityMessages: number;
}

/** A worker's lifecycle: built, started, shut down, or stopped by an exception. */
export type WorkerStatus = "Starting" | "Running" | "Stopped" | "Crashed";

/** All-zero counters. */
export function emptyWorkerStats(): WorkerStats {
  return {
    countTopics: 0,
    countConnections: 0,
    countBootstrapConnections: 0,
    countSentAppMessages: 0,
    countSentGrafts: 0,
    countSentPrunes: 0,
    countSentIhaves: 0,
    countSentIwants: 0,
    countRecvValidAppMessages: 0,
    countRecvInvalidAppMessages: 0,
    countRecvUnknownValidityAppMessages: 0,
    countRecvOutdatedAppMessages: 0,
    countRecvDuplicateAppMessages: 0,
    countRecvGrafts: 0,
    countRecvPrunes: 0,
    countRecvIhaves: 0,
    countRecvIwants: 0,
    countDroppedP2pInputs: 0,
    countDroppedAppInputs: 0,
    countDroppedP2pOutputs: 0,
    countDroppedAppOutputs: 0,
    countLateHeartbeats: 0,
    countEvictedUnknownValidityMessages: 0,
  };
}

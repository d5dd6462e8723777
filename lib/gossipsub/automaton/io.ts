/**
 * Inputs and outputs of the gossipsub automaton: one input record per Octez
 * automaton entry point and, per input, a discriminated union (`kind`) with
 * every output variant Octez has (`gossipsub_automaton.ml` `_ output`), in
 * TypeScript casing. Peer sets are arrays without duplicates; their order is
 * unspecified (Octez iterates OCaml sets; see spec §17).
 *
 * @module
 */

import type { Span } from "./modules.ts";

/** `add_peer`: a connection was established. */
export interface AddPeer<P> {
  /** The peer. */
  readonly peer: P;
  /** Direct (explicit) peer: gets every message, never grafted. */
  readonly direct: boolean;
  /** Outbound connection (counts for D_out and bypasses the full-mesh check). */
  readonly outbound: boolean;
  /** Bootstrap peer (Octez v21+); defaults to false. */
  readonly bootstrap?: boolean;
}

/** `remove_peer`: the connection was lost. */
export interface RemovePeer<P> {
  /** The peer. */
  readonly peer: P;
}

/** A remote Subscribe or Unsubscribe. */
export interface SubscriptionChange<P, T> {
  /** The remote peer. */
  readonly peer: P;
  /** The topic. */
  readonly topic: T;
}

/** A received IHave. */
export interface IHave<P, T, I> {
  /** The sender. */
  readonly peer: P;
  /** The advertised topic (ids are not checked against it, as in Octez). */
  readonly topic: T;
  /** Advertised ids. */
  readonly messageIds: readonly I[];
}

/** A received IWant. */
export interface IWant<P, I> {
  /** The sender. */
  readonly peer: P;
  /** Requested ids. */
  readonly messageIds: readonly I[];
}

/** A received Graft. */
export interface Graft<P, T> {
  /** The sender. */
  readonly peer: P;
  /** The topic it wants us to mesh on. */
  readonly topic: T;
}

/** A received Prune. */
export interface Prune<P, T> {
  /** The sender. */
  readonly peer: P;
  /** The topic. */
  readonly topic: T;
  /** Peer exchange: peers the sender suggests. */
  readonly px: Iterable<P>;
  /** Backoff requested by the sender, in ms, used as is (0 or negative allowed). */
  readonly backoff: Span;
}

/** A full message received from a peer. */
export interface ReceiveMessage<P, T, I, M> {
  /** The peer that sent it. */
  readonly sender: P;
  /** The topic it came with (trusted; not compared with the id's topic). */
  readonly topic: T;
  /** Its id. */
  readonly messageId: I;
  /** The payload. */
  readonly message: M;
}

/** A message published by the local application. */
export interface PublishMessage<T, I, M> {
  /** The topic. */
  readonly topic: T;
  /** Its id. */
  readonly messageId: I;
  /** The payload. */
  readonly message: M;
}

/** Join or leave a topic. */
export interface TopicChange<T> {
  /** The topic. */
  readonly topic: T;
}

/** Set a peer's application score (P5 raw value). */
export interface SetApplicationScore<P> {
  /** The peer. */
  readonly peer: P;
  /** The raw application score. */
  readonly score: number;
}

/** A received message waiting for batch validation, with the peers to route it to. */
export interface BatchEntry<P, T, I, M> {
  /** The received message. */
  readonly message: ReceiveMessage<P, T, I, M>;
  /** Peers to route it to when valid. */
  readonly toRoute: readonly P[];
}

/** Output of `addPeer`. */
export type AddPeerOutput = { readonly kind: "PeerAdded" } | { readonly kind: "PeerAlreadyKnown" };

/** Output of `removePeer` (always the same, even for unknown peers). */
export type RemovePeerOutput = { readonly kind: "RemovingPeer" };

/** Output of `handleSubscribe`. */
export type SubscribeOutput =
  | { readonly kind: "Subscribed" }
  | { readonly kind: "SubscribeToUnknownPeer" }
  | { readonly kind: "SubscribeIgnoredTopicLimitExceeded" };

/** Output of `handleUnsubscribe`. */
export type UnsubscribeOutput =
  | { readonly kind: "Unsubscribed" }
  | { readonly kind: "UnsubscribeFromUnknownPeer" };

/** Output of `handleIhave`. */
export type IHaveOutput<I> =
  | {
    readonly kind: "IhaveFromPeerWithLowScore";
    readonly score: number;
    readonly threshold: number;
  }
  | { readonly kind: "TooManyRecvIhaveMessages"; readonly count: number; readonly max: number }
  | { readonly kind: "TooManySentIwantMessages"; readonly count: number; readonly max: number }
  | { readonly kind: "MessageTopicNotTracked" }
  | { readonly kind: "MessageRequestedMessageIds"; readonly messageIds: readonly I[] }
  | { readonly kind: "InvalidMessageId" };

/** What we do with one id of a received IWant. */
export type IWantResult<M> =
  | { readonly kind: "Ignored" }
  | { readonly kind: "NotFound" }
  | { readonly kind: "TooManyRequests" }
  | { readonly kind: "Message"; readonly message: M };

/** Output of `handleIwant`. */
export type IWantOutput<I, M> =
  | {
    readonly kind: "IwantFromPeerWithLowScore";
    readonly score: number;
    readonly threshold: number;
  }
  | {
    readonly kind: "OnIwantMessagesToRoute";
    /** One entry per distinct id, in ascending id order (a repeated id keeps its last result). */
    readonly routedMessageIds: readonly {
      readonly messageId: I;
      readonly result: IWantResult<M>;
    }[];
  };

/** Output of `handleGraft`. */
export type GraftOutput =
  | { readonly kind: "PeerFiltered" }
  | { readonly kind: "UnsubscribedTopic" }
  | { readonly kind: "PeerAlreadyInMesh" }
  | { readonly kind: "GraftingDirectPeer" }
  | { readonly kind: "UnexpectedGraftingPeer" }
  | { readonly kind: "GraftingPeerWithNegativeScore" }
  | { readonly kind: "GraftingSuccessfully" }
  | { readonly kind: "PeerBackedOff" }
  | { readonly kind: "MeshFull" };

/** Output of `handlePrune`. */
export type PruneOutput<P> =
  | { readonly kind: "PruneTopicNotTracked" }
  | { readonly kind: "PeerNotInMesh" }
  | { readonly kind: "IgnorePXScoreTooLow"; readonly score: number }
  | { readonly kind: "NoPX" }
  | { readonly kind: "PX"; readonly peers: readonly P[] };

/** Output of `publishMessage`. */
export type PublishOutput<P> =
  | { readonly kind: "PublishMessage"; readonly toPublish: readonly P[] }
  | { readonly kind: "AlreadyPublished" };

/** Output of `handleReceiveMessage`, and per entry of a batch result. */
export type ReceiveMessageOutput<P, T, I, M> =
  | { readonly kind: "RouteMessage"; readonly toRoute: readonly P[] }
  | { readonly kind: "AlreadyReceived" }
  | { readonly kind: "NotSubscribed" }
  | { readonly kind: "InvalidMessage" }
  | { readonly kind: "UnknownValidity" }
  | { readonly kind: "Outdated" }
  | { readonly kind: "ToIncludeInBatch"; readonly entry: BatchEntry<P, T, I, M> };

/** Output of `applyBatch`. */
export type BatchOutput<P, T, I, M> = {
  readonly kind: "BatchResult";
  /** One result per batch entry, in order. */
  readonly results: readonly {
    readonly message: ReceiveMessage<P, T, I, M>;
    readonly output: ReceiveMessageOutput<P, T, I, M>;
  }[];
};

/** Output of `join`. */
export type JoinOutput<P> =
  | { readonly kind: "AlreadyJoined" }
  | { readonly kind: "JoiningTopic"; readonly toGraft: readonly P[] };

/** Output of `leave`. */
export type LeaveOutput<P> =
  | { readonly kind: "NotJoined" }
  | {
    readonly kind: "LeavingTopic";
    readonly toPrune: readonly P[];
    readonly noPXPeers: readonly P[];
  };

/** A peer with the topics a heartbeat grafts or prunes it on. */
export interface PeerTopics<P, T> {
  /** The peer. */
  readonly peer: P;
  /** The topics (never empty). */
  readonly topics: readonly T[];
}

/** Output of `heartbeat`. */
export type HeartbeatOutput<P, T> = {
  readonly kind: "Heartbeat";
  /** Grafts to send. */
  readonly toGraft: readonly PeerTopics<P, T>[];
  /** Prunes to send. */
  readonly toPrune: readonly PeerTopics<P, T>[];
  /** Pruned peers whose Prune must carry no PX (negative score). */
  readonly noPXPeers: readonly P[];
};

/** Output of `setApplicationScore`. */
export type SetApplicationScoreOutput = { readonly kind: "SetApplicationScore" };

/** Every input as a discriminated union, for {@linkcode GossipsubInput} dispatchers. */
export type GossipsubInput<P, T, I, M> =
  | ({ readonly kind: "AddPeer" } & AddPeer<P>)
  | ({ readonly kind: "RemovePeer" } & RemovePeer<P>)
  | ({ readonly kind: "Subscribe" } & SubscriptionChange<P, T>)
  | ({ readonly kind: "Unsubscribe" } & SubscriptionChange<P, T>)
  | ({ readonly kind: "IHave" } & IHave<P, T, I>)
  | ({ readonly kind: "IWant" } & IWant<P, I>)
  | ({ readonly kind: "Graft" } & Graft<P, T>)
  | ({ readonly kind: "Prune" } & Prune<P, T>)
  | ({ readonly kind: "ReceiveMessage" } & ReceiveMessage<P, T, I, M>)
  | { readonly kind: "ApplyBatch"; readonly batch: readonly BatchEntry<P, T, I, M>[] }
  | ({ readonly kind: "PublishMessage" } & PublishMessage<T, I, M>)
  | ({ readonly kind: "Join" } & TopicChange<T>)
  | ({ readonly kind: "Leave" } & TopicChange<T>)
  | ({ readonly kind: "SetApplicationScore" } & SetApplicationScore<P>)
  | { readonly kind: "Heartbeat" };

/** The output type of each input kind. */
export interface OutputByInput<P, T, I, M> {
  /** See {@linkcode AddPeerOutput}. */
  AddPeer: AddPeerOutput;
  /** See {@linkcode RemovePeerOutput}. */
  RemovePeer: RemovePeerOutput;
  /** See {@linkcode SubscribeOutput}. */
  Subscribe: SubscribeOutput;
  /** See {@linkcode UnsubscribeOutput}. */
  Unsubscribe: UnsubscribeOutput;
  /** See {@linkcode IHaveOutput}. */
  IHave: IHaveOutput<I>;
  /** See {@linkcode IWantOutput}. */
  IWant: IWantOutput<I, M>;
  /** See {@linkcode GraftOutput}. */
  Graft: GraftOutput;
  /** See {@linkcode PruneOutput}. */
  Prune: PruneOutput<P>;
  /** See {@linkcode ReceiveMessageOutput}. */
  ReceiveMessage: ReceiveMessageOutput<P, T, I, M>;
  /** See {@linkcode BatchOutput}. */
  ApplyBatch: BatchOutput<P, T, I, M>;
  /** See {@linkcode PublishOutput}. */
  PublishMessage: PublishOutput<P>;
  /** See {@linkcode JoinOutput}. */
  Join: JoinOutput<P>;
  /** See {@linkcode LeaveOutput}. */
  Leave: LeaveOutput<P>;
  /** See {@linkcode SetApplicationScoreOutput}. */
  SetApplicationScore: SetApplicationScoreOutput;
  /** See {@linkcode HeartbeatOutput}. */
  Heartbeat: HeartbeatOutput<P, T>;
}

/** Any automaton output. */
export type GossipsubOutput<P, T, I, M> = OutputByInput<
  P,
  T,
  I,
  M
>[keyof OutputByInput<P, T, I, M>];

/**
 * The gossipsub automaton: Octez `gossipsub_automaton.ml` (gossipsub v1.1 with
 * Octez's choices) as a deterministic state machine without I/O. One method
 * per input returns that input's typed output; the clock and the random
 * generator are injected, so the same seed and inputs give the same outputs.
 *
 * Design choice: Octez threads an immutable state through every call
 * (`state -> state * output`). Here one object owns a mutable state and each
 * call mutates it and returns the output. Persistent maps would cost a copy
 * per update: copying just the score map of 1,000 peers takes 30–40 µs, while a
 * whole received message is handled in 2–3 µs (measured in the `state-design`
 * group of `bench/gossipsub_bench.ts`; see BENCHMARKS.md, "Gossipsub
 * automaton"). Inputs are still processed one at a time to completion, which
 * is all the worker needs; tests inspect the state through {@linkcode view}.
 *
 * @module
 */

import { applyBatch, handleReceiveMessage, publishMessage } from "./messages.ts";
import { handleGraft, handleIhave, handleIwant, handlePrune } from "./control.ts";
import { type GossipMessage, selectGossipMessages, selectPxPeers } from "./gossip.ts";
import { heartbeat } from "./heartbeat.ts";
import { GossipsubView } from "./introspection.ts";
import type { Limits } from "./limits.ts";
import type { Time } from "./modules.ts";
import type {
  AddPeer,
  AddPeerOutput,
  BatchEntry,
  BatchOutput,
  GossipsubInput,
  Graft,
  GraftOutput,
  HeartbeatOutput,
  IHave,
  IHaveOutput,
  IWant,
  IWantOutput,
  JoinOutput,
  LeaveOutput,
  OutputByInput,
  Prune,
  PruneOutput,
  PublishMessage,
  PublishOutput,
  ReceiveMessage,
  ReceiveMessageOutput,
  RemovePeer,
  RemovePeerOutput,
  SetApplicationScore,
  SetApplicationScoreOutput,
  SubscribeOutput,
  SubscriptionChange,
  TopicChange,
  UnsubscribeOutput,
} from "./io.ts";
import {
  addPeer,
  handleSubscribe,
  handleUnsubscribe,
  removePeer,
  setApplicationScore,
} from "./peers.ts";
import { type GossipsubConfig, GossipsubState, type MessageHandling } from "./state.ts";
import { join, leave } from "./topics.ts";

/**
 * A gossipsub automaton over peers `P`, topics `T`, message ids `I` and
 * messages `M`. Construction validates the limits (RangeError).
 */
export class GossipsubAutomaton<P, T, I, M> {
  readonly #state: GossipsubState<P, T, I, M>;
  readonly #now: () => Time;
  readonly #view: GossipsubView<P, T, I, M>;

  /** Builds an automaton with empty state (Octez `make rng limits parameters`). */
  constructor(config: GossipsubConfig<P, T, I, M>) {
    this.#state = new GossipsubState(config);
    this.#now = config.now;
    this.#view = new GossipsubView(this.#state);
  }

  /** Read-only introspection of the current state. */
  get view(): GossipsubView<P, T, I, M> {
    return this.#view;
  }

  /** The limits in force. */
  get limits(): Limits<T> {
    return this.#state.limits;
  }

  /** The validation mode chosen at construction. */
  get messageHandling(): MessageHandling {
    return this.#state.messageHandling;
  }

  /** A connection was established (`add_peer`). */
  addPeer(input: AddPeer<P>): AddPeerOutput {
    return addPeer(this.#state, input);
  }

  /** A connection was lost (`remove_peer`). */
  removePeer(input: RemovePeer<P>): RemovePeerOutput {
    return removePeer(this.#state, input, this.#now());
  }

  /** A peer subscribed to a topic (`handle_subscribe`). */
  handleSubscribe(input: SubscriptionChange<P, T>): SubscribeOutput {
    return handleSubscribe(this.#state, input);
  }

  /** A peer unsubscribed from a topic (`handle_unsubscribe`). */
  handleUnsubscribe(input: SubscriptionChange<P, T>): UnsubscribeOutput {
    return handleUnsubscribe(this.#state, input);
  }

  /** An IHave arrived (`handle_ihave`). */
  handleIhave(input: IHave<P, T, I>): IHaveOutput<I> {
    return handleIhave(this.#state, input);
  }

  /** An IWant arrived (`handle_iwant`). */
  handleIwant(input: IWant<P, I>): IWantOutput<I, M> {
    return handleIwant(this.#state, input);
  }

  /** A Graft arrived (`handle_graft`). */
  handleGraft(input: Graft<P, T>): GraftOutput {
    return handleGraft(this.#state, input, this.#now());
  }

  /** A Prune arrived (`handle_prune`). */
  handlePrune(input: Prune<P, T>): PruneOutput<P> {
    return handlePrune(this.#state, input, this.#now());
  }

  /** A full message arrived (`handle_receive_message`, in the configured mode). */
  handleReceiveMessage(input: ReceiveMessage<P, T, I, M>): ReceiveMessageOutput<P, T, I, M> {
    return handleReceiveMessage(this.#state, input, this.#now());
  }

  /** Validates and applies a batch built from `ToIncludeInBatch` outputs (`apply_batch`). */
  applyBatch(batch: readonly BatchEntry<P, T, I, M>[]): BatchOutput<P, T, I, M> {
    return applyBatch(this.#state, batch, this.#now());
  }

  /** The application publishes a message (`publish_message`). */
  publishMessage(input: PublishMessage<T, I, M>): PublishOutput<P> {
    return publishMessage(this.#state, input, this.#now());
  }

  /** The application joins a topic (`join`). */
  join(input: TopicChange<T>): JoinOutput<P> {
    return join(this.#state, input, this.#now());
  }

  /** The application leaves a topic (`leave`). */
  leave(input: TopicChange<T>): LeaveOutput<P> {
    return leave(this.#state, input, this.#now());
  }

  /** Sets a peer's application score (`set_application_score`). */
  setApplicationScore(input: SetApplicationScore<P>): SetApplicationScoreOutput {
    return setApplicationScore(this.#state, input);
  }

  /** Runs one heartbeat (`heartbeat`). */
  heartbeat(): HeartbeatOutput<P, T> {
    return heartbeat(this.#state, this.#now());
  }

  /** Peers to put in the PX list of the Prune we send (`select_px_peers`). */
  selectPxPeers(peerToPrune: P, topic: T, noPXPeers: Iterable<P> = []): P[] {
    return selectPxPeers(this.#state, peerToPrune, topic, noPXPeers);
  }

  /** The IHave messages to emit after a heartbeat (`select_gossip_messages`). */
  selectGossipMessages(): GossipMessage<P, T, I>[] {
    return selectGossipMessages(this.#state);
  }

  /** Applies any input given as a tagged record; returns that input's output. */
  apply<K extends GossipsubInput<P, T, I, M>["kind"]>(
    input: Extract<GossipsubInput<P, T, I, M>, { kind: K }>,
  ): OutputByInput<P, T, I, M>[K];
  apply(
    input: GossipsubInput<P, T, I, M>,
  ): OutputByInput<P, T, I, M>[keyof OutputByInput<P, T, I, M>] {
    switch (input.kind) {
      case "AddPeer":
        return this.addPeer(input);
      case "RemovePeer":
        return this.removePeer(input);
      case "Subscribe":
        return this.handleSubscribe(input);
      case "Unsubscribe":
        return this.handleUnsubscribe(input);
      case "IHave":
        return this.handleIhave(input);
      case "IWant":
        return this.handleIwant(input);
      case "Graft":
        return this.handleGraft(input);
      case "Prune":
        return this.handlePrune(input);
      case "ReceiveMessage":
        return this.handleReceiveMessage(input);
      case "ApplyBatch":
        return this.applyBatch(input.batch);
      case "PublishMessage":
        return this.publishMessage(input);
      case "Join":
        return this.join(input);
      case "Leave":
        return this.leave(input);
      case "SetApplicationScore":
        return this.setApplicationScore(input);
      case "Heartbeat":
        return this.heartbeat();
    }
  }
}

export type { GossipsubConfig, MessageHandling };

// Shared fixture for the gossipsub tests, mirroring Octez
// `test/test_gossipsub_shared.ml` and the helpers of `test/test_unit.ml`:
// peers are integers, topics strings, message ids integers whose topic is
// `String(id % 10)`, a manual millisecond clock, and one validity hook used for
// both id-only and full-message checks (default: everything valid).

import {
  GossipsubAutomaton,
  type Limits,
  type MessageHandling,
  type ReceiveMessageOutput,
  type Rng,
  testLimits,
  type Validity,
} from "../../lib/gossipsub/mod.ts";

export type GS = GossipsubAutomaton<number, string, number, string>;

export const numberModule = {
  key: (n: number): number => n,
  compare: (a: number, b: number): number => a - b,
};

export const stringModule = {
  key: (s: string): string => s,
  compare: (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0),
};

/** The clock and validity hook behind one automaton. */
export class TestEnv {
  time = 0;
  validity: (message: string | undefined, id: number) => Validity = () => "Valid";
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError("time only moves forward");
    this.time += ms;
  }
}

export interface MakeOptions {
  limits?: Limits<string>;
  seed?: number;
  /** A generator to share with the test (wins over `seed`). */
  rng?: Rng;
  messageHandling?: MessageHandling;
  env?: TestEnv;
}

export function makeAutomaton(options: MakeOptions = {}): { gs: GS; env: TestEnv } {
  const env = options.env ?? new TestEnv();
  const gs: GS = new GossipsubAutomaton({
    limits: options.limits ?? testLimits(),
    peer: numberModule,
    topic: stringModule,
    messageId: {
      ...numberModule,
      getTopic: (id: number) => String(id % 10),
      valid: (id: number) => env.validity(undefined, id),
    },
    message: { valid: (message: string, id: number) => env.validity(message, id) },
    now: () => env.time,
    rng: options.rng ?? options.seed ?? 1,
    messageHandling: options.messageHandling,
  });
  return { gs, env };
}

export function range(n: number, start = 0): number[] {
  return Array.from({ length: n }, (_, i) => start + i);
}

/** `many_peers limits = 4 × D + 1`. */
export function manyPeers(limits: Limits<string>): number {
  return 4 * limits.degreeOptimal + 1;
}

export interface PeerOptions {
  toSubscribe?: (peer: number, topic: string) => boolean;
  direct?: (peer: number) => boolean;
  outbound?: (peer: number) => boolean;
}

/** Octez `add_and_subscribe_peers`: each add and subscribe must succeed. */
export function addAndSubscribePeers(
  gs: GS,
  topics: readonly string[],
  peers: readonly number[],
  options: PeerOptions = {},
): void {
  const { toSubscribe = () => true, direct = () => false, outbound = () => false } = options;
  for (const peer of peers) {
    const added = gs.addPeer({ peer, direct: direct(peer), outbound: outbound(peer) });
    if (added.kind !== "PeerAdded") throw new Error(`add_peer ${peer}: ${added.kind}`);
    for (const topic of topics) {
      if (!toSubscribe(peer, topic)) continue;
      const out = gs.handleSubscribe({ peer, topic });
      if (out.kind !== "Subscribed") throw new Error(`subscribe ${peer} ${topic}: ${out.kind}`);
    }
  }
}

export interface InitOptions extends MakeOptions, PeerOptions {
  peers: readonly number[];
  topics: readonly string[];
  toJoin?: (topic: string) => boolean;
}

/** Octez `init_state`: add and subscribe the peers, then join the topics. */
export function initState(options: InitOptions): { gs: GS; env: TestEnv } {
  const made = makeAutomaton(options);
  addAndSubscribePeers(made.gs, options.topics, options.peers, options);
  const toJoin = options.toJoin ?? (() => true);
  for (const topic of options.topics) if (toJoin(topic)) made.gs.join({ topic });
  return made;
}

/** Routed peers of a receive outcome, for both modes. */
export function routedPeers(
  out: ReceiveMessageOutput<number, string, number, string>,
): readonly number[] {
  if (out.kind === "RouteMessage") return out.toRoute;
  if (out.kind === "ToIncludeInBatch") return out.entry.toRoute;
  throw new Error(`expected the message to be routed, got ${out.kind}`);
}

/**
 * Receives a message and, in batch mode, applies its one-entry batch at once
 * (Octez test helper `receive_message`).
 */
export function receiveAndApply(
  gs: GS,
  sender: number,
  topic: string,
  messageId: number,
  message: string,
): void {
  const out = gs.handleReceiveMessage({ sender, topic, messageId, message });
  if (out.kind === "ToIncludeInBatch") gs.applyBatch([out.entry]);
  else if (out.kind !== "RouteMessage" && out.kind !== "AlreadyReceived") {
    throw new Error(`unexpected receive outcome ${out.kind}`);
  }
}

export const MODES: readonly { name: string; handling: MessageHandling }[] = [
  { name: "sequentially", handling: { kind: "Sequentially" } },
  { name: "in 100 ms batches", handling: { kind: "InBatches", timeInterval: 100 } },
];

export function sortNumbers(xs: Iterable<number>): number[] {
  return [...xs].sort((a, b) => a - b);
}

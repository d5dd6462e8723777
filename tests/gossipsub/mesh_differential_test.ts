// Differential test of heartbeat mesh maintenance against a line-by-line
// transcription of Octez's `maintain_topic_mesh` (`gossipsub_automaton.ml`,
// `Heartbeat`: the five steps, `select_peers_to_prune` and
// `opportunistic_grafting` at 1691-1738, called at 1853-1893), run on random
// states of one topic.
//
// Octez draws with OCaml's `Random` and we with xoshiro, so exact draws cannot
// match Octez itself; what is compared is the decision logic: both sides draw
// through one copy of our `Rng`, and select with our primitive (filter the
// subscribers, shuffle, keep `max`). The state is built so that the subscriber
// and mesh orders are ascending peer order, which is Octez's `Peer.Map` /
// `Peer.Set` order, so the shuffles see the same input lists. Scores are not
// refreshed by the heartbeat (`scoreCleanupTicks` is large) so that the scores
// read before it are the ones it uses.

import assert from "node:assert/strict";
import fc from "fast-check";
import { type Limits, Rng, testLimits } from "../../lib/gossipsub/mod.ts";
import { makeAutomaton, range, sortNumbers } from "./fixture.ts";

interface PeerSpec {
  outbound: boolean;
  direct: boolean;
  subscribed: boolean;
  /** Graft it (in ascending order) before the heartbeat. */
  graft: boolean;
  /** Then prune it with a 60 s backoff (it leaves the mesh, backed off). */
  prune: boolean;
  appScore: number;
}

interface Snapshot {
  limits: Limits<string>;
  tick: number;
  /** Ascending. */
  subscribers: number[];
  /** Ascending. */
  mesh: number[];
  score: Map<number, number>;
  outbound: Set<number>;
  direct: Set<number>;
  backedOff: Set<number>;
}

interface Decisions {
  toGraft: Set<number>;
  toPrune: Set<number>;
  noPX: Set<number>;
  /** Which branches ran, to check the generator's reach. */
  branches: Set<string>;
}

/** Our `GossipsubState.select`, on a plain list. */
function select(
  rng: Rng,
  candidates: readonly number[],
  filter: (peer: number) => boolean,
  max: number,
): number[] {
  if (max <= 0) return [];
  const chosen = candidates.filter(filter);
  if (chosen.length > max) {
    rng.shuffle(chosen, max);
    chosen.length = max;
  } else {
    rng.shuffle(chosen);
  }
  return chosen;
}

/** Octez `maintain_topic_mesh` for one topic, transcribed. */
function octezMaintainTopicMesh(s: Snapshot, rng: Rng): Decisions {
  const l = s.limits;
  const score = (p: number) => s.score.get(p) ?? 0;
  const isOutbound = (p: number) => s.outbound.has(p);
  const toGraft = new Set<number>();
  const toPrune = new Set<number>();
  const noPX = new Set<number>();
  const branches = new Set<string>();
  // Drop all peers with negative score, without PX.
  let peers = new Set(s.mesh);
  for (const p of s.mesh) {
    if (score(p) < 0) {
      toPrune.add(p);
      peers.delete(p);
      noPX.add(p);
    }
  }
  // Do we have too few peers?
  let numPeers = peers.size;
  if (numPeers < l.degreeLow) {
    branches.add("degreeLow");
    const max = l.degreeOptimal - numPeers;
    for (
      const p of select(
        rng,
        s.subscribers,
        (p) => !peers.has(p) && !s.backedOff.has(p) && !s.direct.has(p) && score(p) >= 0,
        max,
      )
    ) toGraft.add(p);
  }
  // Do we have too many peers?
  if (numPeers > l.degreeHigh) {
    branches.add("degreeHigh");
    // select_peers_to_prune
    const sorted = rng.shuffle([...peers].sort((a, b) => a - b))
      .sort((a, b) => score(b) - score(a));
    const high = sorted.slice(0, l.degreeScore);
    const low = rng.shuffle(sorted.slice(l.degreeScore));
    const keep = high.concat(low.slice(0, l.degreeOptimal - l.degreeScore));
    let victims = low.slice(l.degreeOptimal - l.degreeScore);
    const outboundKept = keep.filter(isOutbound);
    const inboundKept = keep.filter((p) => !isOutbound(p));
    if (outboundKept.length < l.degreeOut) {
      const outboundVictims = victims.filter(isOutbound);
      const inboundVictims = victims.filter((p) => !isOutbound(p));
      const swap = Math.min(
        Math.max(0, l.degreeOut - outboundKept.length),
        Math.min(outboundVictims.length, inboundKept.length),
      );
      if (swap > 0) {
        victims = inboundKept.slice().reverse().slice(0, swap)
          .concat(inboundVictims, outboundVictims.slice(swap));
      }
    }
    for (const p of victims) {
      toPrune.add(p);
      peers.delete(p);
    }
    peers = new Set(peers);
  }
  // Do we have enough outbound peers?
  numPeers = peers.size;
  let base: number[] = [...peers];
  if (numPeers >= l.degreeLow) {
    const numOutbound = [...peers].filter(isOutbound).length;
    if (numOutbound < l.degreeOut) {
      branches.add("degreeOut");
      const newPeers = select(
        rng,
        s.subscribers,
        (p) =>
          !peers.has(p) && !s.backedOff.has(p) && !s.direct.has(p) && score(p) >= 0 &&
          isOutbound(p),
        l.degreeOut - numOutbound,
      );
      for (const p of newPeers) toGraft.add(p);
      base = newPeers;
    }
  }
  // opportunistic_grafting topic peers to_prune
  if (s.tick % l.opportunisticGraftTicks === 0 && base.length > 1) {
    const scores = base.map(score).sort((a, b) => a - b);
    const median = scores[Math.floor(base.length / 2)];
    if (median < l.opportunisticGraftThreshold) {
      const baseSet = new Set(base);
      const chosen = select(
        rng,
        s.subscribers,
        (p) =>
          !baseSet.has(p) && !s.backedOff.has(p) && !s.direct.has(p) && score(p) > median &&
          !toPrune.has(p),
        l.opportunisticGraftPeers,
      );
      if (chosen.length > 0) {
        branches.add(branches.has("degreeOut") ? "opportunistic after degreeOut" : "opportunistic");
      }
      if (chosen.some((p) => peers.has(p))) branches.add("mesh peer re-grafted");
      if (chosen.some((p) => toGraft.has(p))) branches.add("D_lo graft drawn again");
      for (const p of chosen) toGraft.add(p);
    }
  }
  return { toGraft, toPrune, noPX, branches };
}

const limitsArb: fc.Arbitrary<Limits<string>> = fc.integer({ min: 2, max: 12 }).chain((d) =>
  fc.record({
    degreeOptimal: fc.constant(d),
    degreeLow: fc.integer({ min: 1, max: d }),
    degreeHigh: fc.integer({ min: d, max: 2 * d }),
    outFraction: fc.double({ min: 0.3, max: 1, noNaN: true }),
    scoreFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    opportunisticGraftPeers: fc.integer({ min: 1, max: 4 }),
    opportunisticGraftThreshold: fc.constantFrom(0.5, 1, 5, 20),
  }).map((r) => {
    const degreeOut = Math.floor(r.outFraction * (Math.min(r.degreeLow, Math.floor(d / 2)) + 1));
    const degreeScore = Math.floor(r.scoreFraction * (d - degreeOut + 1));
    return {
      ...testLimits<string>(),
      degreeOptimal: d,
      degreeLow: r.degreeLow,
      degreeHigh: r.degreeHigh,
      degreeOut: Math.min(degreeOut, r.degreeLow, Math.floor(d / 2)),
      degreeScore: Math.min(degreeScore, d - degreeOut),
      opportunisticGraftTicks: 1,
      opportunisticGraftPeers: r.opportunisticGraftPeers,
      opportunisticGraftThreshold: r.opportunisticGraftThreshold,
      scoreCleanupTicks: 1000,
    };
  })
);

const peerArb: fc.Arbitrary<PeerSpec> = fc.record({
  outbound: fc.boolean(),
  direct: fc.integer({ min: 0, max: 14 }).map((n) => n === 0),
  subscribed: fc.integer({ min: 0, max: 9 }).map((n) => n !== 0),
  graft: fc.boolean(),
  prune: fc.integer({ min: 0, max: 6 }).map((n) => n === 0),
  // × appSpecificWeight 10: scores −10 … 20, with ties.
  appScore: fc.constantFrom(-1, 0, 0, 0.05, 0.05, 0.1, 0.5, 1, 2),
});

Deno.test("heartbeat mesh maintenance grafts and prunes what Octez's transcription does", () => {
  const reached = new Map<string, number>();
  fc.assert(
    fc.property(
      limitsArb,
      fc.array(peerArb, { minLength: 2, maxLength: 30 }),
      // Half the cases mesh inbound peers only, so that the outbound step runs.
      fc.boolean(),
      fc.integer(),
      (limits, generated, inboundMesh, seed) => {
        const specs = inboundMesh
          ? generated.map((spec) => ({ ...spec, outbound: !spec.graft }))
          : generated;
        const rng = new Rng(seed);
        const { gs } = makeAutomaton({ limits, rng });
        gs.join({ topic: "t" });
        specs.forEach((spec, peer) => {
          gs.addPeer({ peer, direct: spec.direct, outbound: spec.outbound });
          if (spec.subscribed) gs.handleSubscribe({ peer, topic: "t" });
        });
        // A Graft subscribes the peer (quirk 9), so only subscribed peers graft,
        // in ascending order, which keeps the mesh in ascending order.
        specs.forEach((spec, peer) => {
          if (spec.subscribed && spec.graft) gs.handleGraft({ peer, topic: "t" });
        });
        specs.forEach((spec, peer) => {
          if (spec.prune && gs.view.inMesh("t", peer)) {
            gs.handlePrune({ peer, topic: "t", px: [], backoff: 60_000 });
          }
        });
        specs.forEach((spec, peer) => gs.setApplicationScore({ peer, score: spec.appScore }));

        const view = gs.view;
        const peers = range(specs.length);
        const snapshot: Snapshot = {
          limits,
          tick: view.heartbeatTicks + 1,
          subscribers: view.topicSubscribers("t"),
          mesh: view.meshPeers("t"),
          score: new Map(peers.map((p) => [p, view.peerScore(p)])),
          outbound: new Set(peers.filter((p) => view.isOutbound(p))),
          direct: new Set(peers.filter((p) => view.isDirect(p))),
          backedOff: new Set(peers.filter((p) => view.backoff("t", p) !== undefined)),
        };
        const octezRng = rng.clone();
        const expected = octezMaintainTopicMesh(snapshot, octezRng);
        const beat = gs.heartbeat();

        assert.deepEqual(
          sortNumbers(beat.toGraft.map((g) => g.peer)),
          sortNumbers(expected.toGraft),
        );
        assert.deepEqual(
          sortNumbers(beat.toPrune.map((g) => g.peer)),
          sortNumbers(expected.toPrune),
        );
        assert.deepEqual(sortNumbers(beat.noPXPeers), sortNumbers(expected.noPX));
        assert.deepEqual(rng.state(), octezRng.state(), "both sides drew the same numbers");
        for (const b of expected.branches) reached.set(b, (reached.get(b) ?? 0) + 1);
      },
    ),
    { seed: 1853, numRuns: 3000 },
  );
  // The generator reaches every branch of step 5, not just the easy ones.
  for (
    const b of [
      "degreeLow",
      "degreeHigh",
      "degreeOut",
      "opportunistic",
      "opportunistic after degreeOut",
      "mesh peer re-grafted",
      "D_lo graft drawn again",
    ]
  ) {
    assert.ok((reached.get(b) ?? 0) >= 5, `branch ${b} reached ${reached.get(b) ?? 0} times`);
  }
});

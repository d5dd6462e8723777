// The node's pure parts: known points, ban list, maintenance bounds, the worker/wire mapping and
// the simple instance's message ids.

import assert from "node:assert/strict";
import fc from "fast-check";
import { makePointId, pointIdToString } from "../../lib/base/point_id.ts";
import { Rng } from "../../lib/gossipsub/mod.ts";
import { decodeSimpleGossipMessage, encodeSimpleGossipMessage } from "../../gen/gossipsub.ts";
import { BanList } from "../../lib/node/ban_list.ts";
import { KnownPoints } from "../../lib/node/known_points.ts";
import {
  fromWire,
  maintenanceBounds,
  simpleGossip,
  simpleMessageId,
  simpleMessageIdTopic,
  toWire,
} from "../../lib/node/mod.ts";

const limits = {
  maxKnownPoints: 10,
  targetKnownPoints: 6,
  initialRetryDelay: 1000,
  maxRetryDelay: 4000,
  retryFactor: 2,
};
const point = (port: number) => makePointId("127.0.0.1", port);
const peerId = (n: number) => new Uint8Array(16).fill(n);

Deno.test("maintenanceBounds() matches Octez's thresholds for 10 / 50 / 100", () => {
  assert.deepEqual(
    maintenanceBounds({ minConnections: 10, expectedConnections: 50, maxConnections: 100 }),
    { minThreshold: 23, minTarget: 36, maxTarget: 68, maxThreshold: 84, maxConnections: 100 },
  );
  assert.throws(
    () => maintenanceBounds({ minConnections: 5, expectedConnections: 4, maxConnections: 8 }),
    RangeError,
  );
  assert.throws(
    () => maintenanceBounds({ minConnections: 0.5, expectedConnections: 4, maxConnections: 8 }),
    RangeError,
  );
});

Deno.test("known points never hold the node's own point or a port 0", () => {
  const known = new KnownPoints(limits);
  known.addOwn(point(9732));
  assert.equal(known.add(point(9732), "advertise", 0), undefined);
  assert.equal(known.add(point(0), "advertise", 0), undefined);
  assert.equal(known.size, 0);
});

Deno.test("the advertised list holds public points only, connected ones first", () => {
  const known = new KnownPoints(limits);
  const rng = new Rng(1);
  const a = known.add(point(1), "connection", 0)!;
  const b = known.add(point(2), "connection", 0)!;
  const c = known.add(point(3), "advertise", 0)!;
  known.add(point(4), "advertise", 0); // never connected: not public
  known.connected(a, false, 10);
  known.connected(b, false, 5);
  known.connected(c, false, 20);
  known.disconnected(c, 30, 0);
  // Connected points by ascending last-seen (b, a), then disconnected by descending (c).
  assert.deepEqual(known.list(50, rng, () => false).map(pointIdToString), [
    "127.0.0.1:2",
    "127.0.0.1:1",
    "127.0.0.1:3",
  ]);
  // A private peer's point is not advertised; a banned peer's point neither.
  const d = known.add(point(5), "connection", 0)!;
  known.connected(d, true, 40);
  known.setPeer(a, "aa", peerId(1));
  assert.deepEqual(
    known.list(50, rng, (key) => key === "aa").map(pointIdToString),
    ["127.0.0.1:2", "127.0.0.1:3"],
  );
});

Deno.test("the advertised list takes 3/5 in order and the rest at random, up to its size", () => {
  const known = new KnownPoints({ ...limits, maxKnownPoints: 100, targetKnownPoints: 90 });
  for (let port = 1; port <= 30; port++) {
    const p = known.add(point(port), "connection", 0)!;
    known.connected(p, false, port);
  }
  const list = known.list(10, new Rng(7), () => false).map((p) => p.port);
  assert.equal(list.length, 10);
  assert.deepEqual(list.slice(0, 6), [1, 2, 3, 4, 5, 6]);
  assert.equal(new Set(list).size, 10);
  for (const port of list.slice(6)) assert.ok(port > 6);
});

Deno.test("the table collects old disconnected points and keeps trusted ones", () => {
  const known = new KnownPoints(limits);
  known.setTrusted(point(1), true, 0);
  const connected = known.add(point(2), "connection", 0)!;
  known.connected(connected, false, 0);
  for (let port = 3; port <= 11; port++) known.add(point(port), "advertise", 0);
  assert.equal(known.size, 6);
  assert.ok(known.get("127.0.0.1:1") !== undefined);
  assert.ok(known.get("127.0.0.1:2") !== undefined);
});

Deno.test("a failing point waits longer after each failure; a connection resets the delay", () => {
  const known = new KnownPoints(limits);
  const p = known.add(point(1), "advertise", 0)!;
  const pick = (now: number, busy = false) =>
    known.connectable({
      now,
      startTime: now, // a new attempt at each call
      max: 10,
      seen: new Set(),
      ignore: () => false,
      busy: () => busy,
    });
  const due = (now: number) => pick(now).length === 1;
  assert.ok(due(0));
  known.failed(p, 0);
  assert.ok(!due(999) && due(1000));
  known.failed(p, 1000);
  assert.ok(!due(2999) && due(3000));
  known.failed(p, 3000);
  known.failed(p, 3000);
  assert.equal(p.retryDelay, 4000); // capped
  known.connected(p, false, 8000);
  assert.equal(p.retryDelay, 1000);
  assert.ok(!due(8000)); // connected points are not candidates
  known.disconnected(p, 9000, 500);
  assert.ok(!due(9499) && due(9500));
  assert.equal(pick(9500, true).length, 0); // being dialled
});

Deno.test("the maintenance picks never-missed points first, then the oldest miss, up to its quota", () => {
  const known = new KnownPoints({ ...limits, maxKnownPoints: 100, targetKnownPoints: 90 });
  const missedLate = known.add(point(1), "advertise", 0)!;
  const missedEarly = known.add(point(2), "advertise", 0)!;
  const fresh = known.add(point(3), "advertise", 0)!;
  const missedMiddle = known.add(point(4), "advertise", 0)!;
  const fresh2 = known.add(point(5), "advertise", 0)!;
  known.failed(missedLate, 300);
  known.failed(missedEarly, 100);
  known.disconnected(missedMiddle, 200, 0); // a running connection that ended is a miss too
  const query = (max: number, seen = new Set<string>()) => ({
    now: 10_000,
    startTime: 5_000,
    max,
    seen,
    ignore: () => false,
    busy: () => false,
  });
  const texts = (entries: { text: string }[]) => entries.map((e) => e.text);
  assert.deepEqual(texts(known.connectable(query(10))), [
    fresh.text,
    fresh2.text,
    missedEarly.text,
    missedMiddle.text,
    missedLate.text,
  ]);
  assert.deepEqual(texts(known.connectable(query(3))), [fresh.text, fresh2.text, missedEarly.text]);
  // Every candidate is seen, chosen or not: a second call of the same attempt finds nothing.
  const seen = new Set<string>();
  known.connectable(query(2, seen));
  assert.equal(seen.size, 5);
  assert.deepEqual(known.connectable(query(2, seen)), []);
  assert.deepEqual(known.connectable(query(0)), []);
});

Deno.test("the maintenance skips points in back-off, missed during its attempt, or ignored", () => {
  const known = new KnownPoints(limits);
  const backOff = known.add(point(1), "advertise", 0)!;
  const missedDuring = known.add(point(2), "advertise", 0)!;
  const banned = known.add(point(3), "advertise", 0)!;
  const ok = known.add(point(4), "advertise", 0)!;
  known.failed(backOff, 9_500); // due again at 10 500
  known.failed(missedDuring, 6_000); // due at 7 000, but missed after the attempt began at 5 000
  const seen = new Set<string>();
  const chosen = known.connectable({
    now: 10_000,
    startTime: 5_000,
    max: 10,
    seen,
    ignore: (p) => p === banned,
    busy: () => false,
  });
  assert.deepEqual(chosen.map((p) => p.text), [ok.text]);
  // Ignored points are not seen: a later call of the same attempt may choose them (Octez
  // `classify` returns `Ignore` for banned points, which "can be retried again").
  assert.ok(!seen.has(banned.text) && seen.has(backOff.text) && seen.has(missedDuring.text));
});

Deno.test("a point PX names again keeps its source, peer and back-off", () => {
  const known = new KnownPoints(limits);
  const fromPx = known.add(point(1), "px", 0)!;
  known.setPeer(fromPx, "aa", peerId(1));
  known.failed(fromPx, 0);
  const again = known.add(point(1), "px", 10);
  assert.equal(again, fromPx);
  assert.equal(known.pointOfPeer("aa")?.text, "127.0.0.1:1");
  assert.equal(known.isDue(fromPx.text, 10), false);
});

Deno.test("bans expire, keep the longest term, and can be lifted", () => {
  const bans = new BanList();
  bans.ban("aa", "kicked", 100, 0);
  bans.ban("aa", "greylisted", 50, 0); // shorter: ignored
  assert.equal(bans.get("aa", 99)?.reason, "kicked");
  assert.equal(bans.get("aa", 100), undefined);
  assert.equal(bans.size, 0);
  bans.ban("bb", "kicked", 100, 0);
  assert.equal(bans.lift("bb"), true);
  bans.ban("cc", "kicked", 10, 0);
  bans.prune(10);
  assert.equal(bans.size, 0);
});

Deno.test("Prune crosses the wire with seconds and points, other messages unchanged", () => {
  const px = new Map([["aa", { point: point(1), peerId: peerId(1) }]]);
  const wire = toWire<string, Uint8Array, Uint8Array>(
    { kind: "Prune", topic: "t", px: ["aa", "unknown"], backoff: 61_999 },
    (key) => px.get(key),
  );
  assert.deepEqual(wire, { kind: "Prune", topic: "t", px: [px.get("aa")], backoff: 61 });
  const huge = toWire({ kind: "Prune", topic: "t", px: [], backoff: 1e9 }, () => undefined);
  assert.equal(huge.kind === "Prune" && huge.backoff, 0x7fff);
  const learnt: string[] = [];
  const back = fromWire<string, Uint8Array, Uint8Array>(
    { kind: "Prune", topic: "t", px: [{ point: point(2), peerId: peerId(2) }], backoff: -3 },
    (entry) => {
      learnt.push(pointIdToString(entry.point));
      return "bb";
    },
  );
  // A negative backoff reaches the automaton as decoded, as in Octez's DAL node.
  assert.deepEqual(back, { kind: "Prune", topic: "t", px: ["bb"], backoff: -3000 });
  assert.deepEqual(learnt, ["127.0.0.1:2"]);
  const graft = { kind: "Graft" as const, topic: "t" };
  assert.equal(toWire(graft, () => undefined), graft);
  assert.equal(fromWire(graft, () => undefined), graft);
});

Deno.test("simple message ids carry their topic and survive the codec", () => {
  fc.assert(fc.property(fc.string({ minLength: 1 }), fc.nat(), fc.nat(), (topic, session, seq) => {
    const id = simpleMessageId(topic, peerId(7), session, seq);
    assert.equal(simpleMessageIdTopic(id), topic);
    const wire = decodeSimpleGossipMessage(
      encodeSimpleGossipMessage({ kind: "IWant", messageIds: [id] }),
    );
    assert.deepEqual(wire.kind === "IWant" && [...wire.messageIds[0]], [...id]);
  }));
  assert.equal(simpleMessageIdTopic(new Uint8Array(10)), undefined);
  const id = simpleMessageId("t", peerId(1), 0, 0);
  assert.equal(simpleMessageIdTopic(id.subarray(1)), undefined);
  assert.throws(() => simpleMessageId("t", new Uint8Array(3), 0, 0), RangeError);
});

Deno.test("simple id topics: the last topic, same-length neighbours, non-ASCII, invalid UTF-8, long", () => {
  const topicOf = (topic: string) => simpleMessageIdTopic(simpleMessageId(topic, peerId(2), 0, 0));
  for (const topic of ["ab", "ab", "ac", "ab", "é", "日本", "é", "x".repeat(300), "ab"]) {
    assert.equal(topicOf(topic), topic);
  }
  const bad = simpleMessageId("zz", peerId(2), 0, 0);
  bad.set([0xc3, 0x28], 2); // a two-byte lead followed by ASCII: not UTF-8
  assert.equal(simpleMessageIdTopic(bad), undefined);
  assert.equal(simpleMessageIdTopic(bad), undefined);
  assert.equal(topicOf("zz"), "zz");
});

Deno.test("the simple instance refuses ids that do not name their message's topic", () => {
  const gossip = simpleGossip();
  const id = simpleMessageId("a", peerId(1), 0, 1);
  const message = { kind: "MessageWithHeader" as const, message: new Uint8Array(1), topic: "a" };
  assert.equal(gossip.accept({ ...message, messageId: id }), true);
  assert.equal(gossip.accept({ ...message, topic: "b", messageId: id }), false);
  assert.equal(gossip.accept({ kind: "IWant", messageIds: [id, new Uint8Array(3)] }), false);
  assert.equal(gossip.accept({ kind: "IHave", topic: "a", messageIds: [id] }), true);
  assert.throws(() => gossip.checkTopic(""), RangeError);
  const a = gossip.newMessageId!("a", new Uint8Array(0), peerId(1), 1);
  const b = gossip.newMessageId!("a", new Uint8Array(0), peerId(1), 2);
  assert.notEqual(gossip.messageId.key(a), gossip.messageId.key(b));
  assert.ok(gossip.messageId.compare(a, b) < 0);
  assert.equal(gossip.messageId.getTopic(a), "a");
});

Deno.test("KnownPoints.isDue is the one reconnection schedule: back-off after a failure", () => {
  const known = new KnownPoints(limits);
  assert.equal(known.isDue("127.0.0.1:9", 0), true); // unknown points may be dialled
  const entry = known.add(point(9), "config", 0)!;
  assert.equal(known.isDue(entry.text, 0), true);
  known.failed(entry, 0);
  assert.equal(known.isDue(entry.text, 999), false);
  assert.equal(known.isDue(entry.text, 1000), true);
  known.connected(entry, false, 1000);
  assert.equal(known.isDue(entry.text, 5000), false); // connected
});

// Octez `src/lib_p2p/test/test_p2p_peerset.ml` re-created: the peer greylist is a FIFO cache of
// peer ids (Octez `P2p_acl.PeerFIFOCache`). Octez builds caches of 10 and 3 entries; ours has a
// fixed size of PEER_GREYLIST_SIZE (1,023, Octez's `peer_greylist_size` default), so the overflow
// scenario adds 1,020 filler ids wherever Octez's cache of 3 is full, and makes the same
// membership checks after the same adds.

import assert from "node:assert/strict";
import { blake2b } from "@noble/hashes/blake2.js";
import { Acl, PEER_GREYLIST_SIZE } from "../../lib/node/acl.ts";
import { peerIdKey } from "../../lib/crypto/mod.ts";

// Octez's `a s = P2p_peer.Id.hash_string [s]`: a 16-byte peer id hashed from a name.
function a(name: string): string {
  return peerIdKey(blake2b(new TextEncoder().encode(name), { dkLen: 16 }));
}

function acl(): Acl {
  return new Acl({ ipGreylistMs: 60_000 });
}

const peers = ["foo", "bar", "baz"].map(a);

Deno.test("peerset empty: an empty peer greylist holds no peer", () => {
  const set = acl();
  for (const peer of peers) assert.equal(set.isPeerBanned(peer), false);
  assert.deepEqual(set.greylistedPeers(), []);
});

Deno.test("peerset add: foo, bar and baz added are all members", () => {
  const set = acl();
  for (const peer of peers) set.greylistPeer(peer);
  for (const peer of peers) assert.equal(set.isPeerBanned(peer), true);
});

Deno.test("peerset remove: bar removed is no longer a member, the others stay", () => {
  const set = acl();
  for (const peer of peers) set.greylistPeer(peer);
  assert.equal(set.isPeerBanned(a("bar")), true);
  assert.equal(set.unbanPeer(a("bar")), true);
  assert.equal(set.isPeerBanned(a("bar")), false);
  assert.equal(set.isPeerBanned(a("foo")), true);
  assert.equal(set.isPeerBanned(a("baz")), true);
});

Deno.test("peerset LRU overflow: a full cache drops its oldest id; re-adding an id refreshes it", () => {
  assert.equal(PEER_GREYLIST_SIZE, 1023);
  const set = acl();
  const fillers = (prefix: string) => {
    for (let i = 0; i < PEER_GREYLIST_SIZE - 3; i++) set.greylistPeer(a(`${prefix} ${i}`));
  };
  // Octez: a cache of 3 holding foo, bar, baz. Here: foo, bar, baz then 1,020 fillers, full.
  for (const peer of peers) set.greylistPeer(peer);
  fillers("f");
  assert.equal(set.greylistedPeers().length, PEER_GREYLIST_SIZE);
  set.greylistPeer(a("foo")); // refreshed: bar is now the oldest
  set.greylistPeer(a("zor")); // the cache is full: bar goes
  assert.equal(set.isPeerBanned(a("zor")), true);
  assert.equal(set.isPeerBanned(a("foo")), true);
  assert.equal(set.isPeerBanned(a("bar")), false);
  assert.equal(set.isPeerBanned(a("baz")), true);
  set.greylistPeer(a("baz"));
  set.greylistPeer(a("baz"));
  set.greylistPeer(a("baz"));
  // Octez's cache is now [foo, zor, baz]; here the 1,020 fillers are older than foo, so 1,020
  // new fillers push them out first and leave foo the oldest, as in Octez.
  fillers("g");
  assert.equal(set.isPeerBanned(a("foo")), true);
  set.greylistPeer(a("qux"));
  assert.equal(set.isPeerBanned(a("foo")), false);
  assert.equal(set.isPeerBanned(a("zor")), true);
  assert.equal(set.isPeerBanned(a("baz")), true);
  assert.equal(set.isPeerBanned(a("qux")), true);
  assert.equal(set.greylistedPeers().length, PEER_GREYLIST_SIZE);
});

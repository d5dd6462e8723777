// Octez `src/lib_p2p/test/test_p2p_banned_peers.ml` re-created: the IP greylist of the ACL
// (Octez `P2p_acl.IPGreylist`, `banned_addr`). Octez's addresses are IPv6 (`ffff::3`, …); ours are
// canonical address text, the same for both families. Octez's `test_gc` is disabled there as
// flaky (a 16-step Bloom-filter clean-up); ours has an exact expiry per address, tested with an
// injected clock instead of a sleep.

import assert from "node:assert/strict";
import { Acl } from "../../lib/node/acl.ts";

const addrs = ["ffff::3", "ffff::ff", "a::2"];
const now = 1_000_000;

function acl(): Acl {
  return new Acl({ ipGreylistMs: 60_000 }); // Octez's ip_cleanup_delay of the test: 60 s
}

Deno.test("banned peers empty: no address of an empty ACL is banned", () => {
  const set = acl();
  for (const addr of addrs) assert.equal(set.isIpBanned(addr, now), false);
  assert.deepEqual(set.greylistedIps(now), []);
});

Deno.test("banned peers ban: greylisted addresses are banned", () => {
  const set = acl();
  for (const addr of addrs) set.greylistIp(addr, now);
  for (const addr of addrs) assert.equal(set.isIpBanned(addr, now), true);
  assert.equal(set.isIpBanned("a::3", now), false);
});

Deno.test("banned peers clear: clearing the greylist unbans every address", () => {
  const set = acl();
  for (const addr of addrs) set.greylistIp(addr, now);
  for (const addr of addrs) assert.equal(set.isIpBanned(addr, now), true);
  set.clearGreylists();
  for (const addr of addrs) assert.equal(set.isIpBanned(addr, now), false);
});

Deno.test("banned peers gc: a greylisted address is lifted once its delay has passed", () => {
  const set = acl();
  for (const addr of addrs) set.greylistIp(addr, now);
  assert.equal(set.isIpBanned(addrs[0], now + 59_999), true);
  for (const addr of addrs) assert.equal(set.isIpBanned(addr, now + 60_000), false);
  assert.deepEqual(set.greylistedIps(now + 60_000), []);
});

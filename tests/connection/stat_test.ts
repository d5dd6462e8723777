import assert from "node:assert/strict";
import { RateMeter } from "../../lib/connection/mod.ts";

Deno.test("the rate follows Octez's moving average, one update per second", () => {
  const meter = new RateMeter(0);
  meter.add(10_000, 100);
  meter.add(5_000, 900);
  assert.equal(meter.rate(999), 0); // the first period is not over
  // avg = 200 * 15000 / 1000 + 800 * 0 / 1000 = 3000
  assert.equal(meter.rate(1000), 3000);
  meter.add(1_000, 1500);
  // avg = 200 * 1000 / 1000 + 800 * 3000 / 1000 = 2600, then an empty period: 0 + 2080
  assert.equal(meter.rate(2000), 2600);
  assert.equal(meter.rate(3000), 2080);
  assert.equal(meter.total, 16_000);
});

Deno.test("the rate decays to 0 after a long idle time, without replaying every second", () => {
  const meter = new RateMeter(0);
  meter.add(1 << 30, 10);
  assert.ok(meter.rate(1000) > 0);
  assert.equal(meter.rate(1000 + 3600 * 1000), 0);
  meter.add(1000, 3_601_500);
  assert.equal(meter.rate(3_602_000), 200);
});

Deno.test("bytes counted within one period are all reported with it", () => {
  const meter = new RateMeter(0);
  for (let t = 0; t < 1000; t += 10) meter.add(100, t);
  assert.equal(meter.rate(1000), 2000);
});

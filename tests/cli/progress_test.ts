// The proof-of-work progress line and its two displays, and the PoW bits shown by the CLI.

import assert from "node:assert/strict";
import type { PowProgress } from "../../lib/crypto/mod.ts";
import { powBitsReached } from "../../lib/cli/pow_bits.ts";
import {
  formatCount,
  formatDuration,
  formatProgress,
  ProgressReporter,
} from "../../lib/cli/progress.ts";
import { fromHex } from "../../lib/encoding/mod.ts";
import { vectors } from "../support/vectors.ts";

const progress = (attempts: number, hashesPerSecond: number): PowProgress => ({
  attempts,
  elapsedMs: 1000,
  hashesPerSecond,
  expectedAttempts: 2 ** 26,
  expectedMsLeft: 2 ** 26 / hashesPerSecond * 1000,
  workers: 2,
});

Deno.test("formatProgress() shows a bar, attempts, rate and time to the mean", () => {
  assert.equal(
    formatProgress(progress(2 ** 25, 1_000_000)),
    "[##############--------------]  50% 33.6 M of ~67.1 M attempts, 1.00 M/s, ETA ~34s, 2 workers",
  );
  assert.match(
    formatProgress(progress(2 ** 27, 1_000_000)),
    /\] 200% .*past the mean, still searching/,
  );
  assert.match(formatProgress(progress(0, 0)), /ETA unknown/);
});

Deno.test("formatCount() and formatDuration() round for people", () => {
  assert.deepEqual([12, 1234, 67_108_864, 4.2e9].map(formatCount), [
    "12",
    "1.23 k",
    "67.1 M",
    "4.20 G",
  ]);
  assert.deepEqual([400, 45_000, 185_000, 7_620_000].map(formatDuration), [
    "0s",
    "45s",
    "3m05s",
    "2h07m",
  ]);
});

Deno.test("ProgressReporter redraws one line on a terminal and prints lines otherwise", () => {
  let terminal = "";
  const onTerminal = new ProgressReporter((text) => terminal += text, true);
  onTerminal.update(progress(1, 10));
  onTerminal.update(progress(2, 10));
  onTerminal.done();
  assert.equal(terminal.split("\r").length, 3);
  assert.ok(terminal.endsWith("\x1b[K\n"));
  assert.equal(terminal.split("\n").length, 2);

  let narrow = "";
  new ProgressReporter((text) => narrow += text, true, 40).update(progress(1, 10));
  assert.equal(narrow.length, "\r".length + 39 + "\x1b[K".length);

  let plain = "";
  const inLog = new ProgressReporter((text) => plain += text, false);
  inLog.update(progress(1, 10));
  inLog.update(progress(2, 10));
  inLog.done();
  assert.ok(!plain.includes("\r") && !plain.includes("\x1b"));
  assert.equal(plain.split("\n").length, 3);
});

Deno.test("powBitsReached() matches the identity vectors' highest integer difficulty", () => {
  for (const v of vectors("identity")) {
    assert.equal(
      powBitsReached(fromHex(v.inputs.public_key), fromHex(v.inputs.proof_of_work_stamp)),
      v.expected.highest_integer_pow_target_satisfied,
      v.name,
    );
  }
});

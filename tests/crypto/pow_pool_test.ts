import assert from "node:assert/strict";
import process from "node:process";
import { isCryptoError } from "../../lib/crypto/errors.ts";
import { generateProofOfWork, type PowProgress } from "../../lib/crypto/pow_pool.ts";
import { makePowTarget } from "../../lib/crypto/pow_target.ts";
import { sleep } from "../support/async.ts";
import { checkProofOfWork } from "../../lib/crypto/proof_of_work.ts";

// Deno's sanitizers (on by default) fail a test that leaves a worker handle open, but they do not
// see a terminated worker thread that keeps spinning (Deno 2.9.6 does not interrupt a busy loop on
// terminate()): the CPU-time test below checks that the workers really stop.

// CPU milliseconds this process spends while idling for `ms`.
async function cpuWhileIdle(ms: number): Promise<number> {
  const before = process.cpuUsage();
  await sleep(ms);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

Deno.test("generateProofOfWork() finds valid stamps at difficulties 8 to 12 on 2 workers", async () => {
  const publicKey = crypto.getRandomValues(new Uint8Array(32));
  for (const difficulty of [8, 10, 12]) {
    const target = makePowTarget(difficulty);
    const stamp = await generateProofOfWork(publicKey, target, { workers: 2 });
    assert.equal(stamp.length, 24);
    assert.ok(checkProofOfWork(publicKey, stamp, target), `difficulty ${difficulty}`);
  }
});

Deno.test("generateProofOfWork() works with a single worker", async () => {
  const publicKey = crypto.getRandomValues(new Uint8Array(32));
  const target = makePowTarget(9);
  assert.ok(
    checkProofOfWork(
      publicKey,
      await generateProofOfWork(publicKey, target, { workers: 1 }),
      target,
    ),
  );
});

Deno.test("generateProofOfWork() reports progress, then aborts with a typed error", async () => {
  const controller = new AbortController();
  const reports: PowProgress[] = [];
  const search = generateProofOfWork(new Uint8Array(32).fill(1), makePowTarget(64), {
    workers: 2,
    signal: controller.signal,
    progressIntervalMs: 20,
    onProgress: (progress) => {
      reports.push(progress);
      if (reports.length === 3) controller.abort(new Error("user cancelled"));
    },
  });
  await assert.rejects(
    search,
    (e) => isCryptoError(e, "aborted") && (e.cause as Error).message === "user cancelled",
  );
  assert.equal(reports.length, 3); // no report after the abort
  for (const [i, report] of reports.entries()) {
    assert.equal(report.workers, 2);
    assert.equal(report.expectedAttempts, 2 ** 64);
    assert.ok(report.attempts > 0 && report.hashesPerSecond > 0);
    assert.ok(report.expectedMsLeft > 0 && Number.isFinite(report.expectedMsLeft));
    if (i > 0) {
      assert.ok(report.attempts > reports[i - 1].attempts);
      assert.ok(report.elapsedMs - reports[i - 1].elapsedMs >= 20);
    }
  }
});

Deno.test("generateProofOfWork() rejects at once when the signal is already aborted", async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    generateProofOfWork(new Uint8Array(32), makePowTarget(64), { signal: controller.signal }),
    (e) => isCryptoError(e, "aborted"),
  );
});

Deno.test("generateProofOfWork() aborts while the workers are still starting", async () => {
  const controller = new AbortController();
  const search = generateProofOfWork(new Uint8Array(32), makePowTarget(64), {
    signal: controller.signal,
  });
  controller.abort();
  await assert.rejects(search, (e) => isCryptoError(e, "aborted"));
});

Deno.test("generateProofOfWork() rejects misuse with RangeError and starts no worker", async () => {
  await assert.rejects(generateProofOfWork(new Uint8Array(31), 0n), RangeError);
  await assert.rejects(generateProofOfWork(new Uint8Array(32), 0n, { workers: 0 }), RangeError);
  await assert.rejects(generateProofOfWork(new Uint8Array(32), -1n), RangeError);
});

Deno.test("generateProofOfWork() rejects with the error thrown by onProgress", async () => {
  const search = generateProofOfWork(new Uint8Array(32), makePowTarget(64), {
    progressIntervalMs: 10,
    onProgress: () => {
      throw new Error("callback failed");
    },
  });
  await assert.rejects(search, { message: "callback failed" });
});

Deno.test("generateProofOfWork() leaves no worker computing once it settles", async () => {
  // Found by one worker: the other must stop too.
  await generateProofOfWork(new Uint8Array(32), makePowTarget(14), { workers: 2 });
  assert.ok(await cpuWhileIdle(400) < 150, "a worker kept running after the stamp was found");
  // Aborted mid-search.
  const controller = new AbortController();
  const search = generateProofOfWork(new Uint8Array(32), makePowTarget(64), {
    workers: 2,
    signal: controller.signal,
    progressIntervalMs: 10,
    onProgress: () => controller.abort(),
  });
  await assert.rejects(search, (e) => isCryptoError(e, "aborted"));
  assert.ok(await cpuWhileIdle(400) < 150, "a worker kept running after the abort");
});

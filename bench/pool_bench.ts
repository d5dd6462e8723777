/**
 * The pool under attack, measured (a report, not a timed test; BENCHMARKS.md "Pool under attack"):
 *
 * - `memory`: 60 connections each complete a handshake, then send only the 4-byte header of a
 *   P2P message claiming 100 MiB − 4 (the largest accepted length) and nothing more. The node's
 *   resident and virtual memory (`VmRSS`, `VmSize` of its `/proc/self/status`) must grow by less
 *   than 64 MiB.
 * - `slowloris`: 300 sockets from 127.0.0.3 open and send nothing, or a valid connection message
 *   one byte a second, and reopen when closed; a legitimate peer at 127.0.0.1 handshakes every
 *   250 ms and must succeed at least once every 5 s. Then a greylisted source
 *   address (127.0.0.2) opens 100 sockets: each must cost one `accept` and no handshake
 *   (`stats().pool.refusedAddresses` +100, no handshake failure counted, no byte sent to it).
 * - `churn`: 20,000 handshakes (connect, authenticate, Ack, close) with pre-generated PoW-0
 *   identities: the node's file descriptors (`/proc/self/fd`) must not grow, nor its V8 heap
 *   after a full GC by more than 100 bytes per connection.
 *
 * The node runs in a child process (this file with the argument `node`), started with
 * `--v8-flags=--expose-gc`; it answers one JSON line per command on stdin (`mem`, `gc`,
 * `greylist <addr>`, `quit`), so that the attacking side's memory and sockets are not counted.
 * Its `VmRSS`, `VmSize` and file descriptors are read from `/proc/<pid>/` (with `cat`, `ls`).
 *
 * ```sh
 * deno run --allow-read --allow-run --allow-net=127.0.0.1,127.0.0.2,127.0.0.3 bench/pool_bench.ts memory
 * deno run --allow-read --allow-run --allow-net=127.0.0.1,127.0.0.2,127.0.0.3 bench/pool_bench.ts slowloris
 * deno run --allow-read --allow-run --allow-net=127.0.0.1,127.0.0.2,127.0.0.3 bench/pool_bench.ts churn
 * ```
 *
 * @module
 */

import net from "node:net";
import { readFrame } from "../tests/support/socket_frames.ts";
import { createNode, DEFAULT_CHAIN_NAME } from "../lib/node/mod.ts";
import {
  accept,
  announcedVersion,
  connect,
  encryptChunk,
  shellMetadataCodec,
  type SupportedVersions,
} from "../lib/connection/mod.ts";
import {
  channelKey,
  deriveNonces,
  generateIdentitySync,
  type Identity,
  incrementNonceInPlace,
  makePowTarget,
} from "../lib/crypto/mod.ts";
import { rawAppCodec } from "../lib/encoding/mod.ts";
import { decodeConnectionMessage, encodeConnectionMessage } from "../gen/connection.ts";
import { makePointId, type PointId } from "../lib/base/point_id.ts";

const VERSIONS: SupportedVersions = {
  chainName: DEFAULT_CHAIN_NAME,
  distributedDbVersions: [0],
  p2pVersions: [0, 1],
};
const MiB = 1024 * 1024;

/** What the child reports for `mem` and `gc`. */
interface Report {
  vmRssKiB: number;
  vmSizeKiB: number;
  heapUsed: number;
  external: number;
  fds: number;
  connections: number;
  pool: {
    incoming: number;
    refusedAddresses: number;
    established: number;
    handshakeFailures: Record<string, number>;
  };
}

// ---- the node (child process) ----

async function runNode(): Promise<void> {
  const node = await createNode({
    identity: generateIdentitySync(0),
    expectedPow: 0,
    maintenanceMs: 3_600_000,
    connections: { minConnections: 0, expectedConnections: 100, maxConnections: 200 },
  });
  const report = (): Omit<Report, "vmRssKiB" | "vmSizeKiB" | "fds"> => {
    const { heapUsed, external } = Deno.memoryUsage();
    const s = node.stats();
    return {
      heapUsed,
      external,
      connections: s.connections,
      pool: {
        incoming: s.pool.incoming,
        refusedAddresses: s.pool.refusedAddresses,
        established: s.pool.established,
        handshakeFailures: { ...s.pool.handshakeFailures },
      },
    };
  };
  const out = (value: unknown) => console.log(JSON.stringify(value));
  out({ port: node.listeningPoint!.port });
  const gc = (globalThis as { gc?: () => void }).gc;
  for await (const line of lines(Deno.stdin.readable)) {
    const [command, arg] = line.trim().split(" ");
    if (command === "mem") out(report());
    else if (command === "gc") {
      for (let i = 0; i < 3; i++) {
        gc?.();
        await new Promise((r) => setTimeout(r, 50));
      }
      out(report());
    } else if (command === "greylist") {
      node.acl.greylistIp(arg);
      out({ greylisted: node.acl.greylistedIps() });
    } else if (command === "quit") break;
  }
  await node.close();
}

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffered = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    buffered += decoder.decode(chunk, { stream: true });
    for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
      yield buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
    }
  }
}

// ---- the attacker (parent process) ----

class Child {
  readonly #process: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #lines: AsyncGenerator<string>;

  constructor() {
    this.#process = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--v8-flags=--expose-gc",
        "--allow-read",
        "--allow-net=127.0.0.1",
        new URL(import.meta.url).pathname,
        "node",
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#writer = this.#process.stdin.getWriter();
    this.#lines = lines(this.#process.stdout);
  }

  async next<X>(): Promise<X> {
    const { value, done } = await this.#lines.next();
    if (done) throw new Error("the node process ended");
    return JSON.parse(value) as X;
  }

  async ask<X = Report>(command: string): Promise<X> {
    await this.#writer.write(new TextEncoder().encode(command + "\n"));
    const answer = await this.next<X>();
    // Deno wants --allow-all to read /proc; `cat` and `ls` read it for us.
    const proc = `/proc/${this.#process.pid}`;
    const text = await run("cat", `${proc}/status`);
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(text)![1]);
    return {
      ...answer,
      vmRssKiB: kib("VmRSS"),
      vmSizeKiB: kib("VmSize"),
      fds: (await run("ls", `${proc}/fd`)).trim().split("\n").length,
    };
  }

  async quit(): Promise<void> {
    await this.#writer.write(new TextEncoder().encode("quit\n"));
    await this.#writer.close();
    for await (const _ of this.#lines);
    await this.#process.status;
  }
}

async function run(command: string, arg: string): Promise<string> {
  const { stdout } = await new Deno.Command(command, { args: [arg], stdout: "piped" }).output();
  return new TextDecoder().decode(stdout);
}

async function startNode(): Promise<[Child, PointId]> {
  const child = new Child();
  const { port } = await child.next<{ port: number }>();
  return [child, makePointId("127.0.0.1", port)];
}

/**
 * A handshake done by hand (connection message, metadata, Ack), so that the socket can then
 * carry chunks of our choosing: it returns the socket, the channel key and our next nonce.
 */
async function handshakeByHand(point: PointId, identity: Identity) {
  const socket = await Deno.connect({ hostname: point.addr, port: point.port });
  const sent = encodeConnectionMessage({
    port: 0,
    publicKey: identity.publicKey,
    proofOfWorkStamp: identity.proofOfWorkStamp,
    messageNonce: crypto.getRandomValues(new Uint8Array(24)),
    version: announcedVersion(VERSIONS),
  });
  await socket.write(sent);
  const received = await readFrame(socket);
  const key = channelKey(decodeConnectionMessage(received).publicKey, identity.secretKey);
  const { localNonce } = deriveNonces(sent, received, false);
  const send = async (plaintext: Uint8Array) => {
    await socket.write(encryptChunk(key, localNonce, plaintext));
    incrementNonceInPlace(localNonce);
  };
  await send(shellMetadataCodec.encode({ disableMempool: false, privateNode: false }));
  await readFrame(socket); // its metadata
  await send(new Uint8Array([0x00])); // Ack
  await readFrame(socket); // its Ack
  return { socket, send };
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} MiB`;

async function memory(): Promise<void> {
  const [child, point] = await startNode();
  const before = await child.ask("gc");
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, 100 * MiB - 4);
  // First 60 handshaken connections that send nothing (the baseline of 60 connections), then
  // the header on each of them.
  const open: { socket: Deno.Conn; send: (plaintext: Uint8Array) => Promise<void> }[] = [];
  for (let i = 0; i < 60; i++) open.push(await handshakeByHand(point, generateIdentitySync(0)));
  await new Promise((r) => setTimeout(r, 2_000));
  const idle = await child.ask("mem");
  for (const { send } of open) await send(header);
  await new Promise((r) => setTimeout(r, 2_000));
  const after = await child.ask("mem");
  const afterGc = await child.ask("gc");
  console.log(`connections held by the node: ${after.connections}`);
  const rows = [
    ["VmRSS", before.vmRssKiB, idle.vmRssKiB, after.vmRssKiB],
    ["VmSize", before.vmSizeKiB, idle.vmSizeKiB, after.vmSizeKiB],
  ] as const;
  for (const [name, b, i, a] of rows) {
    console.log(
      `${name}: ${kib(b)} → ${kib(i)} with 60 idle connections → ${kib(a)} with their headers ` +
        `(+${kib(a - b)} in all, +${kib(a - i)} for the headers; limit +64 MiB)`,
    );
  }
  const m = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
  console.log(
    `V8 heap ${m(before.heapUsed)} → ${m(idle.heapUsed)} → ${m(after.heapUsed)} ` +
      `(${m(afterGc.heapUsed)} after GC); external ${m(before.external)} → ${m(idle.external)} → ` +
      `${m(after.external)}`,
  );
  for (const { socket } of open) socket.close();
  await child.quit();
}

async function legitimateHandshake(point: PointId, identity: Identity): Promise<void> {
  const auth = await connect(point, {
    identity,
    powTarget: makePowTarget(0),
    versions: VERSIONS,
    metadata: { disableMempool: false, privateNode: false },
    metadataCodec: shellMetadataCodec,
    timeoutMs: 3_000,
  });
  const conn = await accept(auth, rawAppCodec, { timeoutMs: 3_000 });
  await conn.close();
}

async function slowloris(): Promise<void> {
  const [child, point] = await startNode();
  const durationMs = 30_000;
  const identityForDrip = generateIdentitySync(0);
  const start = performance.now();
  let stop = false;
  let reopened = 0;
  // 300 attackers from 127.0.0.3, each reopened as soon as the node closes it. Even ones send
  // nothing; odd ones drip a valid connection message a byte a second (garbage would be a
  // decoding error, which greylists the address at once and ends the attack).
  const drip = encodeConnectionMessage({
    port: 0,
    publicKey: identityForDrip.publicKey,
    proofOfWorkStamp: identityForDrip.proofOfWorkStamp,
    messageNonce: new Uint8Array(24),
    version: announcedVersion(VERSIONS),
  });
  const attackers = Array.from({ length: 300 }, async (_, i) => {
    while (!stop) {
      await new Promise<void>((resolve) => {
        const socket = net.connect({
          host: point.addr,
          port: point.port,
          localAddress: "127.0.0.3",
        });
        let at = 0;
        const timer = i % 2 === 1
          ? setInterval(() => at < drip.length && socket.write(drip.subarray(at, ++at)), 1_000)
          : undefined;
        const stopper = setInterval(() => stop && socket.destroy(), 200);
        socket.on("data", () => {});
        socket.on("error", () => {});
        socket.on("close", () => {
          clearInterval(timer);
          clearInterval(stopper);
          reopened++;
          resolve();
        });
      });
    }
  });
  await new Promise((r) => setTimeout(r, 1_000)); // let the 300 sockets connect first
  const successes: number[] = [];
  let attempts = 0;
  const identities = Array.from({ length: 200 }, () => generateIdentitySync(0));
  while (performance.now() - start < durationMs) {
    attempts++;
    try {
      await legitimateHandshake(point, identities[attempts % identities.length]);
      successes.push(performance.now());
    } catch {
      // Refused or timed out: counted by the gaps.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  stop = true;
  const end = performance.now();
  const marks = [start + 1_000, ...successes, end];
  let maxGap = 0;
  for (let i = 1; i < marks.length; i++) maxGap = Math.max(maxGap, marks[i] - marks[i - 1]);
  const stats = await child.ask("mem");
  console.log(
    `slowloris: ${successes.length}/${attempts} legitimate handshakes in ${
      ((end - start - 1_000) / 1000).toFixed(0)
    } s under 300 sockets; longest wait between two ${(maxGap / 1000).toFixed(2)} s (limit 5 s); ` +
      `attacker sockets closed by the node and reopened: ${reopened}`,
  );
  console.log(`node after: ${JSON.stringify(stats.pool)}`);
  await Promise.race([Promise.all(attackers), new Promise((r) => setTimeout(r, 6_000))]);

  // A greylisted source address: one accept each, no handshake.
  await child.ask("greylist 127.0.0.2");
  const before = await child.ask("mem");
  let bytesReceived = 0;
  const N = 100;
  for (let i = 0; i < N; i++) {
    bytesReceived += await new Promise<number>((resolve) => {
      let n = 0;
      const socket = net.connect({ host: point.addr, port: point.port, localAddress: "127.0.0.2" });
      socket.on("data", (d: Uint8Array) => (n += d.length));
      socket.on("close", () => resolve(n));
      socket.on("error", () => {});
    });
  }
  const after = await child.ask("mem");
  const failures = (r: Report) =>
    Object.values(r.pool.handshakeFailures).reduce((a, b) => a + b, 0);
  console.log(
    `greylisted 127.0.0.2, ${N} sockets: accepts +${after.pool.incoming - before.pool.incoming}, ` +
      `refusedAddresses +${after.pool.refusedAddresses - before.pool.refusedAddresses}, ` +
      `handshake failures +${
        failures(after) - failures(before)
      }, bytes sent to it ${bytesReceived}`,
  );
  await child.quit();
}

async function churn(): Promise<void> {
  const total = Number(Deno.args[1] ?? 20_000);
  const [child, point] = await startNode();
  console.log(`generating ${total} PoW-0 identities…`);
  const identities = Array.from({ length: total }, () => generateIdentitySync(0));
  // Warm up (JIT, first allocations of every table) before the baseline.
  for (let i = 0; i < 200; i++) await legitimateHandshake(point, generateIdentitySync(0));
  const before = await child.ask("gc");
  const started = performance.now();
  let next = 0;
  let failed = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < total) {
      const identity = identities[next++];
      await legitimateHandshake(point, identity).catch(() => failed++);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 1_000));
  const after = await child.ask("gc");
  const perConnection = (after.heapUsed - before.heapUsed) / total;
  console.log(
    `churn: ${total} handshakes in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)}/s), ` +
      `${failed} failed; node established ${after.pool.established - before.pool.established}`,
  );
  console.log(`file descriptors: ${before.fds} → ${after.fds}`);
  console.log(
    `V8 heap after GC: ${(before.heapUsed / MiB).toFixed(2)} → ${
      (after.heapUsed / MiB).toFixed(2)
    } MiB: ${perConnection.toFixed(1)} bytes per connection (limit 100)`,
  );
  console.log(`VmRSS ${kib(before.vmRssKiB)} → ${kib(after.vmRssKiB)}`);
  await child.quit();
}

if (import.meta.main) {
  const scenario = Deno.args[0];
  if (scenario === "node") await runNode();
  else if (scenario === "memory") await memory();
  else if (scenario === "slowloris") await slowloris();
  else if (scenario === "churn") await churn();
  else {
    console.error("usage: pool_bench.ts memory | slowloris | churn [count]");
    Deno.exit(2);
  }
}

// The `tzp2p` command line end to end, as a subprocess: identity generate/show, decode of recorded
// conversations, exit codes and messages on failures, Ctrl-C during generation.

import assert from "node:assert/strict";
import { identityToJson } from "../../lib/crypto/mod.ts";
import { withTempDir } from "../support/cli_node.ts";
import {
  carthagenet,
  framePieces,
  streamOf,
  synthetic,
  toJsonLines,
  type Transcript,
} from "./transcripts.ts";

const ROOT = new URL("../../", import.meta.url);
const MAIN = new URL("lib/cli/main.ts", ROOT).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno task tzp2p` as deno.json declares it. */
async function tzp2p(args: string[], stdin?: string): Promise<Run> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-net", MAIN, ...args],
    cwd: ROOT.pathname,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

/** Writes the identity.json of the side that recorded a transcript. */
async function writeIdentity(path: string, t: Transcript): Promise<void> {
  await Deno.writeTextFile(path, identityToJson(t.identity));
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text.trim().split("\n").map((line) => JSON.parse(line));
}

Deno.test("identity generate --pow 4 writes an identity that identity show reads back", async () => {
  await withTempDir(async (dir) => {
    const file = `${dir}/identity.json`;
    const generated = await tzp2p(["identity", "generate", "--pow", "4", "--out", file]);
    assert.equal(generated.code, 0, generated.stderr);
    assert.match(generated.stderr, /searching a proof-of-work stamp of difficulty 4/);
    const peerId = generated.stdout.match(/^peer_id: (id\w{28})$/m)?.[1];
    assert.ok(peerId, generated.stdout);
    assert.match(generated.stdout, new RegExp(`^file: ${file}$`, "m"));

    const stored = JSON.parse(await Deno.readTextFile(file));
    assert.equal(stored.peer_id, peerId);
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);

    const shown = await tzp2p(["identity", "show", "--json", file]);
    assert.equal(shown.code, 0, shown.stderr);
    const fields = JSON.parse(shown.stdout);
    assert.equal(fields.peer_id, peerId);
    assert.equal(fields.public_key, stored.public_key);
    assert.equal(fields.proof_of_work_stamp, stored.proof_of_work_stamp);
    assert.ok(fields.pow_bits >= 4, `pow_bits ${fields.pow_bits}`);
    assert.equal(fields.secret_key, undefined);

    const text = await tzp2p(["identity", "show", file]);
    assert.match(text.stdout, new RegExp(`^peer_id: ${peerId}$`, "m"));
    assert.match(text.stdout, /^pow_bits: \d+$/m);
  });
});

Deno.test("identity generate keeps an existing file unless --force is given", async () => {
  await withTempDir(async (dir) => {
    const file = `${dir}/identity.json`;
    await Deno.writeTextFile(file, "keep me");
    const refused = await tzp2p(["identity", "generate", "--pow", "0", "--out", file]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /exists; not overwriting it \(use --force/);
    assert.doesNotMatch(refused.stderr, /searching/); // refused before the search
    assert.equal(await Deno.readTextFile(file), "keep me");

    const forced = await tzp2p(["identity", "generate", "--pow", "0", "--out", file, "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(await Deno.readTextFile(file), /"peer_id": "id/);
  });
});

Deno.test("identity generate stops cleanly on Ctrl-C and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const file = `${dir}/identity.json`;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-write", MAIN, "identity", "generate"].concat(
        ["--pow", "100", "--workers", "1", "--out", file],
      ),
      cwd: ROOT.pathname,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // Wait until the search runs (its first line is printed right before it starts).
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let stderr = "";
    while (!stderr.includes("searching")) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += value;
    }
    child.kill("SIGINT");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += value;
    }
    const status = await child.status;
    await child.stdout.cancel();
    assert.equal(status.code, 130, stderr);
    assert.match(stderr, /interrupted: no identity written/);
    await assert.rejects(Deno.stat(file), Deno.errors.NotFound);
  });
});

Deno.test("decode prints the synthetic handshake from awkwardly cut lines", async () => {
  await withTempDir(async (dir) => {
    const t = synthetic("A");
    await writeIdentity(`${dir}/a.json`, t);
    // Cut each direction mid-frame, at odd offsets, and put several frames in one line.
    const pieces = framePieces(t);
    const sent = streamOf(pieces, "sent");
    const received = streamOf(pieces, "received");
    const lines = [
      { direction: "sent" as const, bytes: sent.subarray(0, 50) },
      { direction: "received" as const, bytes: received.subarray(0, 130) },
      { direction: "sent" as const, bytes: sent.subarray(50, 151) },
      { direction: "received" as const, bytes: received.subarray(130, 131) },
      { direction: "sent" as const, bytes: sent.subarray(151) },
      { direction: "received" as const, bytes: received.subarray(131) },
    ];
    await Deno.writeTextFile(`${dir}/conversation.jsonl`, toJsonLines(lines));
    const run = await tzp2p(["decode", "--identity", `${dir}/a.json`, `${dir}/conversation.jsonl`]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "");
    const items = jsonLines(run.stdout);
    const summary = (direction: string) =>
      items.filter((i) => i.direction === direction).map((i) => i.message ?? i.kind);
    assert.deepEqual(summary("sent"), [
      "connection_message",
      "metadata",
      "ack",
      "Bootstrap",
      "Swap_request",
      "Disconnect",
    ]);
    assert.deepEqual(summary("received"), [
      "connection_message",
      "metadata",
      "ack",
      "Advertise",
      "Swap_ack",
      "Advertise",
    ]);
    const swap = items.find((i) => i.message === "Swap_request")!;
    assert.equal(swap.point, "5.6.7.8:9732");
    assert.equal(swap.peer_id, "idqn7Fro4kCjuB6w2DJXh43UVDwdkR");
  });
});

Deno.test("decode reads the Carthagenet capture from standard input as the dialling side", async () => {
  await withTempDir(async (dir) => {
    const t = carthagenet();
    await writeIdentity(`${dir}/tezedge.json`, t);
    const run = await tzp2p(
      ["decode", "--identity", `${dir}/tezedge.json`, "-"],
      toJsonLines(framePieces(t)),
    );
    assert.equal(run.code, 0, run.stderr);
    const items = jsonLines(run.stdout);
    assert.deepEqual(items.map((i) => i.kind), [
      "connection_message",
      "connection_message",
      "metadata",
      "metadata",
      "ack",
      "ack",
      "p2p_message",
      "p2p_message",
    ]);
    assert.equal(items[1].peer_id, t.peerIds.received);
    // A TEZOS_… chain speaks shell: the chain id 9caecab9 in Octez's base58check JSON.
    const branch = { get_current_branch: "NetXjD3HPJJjmcd" };
    assert.deepEqual(items.slice(6).map((i) => [i.tag, i.title, i.value]), [
      [16, "Get_current_branch", branch],
      [16, "Get_current_branch", branch],
    ]);
    // With --incoming the nonces are the other way round: nothing decrypts, still exit 0.
    const wrong = await tzp2p(
      ["decode", "--incoming", "--identity", `${dir}/tezedge.json`, "-"],
      toJsonLines(framePieces(t)),
    );
    assert.equal(wrong.code, 0);
    assert.deepEqual(
      jsonLines(wrong.stdout).filter((i) => i.kind === "error").map((i) => i.error),
      ["decipher_error", "decipher_error"],
    );
  });
});

Deno.test("decode fails with a clear message on an unreadable identity or malformed input", async () => {
  await withTempDir(async (dir) => {
    const t = synthetic("A");
    const good = `${dir}/a.json`;
    await writeIdentity(good, t);
    const conversation = `${dir}/c.jsonl`;
    await Deno.writeTextFile(conversation, toJsonLines(framePieces(t)));
    const bad = `${dir}/bad.jsonl`;
    await Deno.writeTextFile(bad, toJsonLines(framePieces(t).slice(0, 2)) + "{oops}\n");
    const notIdentity = `${dir}/not_identity.json`;
    await Deno.writeTextFile(notIdentity, '{"public_key": "00"}');

    const cases: [string[], number, RegExp][] = [
      [["decode", "--identity", `${dir}/missing.json`, conversation], 1, /identity file/],
      [["decode", "--identity", notIdentity, conversation], 1, /invalid identity file/],
      [["decode", "--identity", good, bad], 1, /^tzp2p: line 3: not JSON/],
      [["decode", "--identity", good, `${dir}/missing.jsonl`], 1, /cannot read .*no such file/],
      [["decode", conversation], 2, /decode needs --identity FILE/],
      [["decode", "--identity", good], 2, /one conversation file/],
      [["decode", "--identity", good, "--verbose", conversation], 2, /unknown option --verbose/],
      [["identity", "show", `${dir}/missing.json`], 1, /identity file/],
      [["identity", "generate", "--pow", "300"], 2, /--pow must be a number from 0 to 256/],
      [["identity", "rotate"], 2, /identity takes generate or show/],
      [["frobnicate"], 2, /unknown command "frobnicate"/],
      [[], 2, /usage:/],
    ];
    for (const [args, code, message] of cases) {
      const run = await tzp2p(args);
      assert.equal(run.code, code, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr + run.stdout, message, args.join(" "));
      if (code !== 0 && args.length > 0) assert.equal(run.stdout, "", args.join(" "));
    }
    assert.equal((await tzp2p(["--help"])).code, 0);
  });
});

// `tzp2p node`: its options (in process), and real node processes over loopback TCP: the JSON
// event stream, connections both ways, delivered messages, identities created and reused, clean
// stops on SIGTERM and SIGINT, and one-line usage errors.

import assert from "node:assert/strict";
import { parseNodeArgs, parsePeer } from "../../lib/cli/node_args.ts";
import { formatEventJson, formatEventText } from "../../lib/cli/node_events.ts";
import { main } from "../../lib/cli/main.ts";
import { isCliError } from "../../lib/cli/errors.ts";
import type { CliIo } from "../../lib/cli/io.ts";
import { powBitsReached } from "../../lib/cli/pow_bits.ts";
import {
  generateIdentitySync,
  identityToJson,
  peerIdToString,
  readIdentityFile,
} from "../../lib/crypto/mod.ts";
import { createNode, type NodeEvent } from "../../lib/node/mod.ts";
import type { DalTopic } from "../../gen/gossipsub.ts";
import { sleep } from "../support/async.ts";
import { CliNode, portIsFree, withTempDir } from "../support/cli_node.ts";

const TZ1 = "tz1XQjK1b3P72kMcHsoPhnAg3dvX1n8Ainty"; // key_encoding_vectors.ml 25

/** Runs `main` in process, capturing what it prints. */
async function runMain(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = {
    out: (text) => {
      out += text;
      return Promise.resolve();
    },
    err: (text) => {
      err += text;
    },
    errIsTerminal: false,
  };
  const code = await main(args, io);
  return { code, out, err };
}

Deno.test("node options: defaults are the simple profile on loopback with expected PoW 26", () => {
  const config = parseNodeArgs([]);
  assert.equal(config.profile, "simple");
  assert.equal(config.expectedPow, 26);
  assert.deepEqual(config.listen, { addr: "127.0.0.1", port: 0 });
  assert.equal(config.identityPath, "identity.json");
  assert.equal(config.log, "text");
  assert.equal(config.chain, undefined);
  assert.deepEqual(config.peers, []);
  assert.deepEqual(config.topics, []);
  assert.equal(config.bootstrapPeer, false);
});

Deno.test("node options: --peer and --topic repeat, dal topics are read as SLOT:PKH", () => {
  const config = parseNodeArgs([
    "--profile=dal",
    "--peer",
    "127.0.0.1:11732",
    "--peer=[::1]:9000",
    "--peer",
    "10.0.0.7",
    "--topic",
    `0:${TZ1}`,
    "--topic",
    `31:${TZ1}`,
    "--bootstrap-peer",
    "--chain",
    "TEZOS_MAINNET",
    "--expected-pow",
    "24.5",
    "--listen",
    "[::]:11732",
    "--log",
    "json",
  ]);
  assert.equal(config.profile, "dal");
  assert.deepEqual(config.peers, [
    { kind: "point", point: { addr: "127.0.0.1", port: 11732 } },
    { kind: "point", point: { addr: "::1", port: 9000 } },
    { kind: "point", point: { addr: "10.0.0.7", port: 11732 } }, // the DAL default port
  ]);
  assert.deepEqual(
    (config.topics as readonly DalTopic[]).map((t) => t.slotIndex),
    [0, 31],
  );
  assert.equal(config.bootstrapPeer, true);
  assert.equal(config.expectedPow, 24.5);
  assert.deepEqual(config.listen, { addr: "::", port: 11732 });
  assert.equal(config.log, "json");
});

Deno.test("node options: --peer takes points, addresses and host names", () => {
  assert.deepEqual(parsePeer("192.0.2.1:9732", undefined), {
    kind: "point",
    point: { addr: "192.0.2.1", port: 9732 },
  });
  assert.deepEqual(parsePeer("2001:db8::1", 9732), {
    kind: "point",
    point: { addr: "2001:db8::1", port: 9732 },
  });
  assert.deepEqual(parsePeer("boot.example.org:9733", undefined), {
    kind: "host",
    host: "boot.example.org",
    port: 9733,
  });
  assert.deepEqual(parsePeer("dalboot.example.org", 11732), {
    kind: "host",
    host: "dalboot.example.org",
    port: 11732,
  });
  for (
    const [text, port] of [["192.0.2.1", undefined], ["a b:1", 1], ["host:0", 1], [
      "h:99999",
      1,
    ]] as const
  ) {
    assert.throws(() => parsePeer(text, port), (e) => isCliError(e, "usage"), text);
  }
});

Deno.test("node options: each bad option is a usage error naming it", () => {
  const cases: [string[], RegExp][] = [
    [["--profile", "l2"], /--profile must be shell, dal or simple, got "l2"/],
    [["--log", "xml"], /--log must be text or json/],
    [["--expected-pow", "-1"], /--expected-pow must be a number from 0 to 256/],
    [["--expected-pow", ""], /--expected-pow must be/],
    [["--listen", "localhost"], /--listen must be IP:PORT/],
    [["--listen", "127.0.0.1:70000"], /--listen must be IP:PORT/],
    [["--profile", "shell", "--topic", "x"], /--topic is for the dal and simple profiles/],
    [["--profile", "dal", "--topic", "0:tz9abc"], /--topic: invalid DAL topic "0:tz9abc"/],
    [["--profile", "dal", "--topic", `300:${TZ1}`], /slot index must be an integer from 0 to 255/],
    [["--bootstrap-peer"], /--bootstrap-peer is for the dal profile only/],
    [["--profile", "dal", "--chain", "DAL_TEZOS_MAINNET"], /takes the L1 chain name/],
    [["--peer", "127.0.0.1"], /give a port/],
    [["--frobnicate"], /unknown option --frobnicate/],
    [["--peer"], /option --peer needs a value/],
    [["extra"], /unexpected argument "extra"/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseNodeArgs(args), (e) => {
      assert.ok(isCliError(e, "usage"), `${args.join(" ")}: ${e}`);
      assert.match(e.message, message, args.join(" "));
      return true;
    });
  }
});

Deno.test("tzp2p node with a bad option prints one line and exits 2", async () => {
  for (const args of [["--profile", "l2"], ["--topic", "", "--listen", "x"], ["--nope"]]) {
    const { code, out, err } = await runMain(["node", ...args]);
    assert.equal(code, 2, args.join(" "));
    assert.equal(out, "");
    assert.equal(err.split("\n").length, 2, `one line, got ${JSON.stringify(err)}`);
    assert.match(err, /^tzp2p: .+ \(see tzp2p help\)\n$/);
  }
});

Deno.test("help lists the node command and its options", async () => {
  const { code, out } = await runMain(["help"]);
  assert.equal(code, 0);
  for (
    const option of [
      "--profile shell|dal|simple",
      "--chain",
      "--identity",
      "--listen",
      "--peer",
      "--expected-pow",
      "--topic",
      "--bootstrap-peer",
      "--log text|json",
    ]
  ) {
    assert.ok(out.includes(option), option);
  }
  assert.match(out, /tzp2p decode/); // the other commands stay
});

Deno.test("events are printed as JSON with snake_case keys and null for unknown values", () => {
  const events: NodeEvent[] = [
    {
      event: "connection_established",
      peerId: "idA",
      point: "127.0.0.1:1",
      direction: "incoming",
      metadata: { isBootstrapPeer: false, advertisedNetPort: 11732, advertisedNetAddr: undefined },
    },
    { event: "connection_closed", peerId: "idA", point: undefined, reason: "closed_locally" },
    {
      event: "handshake_failed",
      direction: "outgoing",
      point: "127.0.0.1:2",
      peerId: undefined,
      error: "Not_enough_proof_of_work",
      message: "m",
    },
    {
      event: "handshake_refused",
      direction: "incoming",
      point: undefined,
      peerId: "idB",
      by: "local",
      motive: "Unknown_chain_name",
    },
    { event: "message_delivered", topic: "t", messageId: "00ff", from: "idC", size: 3 },
  ];
  const lines = events.map((e) => JSON.parse(formatEventJson(e)));
  assert.deepEqual(lines[0], {
    event: "connection_established",
    peer_id: "idA",
    point: "127.0.0.1:1",
    direction: "incoming",
    metadata: { is_bootstrap_peer: false, advertised_net_port: 11732, advertised_net_addr: null },
  });
  assert.deepEqual(lines[1], {
    event: "connection_closed",
    peer_id: "idA",
    point: null,
    reason: "closed_locally",
  });
  assert.equal(lines[2].peer_id, null);
  assert.equal(lines[2].error, "Not_enough_proof_of_work");
  assert.equal(lines[3].motive, "Unknown_chain_name");
  assert.deepEqual(lines[4], {
    event: "message_delivered",
    topic: "t",
    message_id: "00ff",
    from: "idC",
    size: 3,
  });
  assert.equal(
    formatEventJson({ event: "listening", point: "127.0.0.1:5", peerId: "idX", pid: 7 }),
    '{"event":"listening","point":"127.0.0.1:5","peer_id":"idX","pid":7}\n',
  );
  assert.match(
    formatEventText(events[2]),
    /handshake failed \(outgoing, 127\.0\.0\.1:2\): Not_enough_proof_of_work: m/,
  );
  assert.match(formatEventText(events[4]), /message on t 00ff \(3 bytes\) from idC/);
});

Deno.test("tzp2p node runs, connects both ways, reports delivered messages and stops on SIGTERM", async () => {
  await withTempDir(async (dir) => {
    const a = new CliNode([
      "--identity",
      `${dir}/a.json`,
      "--expected-pow",
      "0",
      "--listen",
      "127.0.0.1:0",
      "--log",
      "json",
      "--topic",
      "news",
    ]);
    let b: CliNode | undefined;
    const libraryEvents: NodeEvent[] = [];
    const library = await createNode({
      identity: generateIdentitySync(0),
      expectedPow: 0,
      onEvent: (e) => libraryEvents.push(e),
      listen: false,
    });
    try {
      const listening = await a.listening();
      assert.equal(a.events[0], listening, "the first line is the listening event");
      assert.deepEqual(Object.keys(listening), ["event", "point", "peer_id", "pid"]);
      assert.equal(listening.pid, a.child.pid);
      assert.match(String(listening.peer_id), /^id[1-9A-HJ-NP-Za-km-z]{28}$/);
      const point = String(listening.point);
      assert.match(point, /^127\.0\.0\.1:\d+$/);
      const port = Number(point.split(":")[1]);
      assert.notEqual(port, 0);

      // A second CLI node dials the first.
      b = new CliNode([
        "--identity",
        `${dir}/b.json`,
        "--expected-pow",
        "0",
        "--log",
        "json",
        "--peer",
        point,
      ]);
      const bListening = await b.listening();
      const aSeesB = await a.waitFor(
        "connection from b",
        (e) => e.event === "connection_established" && e.peer_id === bListening.peer_id,
      );
      assert.equal(aSeesB.direction, "incoming");
      const bSeesA = await b.waitFor(
        "connection to a",
        (e) => e.event === "connection_established" && e.peer_id === listening.peer_id,
      );
      assert.equal(bSeesA.direction, "outgoing");
      assert.equal(bSeesA.point, point);

      // A library node dials it and publishes on the topic it joined.
      const libraryId = peerIdToString(library.peerId);
      await library.connect(point);
      await a.waitFor(
        "connection from the library node",
        (e) => e.event === "connection_established" && e.peer_id === libraryId,
      );
      assert.ok(
        libraryEvents.some((e) =>
          e.event === "connection_established" && e.peerId === listening.peer_id &&
          e.direction === "outgoing"
        ),
      );
      const payload = new TextEncoder().encode("hello from the library");
      const delivered = (async () => {
        // Until a's Subscribe has reached the library node, a publication has no fanout peer.
        for (let i = 0; i < 40; i++) {
          if (a.events.some((e) => e.event === "message_delivered")) return;
          await library.publish("news", payload, { allowNoPeers: true });
          await sleep(250);
        }
      })();
      const message = await a.waitFor("delivered message", (e) => e.event === "message_delivered");
      await delivered;
      assert.equal(message.topic, "news");
      assert.equal(message.size, payload.length);
      assert.equal(typeof message.message_id, "string");

      // SIGTERM: clean exit 0, the peers see the connection close, the port is released.
      assert.equal(await a.stop("SIGTERM"), 0, a.stderr);
      assert.equal(a.events.at(-1)?.event, "stopped");
      assert.ok(!a.events.some((e) => e.event === "not_json"), JSON.stringify(a.events));
      assert.ok(portIsFree(port), `port ${port} still taken`);
      await b.waitFor(
        "disconnection of a",
        (e) => e.event === "connection_closed" && e.peer_id === listening.peer_id,
      );
      assert.equal(await b.stop("SIGINT"), 0, b.stderr);
      assert.equal(b.events.at(-1)?.event, "stopped");
    } finally {
      await library.close();
      await a.dispose();
      await b?.dispose();
    }
  });
});

Deno.test("tzp2p node creates a missing identity with the expected PoW and reuses it", async () => {
  await withTempDir(async (dir) => {
    const file = `${dir}/identity.json`;
    const first = new CliNode(["--identity", file, "--expected-pow", "4", "--log", "json"]);
    const listening = await first.listening();
    assert.equal(await first.stop(), 0, first.stderr);
    assert.match(first.stderr, /searching a proof-of-work stamp of difficulty 4/);
    const identity = await readIdentityFile(file, { expectedPow: 4 });
    assert.ok(powBitsReached(identity.publicKey, identity.proofOfWorkStamp) >= 4);
    assert.equal(peerIdToString(identity.peerId), listening.peer_id);
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);

    const second = new CliNode(["--identity", file, "--expected-pow", "4", "--log", "json"]);
    const again = await second.listening();
    assert.equal(await second.stop(), 0, second.stderr);
    assert.equal(again.peer_id, listening.peer_id);
    assert.doesNotMatch(second.stderr, /searching/);
  });
});

Deno.test("tzp2p node --log text writes readable lines on stderr and nothing on stdout", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/id.json`, identityToJson(generateIdentitySync(0)));
    const node = new CliNode(["--identity", `${dir}/id.json`, "--expected-pow", "8"]);
    const deadline = Date.now() + 20_000;
    while (!/listening on 127\.0\.0\.1:\d+/.test(node.stderr) && Date.now() < deadline) {
      await sleep(50);
    }
    assert.equal(await node.stop("SIGINT"), 0, node.stderr);
    assert.deepEqual(node.events, []);
    assert.match(node.stderr, /simple node id\w+ listening on 127\.0\.0\.1:\d+/);
    // An identity below --expected-pow is used (as Octez) but reported.
    assert.match(node.stderr, /warning: the identity in .* below --expected-pow 8/);
    assert.match(node.stderr, /stopped\n$/);
  });
});

Deno.test("tzp2p node reports a port in use as one line and exit 1", async () => {
  await withTempDir(async (dir) => {
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const port = (taken.addr as Deno.NetAddr).port;
      const node = new CliNode([
        "--identity",
        `${dir}/id.json`,
        "--expected-pow",
        "0",
        "--listen",
        `127.0.0.1:${port}`,
      ]);
      assert.equal(await node.exit(), 1);
      assert.match(node.stderr, new RegExp(`tzp2p: cannot listen on 127\\.0\\.0\\.1:${port}: `));
    } finally {
      taken.close();
    }
  });
});

Deno.test("tzp2p node --profile shell: two L1 peers connect; a peer of another chain is refused with Octez's motive", async () => {
  await withTempDir(async (dir) => {
    const common = ["--profile", "shell", "--expected-pow", "0", "--log", "json"];
    const a = new CliNode([...common, "--identity", `${dir}/a.json`, "--chain", "TEZOS_LOOPBACK"]);
    let b: CliNode | undefined;
    let c: CliNode | undefined;
    try {
      const listening = await a.listening();
      b = new CliNode([
        ...common,
        "--identity",
        `${dir}/b.json`,
        "--chain",
        "TEZOS_LOOPBACK",
        "--peer",
        String(listening.point),
      ]);
      const bListening = await b.listening();
      const seen = await a.waitFor(
        "connection from b",
        (e) => e.event === "connection_established" && e.peer_id === bListening.peer_id,
      );
      assert.equal(seen.direction, "incoming");
      assert.deepEqual(seen.metadata, { disable_mempool: false, private_node: false });

      c = new CliNode([
        ...common,
        "--identity",
        `${dir}/c.json`,
        "--chain",
        "TEZOS_ELSEWHERE",
        "--peer",
        String(listening.point),
      ]);
      const cListening = await c.listening();
      const refused = await a.waitFor(
        "refusal of c",
        (e) => e.event === "handshake_refused" && e.peer_id === cListening.peer_id,
      );
      assert.equal(refused.by, "local");
      assert.equal(refused.motive, "Unknown_chain_name");
      assert.equal(refused.direction, "incoming");
      const told = await c.waitFor(
        "refusal by a",
        (e) => e.event === "handshake_refused" && e.peer_id === listening.peer_id,
      );
      // c does not know a's chain either: both ends send a Nack (Octez checks the version on each
      // side, src/lib_p2p/p2p_connect_handler.ml 378-383), so c reports its own refusal.
      assert.equal(told.motive, "Unknown_chain_name");
      assert.equal(told.direction, "outgoing");

      for (const node of [a, b, c]) {
        assert.equal(await node.stop(), 0, node.stderr);
        assert.ok(!node.events.some((e) => e.event === "not_json"));
      }
    } finally {
      for (const node of [a, b, c]) await node?.dispose();
    }
  });
});

// Network profiles over real TCP on loopback: a `shell` node against a peer that follows Octez's
// L1 rules (tests/support/octez_shell_peer.ts, written from Octez, not from lib/node), the
// default proof-of-work requirement, the spacing of Swap_requests, and the profiles' values.

import assert from "node:assert/strict";
import { isP2pError } from "../../lib/connection/mod.ts";
import { RejectionMotive } from "../../lib/base/rejection.ts";
import {
  checkProofOfWork,
  generateIdentitySync,
  type Identity,
  makePowTarget,
  peerIdToString,
} from "../../lib/crypto/mod.ts";
import {
  createNode,
  createShellNode,
  dalProfile,
  DEFAULT_CHAIN_NAME,
  isNodeError,
  type NodeEvent,
  type ShellNodeOptions,
  shellProfile,
} from "../../lib/node/mod.ts";
import { SWAP_REQUEST_SPACING_MS } from "../../lib/node/maintenance.ts";
import { OctezShellListener, OctezShellPeer } from "../support/octez_shell_peer.ts";
import { encodeShellMessage } from "../../gen/shell.ts";
import { freePort, testNode } from "./helpers.ts";
import { sleep, waitFor } from "../support/async.ts";
import { Inbox, rawPeer } from "./raw_peer.ts";

const MAINNET = "TEZOS_MAINNET";
// Ghostnet's chain name (src/lib_node_config/config_file.ml).
const GHOSTNET = "TEZOS_ITHACANET_2022-01-25T15:00:00Z";
// A Get_current_branch body: mainnet's chain id NetXdQprcVkpaWU (4 bytes).
const GET_CURRENT_BRANCH = 0x10;
const MAINNET_CHAIN_ID = Uint8Array.of(0x7a, 0x06, 0xa7, 0x70);
// A Get_block_headers body (tag 0x20): a 4-byte list length, then 32-byte hashes.
const GET_BLOCK_HEADERS = 0x20;
const getBlockHeadersBody = (hashes: Uint8Array[]) => {
  const body = new Uint8Array(4 + 32 * hashes.length);
  new DataView(body.buffer).setUint32(0, 32 * hashes.length);
  hashes.forEach((h, i) => body.set(h, 4 + 32 * i));
  return body;
};

function shellOptions(events: NodeEvent[], extra: ShellNodeOptions = {}): ShellNodeOptions {
  return {
    identity: generateIdentitySync(2),
    expectedPow: 2,
    onEvent: (e) => events.push(e),
    ...extra,
  };
}

function established(events: NodeEvent[], peer: Identity) {
  const id = peerIdToString(peer.peerId);
  return events.find((e) => e.event === "connection_established" && e.peerId === id);
}

Deno.test("an Octez-style L1 peer dials a shell node: metadata, version (2, 1) and shell messages both ways", async () => {
  const events: NodeEvent[] = [];
  // The node announces private_node, the peer disable_mempool: each side must read the other's.
  const node = await createShellNode(shellOptions(events, { privateNode: true }));
  const identity = generateIdentitySync(2);
  const peer = await OctezShellPeer.dial(node.listeningPoint!, {
    identity,
    expectedPow: 2,
    metadata: { disableMempool: true, privateNode: false },
  });
  const messages = node.messages.getReader();
  try {
    assert.deepEqual(peer.remoteMetadata, { disableMempool: false, privateNode: true });
    assert.equal(peer.connection.privateNode, true);
    const version = { chainName: MAINNET, distributedDbVersion: 2, p2pVersion: 1 };
    assert.deepEqual(peer.connection.info.announcedVersion, version);
    assert.deepEqual(peer.connection.version, version);

    await waitFor("connection_established", () => established(events, identity) !== undefined);
    const event = established(events, identity);
    assert.ok(event?.event === "connection_established");
    assert.equal(event.direction, "incoming");
    assert.deepEqual(event.metadata, { disableMempool: true, privateNode: false });

    const hashes = [1, 2, 3].map(() => crypto.getRandomValues(new Uint8Array(32)));
    await peer.send(GET_CURRENT_BRANCH, MAINNET_CHAIN_ID);
    await peer.send(GET_BLOCK_HEADERS, getBlockHeadersBody(hashes));
    const first = await messages.read();
    const second = await messages.read();
    assert.deepEqual(first.value, {
      peerId: identity.peerId,
      message: { kind: "GetCurrentBranch", chainId: MAINNET_CHAIN_ID },
    });
    assert.deepEqual(second.value?.message, { kind: "GetBlockHeaders", hashes });

    assert.equal(
      node.send(identity.peerId, { kind: "GetCurrentHead", chainId: MAINNET_CHAIN_ID }),
      true,
    );
    await waitFor("the node's message at the peer", () => peer.received.length === 1);
    assert.equal(peer.received[0].tag, 0x13);
    assert.deepEqual(peer.received[0].body, MAINNET_CHAIN_ID);
  } finally {
    messages.releaseLock();
    await peer.close();
    await node.close();
  }
});

Deno.test("a shell node dials an Octez-style L1 peer: metadata, version (2, 1) and shell messages both ways", async () => {
  const events: NodeEvent[] = [];
  const node = await createShellNode(shellOptions(events, { disableMempool: true }));
  const identity = generateIdentitySync(2);
  const listener = new OctezShellListener({
    identity,
    expectedPow: 2,
    metadata: { disableMempool: false, privateNode: true },
  });
  let peer: OctezShellPeer | undefined;
  const messages = node.messages.getReader();
  try {
    const [info, accepted] = await Promise.all([node.connect(listener.point), listener.accept()]);
    peer = accepted;
    assert.equal(info.id, peerIdToString(identity.peerId));
    assert.equal(info.incoming, false);
    assert.deepEqual(peer.remoteMetadata, { disableMempool: true, privateNode: false });
    const version = { chainName: MAINNET, distributedDbVersion: 2, p2pVersion: 1 };
    assert.deepEqual(peer.connection.info.announcedVersion, version);
    assert.deepEqual(peer.connection.version, version);

    const event = established(events, identity);
    assert.ok(event?.event === "connection_established");
    assert.equal(event.direction, "outgoing");
    assert.deepEqual(event.metadata, { disableMempool: false, privateNode: true });

    await peer.send(GET_CURRENT_BRANCH, MAINNET_CHAIN_ID);
    const { value } = await messages.read();
    assert.deepEqual(value?.message, { kind: "GetCurrentBranch", chainId: MAINNET_CHAIN_ID });

    const deactivate = { kind: "Deactivate", chainId: MAINNET_CHAIN_ID } as const;
    assert.equal(node.send(identity.peerId, deactivate), true);
    await waitFor("the node's message at the peer", () => peer!.received.length === 1);
    // The peer reads the bytes alone: tag then body, as the generated codec writes them.
    const bytes = encodeShellMessage(deactivate);
    assert.equal(peer.received[0].tag, 0x12);
    assert.deepEqual(peer.received[0].body, bytes.subarray(2));
    assert.deepEqual(peer.received[0].body, MAINNET_CHAIN_ID);
  } finally {
    messages.releaseLock();
    await peer?.close();
    listener.close();
    await node.close();
  }
});

Deno.test("a shell node answers a peer of another chain with a Nack Unknown_chain_name, both directions", async () => {
  const events: NodeEvent[] = [];
  const node = await createShellNode(shellOptions(events));
  const identity = generateIdentitySync(2);
  const id = peerIdToString(identity.peerId);
  const listener = new OctezShellListener({ identity, expectedPow: 2, chainName: GHOSTNET });
  const refusedBy = (direction: string) =>
    events.find((e) =>
      e.event === "handshake_refused" && e.peerId === id && e.direction === direction
    );
  try {
    // The peer dials.
    await assert.rejects(
      OctezShellPeer.dial(node.listeningPoint!, { identity, expectedPow: 2, chainName: GHOSTNET }),
      (e) =>
        isP2pError(e, "rejected_by_nack") && e.details.motive === RejectionMotive.UnknownChainName,
    );
    await waitFor("handshake_refused (incoming)", () => refusedBy("incoming") !== undefined);
    const incoming = refusedBy("incoming");
    assert.ok(incoming?.event === "handshake_refused");
    assert.equal(incoming.by, "local");
    assert.equal(incoming.motive, "Unknown_chain_name");

    // The node dials.
    const [dialled, accepted] = await Promise.allSettled([
      node.connect(listener.point),
      listener.accept(),
    ]);
    assert.equal(dialled.status, "rejected");
    assert.ok(isNodeError(dialled.reason, "dial_failed"));
    assert.equal(accepted.status, "rejected");
    assert.ok(
      isP2pError(accepted.reason, "rejected_by_nack") &&
        accepted.reason.details.motive === RejectionMotive.UnknownChainName,
    );
    const outgoing = refusedBy("outgoing");
    assert.ok(outgoing?.event === "handshake_refused");
    assert.equal(outgoing.by, "local");
    assert.equal(outgoing.motive, "Unknown_chain_name");
    assert.equal(node.peers().length, 0);
    assert.equal(established(events, identity), undefined);
  } finally {
    listener.close();
    await node.close();
  }
});

// An identity of difficulty 0 whose stamp fails the target of difficulty 26 (almost every one
// does: a random stamp reaches it with probability 2^-26).
function identityFailing26(): Identity {
  const target = makePowTarget(26);
  for (;;) {
    const identity = generateIdentitySync(0);
    if (!checkProofOfWork(identity.publicKey, identity.proofOfWorkStamp, target)) return identity;
  }
}

Deno.test("a node with the default expected PoW (26) refuses a peer of PoW 0, both directions", async () => {
  const events: NodeEvent[] = [];
  // The node's own identity needs no PoW for this test: it checks the remote's, not its own.
  const node = await createNode({
    identity: generateIdentitySync(0),
    connections: { minConnections: 0, expectedConnections: 0, maxConnections: 8 },
    onEvent: (e) => events.push(e),
  });
  // Control: a node that expects no PoW accepts the same peer, so the refusal is the PoW's doing.
  const lenient = await createNode({
    identity: generateIdentitySync(0),
    expectedPow: 0,
    connections: { minConnections: 0, expectedConnections: 0, maxConnections: 8 },
  });
  const weak = identityFailing26();
  const id = peerIdToString(weak.peerId);
  const options = { identity: weak, chainName: DEFAULT_CHAIN_NAME, expectedPow: 0 };
  // The refused dial below greylists 127.0.0.1 (Octez greylists an address that fails the PoW
  // check): the node's own dial goes to another loopback address.
  const listener = new OctezShellListener({ ...options, hostname: "127.0.0.3" });
  const failed = (direction: string) =>
    events.find((e) => e.event === "handshake_failed" && e.direction === direction);
  try {
    assert.equal(node.profile.expectedPow, 26);

    // The peer dials: the node drops it after the connection messages.
    await assert.rejects(
      OctezShellPeer.dial(node.listeningPoint!, options),
      (e) =>
        isP2pError(e, "not_enough_proof_of_work") || isP2pError(e, "connection_closed") ||
        isP2pError(e, "rejected_socket_connection"),
    );
    await waitFor("handshake_failed (incoming)", () => failed("incoming") !== undefined);
    const incoming = failed("incoming");
    assert.ok(incoming?.event === "handshake_failed");
    assert.equal(incoming.error, "Not_enough_proof_of_work");
    assert.equal(incoming.peerId, id);
    assert.deepEqual(node.acl.greylistedIps(), ["127.0.0.1"]);

    // The node dials the peer.
    const [dialled, accepted] = await Promise.allSettled([
      node.connect(listener.point),
      listener.accept(),
    ]);
    assert.equal(dialled.status, "rejected");
    assert.ok(isNodeError(dialled.reason, "dial_failed"));
    assert.ok(isP2pError(dialled.reason.cause, "not_enough_proof_of_work"));
    assert.equal(accepted.status, "rejected");
    const outgoing = failed("outgoing");
    assert.ok(outgoing?.event === "handshake_failed");
    assert.equal(outgoing.error, "Not_enough_proof_of_work");
    assert.equal(node.peers().length, 0);

    const welcome = await OctezShellPeer.dial(lenient.listeningPoint!, options);
    assert.equal(lenient.peers().length, 1);
    await welcome.close();
  } finally {
    listener.close();
    await Promise.all([node.close(), lenient.close()]);
  }
});

Deno.test("a node swapping as often as it may never sends two Swap_requests on one connection", async () => {
  // Three raw peers keep the count (3) between the thresholds (0 and 6): every 50 ms round
  // tries a swap, and no swap lingers (no Swap_ack ever comes back).
  const node = await testNode({
    connections: { minConnections: 0, expectedConnections: 0, maxConnections: 8 },
    swapLingerMs: 0,
    maintenanceMs: 50,
  });
  const conns = [];
  const inboxes = [];
  try {
    for (let i = 0; i < 3; i++) {
      // A listening port makes the peer a point the node can propose to the others.
      const conn = await rawPeer(node.listeningPoint!, { listeningPort: freePort() });
      conns.push(conn);
      inboxes.push(new Inbox(conn));
    }
    await sleep(2_000);
    const maintenance = node.stats().maintenance;
    assert.ok(maintenance.rounds >= 10, `only ${maintenance.rounds} maintenance rounds`);
    const requests = inboxes.map((inbox) =>
      inbox.items.filter((m) => m.kind === "SwapRequest").length
    );
    const total = requests.reduce((a, b) => a + b, 0);
    assert.ok(total >= 1, "no Swap_request was sent at all");
    assert.equal(total, maintenance.swapRequestsSent);
    for (const [i, n] of requests.entries()) {
      assert.ok(n <= 1, `peer ${i} received ${n} Swap_requests within 2 s`);
    }
  } finally {
    await Promise.all(conns.map((c) => c.close()));
    await Promise.all(inboxes.map((inbox) => inbox.done));
    await node.close();
  }
});

Deno.test("the shell and dal profiles carry Octez's values", () => {
  const shell = shellProfile();
  const dal = dalProfile(MAINNET);
  const rows: [string, unknown, unknown][] = [
    // src/lib_node_config/config_file.ml 440; distributed_db_message.ml 399; p2p_version.ml 45
    ["shell chain", shell.chainName, MAINNET],
    ["shell ddb versions", shell.distributedDbVersions, [0, 1, 2]],
    ["shell p2p versions", shell.p2pVersions, [0, 1]],
    ["shell pow", shell.expectedPow, 26],
    // src/lib_p2p_services/point_reconnection_config.ml: ×1.2 from 1 s up to 2 days, 60 s
    ["shell reconnection", shell.reconnection, {
      initialDelayMs: 1_000,
      factor: 1.2,
      maxDelayMs: 172_800_000,
      afterDisconnectionMs: 60_000,
    }],
    ["shell discovery", shell.peerDiscovery, true],
    ["shell swap linger", shell.swapLingerMs, 30_000],
    ["shell connections", shell.connections, {
      minConnections: 10,
      expectedConnections: 50,
      maxConnections: 100,
    }],
    // src/lib_dal_node/l1_helpers.ml 82; transport_layer_interface.ml 219-221
    ["dal chain", dal.chainName, "DAL_TEZOS_MAINNET"],
    ["dal ddb versions", dal.distributedDbVersions, [0]],
    ["dal p2p versions", dal.p2pVersions, [0, 1]],
    // gossipsub/transport_layer_default_parameters.ml 86-100
    ["dal pow", dal.expectedPow, 26],
    ["dal reconnection", dal.reconnection, {
      initialDelayMs: 1_000,
      factor: 1.05,
      maxDelayMs: 60_000,
      afterDisconnectionMs: 5_000,
    }],
    ["dal discovery", dal.peerDiscovery, false],
    ["dal swap linger", dal.swapLingerMs, null],
    ["dal maintenance", dal.maintenanceMs, null],
    ["dal connections", dal.connections, {
      minConnections: 10,
      expectedConnections: 400,
      maxConnections: 800,
    }],
    ["dal incoming handshakes", dal.maxIncomingHandshakes, 160],
    // configuration_file.ml 208; gs_default_parameters.ml 143-145
    ["dal batch window", dal.batchValidationMs, 100],
    ["dal ping", dal.pingIntervalMs, 45_000],
    ["dal trusted points", dal.trustConfiguredPoints, true],
    // src/lib_p2p/p2p_protocol.ml 135: Swap_request throttled at 60 s per connection
    ["swap request spacing", SWAP_REQUEST_SPACING_MS, 60_000],
  ];
  for (const [name, actual, expected] of rows) assert.deepEqual(actual, expected, name);
  assert.equal(dalProfile(GHOSTNET).chainName, `DAL_${GHOSTNET}`);
});

import assert from "node:assert/strict";
import { vectors } from "../support/vectors.ts";
import {
  DecodeError,
  fromHex,
  rawAppCodec,
  type RawAppMessage,
  Reader,
  toHex,
} from "../../lib/encoding/mod.ts";
import { makePointId, parsePointId, pointIdToString } from "../../lib/base/point_id.ts";
import { rejectionMotiveName } from "../../lib/base/rejection.ts";
import {
  type ConnectionMessage,
  decodeAckMessage,
  decodeConnectionMessage,
  decodeConnectionMetadata,
  encodeAckMessage,
  encodeConnectionMessage,
  encodeConnectionMetadata,
} from "../../gen/connection.ts";
import {
  decodeNetworkVersion,
  decodePoint,
  encodeNetworkVersion,
  encodePoint,
  readPeerId,
  readPoint,
} from "../../gen/base.ts";
import { decodeP2pMessage, encodeP2pMessage, type P2pMessage } from "../../gen/p2p_message.ts";

function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw new Error(`expected a DecodeError, got ${e}`);
  }
  throw new Error("expected a DecodeError, decoding succeeded");
}

for (const v of vectors("connection_message")) {
  Deno.test(`connection_message vector: ${v.name}`, () => {
    const frame = v.hex_includes_2_byte_length_prefix
      ? fromHex(v.hex!)
      : fromHex(v.expected.body_length.toString(16).padStart(4, "0") + v.hex);
    const m = decodeConnectionMessage(frame);
    const f = v.expected.fields;
    assert.equal(frame.length - 2, v.expected.body_length);
    assert.equal(m.port, f.port);
    assert.equal(toHex(m.publicKey), f.public_key);
    assert.equal(toHex(m.proofOfWorkStamp), f.proof_of_work_stamp);
    assert.equal(toHex(m.messageNonce), f.message_nonce);
    assert.deepEqual(m.version, {
      chainName: f.version.chain_name,
      distributedDbVersion: f.version.distributed_db_version,
      p2pVersion: f.version.p2p_version,
    });
    const rebuilt: ConnectionMessage = {
      port: f.port,
      publicKey: fromHex(f.public_key),
      proofOfWorkStamp: fromHex(f.proof_of_work_stamp),
      messageNonce: fromHex(f.message_nonce),
      version: m.version,
    };
    assert.equal(toHex(encodeConnectionMessage(rebuilt)), toHex(frame));
  });
}

for (const v of vectors("network_version")) {
  Deno.test(`network_version vector: ${v.name}`, () => {
    const nv = decodeNetworkVersion(fromHex(v.hex!));
    const expected = {
      chainName: v.expected.chain_name,
      distributedDbVersion: v.expected.distributed_db_version,
      p2pVersion: v.expected.p2p_version,
    };
    assert.deepEqual(nv, expected);
    assert.equal(toHex(encodeNetworkVersion(expected)), v.hex);
  });
}

for (const v of vectors("metadata")) {
  Deno.test(`metadata vector: ${v.name}`, () => {
    const expected = {
      disableMempool: v.expected.disable_mempool,
      privateNode: v.expected.private_node,
    };
    assert.deepEqual(decodeConnectionMetadata(fromHex(v.hex!)), expected);
    assert.equal(toHex(encodeConnectionMetadata(expected)), v.hex);
  });
}

/** Plaintext Ack/Nack vectors (the encrypted Nack chunk is the connection layer's). */
const ackVectors = [...vectors("ack"), ...vectors("nack")].filter((v) => !v.inputs?.channel_key);
for (const v of ackVectors) {
  Deno.test(`${v.kind} vector: ${v.name}`, () => {
    const bytes = fromHex(v.hex!);
    if (typeof v.expected === "object" && "error" in v.expected) {
      const e = decodeError(() => decodeAckMessage(bytes));
      const wanted = /Unexpected_tag/.test(v.expected.error) ? "unexpected_tag" : "extra_bytes";
      assert.equal(e.kind, wanted);
      return;
    }
    const m = decodeAckMessage(bytes);
    if (v.expected === "Ack") assert.deepEqual(m, { kind: "Ack" });
    else if (v.expected === "Nack_v_0") assert.deepEqual(m, { kind: "NackV0" });
    else {
      const n = v.expected.Nack;
      assert.equal(m.kind, "Nack");
      if (m.kind !== "Nack") return;
      assert.equal(m.motive, n.motive_code);
      assert.equal(rejectionMotiveName(m.motive), n.motive);
      assert.deepEqual(m.alternativePoints.map(pointIdToString), n.potential_peers_to_connect);
    }
    assert.equal(toHex(encodeAckMessage(m)), v.hex);
  });
}

const P2P_ERROR_KINDS: Record<string, DecodeError["kind"]> = {
  "P2P empty dynamic block": "not_enough_data",
  "P2P two messages inside one size prefix": "extra_bytes",
  "P2P unknown tag": "unexpected_tag",
  "P2P size prefix above 100 MiB - 4": "size_limit_exceeded",
};

/** Octez's shell tags, used to check the application message vector with a raw codec. */
const DDB_TITLES: Record<number, string> = { 0x10: "Get_current_branch" };

/** For the unknown-tag vector, only P2P tags are known: an app codec that knows no tag. */
const noApp = {
  tags: [],
  sizeOf: (): number => 0,
  write: (): void => {},
  read: (r: Reader, tag: number): never => {
    throw r.error("unexpected_tag", `tag ${tag}`, r.pos - 2);
  },
};

for (const v of vectors("p2p_message")) {
  Deno.test(`p2p_message vector: ${v.name}`, () => {
    const bytes = fromHex(v.hex!);
    if (v.name.startsWith("Swap body")) {
      // Bodies only (no length or tag): a point then a peer id.
      const r = new Reader(bytes);
      if (v.expected.error) {
        assert.equal(decodeError(() => readPoint(r)).kind, "size_limit_exceeded");
      } else {
        // Structurally at the limit, but "xxx…" is no IP address: Octez rejects it too.
        assert.equal(decodeError(() => readPoint(r)).kind, "invalid_point");
        const r2 = new Reader(bytes, 4 + 47);
        assert.equal(toHex(readPeerId(r2)), "79".repeat(16));
      }
      return;
    }
    if (v.expected.error) {
      const kind = P2P_ERROR_KINDS[v.name];
      assert.ok(kind, `no expected kind for ${v.name}`);
      assert.equal(decodeError(() => decodeP2pMessage(bytes, noApp)).kind, kind);
      return;
    }
    const m = decodeP2pMessage<RawAppMessage>(bytes, rawAppCodec);
    const e = v.expected;
    let expected: P2pMessage<RawAppMessage>;
    if (e === "Bootstrap" || e === "Disconnect") expected = { kind: e };
    else if (e.Advertise) {
      assert.equal(m.kind, "Advertise");
      if (m.kind === "Advertise") assert.deepEqual(m.points.map(pointIdToString), e.Advertise);
      expected = { kind: "Advertise", points: e.Advertise.map(parsePointId) };
    } else if (e.Swap_request || e.Swap_ack) {
      const s = e.Swap_request ?? e.Swap_ack;
      expected = {
        kind: e.Swap_request ? "SwapRequest" : "SwapAck",
        point: parsePointId(s.point),
        peerId: fromHex(s.peer_id_hex),
      };
    } else {
      expected = {
        kind: "Message",
        message: { kind: "Raw", tag: e.Message.app_tag, body: fromHex(e.Message.body_hex) },
      };
      assert.equal(DDB_TITLES[e.Message.app_tag], e.Message.title);
    }
    assert.deepEqual(m, expected);
    assert.equal(toHex(encodeP2pMessage(expected, rawAppCodec)), v.hex);
  });
}

for (const v of vectors("point_id")) {
  Deno.test(`point_id vector: ${v.name}`, () => {
    const bytes = fromHex(v.hex!);
    if (v.inputs.ipv6_address !== undefined) {
      const p = makePointId(v.inputs.ipv6_address, v.inputs.port);
      assert.equal(pointIdToString(p), v.expected.text);
      assert.equal(v.expected.text.length, v.expected.text_length);
      assert.equal(toHex(encodePoint(p)), v.hex);
      assert.deepEqual(decodePoint(bytes), p);
      return;
    }
    if (v.expected.error) {
      assert.equal(decodeError(() => decodePoint(bytes)).kind, "invalid_point");
      return;
    }
    const p = decodePoint(bytes);
    assert.deepEqual(p, makePointId(v.expected.addr, v.expected.port));
    // Non-canonical text re-encodes canonically.
    const canonical = pointIdToString(p);
    assert.equal(toHex(encodePoint(p)), toHex(encodePoint(parsePointId(canonical))));
    if (canonical === v.inputs.text) assert.equal(toHex(encodePoint(p)), v.hex);
  });
}

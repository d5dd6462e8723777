import assert from "node:assert/strict";
import fc from "fast-check";
import { DecodeError, EncodeError, fromHex, rawAppCodec, toHex } from "../../lib/encoding/mod.ts";
import { makePointId } from "../../lib/base/point_id.ts";
import { makePowTarget } from "../../lib/crypto/mod.ts";
import {
  accept,
  authenticate,
  type AuthenticatedConnection,
  type DalConnectionMetadata,
  dalMetadataCodec,
  isP2pError,
  type MetadataCodec,
  OCTEZ_MAINNET_VERSIONS,
  p2pAddrOfOctets,
  p2pAddrToOctets,
  P2pError,
  shellMetadataCodec,
} from "../../lib/connection/mod.ts";
import { freshIdentity, memoryPipe } from "./helpers.ts";

// The DAL node's metadata, byte for byte (Octez src/lib_dal_node_services/types.ml 655-680):
//   [00 | FF ‖ len(4) = 16 ‖ addr(16)] ‖ [00 | FF ‖ port(2, BE)] ‖ is_bootstrap_peer(1)
const DAL_VECTORS: [string, DalConnectionMetadata, string][] = [
  [
    "no address, port 11732, not a bootstrap peer",
    { advertisedNetPort: 11732, isBootstrapPeer: false },
    "00ff2dd400",
  ],
  ["nothing advertised, a bootstrap peer", { isBootstrapPeer: true }, "0000ff"],
  [
    "an IPv6 address, port 11732, a bootstrap peer",
    { advertisedNetAddr: "2001:db8::1", advertisedNetPort: 11732, isBootstrapPeer: true },
    "ff" + "00000010" + "20010db8000000000000000000000001" + "ff2dd4" + "ff",
  ],
  [
    "an IPv4 address (IPv4-mapped on the wire), no port",
    { advertisedNetAddr: "192.168.1.10", isBootstrapPeer: false },
    "ff" + "00000010" + "00000000000000000000ffffc0a8010a" + "00" + "00",
  ],
];

/** Decoded metadata without the keys of absent optional fields. */
function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<
    T
  >;
}

for (const [name, metadata, hex] of DAL_VECTORS) {
  Deno.test(`DAL metadata: ${name} is ${hex}`, () => {
    assert.equal(toHex(dalMetadataCodec.encode(metadata)), hex);
    assert.deepEqual(defined(dalMetadataCodec.decode(fromHex(hex))), metadata);
  });
}

Deno.test("DAL metadata: addresses decode to their canonical text", () => {
  const encoded = dalMetadataCodec.encode({
    advertisedNetAddr: "[2001:DB8:0:0:0:0:0:1]",
    isBootstrapPeer: false,
  });
  assert.equal(dalMetadataCodec.decode(encoded).advertisedNetAddr, "2001:db8::1");
  assert.equal(p2pAddrOfOctets(p2pAddrToOctets("::ffff:10.0.0.1")), "10.0.0.1");
  assert.equal(p2pAddrOfOctets(new Uint8Array(16)), "::");
});

Deno.test("DAL metadata: any non-zero presence or boolean byte reads as set", () => {
  assert.deepEqual(defined(dalMetadataCodec.decode(fromHex("00012dd401"))), {
    advertisedNetPort: 11732,
    isBootstrapPeer: true,
  });
});

Deno.test("DAL metadata: an address string longer than 16 bytes keeps its first 16, as ocaml-ipaddr", () => {
  const hex = "ff" + "00000011" + "20010db8000000000000000000000001" + "ee" + "00" + "00";
  assert.equal(dalMetadataCodec.decode(fromHex(hex)).advertisedNetAddr, "2001:db8::1");
});

Deno.test("DAL metadata: malformed bytes are DecodeErrors of the right kind", () => {
  const cases: [string, string, string][] = [
    ["empty", "", "not_enough_data"],
    ["no bootstrap flag", "00ff2dd4", "not_enough_data"],
    ["a trailing byte", "00ff2dd40000", "extra_bytes"],
    ["the shell's two bytes", "0000", "not_enough_data"],
    ["a 15-byte address", "ff0000000f" + "00".repeat(15) + "0000", "invalid_conversion"],
    ["an address length beyond the input", "ff00000010" + "00".repeat(8), "not_enough_data"],
    ["an address length over 2^30", "ffffffffff" + "00".repeat(18), "invalid_int"],
  ];
  for (const [name, hex, kind] of cases) {
    assert.throws(
      () => dalMetadataCodec.decode(fromHex(hex)),
      (e) => e instanceof DecodeError && e.kind === kind,
      name,
    );
  }
});

Deno.test("DAL metadata: a bad address or port does not encode", () => {
  assert.throws(
    () => dalMetadataCodec.encode({ advertisedNetAddr: "example.com", isBootstrapPeer: false }),
    (e) => e instanceof EncodeError && e.kind === "invalid_conversion",
  );
  assert.throws(
    () => dalMetadataCodec.encode({ advertisedNetPort: 65536, isBootstrapPeer: false }),
    EncodeError,
  );
});

const dalMetadata: fc.Arbitrary<DalConnectionMetadata> = fc.record({
  advertisedNetAddr: fc.option(fc.uint8Array({ minLength: 16, maxLength: 16 }), {
    nil: undefined,
  }).map((bytes) => bytes && p2pAddrOfOctets(bytes)),
  advertisedNetPort: fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }),
  isBootstrapPeer: fc.boolean(),
});

Deno.test("DAL metadata round-trips, and its size is 3, 5, 23 or 25 bytes", () => {
  fc.assert(fc.property(dalMetadata, (metadata) => {
    const bytes = dalMetadataCodec.encode(metadata);
    assert.equal(
      bytes.length,
      3 + (metadata.advertisedNetAddr === undefined ? 0 : 20) +
        (metadata.advertisedNetPort === undefined ? 0 : 2),
    );
    assert.deepEqual(defined(dalMetadataCodec.decode(bytes)), defined(metadata));
  }));
});

Deno.test("DAL metadata: random bytes decode or throw a DecodeError, nothing else", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
    try {
      dalMetadataCodec.decode(bytes);
    } catch (e) {
      assert.ok(e instanceof DecodeError, String(e));
    }
  }));
});

Deno.test("shell metadata is two booleans, and its private flag is its privateNode field", () => {
  assert.equal(
    toHex(shellMetadataCodec.encode({ disableMempool: false, privateNode: false })),
    "0000",
  );
  assert.equal(
    toHex(shellMetadataCodec.encode({ disableMempool: true, privateNode: true })),
    "ffff",
  );
  assert.equal(shellMetadataCodec.privateNode(shellMetadataCodec.decode(fromHex("0001"))), true);
  assert.equal(shellMetadataCodec.privateNode(shellMetadataCodec.decode(fromHex("ff00"))), false);
  assert.throws(() => shellMetadataCodec.decode(fromHex("00ff2dd400")), DecodeError);
});

Deno.test("a DAL node is never a private node", () => {
  fc.assert(fc.property(dalMetadata, (m) => !dalMetadataCodec.privateNode(m)));
});

// Over real TCP on 127.0.0.1: the client and the server authenticate with their own metadata.
interface End<Meta> {
  readonly metadata: Meta;
  readonly metadataCodec: MetadataCodec<Meta>;
}

async function tcpHandshake<A, B>(
  client: End<A>,
  server: End<B>,
): Promise<
  [
    PromiseSettledResult<AuthenticatedConnection<A>>,
    PromiseSettledResult<AuthenticatedConnection<B>>,
  ]
> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const { port } = listener.addr as Deno.NetAddr;
    const [serverConn, clientConn] = await Promise.all([
      listener.accept(),
      Deno.connect({ hostname: "127.0.0.1", port }),
    ]);
    const common = {
      powTarget: makePowTarget(0),
      versions: OCTEZ_MAINNET_VERSIONS,
      timeoutMs: 5_000,
    };
    return await Promise.all([
      authenticate(clientConn, {
        ...common,
        ...client,
        identity: freshIdentity(),
        incoming: false,
        remotePoint: makePointId("127.0.0.1", port),
        listeningPort: 19732,
      }).then(
        (value) => ({ status: "fulfilled", value }) as const,
        (reason) => ({ status: "rejected", reason }) as const,
      ),
      authenticate(serverConn, {
        ...common,
        ...server,
        identity: freshIdentity(),
        incoming: true,
        listeningPort: port,
      }).then(
        (value) => ({ status: "fulfilled", value }) as const,
        (reason) => ({ status: "rejected", reason }) as const,
      ),
    ]);
  } finally {
    listener.close();
  }
}

function fulfilled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === "rejected") throw result.reason;
  return result.value;
}

function rejected(result: PromiseSettledResult<unknown>): P2pError {
  assert.equal(result.status, "rejected");
  const reason = (result as PromiseRejectedResult).reason;
  assert.ok(reason instanceof P2pError, String(reason));
  return reason;
}

const dal = (metadata: DalConnectionMetadata): End<DalConnectionMetadata> => ({
  metadata,
  metadataCodec: dalMetadataCodec,
});

Deno.test("two DAL ends authenticate over TCP and each sees the other's DAL metadata", async () => {
  const clientMeta = {
    advertisedNetAddr: "203.0.113.7",
    advertisedNetPort: 11732,
    isBootstrapPeer: false,
  };
  const serverMeta = { advertisedNetAddr: "2001:db8::42", isBootstrapPeer: true };
  const [c, s] = await tcpHandshake(dal(clientMeta), dal(serverMeta));
  const [client, server] = await Promise.all([
    accept(fulfilled(c), rawAppCodec),
    accept(fulfilled(s), rawAppCodec),
  ]);
  try {
    assert.deepEqual(defined(client.remoteMetadata), serverMeta);
    assert.deepEqual(defined(server.remoteMetadata), clientMeta);
    assert.deepEqual(client.localMetadata, clientMeta);
    assert.equal(server.remoteMetadata.advertisedNetPort, 11732);
    assert.equal(client.privateNode, false);
    assert.equal(server.info.privateNode, false);
    await client.write({ kind: "Bootstrap" });
    assert.equal((await server.read()).message.kind, "Bootstrap");
  } finally {
    await Promise.all([client.close(), server.close()]);
  }
});

Deno.test("DAL metadata against a shell end: each side fails to decode the other's with decoding_error", async () => {
  const [c, s] = await tcpHandshake(
    dal({ advertisedNetPort: 11732, isBootstrapPeer: false }),
    { metadata: { disableMempool: false, privateNode: false }, metadataCodec: shellMetadataCodec },
  );
  // The shell end reads 00 FF 2D D4 00: two booleans and three bytes too many (Octez Extra_bytes).
  const atShell = rejected(s);
  assert.equal(atShell.kind, "decoding_error");
  assert.equal(atShell.details.codecError?.kind, "extra_bytes");
  assert.match(atShell.message, /shell metadata/);
  // The DAL end reads 00 00: no address, no port, and no bootstrap flag.
  const atDal = rejected(c);
  assert.equal(atDal.kind, "decoding_error");
  assert.equal(atDal.details.codecError?.kind, "not_enough_data");
  assert.match(atDal.message, /dal metadata/);
});

Deno.test("garbage metadata fails only at the end that decodes it, which closes", async () => {
  const garbage: MetadataCodec<DalConnectionMetadata> = {
    ...dalMetadataCodec,
    name: "garbage",
    encode: () => fromHex("ff00000003010203"), // a 3-byte address, then nothing
  };
  const [c, s] = await tcpHandshake(
    { metadata: { isBootstrapPeer: false }, metadataCodec: garbage },
    dal({ isBootstrapPeer: true }),
  );
  const atServer = rejected(s);
  assert.equal(atServer.kind, "decoding_error");
  assert.equal(atServer.details.codecError?.kind, "invalid_conversion");
  // The sender decoded valid metadata: it is authenticated, and learns of the refusal at Ack time.
  const client = fulfilled(c);
  assert.deepEqual(defined(client.remoteMetadata), { isBootstrapPeer: true });
  await assert.rejects(
    accept(client, rawAppCodec, { timeoutMs: 5_000 }),
    (e) => isP2pError(e, "rejected_socket_connection"),
  );
});

Deno.test("a codec that throws anything while decoding gives decoding_error with that cause", async () => {
  const cause = new TypeError("not my format");
  const throwing: MetadataCodec<DalConnectionMetadata> = {
    ...dalMetadataCodec,
    name: "picky",
    decode: () => {
      throw cause;
    },
  };
  const [c, s] = await tcpHandshake(dal({ isBootstrapPeer: false }), {
    metadata: { isBootstrapPeer: false },
    metadataCodec: throwing,
  });
  const atServer = rejected(s);
  assert.equal(atServer.kind, "decoding_error");
  assert.equal(atServer.cause, cause);
  assert.match(atServer.message, /malformed picky metadata: not my format/);
  fulfilled(c).close();
});

Deno.test("metadata that cannot be encoded is encoding_error, and nothing is sent", async () => {
  const [stream] = memoryPipe();
  await assert.rejects(
    authenticate(stream, {
      identity: freshIdentity(),
      powTarget: makePowTarget(0),
      incoming: false,
      versions: OCTEZ_MAINNET_VERSIONS,
      metadata: { advertisedNetAddr: "not an address", isBootstrapPeer: false },
      metadataCodec: dalMetadataCodec,
      timeoutMs: 1_000,
    }),
    (e) => isP2pError(e, "encoding_error") && e.details.codecError?.kind === "invalid_conversion",
  );
  assert.deepEqual(stream.written, []);
});

Deno.test("the private flag comes from the codec, not from a field name", async () => {
  // An application whose codec calls a bootstrap peer private.
  const bootstrapIsPrivate: MetadataCodec<DalConnectionMetadata> = {
    ...dalMetadataCodec,
    privateNode: (m) => m.isBootstrapPeer,
  };
  const [c, s] = await tcpHandshake(
    { metadata: { isBootstrapPeer: false }, metadataCodec: bootstrapIsPrivate },
    { metadata: { isBootstrapPeer: true }, metadataCodec: bootstrapIsPrivate },
  );
  const [client, server] = [fulfilled(c), fulfilled(s)];
  assert.equal(client.info.privateNode, true);
  assert.equal(server.info.privateNode, false);
  client.close();
  server.close();
});

Deno.test("authenticate() refuses options without a metadata codec before sending anything", async () => {
  const [stream] = memoryPipe();
  const options = {
    identity: freshIdentity(),
    powTarget: makePowTarget(0),
    incoming: false,
    versions: OCTEZ_MAINNET_VERSIONS,
    metadata: { disableMempool: false, privateNode: false },
  };
  await assert.rejects(
    authenticate(stream, options as Parameters<typeof authenticate>[1]),
    (e) => e instanceof TypeError && /metadataCodec is required/.test(e.message),
  );
  assert.deepEqual(stream.written, []);
});

/**
 * Shared pieces of the connection tests: in-memory pipes (with a tap on what each end writes),
 * throw-away identities, handshake options, and a connected TCP pair.
 *
 * @module
 */

import { generateIdentitySync, type Identity, makePowTarget } from "../../lib/crypto/mod.ts";
import { rawAppCodec, type RawAppMessage } from "../../lib/encoding/mod.ts";
import { makePointId } from "../../lib/base/point_id.ts";
import {
  accept,
  type AcceptOptions,
  authenticate,
  type AuthenticatedConnection,
  type AuthenticateOptions,
  type ByteStream,
  type Connection,
  OCTEZ_MAINNET_VERSIONS,
  shellMetadataCodec,
} from "../../lib/connection/mod.ts";

/** One end of an in-memory pipe, with everything it wrote so far. */
export interface TappedStream extends ByteStream {
  /** Every chunk this end wrote, in order. */
  readonly written: Uint8Array[];
}

/** Two connected in-memory byte streams. */
export function memoryPipe(): [TappedStream, TappedStream] {
  const aToB = new TransformStream<Uint8Array, Uint8Array>();
  const bToA = new TransformStream<Uint8Array, Uint8Array>();
  const tap = (writable: WritableStream<Uint8Array>, written: Uint8Array[]) => {
    const writer = writable.getWriter();
    return new WritableStream<Uint8Array>({
      write(chunk) {
        written.push(chunk.slice());
        return writer.write(chunk);
      },
      close: () => writer.close(),
      abort: (reason) => writer.abort(reason),
    });
  };
  const aWritten: Uint8Array[] = [];
  const bWritten: Uint8Array[] = [];
  return [
    { readable: bToA.readable, writable: tap(aToB.writable, aWritten), written: aWritten },
    { readable: aToB.readable, writable: tap(bToA.writable, bWritten), written: bWritten },
  ];
}

/** A fresh identity with a trivial proof of work (difficulty 0: any stamp). */
export function freshIdentity(): Identity {
  return generateIdentitySync(0);
}

/** An identity whose stamp reaches difficulty 8. */
export function identityWithPow8(): Identity {
  return generateIdentitySync(8);
}

/** Handshake options for tests: mainnet versions, no PoW required, 5 s limit. */
export function handshakeOptions(
  identity: Identity,
  incoming: boolean,
  extra: Partial<AuthenticateOptions> = {},
): AuthenticateOptions {
  return {
    identity,
    powTarget: makePowTarget(0),
    incoming,
    versions: OCTEZ_MAINNET_VERSIONS,
    metadata: { disableMempool: false, privateNode: false },
    metadataCodec: shellMetadataCodec,
    timeoutMs: 5_000,
    ...extra,
  };
}

/** Authenticates both ends of a pair of streams at the same time. */
export function authenticatePair(
  initiator: ByteStream,
  responder: ByteStream,
  initiatorExtra: Partial<AuthenticateOptions> = {},
  responderExtra: Partial<AuthenticateOptions> = {},
): Promise<[AuthenticatedConnection, AuthenticatedConnection]> {
  return Promise.all([
    authenticate(initiator, handshakeOptions(freshIdentity(), false, initiatorExtra)),
    authenticate(responder, handshakeOptions(freshIdentity(), true, responderExtra)),
  ]);
}

/** A raw application message of `size` body bytes with tag 0x10, filled with a pattern. */
export function appMessage(size: number, seed = 0): { kind: "Message"; message: RawAppMessage } {
  const body = new Uint8Array(size);
  for (let i = 0; i < size; i++) body[i] = (i * 31 + seed) & 0xff;
  return { kind: "Message", message: { kind: "Raw", tag: 0x10, body } };
}

/** Two accepted connections over real TCP on 127.0.0.1. */
export async function tcpPair(
  options: AcceptOptions = {},
): Promise<[Connection<RawAppMessage>, Connection<RawAppMessage>]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const { port } = listener.addr as Deno.NetAddr;
    const [server, client] = await Promise.all([
      listener.accept(),
      Deno.connect({ hostname: "127.0.0.1", port }),
    ]);
    const [a, b] = await Promise.all([
      authenticate(
        client,
        handshakeOptions(freshIdentity(), false, {
          remotePoint: makePointId("127.0.0.1", port),
          listeningPort: 19732,
        }),
      ),
      authenticate(server, handshakeOptions(freshIdentity(), true, { listeningPort: port })),
    ]);
    return await Promise.all([accept(a, rawAppCodec, options), accept(b, rawAppCodec, options)]);
  } finally {
    listener.close();
  }
}

// A hand-driven peer for the node tests: it dials a node with lib/connection directly, so a test
// can send exactly the P2P messages it wants and read what the node answers.

import type { PointId } from "../../lib/base/point_id.ts";
import { sleep } from "../support/async.ts";
import {
  accept,
  connect,
  type Connection,
  type ReceivedMessage,
  shellMetadataCodec,
  type SupportedVersions,
} from "../../lib/connection/mod.ts";
import { generateIdentitySync, type Identity, makePowTarget } from "../../lib/crypto/mod.ts";
import type { AppCodec } from "../../lib/encoding/mod.ts";
import { simpleGossipCodec, type SimpleGossipMessage } from "../../gen/gossipsub.ts";
import { DEFAULT_CHAIN_NAME } from "../../lib/node/mod.ts";

export interface RawPeerOptions<M> {
  identity?: Identity;
  chainName?: string;
  codec?: AppCodec<M>;
  listeningPort?: number;
  /** Bound of the incoming queue: 1 makes the peer stop reading its socket after one message. */
  incomingQueueSize?: number;
}

/** Dials `point` and completes the handshake; rejects like `connect` / `accept`. */
export async function rawPeer<M = SimpleGossipMessage>(
  point: PointId,
  options: RawPeerOptions<M> = {},
): Promise<Connection<M>> {
  const versions: SupportedVersions = {
    chainName: options.chainName ?? DEFAULT_CHAIN_NAME,
    distributedDbVersions: [0],
    p2pVersions: [0, 1],
  };
  const auth = await connect(point, {
    identity: options.identity ?? generateIdentitySync(2),
    powTarget: makePowTarget(2),
    versions,
    metadata: { disableMempool: false, privateNode: false },
    metadataCodec: shellMetadataCodec,
    listeningPort: options.listeningPort,
    timeoutMs: 5_000,
  });
  const codec = options.codec ?? (simpleGossipCodec as unknown as AppCodec<M>);
  return await accept(auth, codec, {
    timeoutMs: 5_000,
    incomingQueueSize: options.incomingQueueSize,
  });
}

/** Everything a raw peer receives, read in the background until its connection ends. */
export class Inbox<M> {
  readonly items: ReceivedMessage<M>["message"][] = [];
  readonly done: Promise<void>;

  constructor(conn: Connection<M>) {
    this.done = (async () => {
      try {
        for (;;) this.items.push((await conn.read()).message);
      } catch {
        // Closed.
      }
    })();
  }

  /** The first received message satisfying `match`, waiting up to `timeoutMs` for it. */
  async find(
    match: (m: ReceivedMessage<M>["message"]) => boolean,
    timeoutMs = 5_000,
  ): Promise<ReceivedMessage<M>["message"]> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.items.find(match);
      if (found !== undefined) return found;
      if (performance.now() > deadline) throw new Error(`no matching message in ${timeoutMs} ms`);
      await sleep(10);
    }
  }
}

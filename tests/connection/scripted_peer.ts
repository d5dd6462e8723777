/**
 * A scripted initiator for hostile-peer tests: it replays the initiator's side of the synthetic
 * transcript (connection message, metadata, Ack) byte for byte, so that the responder, our
 * implementation run with the transcript's identity and message nonce, derives the transcript's
 * keys; then it sends whatever chunks or raw bytes a test wants.
 *
 * @module
 */

import { identityOfVector } from "../support/identity.ts";
import { vectors } from "../support/vectors.ts";
import { fromHex } from "../../lib/encoding/mod.ts";
import { incrementNonceInPlace, makePowTarget } from "../../lib/crypto/mod.ts";
import { makePointId } from "../../lib/base/point_id.ts";
import {
  type AuthenticateOptions,
  encryptChunk,
  shellMetadataCodec,
} from "../../lib/connection/mod.ts";
import { memoryPipe, type TappedStream } from "./helpers.ts";

const [transcript] = vectors("handshake_transcript");
const chunks = vectors("encrypted_chunk").filter((v) => v.name.startsWith("synthetic handshake"));

/** The initiator side, driven by hand. */
export interface ScriptedPeer {
  /** The stream to give to the responder under test. */
  readonly responderStream: TappedStream;
  /** Options that make the responder the transcript's B. */
  readonly responderOptions: AuthenticateOptions;
  /** Writes raw bytes. */
  send(bytes: Uint8Array): Promise<void>;
  /** Writes the transcript's connection message of A. */
  sendConnectionMessage(): Promise<void>;
  /** Writes A's metadata chunk (nonce A_local). */
  sendMetadata(): Promise<void>;
  /** Writes A's Ack chunk (nonce A_local+1). */
  sendAck(): Promise<void>;
  /** Encrypts `plaintext` with the next nonce (from A_local+2) and returns the frame. */
  chunk(plaintext: Uint8Array): Uint8Array;
  /** Ends the stream (end of file for the responder). */
  end(): Promise<void>;
}

/** A scripted initiator connected to a fresh in-memory pipe. */
export function scriptedPeer(): ScriptedPeer {
  const [mine, theirs] = memoryPipe();
  const writer = mine.writable.getWriter();
  // Drain what the responder writes, so that its writes never wait for us.
  const reader = mine.readable.getReader();
  (async () => {
    while (!(await reader.read()).done);
  })().catch(() => {});
  const key = fromHex(transcript.expected.channel_key);
  const nonce = fromHex(transcript.expected.A_local_nonce);
  incrementNonceInPlace(nonce);
  incrementNonceInPlace(nonce);
  const send = (bytes: Uint8Array) => writer.write(bytes);
  return {
    responderStream: theirs,
    responderOptions: {
      identity: identityOfVector(transcript.inputs.B),
      powTarget: makePowTarget(0),
      incoming: true,
      listeningPort: 9732,
      remotePoint: makePointId("127.0.0.1", 50000),
      versions: {
        chainName: "TEZOS_MAINNET",
        distributedDbVersions: [0, 1, 2],
        p2pVersions: [0, 1],
      },
      metadata: { disableMempool: true, privateNode: false },
      metadataCodec: shellMetadataCodec,
      messageNonce: fromHex("202122232425262728292a2b2c2d2e2f3031323334353637"),
      timeoutMs: 5_000,
    },
    send,
    sendConnectionMessage: () => send(fromHex(transcript.inputs.A_connection_message_hex)),
    sendMetadata: () => send(fromHex(chunks[0].hex!)),
    sendAck: () => send(fromHex(chunks[2].hex!)),
    chunk(plaintext) {
      const frame = encryptChunk(key, nonce, plaintext);
      incrementNonceInPlace(nonce);
      return frame;
    },
    async end() {
      await writer.close().catch(() => {});
      await reader.cancel().catch(() => {});
    },
  };
}

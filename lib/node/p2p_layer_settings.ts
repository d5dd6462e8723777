/**
 * The P2P layer's settings every kind of node derives the same way (the gossip `Node` and the
 * `ShellNode`): the profile's values, the options' points and peers, and the plan's metadata. The
 * node adds its codec, its random source and its callbacks to make a full `P2pLayerConfig`.
 *
 * @module
 */

import { makePointId, type PointId, pointIdToString } from "../base/point_id.ts";
import { type Identity, makePowTarget, peerIdFromString } from "../crypto/mod.ts";
import { parsePointIdWithPeerId } from "../crypto/peer_id.ts";
import { maintenanceBounds, type NodeOptionsBase } from "./options.ts";
import type { P2pLayerConfig } from "./p2p_layer_config.ts";
import type { NodePlan } from "./plan.ts";
import type { NetworkProfile } from "./profiles.ts";

/** The settings every kind of node derives the same way from its profile, options and plan. */
export type P2pLayerSettings<Meta> = Omit<
  P2pLayerConfig<never, Meta>,
  "codec" | "rng" | "onOpen" | "onClose" | "onMessage"
>;

/**
 * The P2P layer's settings of a node: the profile's values, the options' points and the plan's
 * metadata.
 *
 * @param identity The node's identity.
 * @param profile The resolved profile.
 * @param options The options.
 * @param plan The metadata plan.
 * @returns The settings.
 */
export function p2pLayerSettings<Meta>(
  identity: Identity,
  profile: NetworkProfile,
  options: NodeOptionsBase,
  plan: NodePlan<Meta>,
): P2pLayerSettings<Meta> {
  const privateMode = options.privateMode ?? false;
  const privateMetadata = plan.privateMetadata;
  // Bootstrap points and trusted points are both Octez's trusted points.
  const configured = [...(options.bootstrapPoints ?? []), ...(options.trustedPoints ?? [])]
    .map(withPeer);
  const expectedPeers = new Map<string, Uint8Array>();
  for (const { point, peerId } of configured) {
    if (peerId !== undefined) expectedPeers.set(pointIdToString(point), peerId);
  }
  return {
    identity,
    powTarget: options.powTarget ?? makePowTarget(profile.expectedPow),
    versions: {
      chainName: profile.chainName,
      distributedDbVersions: profile.distributedDbVersions,
      p2pVersions: profile.p2pVersions,
    },
    metadata: privateMode && privateMetadata !== undefined
      ? (port) => privateMetadata(plan.metadata(port))
      : plan.metadata,
    privateMode,
    expectedPeers,
    trustedPeers: (options.trustedPeers ?? []).map((p) =>
      typeof p === "string" ? peerIdFromString(p) : p
    ),
    metadataCodec: plan.metadataCodec,
    advertisedPort: plan.advertisedPort,
    remoteListeningPoint: plan.remoteListeningPoint,
    listen: options.listen ?? {},
    bootstrapPoints: configured.map((c) => c.point),
    knownPoints: options.knownPoints,
    bounds: maintenanceBounds(profile.connections),
    maintenanceMs: profile.maintenanceMs,
    connectTimeoutMs: profile.connectTimeoutMs,
    authenticationTimeoutMs: profile.authenticationTimeoutMs,
    maxIncomingHandshakes: profile.maxIncomingHandshakes,
    outgoingQueueSize: profile.outgoingQueueSize,
    ipGreylistMs: profile.ipGreylistMs,
    reconnection: profile.reconnection,
    peerDiscovery: profile.peerDiscovery,
    swapLingerMs: profile.swapLingerMs,
    onEvent: options.onEvent,
  };
}

/**
 * A configured or given point: text (`addr:port[#peer_id]`) is parsed with its expected peer; a
 * `PointId` is made canonical and expects no peer.
 *
 * @param p The point.
 * @returns The point and the peer expected there, if any.
 * @throws {PointIdError} When the text is not a point (or its `#peer_id` not a peer id).
 */
export function withPeer(p: PointId | string): { point: PointId; peerId: Uint8Array | undefined } {
  return typeof p === "string"
    ? parsePointIdWithPeerId(p)
    : { point: makePointId(p.addr, p.port), peerId: undefined };
}

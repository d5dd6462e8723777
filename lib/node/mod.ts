/**
 * Gossipsub nodes over authenticated tzp2p connections. {@link createNode} listens on TCP, dials
 * points, authenticates every connection with the node's identity, carries gossipsub messages as
 * application messages of the P2P envelope (the simple instance by default, or any
 * {@link GossipInstance} such as the DAL layout), discovers peers with Bootstrap/Advertise and
 * swaps, and gives the application `publish`, `subscribe`, `unsubscribe`, `peers` and `close`.
 *
 * @example Two nodes on loopback: one publishes, the other reads it from its subscription.
 * ```ts
 * import { createNode } from "./mod.ts";
 *
 * // Loopback demo: PoW 0 makes identities instant (real Octez networks expect 26).
 * const options = {
 *   expectedPow: 0,
 *   heartbeatMs: 50,
 *   connections: { minConnections: 1, expectedConnections: 2, maxConnections: 4 },
 * };
 * const alice = await createNode({ ...options, topics: ["news"] });
 * const bob = await createNode({ ...options, bootstrapPoints: [alice.listeningPoint!] });
 * const news = bob.subscribe("news").getReader();
 *
 * // Wait until alice has grafted bob into her mesh, then publish.
 * while (alice.meshPeers("news").length === 0) await new Promise((r) => setTimeout(r, 20));
 * const { recipients } = await alice.publish("news", new TextEncoder().encode("hello"));
 * console.log(recipients.length); // 1
 * const { value } = await news.read();
 * console.log(new TextDecoder().decode(value!.message)); // "hello"
 *
 * news.releaseLock();
 * await Promise.all([alice.close(), bob.close()]);
 * ```
 *
 * @module
 */

export {
  Node,
  type NodeStats,
  type PeerInfo,
  type PublishOptions,
  type PublishResult,
} from "./node.ts";
export { createNode } from "./create_node.ts";
export type { TopicValidator, ValidationRequest } from "./validation.ts";
export {
  createShellNode,
  type ShellMessage,
  ShellNode,
  type ShellNodeStats,
} from "./shell_node.ts";
export type { P2pLayerStats } from "./p2p_layer.ts";
export { GREYLISTING_KINDS, type NodeAcl, PEER_GREYLIST_SIZE } from "./acl.ts";
export type {
  BanSnapshot,
  ConnectionSnapshot,
  NodeSnapshot,
  PeerSnapshot,
  PointSnapshot,
  PointState,
  TopicSnapshot,
} from "./snapshot.ts";
export {
  dalProfile,
  DEFAULT_CHAIN_NAME,
  MAINNET_CHAIN_NAME,
  type NetworkProfile,
  networkProfile,
  type ProfileName,
  type ReconnectionSchedule,
  shellProfile,
  simpleProfile,
} from "./profiles.ts";
export { EVENT_STREAM_CAPACITY } from "./event_hub.ts";
export type {
  AclEvent,
  ConnectionClosedEvent,
  ConnectionEstablishedEvent,
  Direction,
  HandshakeFailedEvent,
  HandshakeRefusedEvent,
  HeartbeatEvent,
  MeshChangeEvent,
  MessageDeliveredEvent,
  NodeEvent,
} from "./events.ts";
export {
  formatDalCommitment,
  formatDalMessageId,
  formatDalTopic,
  formatPkh,
  parseDalTopic,
  parsePkh,
} from "./dal_topic.ts";
export { DAL_DEFAULT_PORT } from "./plan.ts";
export {
  checkDalMessage,
  checkDalMessageId,
  type DalValueCheck,
  G1_COMPRESSED_BYTES,
  isValidG1Compressed,
  isValidScalar,
  SCALAR_BYTES,
} from "./dal_values.ts";
export type { NodeSettings } from "./node.ts";
export {
  type ConnectionBounds,
  type DalNodeOptions,
  DEFAULT_MAX_TOPIC_BYTES,
  DEFAULT_MAX_TOPICS_PER_PEER,
  defaultNodeLimits,
  type KnownPointRecord,
  type MaintenanceBounds,
  maintenanceBounds,
  type NodeOptions,
  type NodeOptionsBase,
  type ShellNodeOptions,
  type SimpleNodeOptions,
} from "./options.ts";
export {
  fromWire,
  type GossipDescription,
  type GossipInstance,
  type GossipWireMessage,
  type NodeGossipMessage,
  toWire,
} from "./gossip_instance.ts";
export {
  MAX_SIMPLE_TOPIC_BYTES,
  simpleGossip,
  type SimpleGossipInstance,
  type SimpleGossipOptions,
  simpleMessageId,
  simpleMessageIdTopic,
} from "./simple_gossip.ts";
export { dalGossip, type DalGossipInstance, type DalGossipOptions } from "./dal_gossip.ts";
export {
  type ErrorGuard,
  isNodeError,
  NodeError,
  type NodeErrorDetails,
  type NodeErrorKind,
} from "./errors.ts";
export type { Delivered } from "./subscriptions.ts";
export type { MaintenanceStats } from "./maintenance.ts";
export type { PoolStats } from "./pool.ts";
export {
  MAX_ADVERTISED_POINTS,
  RECEIVE_COOLDOWN_MS,
  type ThrottledKind,
  type ThrottleStats,
} from "./throttle.ts";

// Types of the layers below that this module's API mentions, so that it documents on its own.
export type * from "../gossipsub/mod.ts";
export type { PointId } from "../base/point_id.ts";
export type { Identity } from "../crypto/identity.ts";
export type { P2pStat } from "../connection/stat.ts";
export type {
  DalMessage,
  DalMessageId,
  DalTopic,
  Pkh,
  PkhBls,
  PkhEd25519,
  PkhMlDsa44,
  PkhP256,
  PkhSecp256k1,
  PxPeer,
} from "../../gen/gossipsub.ts";
export type { PeerId, Point } from "../../gen/base.ts";
export type * from "../encoding/mod.ts";

// A node's data directory: peers.json and config.json, replaced atomically.
export {
  CONFIG_FILE_NAME,
  type ConfigFileP2p,
  type ConfigFileTzp2p,
  IDENTITY_FILE_NAME,
  loadConfigFile,
  loadPeersFile,
  type NodeConfigFile,
  parseConfigJson,
  parsePeersJson,
  PEERS_FILE_NAME,
  peersJson,
  type PeersSaver,
  type PeersSaverOptions,
  savePeersFile,
  startPeersSaver,
  writeFileAtomic,
} from "./data_dir.ts";

// Operating a node: Prometheus metrics and the read-only RPC.
export {
  Counter,
  Gauge,
  Histogram,
  type HistogramOptions,
  type HistogramValue,
  type Labels,
  Metric,
  type MetricOptions,
  MetricsRegistry,
  type MetricType,
  PROMETHEUS_CONTENT_TYPE,
} from "./metrics_registry.ts";
export {
  HEARTBEAT_BUCKETS,
  NodeMetrics,
  nodeMetrics,
  type NodeMetricsOptions,
  type ObservedNode,
  type TrafficTotals,
} from "./metrics.ts";
export { type OpsNode, type OpsServer, type OpsServerOptions, serveOps } from "./ops_server.ts";

// An L1 peer's typed shell messages and the chain it answers from.
export type { ReceivedShellMessage, ShellNodeServeOptions } from "./shell_node.ts";
export {
  blockHash,
  chainIdOfBlockHash,
  computeBlockLocator,
  EMPTY_MEMPOOL,
  type LocatorSeed,
  locatorSteps,
  MAX_LOCATOR_SIZE,
  type MaybePromise,
  merklePath,
  merkleRoot,
  operationHash,
  operationsHashOf,
  type ShellChain,
  type ShellChainHead,
  type ShellRequester,
  ShellResponder,
} from "./shell_chain.ts";
export type * from "../../gen/shell.ts";

/**
 * `createNode`: from a profile (`simple` or `dal`) and options to a running gossip {@link Node}.
 *
 * @module
 */

import type { DalMessage, DalMessageId, DalTopic } from "../../gen/gossipsub.ts";
import { dalLimits } from "../gossipsub/mod.ts";
import { dalGossip } from "./dal_gossip.ts";
import { formatDalMessageId, formatDalTopic } from "./dal_topic.ts";
import type { GossipInstance } from "./gossip_instance.ts";
import { Node } from "./node.ts";
import type { DalNodeOptions, NodeOptions, SimpleNodeOptions } from "./options.ts";
import {
  dalPlan,
  identityFor,
  knownPointsFor,
  type NodePlan,
  resolveProfile,
  shellPlan,
} from "./plan.ts";
import { dalProfile, simpleProfile } from "./profiles.ts";
import { simpleGossip } from "./simple_gossip.ts";

/**
 * Creates and starts a gossip node of the `simple` profile (string topics, byte payloads; not an
 * Octez network): it listens (unless `listen: false`), joins `topics`, dials `bootstrapPoints`,
 * and runs the connection maintenance.
 *
 * @param options The options.
 * @returns The running node.
 * @throws {RangeError | TypeError} On invalid options.
 * @throws {Deno.errors.AddrInUse} When the listening port is taken.
 */
export function createNode(
  options?: SimpleNodeOptions,
): Promise<Node<string, Uint8Array, Uint8Array>>;
/**
 * Creates and starts a node of the `dal` profile: a peer of an Octez DAL network.
 *
 * @param options The options, with `profile: "dal"`.
 * @returns The running node.
 */
export function createNode(
  options: DalNodeOptions,
): Promise<Node<DalTopic, DalMessageId, DalMessage>>;
/**
 * Creates and starts a node for a custom gossipsub instance (with the `simple` profile's P2P
 * settings).
 *
 * @param options The options, with `gossip` the instance.
 * @returns The running node.
 */
export function createNode<T, I, M>(options: NodeOptions<T, I, M>): Promise<Node<T, I, M>>;
export async function createNode<T, I, M>(
  options: SimpleNodeOptions | DalNodeOptions | NodeOptions<T, I, M> = {},
): Promise<
  | Node<T, I, M>
  | Node<string, Uint8Array, Uint8Array>
  | Node<DalTopic, DalMessageId, DalMessage>
> {
  if (options.profile === "dal") {
    const dal = options as DalNodeOptions;
    const profile = resolveProfile(dalProfile(dal.chainName), dal);
    const identity = await identityFor(dal, profile);
    const knownPoints = await knownPointsFor(dal);
    const instance = dal.gossip ?? dalGossip();
    return new Node<DalTopic, DalMessageId, DalMessage>(
      identity,
      withDalDescription(instance),
      { ...dal, knownPoints, limits: dal.limits ?? dalLimits<DalTopic>() },
      profile,
      dalPlan(dal) as NodePlan<unknown>,
    );
  }
  if (options.profile !== undefined && options.profile !== "simple") {
    throw new RangeError(
      `createNode: profile ${options.profile} is not a gossip profile (simple, dal); ` +
        "an L1 peer is createShellNode",
    );
  }
  const profile = resolveProfile(simpleProfile(options.chainName), options);
  const identity = await identityFor(options, profile);
  const knownPoints = await knownPointsFor(options);
  const plan = shellPlan(false, false) as NodePlan<unknown>;
  if (options.gossip === undefined || options.gossip === "simple") {
    const simple = { ...options, knownPoints } as SimpleNodeOptions;
    return new Node(identity, simpleGossip(), simple, profile, plan);
  }
  const custom = { ...options, knownPoints } as NodeOptions<T, I, M>;
  return new Node(identity, custom.gossip, custom, profile, plan);
}

// Text forms of DAL topics and ids for the `message_delivered` events.
function withDalDescription(
  instance: GossipInstance<DalTopic, DalMessageId, DalMessage>,
): GossipInstance<DalTopic, DalMessageId, DalMessage> {
  if (instance.describe !== undefined) return instance;
  return {
    ...instance,
    describe: {
      topic: formatDalTopic,
      messageId: formatDalMessageId,
      size: (message) => message.share.length * 32 + message.shardProof.length,
    },
  };
}

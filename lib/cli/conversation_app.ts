/**
 * How `tzp2p decode` reads and prints application messages (the `Message` case of `P2p_message`,
 * tags other than 0x01–0x05): an application codec and the JSON fields of what it decodes.
 *
 * ```text
 * --app   codec            "title"                    "value" / "hex"
 * shell   shellCodec       Octez case title           Octez's data-encoding JSON (shell_json.ts)
 * dal     dalGossipCodec   Octez case title, or Ping  Octez's field names (conversation_dal_json.ts)
 * raw     rawAppCodec      the chain's case title     "hex": the body after the tag
 * auto    shell for an L1 chain name, dal for DAL_…, raw for any other (the default)
 * ```
 *
 * `auto` and `raw` look at the chain name of the sent connection message (the recording node's
 * network). L1 names: Octez's `TEZOS_MAINNET` and the `TEZOS_…` test networks, and the sandbox's
 * `SANDBOXED_TEZOS` (src/lib_node_config/config_file.ml 119, 174 at tezos-mirror d26a8bef82);
 * a DAL node announces `DAL_` ^ its L1 chain name (spec gossipsub.md §12.4).
 *
 * ```ts
 * import { appFormatFor } from "./conversation_app.ts";
 *
 * console.log(appFormatFor("auto", "TEZOS_MAINNET").name); // "shell"
 * console.log(appFormatFor("auto", "DAL_TEZOS_MAINNET").name); // "dal"
 * console.log(appFormatFor("auto", "MY_CHAIN").name); // "raw"
 * ```
 *
 * @module
 */

import { dalGossipCodec, type DalGossipMessage } from "../../gen/gossipsub.ts";
import { shellCodec, type ShellMessage } from "../../gen/shell.ts";
import { type AppCodec, rawAppCodec, type RawAppMessage, toHex } from "../encoding/mod.ts";
import { shellMessageToJson } from "../encoding/shell_json.ts";
import { dalMessageTitle, dalMessageToJson } from "./conversation_dal_json.ts";

/** The printable fields of one application message. */
export interface AppMessageFields {
  /** Octez's title of the case (e.g. `Get_current_branch`), when the application is known. */
  readonly title?: string;
  /** The body after the tag, hex (raw only). */
  readonly hex?: string;
  /** The decoded message as JSON (typed codecs only). */
  readonly value?: unknown;
}

/**
 * An application codec and the JSON fields of its messages.
 *
 * @typeParam M The decoded message type.
 */
export interface AppFormat<M> {
  /** What `--app` calls it: `shell`, `dal`, `raw`, or a caller's name. */
  readonly name: string;
  /** Decodes the application messages; tags it does not know fail with `unexpected_tag`. */
  readonly codec: AppCodec<M>;
  /**
   * The fields printed for a decoded message.
   *
   * @param message The decoded message.
   * @param tag Its u16 tag.
   */
  fields(message: M, tag: number): AppMessageFields;
}

/** What `--app` takes: a format, or `auto` (chosen from the chain name). */
export type AppChoice = "auto" | "shell" | "dal" | "raw";

/** The values of `--app`, in the order the usage text lists them. */
export const APP_CHOICES: readonly AppChoice[] = ["auto", "shell", "dal", "raw"];

/**
 * Octez's case titles of the shell's messages (src/lib_shell/distributed_db_message.ml 217-396),
 * printed next to every shell message, typed or raw.
 */
export const SHELL_MESSAGE_TITLES: ReadonlyMap<number, string> = new Map([
  [0x10, "Get_current_branch"],
  [0x11, "Current_branch"],
  [0x12, "Deactivate"],
  [0x13, "Get_current_head"],
  [0x14, "Current_head"],
  [0x20, "Get_block_headers"],
  [0x21, "Block_header"],
  [0x30, "Get_operations"],
  [0x31, "Operation"],
  [0x40, "Get_protocols"],
  [0x41, "Protocol"],
  [0x60, "Get_operations_for_blocks"],
  [0x61, "Operations_for_blocks"],
  [0x70, "Get_checkpoint"],
  [0x71, "Checkpoint"],
  [0x80, "Get_protocol_branch"],
  [0x81, "Protocol_branch"],
  [0x90, "Get_predecessor_header"],
  [0x91, "Predecessor_header"],
]);

/**
 * Octez's case titles of the DAL's gossipsub messages
 * (src/lib_dal_node/gossipsub/transport_layer_interface.ml 55-153).
 */
export const DAL_MESSAGE_TITLES: ReadonlyMap<number, string> = new Map([
  [0x10, "Graft"],
  [0x11, "Prune"],
  [0x12, "IHave"],
  [0x13, "IWant"],
  [0x14, "Subscribe"],
  [0x15, "Unsubscribe"],
  [0x16, "Message_with_header"],
]);

/** Shell messages, typed, as Octez's JSON. */
export const shellAppFormat: AppFormat<ShellMessage> = {
  name: "shell",
  codec: shellCodec,
  fields: (message, tag) => ({
    title: SHELL_MESSAGE_TITLES.get(tag),
    value: shellMessageToJson(message),
  }),
};

/** DAL gossipsub messages, typed, under Octez's field names. */
export const dalAppFormat: AppFormat<DalGossipMessage> = {
  name: "dal",
  codec: dalGossipCodec,
  fields: (message) => ({ title: dalMessageTitle(message), value: dalMessageToJson(message) }),
};

/**
 * Every application message kept raw, `{tag, hex}`, with the title of its tag in `titles` when
 * the application is known.
 *
 * @param titles Case titles by tag (none: no title).
 */
export function rawAppFormat(
  titles: ReadonlyMap<number, string> = new Map(),
): AppFormat<RawAppMessage> {
  return {
    name: "raw",
    codec: rawAppCodec,
    fields(message, tag) {
      const title = titles.get(tag);
      return { ...(title === undefined ? {} : { title }), hex: toHex(message.body) };
    },
  };
}

/**
 * A caller's codec: its decoded values printed as they are (`Uint8Array` as hex, `bigint` as a
 * decimal string), without titles.
 *
 * @param name What to call it.
 * @param codec The codec.
 */
export function codecAppFormat<M>(name: string, codec: AppCodec<M>): AppFormat<M> {
  return { name, codec, fields: (message) => ({ value: message }) };
}

/** The application a chain name announces: `shell` (L1), `dal`, or none. */
export function chainApplication(chainName: string): "shell" | "dal" | undefined {
  if (chainName === "TEZOS" || chainName.startsWith("TEZOS_")) return "shell";
  if (chainName.startsWith("SANDBOXED_TEZOS")) return "shell";
  if (chainName.startsWith("DAL_")) return "dal";
  return undefined;
}

/**
 * The format of a `--app` choice on a chain.
 *
 * @param choice What `--app` says.
 * @param chainName The chain name of the sent connection message.
 */
export function appFormatFor(choice: AppChoice, chainName: string): AppFormat<unknown> {
  const application = chainApplication(chainName);
  const chosen = choice === "auto" ? application ?? "raw" : choice;
  switch (chosen) {
    case "shell":
      return shellAppFormat as AppFormat<unknown>;
    case "dal":
      return dalAppFormat as AppFormat<unknown>;
    case "raw": {
      const titles = application === "shell"
        ? SHELL_MESSAGE_TITLES
        : application === "dal"
        ? DAL_MESSAGE_TITLES
        : undefined;
      return rawAppFormat(titles) as AppFormat<unknown>;
    }
  }
}

/**
 * Every schema file of tzp2p, in generation order.
 *
 * @module
 */

import type { SchemaFile } from "../lib/codegen/dsl.ts";
import { schemaFile as base } from "./base.ts";
import { schemaFile as connection } from "./connection.ts";
import { schemaFile as p2pMessage } from "./p2p_message.ts";
import { schemaFile as gossipsub } from "./gossipsub.ts";

/** The schema files `deno task gen` generates. */
export const schemaFiles: readonly SchemaFile[] = [base, connection, p2pMessage, gossipsub];

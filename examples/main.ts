/**
 * `deno task examples`: runs every example in turn.
 *
 * @module
 */

import { main as codec } from "./codec.ts";

console.log("== codecs (examples/codec.ts)");
codec();

/**
 * The codec generator: declare wire types with the schema language, then generate straight-line
 * TypeScript encoders and decoders with {@link generate} (or `deno task gen`).
 *
 * ```ts
 * import { declare, generate, obj, req, uint16 } from "./mod.ts";
 *
 * const Pong = declare("Pong", "A pong.", obj(req("seq", uint16())));
 * const out = generate(
 *   [{ source: "pong.ts", output: "gen/pong.ts", doc: "Pong codecs.", decls: [Pong] }],
 *   { runtime: "lib/encoding/mod.ts" },
 * );
 * console.log(out.get("gen/pong.ts")!.includes("export function decodePong"));
 * ```
 *
 * @module
 */

export * from "./dsl.ts";
export { generate, type GenerateOptions } from "./generate.ts";
export type { ModuleRef } from "./printer.ts";

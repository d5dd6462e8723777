/**
 * The codec generator's command line: generates TypeScript codecs (and, optionally, the encoding
 * reference) from schema modules. With `--check` it writes nothing and exits 1 when a generated
 * file is stale (a CI drift check).
 *
 * ```sh
 * deno run --allow-read --allow-write jsr:@tzp2p/tzp2p/codegen-cli --package @tzp2p/tzp2p my_schema.ts
 * ```
 *
 * Arguments (paths are relative to the working directory, as are the schema files' outputs):
 * - schema modules, each exporting `schemaFile` (a `SchemaFile`) or `schemaFiles` (an array);
 * - `--package NAME`: generated code imports the runtime from `NAME/encoding`, and declarations
 *   that no given schema declares (tzp2p's points, peer ids…) from `NAME`;
 * - `--runtime PATH`: the runtime module by path instead (inside the tzp2p repository);
 * - `--extern MODULE` (repeatable): a schema module generated already, whose declarations are
 *   imported from its outputs instead of generated again;
 * - `--docs PATH`: also write the encoding reference (Markdown) of the given schema files;
 * - `--check`: write nothing, exit 1 if an output differs.
 *
 * The tzp2p repository generates its own `gen/` the same way (`deno task gen`), passing
 * `schema/mod.ts`: this program knows no schema of its own.
 *
 * @module
 */

import { generate } from "./generate.ts";
import type { Decl, SchemaFile } from "./dsl.ts";

const USAGE = "usage: main.ts [--check] (--package NAME | --runtime PATH) [--docs PATH] " +
  "[--extern MODULE]... SCHEMA_MODULE...";

/** The parsed command line. */
interface Args {
  readonly check: boolean;
  readonly pkg?: string;
  readonly runtime: string;
  readonly docs?: string;
  readonly extern: readonly string[];
  readonly modules: readonly string[];
}

function parse(args: readonly string[]): Args | string {
  let check = false;
  let pkg: string | undefined;
  let runtime: string | undefined;
  let docs: string | undefined;
  const extern: string[] = [];
  const modules: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined || v.startsWith("--")) throw new RangeError(`${a} needs a value`);
      return v;
    };
    if (a === "--check") check = true;
    else if (a === "--package") pkg = value();
    else if (a === "--runtime") runtime = value();
    else if (a === "--docs") docs = value();
    else if (a === "--extern") extern.push(value());
    else if (a.startsWith("--")) return `unknown option ${a}`;
    else modules.push(a);
  }
  if (modules.length === 0) return "no schema module given";
  if ((pkg === undefined) === (runtime === undefined)) return "give one of --package, --runtime";
  return { check, pkg, runtime: runtime ?? `${pkg}/encoding`, docs, extern, modules };
}

/** The schema files a module exports (`schemaFile` or `schemaFiles`). */
async function load(module: string): Promise<readonly SchemaFile[]> {
  const url = /^(jsr|npm|https?|file):/.test(module)
    ? module
    : new URL(module, `file://${Deno.cwd()}/`).href;
  const mod = await import(url);
  if (Array.isArray(mod.schemaFiles)) return mod.schemaFiles;
  if (mod.schemaFile) return [mod.schemaFile];
  throw new RangeError(`${module} exports neither schemaFile nor schemaFiles`);
}

async function main(argv: string[]): Promise<number> {
  let args: Args | string;
  try {
    args = parse(argv);
  } catch (e) {
    args = (e as Error).message;
  }
  if (typeof args === "string") {
    console.error(`${args}\n${USAGE}`);
    return 2;
  }
  let out: Map<string, string>;
  try {
    const files = (await Promise.all(args.modules.map(load))).flat();
    const external = new Map<Decl, string>();
    for (const m of args.extern) {
      for (const f of await load(m)) for (const d of f.decls) external.set(d, f.output);
    }
    out = generate(files, {
      runtime: args.runtime,
      docs: args.docs,
      external,
      otherDecls: args.pkg,
    });
  } catch (e) {
    // Schema mistakes are RangeErrors naming the path: print them, not a stack.
    if (!(e instanceof RangeError)) throw e;
    const hint = /declared in no schema file given/.test(e.message)
      ? "\n(give the schema module declaring it with --extern, or --package for tzp2p's types)"
      : "";
    console.error(`error: ${e.message}${hint}`);
    return 1;
  }

  const stale: string[] = [];
  for (const [path, text] of out) {
    let current: string | undefined;
    try {
      current = await Deno.readTextFile(path);
    } catch {
      current = undefined;
    }
    if (current === text) continue;
    stale.push(path);
    if (!args.check) {
      const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
      await Deno.mkdir(dir, { recursive: true });
      await Deno.writeTextFile(path, text);
    }
  }
  if (args.check && stale.length > 0) {
    console.error(`stale generated files (regenerate them): ${stale.join(", ")}`);
    return 1;
  }
  console.log(
    stale.length && !args.check
      ? `gen: wrote ${stale.join(", ")}`
      : `gen: ${out.size} files up to date`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

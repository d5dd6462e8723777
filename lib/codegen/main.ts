/**
 * `deno task gen`: regenerates `gen/` and `docs/encodings.md` from `schema/`. With `--check` it
 * writes nothing and exits 1 when a generated file is stale (CI's drift check).
 *
 * Users generate codecs for their own schema files the same way:
 *
 * ```sh
 * deno run --allow-read --allow-write jsr:@tzp2p/tzp2p/codegen-cli --package @tzp2p/tzp2p my_schema.ts
 * ```
 *
 * (`--runtime lib/encoding/mod.ts` instead of `--package` inside this repository.)
 *
 * Each schema module given on the command line must export `schemaFile` (a `SchemaFile`).
 *
 * @module
 */

import { generate } from "./generate.ts";
import type { Decl, SchemaFile } from "./dsl.ts";
import { schemaFiles } from "../../schema/mod.ts";

const root = new URL("../../", import.meta.url);

async function main(args: string[]): Promise<number> {
  const check = args.includes("--check");
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  // `--package @tzp2p/tzp2p`: generated code imports tzp2p as a package (users' projects);
  // `--runtime PATH`: imports the runtime by repository path (this repository's examples).
  const pkg = option("--package");
  const runtime = pkg ? `${pkg}/encoding` : option("--runtime") ?? "lib/encoding/mod.ts";
  const modules = args.filter((a, i) =>
    !a.startsWith("--") && args[i - 1] !== "--runtime" && args[i - 1] !== "--package"
  );

  let files: readonly SchemaFile[] = schemaFiles;
  let docs: string | undefined = "docs/encodings.md";
  let external: Map<Decl, string> | undefined;
  if (modules.length > 0) {
    files = [];
    for (const m of modules) {
      const mod = await import(new URL(m, `file://${Deno.cwd()}/`).href);
      if (!mod.schemaFile) throw new Error(`${m} does not export schemaFile`);
      (files as SchemaFile[]).push(mod.schemaFile);
    }
    docs = undefined;
    // Users' schemas may reference tzp2p's own declarations (points, peer ids…).
    external = new Map(
      schemaFiles.flatMap((f) => f.decls.map((d) => [d, pkg ?? f.output] as const)),
    );
  }

  const out = generate(files, { runtime, docs, external });
  const stale: string[] = [];
  for (const [path, text] of out) {
    const url = new URL(path, modules.length > 0 ? `file://${Deno.cwd()}/` : root);
    let current: string | undefined;
    try {
      current = await Deno.readTextFile(url);
    } catch {
      current = undefined;
    }
    if (current === text) continue;
    stale.push(path);
    if (!check) {
      await Deno.mkdir(new URL(".", url), { recursive: true });
      await Deno.writeTextFile(url, text);
    }
  }
  if (check) {
    if (stale.length > 0) {
      console.error(`stale generated files (run \`deno task gen\`): ${stale.join(", ")}`);
      return 1;
    }
    console.log(`gen: ${out.size} files up to date`);
    return 0;
  }
  console.log(
    stale.length ? `gen: wrote ${stale.join(", ")}` : `gen: ${out.size} files up to date`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

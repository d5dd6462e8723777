/**
 * `deno task check:node`: the codec (`./encoding`), gossipsub (`./gossipsub`) and codegen
 * (`./codegen`) entry points run in Node. The installed Node (20 here) cannot import TypeScript
 * (type stripping starts with Node 22.6), so each entry point is first bundled to one JavaScript
 * module with `deno bundle --platform=browser` (types stripped, nothing Deno-specific added, as a
 * JSR package reaches Node through npm); a bundle that names `Deno.` fails the check at once, then
 * `node tests/runtime/node_smoke.mjs` imports the bundles and uses each entry point.
 *
 * @module
 */

const ENTRY_POINTS = {
  encoding: "lib/encoding/mod.ts",
  gossipsub: "lib/gossipsub/mod.ts",
  codegen: "lib/codegen/mod.ts",
} as const;

const root = new URL("../../", import.meta.url);
const dir = await Deno.makeTempDir({ prefix: "tzp2p_node_check_" });

async function run(command: string, args: string[]): Promise<void> {
  const { code } = await new Deno.Command(command, {
    args,
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${code}`);
}

try {
  for (const [name, entry] of Object.entries(ENTRY_POINTS)) {
    const out = `${dir}/${name}.mjs`;
    await run(Deno.execPath(), [
      "bundle",
      "--quiet",
      "--platform=browser",
      "--format=esm",
      "-o",
      out,
      entry,
    ]);
    const uses = (await Deno.readTextFile(out)).match(/.{0,40}\bDeno\.\w+.{0,20}/g);
    if (uses) throw new Error(`${entry} reaches the Deno namespace: ${uses.join(" | ")}`);
  }
  await run("node", [new URL("node_smoke.mjs", import.meta.url).pathname, dir]);
} finally {
  await Deno.remove(dir, { recursive: true });
}

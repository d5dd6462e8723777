/**
 * Memory of an idle authenticated connection end: resident set size (RSS) per end, measured over
 * `COUNT` connection pairs in one process, beside bare `Deno.Conn` pairs with a pending read (the
 * floor the runtime sets) and beside today's code (the tree at commit 46813ca, imported from the
 * directory in `TZP2P_BASELINE`; skipped when unset).
 *
 *     TZP2P_BASELINE=/tmp/tzp2p-46813ca deno run --allow-read --allow-run --allow-env \
 *       --allow-ffi --allow-sys=loadavg bench/idle_bench.ts [COUNT=300] [RUNS=3]
 *
 * A script, not a `deno bench` file: RSS is not a time, and each figure needs a fresh process.
 * `deno bench` (e.g. `deno task bench`, without `--allow-run`) finds it by its name and only lists
 * it as ignored.
 * Every kind is measured RUNS times, each time in a new child process (bench/support/idle_child.ts
 * with `--v8-flags=--expose-gc`): it opens and closes 20 warm-up pairs, collects garbage, reads
 * `Deno.memoryUsage()`, opens COUNT pairs (TCP connect + authenticate + accept on both ends; for the
 * bare rows, two sockets each with one read pending), waits 300 ms with three collections, reads
 * it again, and reports (after − before) / (2 × COUNT). The runs of different kinds alternate, so
 * a load change on the machine spreads over all rows. With `--allow-ffi` the child's crypto
 * backend is native (it is whatever the start-up choice gives; memory per connection does not
 * depend on it).
 *
 * @module
 */

if (Deno.permissions.querySync({ name: "run" }).state === "granted") {
  await main();
} else {
  Deno.bench({
    name: "idle memory per connection: a script, run it with deno run (see its header)",
    ignore: true,
    fn() {},
  });
}

async function main(): Promise<void> {
  const count = Number(Deno.args[0] ?? 300);
  const runs = Number(Deno.args[1] ?? 3);
  const baseline = Deno.env.get("TZP2P_BASELINE");
  const ffi = Deno.permissions.querySync({ name: "ffi" }).state === "granted";
  const child = new URL("./support/idle_child.ts", import.meta.url).pathname;

  interface Figure {
    kind: string;
    rssPerEnd: number;
    heapPerEnd: number;
    externalPerEnd: number;
  }

  async function measure(kind: string): Promise<Figure> {
    const args = [
      "run",
      "--v8-flags=--expose-gc",
      "--allow-read",
      "--allow-net=127.0.0.1",
      "--allow-env",
      ...(ffi ? ["--allow-ffi"] : []),
      child,
      kind,
      String(count),
      ...(baseline !== undefined ? [baseline] : []),
    ];
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(stdout).trim();
    if (code !== 0) throw new Error(`${kind}: exit ${code}\n${new TextDecoder().decode(stderr)}`);
    return JSON.parse(text.split("\n").at(-1)!);
  }

  const LABELS: Record<string, string> = {
    "bare-4k": "bare Deno.Conn, read pending into 4 KiB",
    "bare-64k": "bare Deno.Conn, read pending into 64 KiB",
    ours: "tzp2p connection (this tree)",
    today: "tzp2p connection (46813ca, today)",
  };
  const kinds = ["bare-4k", "bare-64k", "ours", ...(baseline !== undefined ? ["today"] : [])];
  const results = new Map<string, Figure[]>(kinds.map((k) => [k, []]));
  for (let run = 0; run < runs; run++) {
    for (const kind of kinds) results.get(kind)!.push(await measure(kind));
  }

  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  };
  const kib = (bytes: number) => (bytes / 1024).toFixed(1);
  const medianOf = (kind: string, field: keyof Omit<Figure, "kind">) =>
    median(results.get(kind)!.map((f) => f[field]));

  let load = "?";
  try {
    load = Deno.loadavg().map((l) => l.toFixed(2)).join(" ");
  } catch {
    // --allow-sys=loadavg not given.
  }
  console.log(
    `${count} connection pairs (${
      2 * count
    } ends), ${runs} runs each, Deno ${Deno.version.deno}, ` +
      `ffi ${ffi ? "allowed" : "not allowed"}, load average ${load}`,
  );
  console.log("");
  console.log(
    "| Kind | RSS per end, KiB (median) | the runs | V8 heap per end, KiB | external per end, KiB |",
  );
  console.log("|---|---|---|---|---|");
  for (const kind of kinds) {
    const runsText = results.get(kind)!.map((f) => kib(f.rssPerEnd)).join(", ");
    console.log(
      `| ${LABELS[kind]} | ${kib(medianOf(kind, "rssPerEnd"))} | ${runsText} | ` +
        `${kib(medianOf(kind, "heapPerEnd"))} | ${kib(medianOf(kind, "externalPerEnd"))} |`,
    );
  }
  console.log("");
  const ours = medianOf("ours", "rssPerEnd");
  if (baseline !== undefined) {
    console.log(`today / this tree: ${(medianOf("today", "rssPerEnd") / ours).toFixed(2)}×`);
  }
  console.log(
    `this tree / bare (4 KiB read): ${(ours / medianOf("bare-4k", "rssPerEnd")).toFixed(2)}×`,
  );
}

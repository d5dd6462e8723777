// `tzp2p simulate` writes the JSON report and the four SVG plots.

import assert from "node:assert/strict";
import { main } from "../../lib/cli/main.ts";
import type { CliIo } from "../../lib/cli/io.ts";

function captureIo(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    out(text: string) {
      io.stdout += text;
      return Promise.resolve();
    },
    err(text: string) {
      io.stderr += text;
    },
    errIsTerminal: false,
  };
  return io;
}

Deno.test("tzp2p simulate writes report.json and the SVG plots", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const io = captureIo();
    const code = await main(
      [
        "simulate",
        "--nodes",
        "30",
        "--scenario",
        "sybil",
        "--seed",
        "2",
        "--out",
        dir,
        "--publications",
        "10",
        "--latency",
        "uniform:10:40",
      ],
      io,
    );
    assert.equal(code, 0, io.stderr);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/report.json`));
    assert.equal(report.config.nodes, 30);
    assert.equal(report.config.adversaries.kind, "sybil");
    assert.equal(report.delivery.ratio, 1);
    for (const name of ["latency_cdf", "delivery_over_time", "mesh_degree", "scores"]) {
      const svg = await Deno.readTextFile(`${dir}/${name}.svg`);
      assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.ok(svg.includes("<path") || svg.includes("<line"), name);
    }
    assert.match(io.stdout, /delivery 1 \(30\/30 nodes full\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tzp2p simulate with several seeds runs a sweep and writes sweep.json", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const io = captureIo();
    const code = await main(
      [
        "simulate",
        "--nodes",
        "20",
        "--scenario",
        "honest",
        "--seeds",
        "1,2",
        "--out",
        dir,
        "--publications",
        "5",
        "--workers",
        "2",
      ],
      io,
    );
    assert.equal(code, 0, io.stderr);
    const sweep = JSON.parse(await Deno.readTextFile(`${dir}/sweep.json`));
    assert.equal(sweep.groups[0].deliveryRatio.n, 2);
    assert.equal(sweep.groups[0].deliveryRatio.mean, 1);
    await Deno.stat(`${dir}/seed2_report.json`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tzp2p simulate refuses an unknown scenario with a usage error", async () => {
  const io = captureIo();
  const code = await main(["simulate", "--nodes", "10", "--scenario", "nope", "--out", "x"], io);
  assert.equal(code, 2);
  assert.match(io.stderr, /--scenario must be one of/);
});

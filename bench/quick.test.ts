// The whole-mesh benchmark end to end, small: embedded mode, one step per
// series, the pull baseline included. Figures are not judged here (the
// machine decides them); that every series runs and answers is. A change to
// the timeline's read wiring once made the pull baseline crash, and nothing
// ran the benchmark to notice.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

interface Step {
  rate: number;
  result: { ok: number; errorCount: number; errorSamples: Record<string, string>; generator?: { tool: string } };
}
interface Series {
  name: string;
  steps: Step[];
}

test("make bench-quick's run, smaller: every series runs and answers, the closed loop too, and the targets are judged", { timeout: 240_000 }, (t) => {
  const out = mkdtempSync(join(tmpdir(), "chirp-bench-"));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  // Below the kernel's ephemeral range (32768 up here), where an outgoing
  // connection could hold one of the ports the run binds.
  const portBase = 10_000 + Math.floor(Math.random() * 20_000);
  const run = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "bench/main.ts",
      "--mode=embedded",
      "--quick",
      "--users=60",
      "--variants=rest,grpc",
      "--baselines=pull,closed",
      "--closed-duration=1",
      "--rates=20",
      "--duration=2",
      "--warmup=1",
      "--baseline-duration=1",
      "--no-profile",
      `--port-base=${portBase}`,
      `--out=${out}`,
    ],
    { cwd: ROOT, encoding: "utf8", timeout: 230_000 },
  );
  assert.equal(run.status, 0, `bench exited ${run.status}:\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`);
  const result = JSON.parse(readFileSync(join(out, "quick-embedded-latest.json"), "utf8")) as {
    variants: Series[];
    baselines: Series[];
    closedLoop?: { page?: { bytes: number }; bare?: { rate: number; errorCount: number }; home?: { rate: number; errorCount: number }; skipped?: string };
    targets?: Array<{ status: string; target: string }>;
  };
  const byName = new Map([...result.variants, ...result.baselines].map((s) => [s.name, s]));
  for (const name of ["rest", "grpc", "fanout", "pull"]) {
    const series = byName.get(name);
    assert.ok(series && series.steps.length > 0, `series ${name} ran`);
    for (const step of series.steps) {
      assert.ok(step.result.ok > 0, `${name} answered`);
      assert.equal(step.result.errorCount, 0, `${name} without errors: ${JSON.stringify(step.result.errorSamples)}`);
    }
  }
  // The REST mix is sent by mixload (C), not from Node.
  for (const step of byName.get("rest")!.steps) assert.equal(step.result.generator?.tool, "mixload");
  const c = result.closedLoop;
  assert.ok(c?.page && c.page.bytes > 1000, `a home page was taken: ${JSON.stringify(c)}`);
  assert.ok(c.bare && c.bare.rate > 0 && c.bare.errorCount === 0, `bare server: ${JSON.stringify(c.bare)}`);
  assert.ok(c.home && c.home.rate > 0 && c.home.errorCount === 0, `home reads: ${JSON.stringify(c.home)}`);
  assert.equal(result.targets?.length, 4);
  const md = readFileSync(join(out, "quick-embedded-latest.md"), "utf8");
  assert.match(md, /## Targets \(issue 29\)/);
  assert.match(md, /^(PASS|FAIL|NOT MEASURED) +All-in-one: mixed load/m);
  assert.match(md, /CPU per outside request/);
  assert.match(run.stdout, /^(PASS|FAIL|NOT MEASURED) +Cluster mode: summed CPU/m);
});

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

// The per-service benchmarks that read their options through benchArgs.
const BENCHES = ["services/tweet/bench.ts", "services/timeline/bench.ts"];
const run = (file: string, ...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", file, ...args], { encoding: "utf8", timeout: 60_000 });

for (const file of BENCHES) {
  test(`${file} --help prints its usage and starts nothing`, () => {
    const r = run(file, "--help");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^node --import tsx ${file} \\[--mode=`));
    assert.match(r.stdout, /--rate=|--creates=/);
  });

  test(`${file} answers an unknown option with the usage, not a stack trace`, () => {
    const r = run(file, "--no-such-option=1");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /Unknown option '--no-such-option'/);
    assert.match(r.stderr, new RegExp(`node --import tsx ${file}`));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
}

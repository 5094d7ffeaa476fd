import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

// The per-service benchmarks, which read their options through benchArgs, each
// with an integer option to get wrong. None of these runs gets as far as
// starting a service.
const BENCHES: Array<[file: string, intOption: string]> = [
  ["services/user/bench.ts", "users"],
  ["services/graph/bench.ts", "follows"],
  ["services/tweet/bench.ts", "creates"],
  ["services/timeline/bench.ts", "rate"],
];
const run = (file: string, ...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", file, ...args], { encoding: "utf8", timeout: 60_000 });
const usageOf = (file: string) => new RegExp(`node --import tsx ${file} \\[--mode=(embedded\\|cluster|cluster\\|embedded)\\]`);

for (const [file, intOption] of BENCHES) {
  test(`${file} --help prints its usage and starts nothing`, () => {
    const r = run(file, "--help");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, usageOf(file));
    assert.match(r.stdout, new RegExp(`--${intOption}=\\d`));
  });

  test(`${file} answers an unknown option, a bad number or a bad mode with the usage, not a stack trace`, () => {
    for (const [args, message] of [
      [["--no-such-option=1"], /Unknown option '--no-such-option'/],
      [[`--${intOption}=ten`], new RegExp(`--${intOption} must be a positive integer, got 'ten'`)],
      [["--mode=local"], /--mode must be embedded or cluster, got 'local'/],
      ...(file.includes("timeline") ? ([[["--phases=reads,reeds"], /--phases: 'reeds' is not one of visible, fanout, reads, pull/]] as const) : []),
    ] as const) {
      const r = run(file, ...args);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, usageOf(file));
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });
}

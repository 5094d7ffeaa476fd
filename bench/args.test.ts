import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

// The per-service benchmarks, which read their options through benchArgs, each
// with a number option to get wrong. None of these runs gets as far as
// starting a service.
const BENCHES: Array<[file: string, numOption: string]> = [
  ["bench/services/user/main.ts", "users"],
  ["bench/services/graph/main.ts", "follows"],
  ["bench/services/tweet/main.ts", "creates"],
  ["bench/services/timeline/main.ts", "rate"],
  ["bench/services/search/main.ts", "tweets"],
];
const run = (file: string, ...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", file, ...args], { encoding: "utf8", timeout: 60_000 });
const usageOf = (file: string) => new RegExp(`node --import tsx ${file} \\[--mode=(embedded\\|cluster|cluster\\|embedded)\\]`);

for (const [file, numOption] of BENCHES) {
  test(`${file} --help prints its usage and starts nothing`, () => {
    const r = run(file, "--help");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, usageOf(file));
    assert.match(r.stdout, new RegExp(`--${numOption}=\\d`));
  });

  test(`${file} answers an unknown option, a bad number or a bad mode with the usage, not a stack trace`, () => {
    for (const [args, message] of [
      [["--no-such-option=1"], /Unknown option '--no-such-option'/],
      [[`--${numOption}=ten`], new RegExp(`--${numOption}: expected a number >= 1, got 'ten'`)],
      [[`--${numOption}=0`], new RegExp(`--${numOption}: expected a number >= 1, got '0'`)],
      [["--mode=local"], /--mode: embedded or cluster, got 'local'/],
      ...(file.includes("timeline") ? ([[["--phases=reads,reeds"], /--phases: unknown reeds \(choose from visible, fanout, reads, pull\)/]] as const) : []),
      ...(file.includes("timeline") || file.includes("tweet") ? ([[["--generator=wrk"], /--generator: h2load or node, got 'wrk'/]] as const) : []),
    ] as const) {
      const r = run(file, ...args);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, usageOf(file));
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });
}

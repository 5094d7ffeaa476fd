// The README is for users: short enough to read, and free of benchmark
// figures, which belong in bench/README.md (current) and bench/HISTORY.md.
import { readFileSync } from "node:fs";
import test from "ava";

const MAX_LINES = 300;
const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const lines = readme.replace(/\n$/, "").split("\n");

test(`README.md has at most ${MAX_LINES} lines`, (t) => {
  t.true(
    lines.length <= MAX_LINES,
    `README.md has ${lines.length} lines, more than ${MAX_LINES}: move detail to bench/README.md, scripts/deps/README.md or the code's own comments`,
  );
});

test("README.md has no benchmark figures", (t) => {
  const figure = /\bp(50|99)\b[^\n]*\d+(\.\d+)?\s*ms/i;
  const found = lines.map((line, i) => ({ line, n: i + 1 })).filter(({ line }) => figure.test(line));
  t.deepEqual(
    found.map(({ n, line }) => `README.md:${n}: ${line}`),
    [],
    "latency figures belong in bench/README.md (current) or bench/HISTORY.md (history)",
  );
});

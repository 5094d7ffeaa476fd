// `make bench-keep [RUN=<name>]`: copies a run's report (its .md, .json, .svg
// and .png) from bench/results/ into bench/results/reports/, the one folder
// there that git tracks, to be committed with the figures that quote it.
// Without a name: the newest full run of each mode (<mode>-latest.json says
// which run that is).
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runNameOf } from "./report.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const results = join(ROOT, "bench", "results");
const kept = join(results, "reports");

function latest(mode: string): string | undefined {
  const file = join(results, `${mode}-latest.json`);
  if (!existsSync(file)) return undefined;
  const r = JSON.parse(readFileSync(file, "utf8")) as { kind: string; mode: string; startedAt: string };
  return runNameOf(r.kind === "quick", r.mode, new Date(r.startedAt));
}

const names = process.argv.slice(2).filter(Boolean).map((n) => n.replace(/\.(md|json|svg|png)$/, ""));
const runs = names.length ? names : (["embedded", "cluster"].map(latest).filter(Boolean) as string[]);
if (runs.length === 0) {
  process.stderr.write("bench-keep: no run to keep (no bench/results/<mode>-latest.json; name one with RUN=<name>)\n");
  process.exit(1);
}
mkdirSync(kept, { recursive: true });
for (const run of runs) {
  const files = ["md", "json", "svg", "png"].map((ext) => `${run}.${ext}`).filter((f) => existsSync(join(results, f)));
  if (!files.some((f) => f.endsWith(".md"))) {
    process.stderr.write(`bench-keep: bench/results/${run}.md not found\n`);
    process.exit(1);
  }
  for (const f of files) copyFileSync(join(results, f), join(kept, f));
  process.stdout.write(`kept ${files.map((f) => relative(ROOT, join(kept, f))).join(", ")}\n`);
}
process.stdout.write("commit them with the figures in bench/README.md that quote them\n");

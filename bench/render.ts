// Re-renders the Markdown report and the chart of a saved result:
//   node --import tsx bench/render.ts bench/results/<run>.json
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { buildReport, type BenchResult } from "./report.js";

const file = process.argv[2];
if (!file?.endsWith(".json")) {
  process.stderr.write("usage: node --import tsx bench/render.ts bench/results/<run>.json\n");
  process.exit(2);
}
const result = JSON.parse(readFileSync(file, "utf8")) as BenchResult;
for (const p of buildReport(result, resolve(file.slice(0, -".json".length)), { latest: false })) process.stdout.write(`wrote ${p}\n`);

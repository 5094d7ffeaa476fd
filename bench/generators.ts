// What the REST mix's generator costs: the same plan of streams sent by
// mixload (one process) and by h2load (one process per stream) to the bare
// node:http server, at the same rates in the same run, with the CPU each
// generator used per request and the latencies it measured. The figures
// decide whether the hand-written mixload earns its place (bench/README.md).
//   node --import tsx bench/generators.ts [--rates=500,1000,2000,3000] [--duration=8] [--warmup=2]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startBare } from "./baselines/bare.js";
import { DEFAULT_MIX, type Population } from "./mix.js";
import { log } from "./progress.js";
import { planMix, runRestMix, type MixTool } from "./rest-mix.js";
import { WeightedSampler } from "./rng.js";

const { values } = parseArgs({ options: { rates: { type: "string" }, duration: { type: "string" }, warmup: { type: "string" }, port: { type: "string" } } });
const rates = (values.rates ?? "500,1000,2000,3000").split(",").map(Number);
const durationS = Number(values.duration ?? 8);
const warmupS = Number(values.warmup ?? 2);
if (rates.some((r) => !(r > 0)) || !(durationS > 0) || !(warmupS >= 0)) throw new Error("--rates: positive numbers; --duration > 0; --warmup >= 0");

const users = 3000;
const pop: Population = {
  actors: Array.from({ length: users }, (_, i) => ({ id: BigInt(1_000_000 + i), token: `token-${i}-${"x".repeat(200)}` })),
  popular: new WeightedSampler(Array.from({ length: users }, (_, i) => 1 / (i + 1))),
};
// A home page's size (the bare server answers every request with it).
const page = { body: Buffer.from(JSON.stringify({ entries: Array.from({ length: 20 }, (_, i) => ({ id: String(i), text: "y".repeat(600) })) })), contentType: "application/json", tweets: 20, reader: 0 };

const dir = mkdtempSync(join(tmpdir(), "chirp-generators-"));
const bare = await startBare({ repoRoot: resolve(import.meta.dirname, ".."), port: Number(values.port ?? 18158), page, dir, logDir: dir });
const rows: string[] = [];
try {
  for (const rate of rates) {
    for (const tool of ["mixload", "h2load"] as MixTool[]) {
      const streams = planMix({ rate, mix: DEFAULT_MIX, pop, seed: rate, warmupS, durationS, maxReaders: 200 });
      log(`${tool} at ${rate}/s: ${streams.length} streams, ${warmupS}+${durationS} s`);
      const r = await runRestMix({ tool, url: bare.url, streams, rate, warmupS, durationS });
      const g = r.generator;
      const cpu = g.cpuMs !== undefined ? (g.cpuMs / g.requests).toFixed(3) : "?";
      const line = `| ${rate} | ${tool} | ${streams.length} | ${r.throughput.toFixed(0)} | ${r.errorCount} | ${cpu} | ${g.cpuMs !== undefined ? ((g.cpuMs / g.wallMs) * 100).toFixed(0) : "?"}% | ${r.latency.p50.toFixed(2)} | ${r.latency.p99.toFixed(2)} | ${r.dispatchLag.p99.toFixed(2)} |`;
      log(line);
      rows.push(line);
    }
  }
} finally {
  await bare.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log("\n| offered/s | generator | streams | answered/s | errors | generator CPU ms per request | generator CPU (% of a core, whole step) | p50 ms | p99 ms | sent late p99 ms |");
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows) console.log(r);

// The targets of issue 29, judged on a run's result and printed as PASS /
// FAIL lines (or NOT MEASURED, when this run did not measure that one: an
// embedded run does not measure the cluster's targets, nor a run without the
// closed loop or without a step at the cluster's target rate). Each target is
// judged by its own criteria (p99 <= 50 ms, no errors, answers keeping up with
// the offered rate), whatever SLO the run stepped with.
import type { BenchResult, StepRecord } from "./report.js";
import { judge, type Slo } from "./step.js";

export const TARGETS = {
  /** Mixed requests per second, open loop, REST through the gateway. */
  clusterRate: 1000,
  embeddedRate: 3000,
  /** Chirp's closed-loop home reads against the bare node:http server's, same run. */
  homeShareOfBare: 0.25,
  homeReaders: 2000,
  /** Summed CPU of Chirp's processes per outside request at clusterRate, in cluster mode. */
  cpuMsPerRequest: 1,
} as const;

export const TARGET_SLO: Slo = { p99Ms: 50, maxErrorRate: 0, minThroughputRatio: 0.9 };

export type TargetStatus = "PASS" | "FAIL" | "NOT MEASURED";

export interface TargetLine {
  status: TargetStatus;
  target: string;
  measured: string;
}

export interface CpuPerRequest {
  rate: number;
  /** Answers per second the CPU is divided by. */
  answered: number;
  /** ms of CPU per outside request, per Chirp process. */
  chirp: Record<string, number>;
  chirpTotal: number;
  /** The same for every other watched process (backends, baselines idle meanwhile, this process). */
  others: Record<string, number>;
  /** The REST generator's processes over the whole step (start-up included), if known. */
  generator?: number;
}

const aRun = (r: BenchResult) => (r.mode === "embedded" ? "an embedded (all-in-one) run" : "a cluster-mode run");
const n0 = (x: number) => Math.round(x).toLocaleString("en-US");
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

/** CPU (ms) per answered outside request over a step's window, per process. */
export function cpuPerRequest(step: StepRecord, chirpProcesses: readonly string[]): CpuPerRequest | undefined {
  const cpu = step.cpu;
  const answered = step.result.throughput;
  if (!cpu || !(answered > 0)) return undefined;
  // % of a core over the window -> ms of CPU per second -> per request.
  const per = (pct: number) => (pct * 10) / answered;
  const chirp: Record<string, number> = {};
  const others: Record<string, number> = {};
  for (const [name, pct] of Object.entries(cpu.processes)) (chirpProcesses.includes(name) ? chirp : others)[name] = per(pct);
  const g = (step.result as { generator?: { cpuMs?: number; requests?: number } }).generator;
  return {
    rate: step.rate,
    answered,
    chirp,
    chirpTotal: Object.values(chirp).reduce((a, b) => a + b, 0),
    others,
    ...(g?.cpuMs !== undefined && g.requests ? { generator: g.cpuMs / g.requests } : {}),
  };
}

function rateTarget(r: BenchResult, mode: "cluster" | "embedded", want: number, label: string): TargetLine {
  const target = `${label}: mixed load (REST via the gateway, open loop) ≥ ${n0(want)}/s at p99 ≤ ${TARGET_SLO.p99Ms} ms, no errors`;
  if (r.mode !== mode) return { status: "NOT MEASURED", target, measured: `${aRun(r)}; \`make ${mode === "cluster" ? "bench-cluster" : "bench"}\` measures it` };
  const rest = r.variants.find((v) => v.name === "rest");
  if (!rest || rest.steps.length === 0) return { status: "NOT MEASURED", target, measured: "the REST series did not run" };
  const within = rest.steps.filter((s) => judge(s.result, TARGET_SLO).pass).sort((a, b) => b.rate - a.rate);
  const best = within[0];
  const at = rest.steps.filter((s) => s.rate >= want).sort((a, b) => a.rate - b.rate)[0];
  const bestText = best ? `highest rate within it ${n0(best.rate)}/s (p99 ${ms(best.result.latency.p99)} ms)` : "no step within it";
  const atText = at && at !== best ? `; at ${n0(at.rate)}/s: ${judge(at.result, TARGET_SLO).reason}` : "";
  return { status: best && best.rate >= want ? "PASS" : "FAIL", target, measured: bestText + atText };
}

export function judgeTargets(r: BenchResult): TargetLine[] {
  const lines: TargetLine[] = [rateTarget(r, "cluster", TARGETS.clusterRate, "Cluster mode"), rateTarget(r, "embedded", TARGETS.embeddedRate, "All-in-one")];

  const homeTarget = `Home read (20 tweets) through the all-in-one's gateway, closed loop over ${n0(TARGETS.homeReaders)} readers: ≥ ${TARGETS.homeShareOfBare * 100}% of a bare node:http server's throughput on the same page, same run`;
  const c = r.closedLoop;
  if (r.mode !== "embedded") lines.push({ status: "NOT MEASURED", target: homeTarget, measured: `${aRun(r)}${c?.home && c.bare ? ` (here: ${(c.home.rate / c.bare.rate * 100).toFixed(1)}%, ${n0(c.home.rate)} against ${n0(c.bare.rate)}/s)` : ""}; \`make bench\` measures it` });
  else if (!c?.home || !c.bare) lines.push({ status: "NOT MEASURED", target: homeTarget, measured: c?.skipped ?? "the closed loop did not run" });
  else {
    const share = c.home.rate / c.bare.rate;
    const text = `${(share * 100).toFixed(1)}%: ${n0(c.home.rate)} reads/s against ${n0(c.bare.rate)}/s (${c.home.readers} readers, ${c.home.connections} connections${c.home.errorCount ? `; ${c.home.errorCount} errors` : ""})`;
    if (c.home.readers < TARGETS.homeReaders) lines.push({ status: "NOT MEASURED", target: homeTarget, measured: `only ${c.home.readers} readers (fewer users seeded); ${text}` });
    else lines.push({ status: share >= TARGETS.homeShareOfBare && c.home.errorCount === 0 ? "PASS" : "FAIL", target: homeTarget, measured: text });
  }

  const cpuTarget = `Cluster mode: summed CPU of Chirp's processes ≤ ${TARGETS.cpuMsPerRequest} ms per outside request at ${n0(TARGETS.clusterRate)}/s`;
  if (r.mode !== "cluster") lines.push({ status: "NOT MEASURED", target: cpuTarget, measured: `${aRun(r)}; \`make bench-cluster\` measures it` });
  else {
    const rest = r.variants.find((v) => v.name === "rest");
    const step = rest?.steps.find((s) => s.rate === TARGETS.clusterRate);
    const cpu = step && r.chirpProcesses?.length ? cpuPerRequest(step, r.chirpProcesses) : undefined;
    if (!cpu) lines.push({ status: "NOT MEASURED", target: cpuTarget, measured: `no step at ${n0(TARGETS.clusterRate)}/s with CPU figures in this run` });
    else
      lines.push({
        status: cpu.chirpTotal <= TARGETS.cpuMsPerRequest ? "PASS" : "FAIL",
        target: cpuTarget,
        measured: `${ms(cpu.chirpTotal)} ms (${Object.entries(cpu.chirp).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${ms(v)}`).join(", ")}) at ${n0(cpu.answered)} answers/s`,
      });
  }
  return lines;
}

export const targetLineText = (t: TargetLine): string => `${t.status.padEnd(12)} ${t.target} — ${t.measured}`;

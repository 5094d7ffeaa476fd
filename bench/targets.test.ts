import assert from "node:assert/strict";
import { test } from "node:test";
import type { OpenLoopResult } from "./openloop.js";
import type { BenchResult, ClosedLoopRecord, StepRecord } from "./report.js";
import { cpuPerRequest, judgeTargets } from "./targets.js";

const step = (rate: number, p99: number, errors = 0, cpu?: Record<string, number>): StepRecord => ({
  rate,
  pass: true,
  reason: "",
  loadAverage: [0, 0, 0],
  result: {
    targetRate: rate,
    durationS: 10,
    sent: rate * 10,
    ok: rate * 10 - errors,
    errors: errors ? { "503": errors } : {},
    errorSamples: {},
    errorCount: errors,
    errorRate: errors / (rate * 10),
    throughput: rate,
    goodput: rate,
    latency: { count: rate * 10, mean: 1, p50: 1, p90: 2, p99, p999: p99, max: p99 },
    byKind: {},
    dispatchLag: { p99: 0, max: 0 },
    maxInFlight: 0,
    unfinished: 0,
  } satisfies OpenLoopResult,
  ...(cpu ? { cpu: { processes: cpu, machineBusy: 50 } } : {}),
});

const wrk = (rate: number, readers: number, errorCount = 0) => ({
  requests: rate * 10,
  seconds: 10,
  rate,
  errors: { status: errorCount, connect: 0, read: 0, write: 0, timeout: 0 },
  errorCount,
  latency: { mean: 1, p50: 1, p90: 1, p99: 2, max: 3 },
  bytes: 0,
  connections: 32,
  threads: 2,
  readers,
});

const result = (mode: "cluster" | "embedded", steps: StepRecord[], closedLoop?: ClosedLoopRecord) =>
  ({ mode, kind: "full", variants: [{ name: "rest", label: "rest", steps }], baselines: [], chirpProcesses: ["gateway", "timeline", "all"], ...(closedLoop ? { closedLoop } : {}) }) as unknown as BenchResult;

test("cluster targets: the rate needs a step at or above it with p99 <= 50 ms and no errors; CPU is judged at 1,000/s", () => {
  // 1,000/s had one error; 1,200/s was clean but slow: not met. CPU at 1,000/s: (40 + 50)% of a core / 1,000 answers = 0.9 ms.
  const r = result("cluster", [step(800, 20), step(1000, 30, 1, { gateway: 40, timeline: 50, cassandra: 70, bench: 3 }), step(1200, 80)]);
  const [cluster, embedded, home, cpu] = judgeTargets(r);
  assert.equal(cluster!.status, "FAIL");
  assert.match(cluster!.measured, /highest rate within it 800\/s/);
  assert.equal(embedded!.status, "NOT MEASURED");
  assert.equal(home!.status, "NOT MEASURED");
  assert.equal(cpu!.status, "PASS", cpu!.measured);
  assert.match(cpu!.measured, /^0\.90 ms \(timeline 0\.50, gateway 0\.40\)/);
  const c = cpuPerRequest(r.variants[0]!.steps[1]!, ["gateway", "timeline"])!;
  assert.deepEqual(c.others, { cassandra: 0.7, bench: 0.03 });

  const met = judgeTargets(result("cluster", [step(1000, 49, 0, { gateway: 80, timeline: 40 }), step(1500, 60)]));
  assert.equal(met[0]!.status, "PASS");
  assert.equal(met[3]!.status, "FAIL", "1.2 ms of CPU per request");
  assert.equal(judgeTargets(result("cluster", [step(900, 10)]))[3]!.status, "NOT MEASURED", "no step at 1,000/s");
});

test("all-in-one targets: 3,000/s, and the closed-loop home read against the bare server over 2,000 readers", () => {
  const closed = (home: number, bare: number, readers: number, errors = 0): ClosedLoopRecord => ({ readers, connections: 32, threads: 2, durationS: 10, warmupS: 3, home: wrk(home, readers, errors), bare: wrk(bare, readers) });
  const [cluster, embedded, home, cpu] = judgeTargets(result("embedded", [step(3000, 45)], closed(8000, 30000, 2000)));
  assert.equal(cluster!.status, "NOT MEASURED");
  assert.equal(cpu!.status, "NOT MEASURED");
  assert.equal(embedded!.status, "PASS");
  assert.equal(home!.status, "PASS", home!.measured);
  assert.match(home!.measured, /^26\.7%/);
  assert.equal(judgeTargets(result("embedded", [step(3000, 45)], closed(7000, 30000, 2000)))[2]!.status, "FAIL");
  assert.equal(judgeTargets(result("embedded", [step(3000, 45)], closed(9000, 30000, 2000, 5)))[2]!.status, "FAIL", "errors fail it");
  assert.equal(judgeTargets(result("embedded", [step(3000, 45)], closed(9000, 30000, 200)))[2]!.status, "NOT MEASURED", "too few readers");
  assert.equal(judgeTargets(result("embedded", [step(3000, 55)]))[1]!.status, "FAIL");
  assert.equal(judgeTargets(result("embedded", [step(3000, 45)]))[2]!.status, "NOT MEASURED", "no closed loop");
});

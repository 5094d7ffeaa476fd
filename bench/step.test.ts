import assert from "node:assert/strict";
import { test } from "node:test";
import { emptySummary } from "./histogram.js";
import type { OpenLoopResult } from "./openloop.js";
import { DEFAULT_SLO, judge, stepRates, type StepPlan } from "./step.js";

/** A system that keeps p99 at 10 ms up to `capacity` requests/s and collapses beyond. */
function fake(capacity: number) {
  return async (rate: number) => {
    const p99 = rate <= capacity ? 10 : 2000;
    const result: OpenLoopResult = {
      targetRate: rate,
      durationS: 1,
      sent: rate,
      ok: rate,
      errors: {},
      errorSamples: {},
      errorCount: 0,
      errorRate: 0,
      throughput: rate <= capacity ? rate : capacity,
      goodput: rate,
      latency: { ...emptySummary(), count: rate, p50: 5, p99 },
      byKind: {},
      dispatchLag: { p99: 0, max: 0 },
      maxInFlight: 1,
      unfinished: 0,
    };
    return { result };
  };
}

const plan: StepPlan = { start: 100, factor: 1.5, maxRate: 100_000, refine: 3, resolution: 0.02, maxSteps: 20 };

test("climbs until the SLO breaks, then bisects", async () => {
  const { steps, best } = await stepRates(plan, DEFAULT_SLO, fake(1000));
  assert.ok(best && best.rate <= 1000 && best.rate >= 850, `best ${best?.rate}`);
  assert.ok(steps.some((s) => !s.pass));
  const rates = steps.map((s) => s.rate);
  assert.deepEqual(rates.slice(0, 3), [100, 150, 230]);
});

test("goes down when the first step already fails", async () => {
  const { steps, best } = await stepRates(plan, DEFAULT_SLO, fake(40));
  assert.equal(steps[0]!.pass, false);
  assert.ok(best && best.rate <= 40, `best ${best?.rate}`);
});

test("explicit rates stop after two failures in a row", async () => {
  const { steps, best } = await stepRates({ ...plan, rates: [100, 200, 400, 800, 1600] }, DEFAULT_SLO, fake(150));
  assert.deepEqual(steps.map((s) => s.rate), [100, 200, 400]);
  assert.equal(best?.rate, 100);
});

test("respects maxSteps", async () => {
  const { steps } = await stepRates({ ...plan, maxSteps: 3 }, DEFAULT_SLO, fake(100_000));
  assert.equal(steps.length, 3);
});

test("judge names every reason", () => {
  const r = {
    targetRate: 100,
    latency: { ...emptySummary(), count: 10, p99: 80 },
    errorRate: 0.05,
    throughput: 50,
    aborted: "overloaded",
  } as OpenLoopResult;
  const j = judge(r, DEFAULT_SLO);
  assert.equal(j.pass, false);
  for (const word of ["overloaded", "p99", "errors", "answered"]) assert.match(j.reason, new RegExp(word));
});

// Rate stepping: finds the highest rate the system sustains within the SLO
// (p99 <= 50 ms by default, under 1% errors, answers keeping up with the
// offered rate). Either an explicit list of rates (run in order, stopping
// after two failures in a row), or automatic: multiply the rate by `factor`
// until a step fails or maxRate is reached (divide it while the first steps
// fail, on a machine slower than the start rate assumes), then bisect between
// the last pass and the first failure `refine` times.
import type { OpenLoopResult } from "./openloop.js";

export interface Slo {
  p99Ms: number;
  maxErrorRate: number;
  /** Responses within the window must be at least this share of the offered rate. */
  minThroughputRatio: number;
}

export const DEFAULT_SLO: Slo = { p99Ms: 50, maxErrorRate: 0.01, minThroughputRatio: 0.9 };

export interface StepPlan {
  rates?: number[];
  start: number;
  factor: number;
  maxRate: number;
  refine: number;
  /** Bisection stops when the gap is narrower than this share of the rate. */
  resolution: number;
  /** At most this many steps in all (automatic plans). */
  maxSteps: number;
}

export interface Judged<T extends { result: OpenLoopResult }> {
  rate: number;
  pass: boolean;
  reason: string;
  step: T;
}

export function judge(r: OpenLoopResult, slo: Slo): { pass: boolean; reason: string } {
  const why: string[] = [];
  if (r.aborted) why.push(r.aborted);
  if (r.latency.count === 0) why.push("no successful request");
  if (r.latency.p99 > slo.p99Ms) why.push(`p99 ${r.latency.p99.toFixed(1)} ms > ${slo.p99Ms} ms`);
  if (r.errorRate > slo.maxErrorRate) why.push(`errors ${(r.errorRate * 100).toFixed(2)}% > ${(slo.maxErrorRate * 100).toFixed(0)}%`);
  if (r.throughput < r.targetRate * slo.minThroughputRatio) why.push(`answered ${r.throughput.toFixed(0)}/s of ${r.targetRate}/s offered`);
  return { pass: why.length === 0, reason: why.length ? why.join("; ") : "within SLO" };
}

const nice = (x: number) => (x >= 1000 ? Math.round(x / 50) * 50 : x >= 100 ? Math.round(x / 10) * 10 : Math.max(1, Math.round(x)));

export async function stepRates<T extends { result: OpenLoopResult }>(
  plan: StepPlan,
  slo: Slo,
  run: (rate: number) => Promise<T>,
  onStep?: (j: Judged<T>) => void,
): Promise<{ steps: Judged<T>[]; best?: Judged<T> }> {
  const steps: Judged<T>[] = [];
  const go = async (rate: number) => {
    const step = await run(rate);
    const j = { rate, ...judge(step.result, slo), step };
    steps.push(j);
    onStep?.(j);
    return j;
  };

  if (plan.rates?.length) {
    let failsInARow = 0;
    for (const rate of plan.rates) {
      const j = await go(rate);
      failsInARow = j.pass ? 0 : failsInARow + 1;
      if (failsInARow >= 2) break;
    }
  } else {
    // Up by `factor` while steps pass; if the very first fails, down by it until one passes.
    let lastPass = 0;
    let firstFail = 0;
    let rate = nice(plan.start);
    while (rate <= plan.maxRate && rate >= 1 && steps.length < plan.maxSteps) {
      const j = await go(rate);
      if (j.pass) {
        lastPass = rate;
        if (firstFail) break;
        const up = nice(rate * plan.factor);
        if (up <= rate) break;
        rate = up;
      } else {
        firstFail = rate;
        if (lastPass) break;
        const down = nice(rate / plan.factor);
        if (down >= rate) break;
        rate = down;
      }
    }
    for (let k = 0; k < plan.refine && lastPass > 0 && firstFail > 0 && steps.length < plan.maxSteps; k++) {
      const mid = nice((lastPass + firstFail) / 2);
      if (mid <= lastPass || mid >= firstFail || (firstFail - lastPass) / firstFail < plan.resolution) break;
      const j = await go(mid);
      if (j.pass) lastPass = mid;
      else firstFail = mid;
    }
  }
  const passed = steps.filter((s) => s.pass);
  const best = passed.length ? passed.reduce((a, b) => (b.rate > a.rate ? b : a)) : undefined;
  return best ? { steps, best } : { steps };
}

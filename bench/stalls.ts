// What held up one thread during a phase: how late its event loop ran (a
// 10 ms timer's lateness: a stall shorter than that may go unseen) and its garbage
// collection pauses, major ones apart. A tail latency far above the median
// is either a stall like these or a queue behind one; this says which thread
// had them, so a benchmark can print it next to the latencies.
import { monitorEventLoopDelay, PerformanceObserver, constants, type PerformanceEntry } from "node:perf_hooks";

type GcEntry = PerformanceEntry & { detail?: { kind?: number } };

export interface Stalls {
  /** The longest the event loop was held, and its p99 over the phase (ms). */
  loopMaxMs: number;
  loopP99Ms: number;
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
  /** Mark-compact pauses alone. */
  majorCount: number;
  majorMaxMs: number;
}

/** The loop's probe: a timer this often (ms). Its histogram holds the interval between ticks, so the resolution is taken off. */
const RESOLUTION_MS = 10;

export function watchStalls(): { stop(): Stalls } {
  const loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const gc = { count: 0, total: 0, max: 0, majorCount: 0, majorMax: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) record(e);
  });
  const record = (e: GcEntry) => {
    gc.count++;
    gc.total += e.duration;
    gc.max = Math.max(gc.max, e.duration);
    if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      gc.majorCount++;
      gc.majorMax = Math.max(gc.majorMax, e.duration);
    }
  };
  observer.observe({ entryTypes: ["gc"] });
  loop.enable();
  return {
    stop() {
      loop.disable();
      for (const e of observer.takeRecords()) record(e);
      observer.disconnect();
      // The histogram is in ns; with nothing recorded its max is 0 and its percentiles NaN.
      const late = (ns: number) => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - RESOLUTION_MS) : 0);
      return {
        loopMaxMs: late(loop.max),
        loopP99Ms: late(loop.percentile(99)),
        gcCount: gc.count,
        gcTotalMs: gc.total,
        gcMaxMs: gc.max,
        majorCount: gc.majorCount,
        majorMaxMs: gc.majorMax,
      };
    },
  };
}

/** One line: "event loop held up to 48 ms (p99 12 ms); GC 31 pauses, 190 ms in all, longest 41 ms (major: 2, longest 41 ms)". */
export function stallsLine(s: Stalls): string {
  const f = (x: number) => x.toFixed(x < 10 ? 1 : 0);
  return (
    `event loop held up to ${f(s.loopMaxMs)} ms (p99 ${f(s.loopP99Ms)} ms); ` +
    `GC ${s.gcCount} pauses, ${f(s.gcTotalMs)} ms in all, longest ${f(s.gcMaxMs)} ms (major: ${s.majorCount}, longest ${f(s.majorMaxMs)} ms)`
  );
}

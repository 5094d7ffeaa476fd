// What held up one thread during a phase: how late its event loop ran (a
// 10 ms timer's lateness: a stall shorter than that may go unseen) and its garbage
// collection pauses, major ones apart. A tail latency far above the median
// is either a stall like these or a queue behind one; this says which thread
// had them, so a benchmark can print it next to the latencies. With the
// bytes the thread allocated over the phase, per call: what a call costs the
// collector, a figure that does not move with the machine's noise.
import { monitorEventLoopDelay, PerformanceObserver, constants, type PerformanceEntry } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";

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
  /** Bytes this thread's heap allocated over the phase (undefined on a Node without V8's counter). */
  allocatedBytes: number | undefined;
}

/** V8's running total of bytes allocated by this thread's isolate. */
function allocatedSoFar(): number | undefined {
  return (getHeapStatistics() as { total_allocated_bytes?: number }).total_allocated_bytes;
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
  const allocatedAtStart = allocatedSoFar();
  return {
    stop() {
      loop.disable();
      const allocated = allocatedSoFar();
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
        allocatedBytes: allocated === undefined || allocatedAtStart === undefined ? undefined : allocated - allocatedAtStart,
      };
    },
  };
}

/**
 * One line: "event loop held up to 48 ms (p99 12 ms); GC 31 pauses, 190 ms in
 * all, longest 41 ms (major: 2, longest 41 ms)", and with the phase's `calls`
 * "; 104 KB allocated per call".
 */
export function stallsLine(s: Stalls, calls?: number): string {
  const f = (x: number) => x.toFixed(x < 10 ? 1 : 0);
  const perCall = calls && s.allocatedBytes !== undefined ? `; ${f(s.allocatedBytes / calls / 1024)} KB allocated per call` : "";
  return (
    `event loop held up to ${f(s.loopMaxMs)} ms (p99 ${f(s.loopP99Ms)} ms); ` +
    `GC ${s.gcCount} pauses, ${f(s.gcTotalMs)} ms in all, longest ${f(s.gcMaxMs)} ms (major: ${s.majorCount}, longest ${f(s.majorMaxMs)} ms)` +
    perCall
  );
}

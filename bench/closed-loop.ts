// The per-service benchmarks' closed loop: `concurrency` callers, each
// starting its next call when its last one answered, over the indexes
// [from, to). A failed call is counted, with the first message, instead of
// ending the run: one server timeout must not lose a benchmark's figures.
export interface ClosedLoop {
  /** Latencies of the calls that succeeded, in ms, in the order they finished. */
  latencies: Float64Array;
  failed: number;
  firstError?: string;
}

export async function closedLoop(
  from: number,
  to: number,
  concurrency: number,
  call: (i: number) => Promise<unknown>,
  onDone?: () => void,
): Promise<ClosedLoop> {
  const latencies = new Float64Array(Math.max(0, to - from));
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  let next = from;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, to - from)) }, async () => {
      while (next < to) {
        const i = next++;
        const started = performance.now();
        try {
          await call(i);
          latencies[ok++] = performance.now() - started;
        } catch (err) {
          failed++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
        onDone?.();
      }
    }),
  );
  return { latencies: latencies.slice(0, ok), failed, ...(firstError === undefined ? {} : { firstError }) };
}

/** One phase's figures from the loops that ran it (one per worker). */
export function mergeLoops(parts: readonly ClosedLoop[]): ClosedLoop {
  const latencies = new Float64Array(parts.reduce((sum, p) => sum + p.latencies.length, 0));
  let at = 0;
  for (const p of parts) {
    latencies.set(p.latencies, at);
    at += p.latencies.length;
  }
  const firstError = parts.find((p) => p.firstError !== undefined)?.firstError;
  return { latencies, failed: parts.reduce((sum, p) => sum + p.failed, 0), ...(firstError === undefined ? {} : { firstError }) };
}

/** "  errors: N (first message)" for a phase's line, or "". */
export const failedSuffix = (r: Pick<ClosedLoop, "failed" | "firstError">) => (r.failed ? `  errors: ${r.failed} (${r.firstError ?? "no message"})` : "");

// The open-loop load generator. Request i has an intended send time fixed in
// advance (t0 + i/rate, or Poisson arrivals at that mean); it is sent then
// whatever happened to earlier requests, and its latency is measured from
// that intended time, not from when it actually left. A slow server therefore
// cannot slow the load down, and time a request spent queued (in the
// generator, in a socket pool, in the server) counts: no coordinated omission.
// Requests intended during the warm-up are sent but not recorded.
import { Latency, type LatencySummary } from "./histogram.js";
import { Rng } from "./rng.js";

export interface Outcome {
  ok: boolean;
  /** "200", "503", "UNAVAILABLE", "timeout", ... */
  status: string;
  /** A read that succeeded but returned no tweets (a seeding problem, if frequent). */
  empty?: boolean;
  /** For an error: what the server said (the first one per status is kept). */
  detail?: string;
}

export interface Op {
  kind: string;
  run(): Promise<Outcome>;
}

export interface OpenLoopOptions {
  rate: number;
  durationS: number;
  warmupS: number;
  arrivals: "uniform" | "poisson";
  seed: number;
  /** The operation for request i (chosen by the mix). */
  next(i: number): Op;
  /** Beyond this many requests in flight new ones fail at once as "client_overload" (memory guard). */
  maxInFlight?: number;
  /**
   * Stop the step early once this many of the measured window's requests are
   * in flight: the backlog alone then guarantees a failed step, and piling on
   * more only delays the next one. (A stall during the warm-up does not count.)
   */
  abortInFlight?: number;
  onMeasureStart?(): void;
  onMeasureEnd?(): void;
}

export interface KindResult {
  count: number;
  errors: number;
  /** Successful reads with no tweets in them. */
  empty: number;
  latency: LatencySummary;
}

export interface OpenLoopResult {
  targetRate: number;
  durationS: number;
  /** Requests intended within the measured window. */
  sent: number;
  ok: number;
  errors: Record<string, number>;
  /** The first error message seen per status. */
  errorSamples: Record<string, string>;
  errorCount: number;
  errorRate: number;
  /** Responses (any status) that arrived within the measured window, per second. */
  throughput: number;
  /** Successful responses to the window's requests, per second of window. */
  goodput: number;
  /** Latency of the successful requests, from intended send time. */
  latency: LatencySummary;
  byKind: Record<string, KindResult>;
  /** How late the generator itself dispatched requests (its own health). */
  dispatchLag: { p99: number; max: number };
  maxInFlight: number;
  /** Requests still unanswered when the drain deadline passed (counted as "timeout"). */
  unfinished: number;
  /** Set when the step stopped early (see abortInFlight). */
  aborted?: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runOpenLoop(o: OpenLoopOptions, drainTimeoutMs = 12_000): Promise<OpenLoopResult> {
  const rng = new Rng(o.seed);
  const intervalMs = 1000 / o.rate;
  const maxInFlight = o.maxInFlight ?? 20_000;
  const all = new Latency();
  const kinds = new Map<string, { latency: Latency; count: number; errors: number; empty: number }>();
  const errors: Record<string, number> = {};
  const errorSamples: Record<string, string> = {};
  const lag = new Latency();
  let ok = 0;
  let sentInWindow = 0;
  let inFlight = 0;
  let inFlightRecorded = 0;
  let peakInFlight = 0;
  let answeredInWindow = 0;
  const pending = new Set<Promise<void>>();

  const start = performance.now() + 5;
  const measureFrom = start + o.warmupS * 1000;
  const end = measureFrom + o.durationS * 1000;
  let measuring = false;
  let aborted: string | undefined;
  let stoppedAt = end;
  let nextAt = start;
  let i = 0;

  const kindOf = (k: string) => {
    let e = kinds.get(k);
    if (!e) kinds.set(k, (e = { latency: new Latency(), count: 0, errors: 0, empty: 0 }));
    return e;
  };
  const fail = (k: ReturnType<typeof kindOf>, status: string, detail?: string) => {
    k.errors++;
    errors[status] = (errors[status] ?? 0) + 1;
    if (detail && !(status in errorSamples)) errorSamples[status] = detail.slice(0, 200);
  };

  const dispatch = (intended: number, now: number) => {
    const op = o.next(i++);
    const recorded = intended >= measureFrom;
    if (recorded) {
      sentInWindow++;
      lag.record(now - intended);
    }
    const k = recorded ? kindOf(op.kind) : undefined;
    if (k) k.count++;
    if (inFlight >= maxInFlight) {
      if (k) fail(k, "client_overload");
      return;
    }
    inFlight++;
    if (recorded) inFlightRecorded++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    const p: Promise<void> = op
      .run()
      .catch((err: unknown): Outcome => ({ ok: false, status: (err as NodeJS.ErrnoException)?.code ?? "client_error", detail: String((err as Error)?.message ?? err) }))
      .then((out) => {
        const t = performance.now();
        if (t >= measureFrom && t < stoppedAt) answeredInWindow++;
        if (!k) return;
        if (out.ok) {
          ok++;
          all.record(t - intended);
          k.latency.record(t - intended);
          if (out.empty) k.empty++;
        } else fail(k, out.status, out.detail);
      })
      .finally(() => {
        inFlight--;
        if (recorded) inFlightRecorded--;
        pending.delete(p);
      });
    pending.add(p);
  };

  while (true) {
    const now = performance.now();
    if (!measuring && now >= measureFrom) {
      measuring = true;
      o.onMeasureStart?.();
    }
    if (nextAt >= end) break;
    if (measuring && o.abortInFlight !== undefined && inFlightRecorded > o.abortInFlight) {
      aborted = `overloaded: ${inFlightRecorded} of the window's requests in flight after ${((now - measureFrom) / 1000).toFixed(1)} s`;
      stoppedAt = now;
      break;
    }
    // Everything due by now goes out in this turn, each stamped with its own intended time.
    while (nextAt <= now && nextAt < end) {
      dispatch(nextAt, now);
      nextAt += o.arrivals === "poisson" ? rng.exp(intervalMs) : intervalMs;
    }
    // Gaps under 1.5 ms are spun (setImmediate), not slept: at 667 sends/s
    // and more that takes most of a core, but the whole mesh sustained more
    // with it than with a sleeping loop (bench/HISTORY.md), likely because it
    // keeps a vCPU of this VM awake. Timers also send up to ~1 ms late.
    const wait = nextAt - performance.now();
    await (wait > 1.5 ? sleep(Math.min(wait - 0.5, 20)) : new Promise<void>((r) => setImmediate(r)));
  }
  // Until the window's end, then the stragglers (each request has its own deadline too).
  while (!aborted && performance.now() < end) await sleep(Math.min(20, end - performance.now()));
  if (!measuring) o.onMeasureStart?.();
  o.onMeasureEnd?.();
  const drainDeadline = performance.now() + drainTimeoutMs;
  while (pending.size > 0 && performance.now() < drainDeadline) await Promise.race([sleep(50), ...[...pending].slice(0, 1)]);
  const unfinished = pending.size;
  if (unfinished > 0) errors.timeout = (errors.timeout ?? 0) + unfinished;

  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  const byKind: Record<string, KindResult> = {};
  for (const [name, k] of [...kinds].sort()) byKind[name] = { count: k.count, errors: k.errors, empty: k.empty, latency: k.latency.summary() };
  const lagS = lag.summary();
  const windowS = Math.max(0.001, (stoppedAt - measureFrom) / 1000);
  return {
    targetRate: o.rate,
    durationS: windowS,
    sent: sentInWindow,
    ok,
    errors: { ...errors },
    errorSamples: { ...errorSamples },
    errorCount,
    errorRate: sentInWindow ? errorCount / sentInWindow : 0,
    throughput: answeredInWindow / windowS,
    goodput: ok / windowS,
    latency: all.summary(),
    byKind,
    dispatchLag: { p99: lagS.p99, max: lagS.max },
    maxInFlight: peakInFlight,
    unfinished,
    ...(aborted ? { aborted } : {}),
  };
}

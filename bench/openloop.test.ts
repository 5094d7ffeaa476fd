import assert from "node:assert/strict";
import { test } from "node:test";
import { runOpenLoop, type Op } from "./openloop.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

test("sends at the offered rate and measures from the intended time", async () => {
  const r = await runOpenLoop({
    rate: 200,
    durationS: 1,
    warmupS: 0.2,
    arrivals: "uniform",
    seed: 1,
    next: (): Op => ({ kind: "x", run: async () => (await sleep(5), { ok: true, status: "200" }) }),
  });
  assert.ok(Math.abs(r.sent - 200) <= 2, `sent ${r.sent}`);
  assert.equal(r.errorCount, 0);
  // A 5 ms timer can fire up to ~1 ms early by performance.now() (libuv rounds its loop time to ms).
  assert.ok(r.latency.p50 >= 3.9 && r.latency.p50 < 60, `p50 ${r.latency.p50}`);
});

test("a stalled server cannot slow the load down: queued time counts (no coordinated omission)", async () => {
  // One server, 2 ms per request, that stops for 300 ms in the middle of the window.
  let free = 0;
  const t0 = performance.now();
  const serve = () => {
    const now = performance.now() - t0;
    const start = Math.max(now, free, now >= 400 && now < 700 ? 700 : 0);
    free = start + 2;
    return sleep(free - now);
  };
  const r = await runOpenLoop({
    rate: 100,
    durationS: 1,
    warmupS: 0,
    arrivals: "uniform",
    seed: 1,
    next: (): Op => ({ kind: "x", run: async () => (await serve(), { ok: true, status: "200" }) }),
  });
  assert.ok(Math.abs(r.sent - 100) <= 2, `sent ${r.sent}: the stall must not thin the load`);
  // About 30 requests were due during the stall; they waited up to 300 ms.
  assert.ok(r.latency.p90 >= 100, `p90 ${r.latency.p90}`);
  assert.ok(r.latency.max >= 250, `max ${r.latency.max}`);
});

test("errors are counted by status with a sample, and overload aborts the step", async () => {
  const r = await runOpenLoop({
    rate: 500,
    durationS: 2,
    warmupS: 0,
    arrivals: "poisson",
    seed: 2,
    abortInFlight: 50,
    next: (i): Op => ({
      kind: i % 2 ? "a" : "b",
      run: async () => (i % 2 ? { ok: false, status: "503", detail: "unavailable" } : (await sleep(1500), { ok: true, status: "200" })),
    }),
  }, 200);
  assert.ok(r.aborted, "should have stopped early");
  assert.ok(r.durationS < 1, `window ${r.durationS}`);
  assert.ok((r.errors["503"] ?? 0) > 0);
  assert.equal(r.errorSamples["503"], "unavailable");
  assert.ok((r.errors.timeout ?? 0) > 0, "unanswered requests count as timeouts");
});

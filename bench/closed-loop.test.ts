import assert from "node:assert/strict";
import { test } from "node:test";
import { closedLoop, failedSuffix, mergeLoops } from "./closed-loop.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

test("runs every index once with the given concurrency, and times each call", async () => {
  const seen: number[] = [];
  let inFlight = 0;
  let peak = 0;
  let done = 0;
  const r = await closedLoop(10, 40, 4, async (i) => {
    seen.push(i);
    peak = Math.max(peak, ++inFlight);
    await sleep(5);
    inFlight--;
  }, () => done++);
  assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 30 }, (_, k) => k + 10));
  assert.equal(peak, 4);
  assert.equal(done, 30);
  assert.equal(r.latencies.length, 30);
  assert.equal(r.failed, 0);
  assert.ok(r.latencies.every((ms) => ms >= 4), `latencies ${[...r.latencies].join(", ")}`);
  assert.equal(failedSuffix(r), "");
});

test("a failed call is counted with the first message, and the run goes on", async () => {
  const r = await closedLoop(0, 20, 3, async (i) => {
    await sleep(1);
    if (i % 5 === 0) throw new Error(`timeout on ${i}`);
  });
  assert.equal(r.failed, 4);
  assert.equal(r.latencies.length, 16);
  assert.match(r.firstError ?? "", /^timeout on \d+$/);
  assert.match(failedSuffix(r), /^ {2}errors: 4 \(timeout on \d+\)$/);
});

test("loops of one phase merge into its figures", () => {
  const m = mergeLoops([
    { latencies: Float64Array.of(1, 2), failed: 0 },
    { latencies: Float64Array.of(3), failed: 2, firstError: "timeout" },
    { latencies: new Float64Array(0), failed: 1, firstError: "reset" },
  ]);
  assert.deepEqual([...m.latencies], [1, 2, 3]);
  assert.equal(m.failed, 3);
  assert.equal(m.firstError, "timeout");
});

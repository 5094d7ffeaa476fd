import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "node:test";
import { stallsLine, watchStalls } from "./stalls.js";

test("a blocked event loop and collections show in the phase's stalls, and not in the next phase's", async () => {
  const watch = watchStalls();
  await sleep(50);
  const until = performance.now() + 80;
  while (performance.now() < until) {} // held for 80 ms
  // Short-lived garbage: enough for a few young-generation collections.
  let keep = 0;
  for (let i = 0; i < 2_000_000; i++) keep += [i, { i }].length;
  await sleep(50);
  const s = watch.stop();
  assert.ok(keep > 0);
  assert.ok(s.loopMaxMs >= 60, `loop max ${s.loopMaxMs} ms`);
  assert.ok(s.gcCount >= 1 && s.gcTotalMs > 0 && s.gcMaxMs > 0, JSON.stringify(s));
  assert.ok(s.majorCount <= s.gcCount);
  assert.match(stallsLine(s), /^event loop held up to \d+ ms \(p99 [\d.]+ ms\); GC \d+ pauses, /);
  // Node 26 (pinned) counts allocated bytes; the loop above made collections, so megabytes.
  assert.ok(s.allocatedBytes !== undefined && s.allocatedBytes > 1024 * 1024, `allocated ${s.allocatedBytes}`);
  const perCall = /; ([\d.]+) KB allocated per call$/.exec(stallsLine(s, 1000));
  assert.ok(perCall && Math.abs(Number(perCall[1]) - s.allocatedBytes / 1000 / 1024) < 1, stallsLine(s, 1000));
  assert.doesNotMatch(stallsLine(s), /allocated/, "no count of calls, no figure per call");

  const quiet = watchStalls();
  await sleep(100);
  const q = quiet.stop();
  assert.ok(q.loopMaxMs < 30, `a quiet phase: loop max ${q.loopMaxMs} ms`);
  assert.ok(q.loopP99Ms < 10, `a quiet phase: loop p99 ${q.loopP99Ms} ms`);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { MixPicker, parseMix } from "./mix.js";
import { WeightedSampler } from "./rng.js";

test("parseMix reads weights in both forms and normalises them", () => {
  assert.deepEqual(parseMix("60,30,10"), { home: 60, user: 30, post: 10 });
  assert.deepEqual(parseMix("post=1,home=3"), { home: 75, user: 0, post: 25 });
  assert.throws(() => parseMix("home=x"));
  assert.throws(() => parseMix("0,0,0"));
});

test("the picker follows the mix and the popularity weights", () => {
  const actors = Array.from({ length: 10 }, (_, i) => ({ id: BigInt(i + 1), token: `t${i}` }));
  const popular = new WeightedSampler([91, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  const p = new MixPicker({ home: 60, user: 30, post: 10 }, { actors, popular }, 1);
  const n = 20_000;
  const counts = { home: 0, user: 0, post: 0 };
  let popularTarget = 0;
  for (let i = 0; i < n; i++) {
    const x = p.pick();
    counts[x.kind]++;
    if (x.kind === "user" && x.target.id === 1n) popularTarget++;
  }
  assert.ok(Math.abs(counts.home / n - 0.6) < 0.02);
  assert.ok(Math.abs(counts.user / n - 0.3) < 0.02);
  assert.ok(Math.abs(counts.post / n - 0.1) < 0.02);
  assert.ok(popularTarget / counts.user > 0.85);
});

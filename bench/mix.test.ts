import assert from "node:assert/strict";
import { test } from "node:test";
import type { HttpClient } from "./http.js";
import { MixPicker, parseMix, restOps } from "./mix.js";
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

test("REST reads: a page is empty when the gateway's answer holds no tweet (proto field names)", async () => {
  const actors = [{ id: 1n, token: "t" }];
  const picker = new MixPicker({ home: 100, user: 0, post: 0 }, { actors, popular: new WeightedSampler([1]) }, 1);
  const answering = (json: unknown) => ({ request: async () => ({ ok: true, status: "200", body: Buffer.from(JSON.stringify(json)) }) }) as unknown as HttpClient;
  const page = { tweets: [{ tweet: { tweet_id: "11", author_id: "1" }, liked: false }], next_cursor: "c", has_more: true };
  assert.deepEqual(await restOps(answering(page), picker)(0).run(), { ok: true, status: "200", empty: false });
  assert.deepEqual(await restOps(answering({ tweets: [], next_cursor: "", has_more: false }), picker)(0).run(), { ok: true, status: "200", empty: true });
});

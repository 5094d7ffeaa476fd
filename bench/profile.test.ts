import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { areaOf, keepProfiles, summarizeProfile } from "./profile.js";
import { perRequest } from "./rpcs.js";

test("self time per function and area, idle left out", () => {
  const node = (id: number, functionName: string, url: string) => ({ id, callFrame: { functionName, url, lineNumber: 9 } });
  const profile = {
    nodes: [node(1, "(root)", ""), node(2, "(idle)", ""), node(3, "hydrate", "file:///repo/services/timeline/hydrate.ts"), node(4, "(garbage collector)", ""), node(5, "next", "file:///repo/node_modules/@connectrpc/connect/dist/esm/x.js")],
    startTime: 0,
    endTime: 10_000,
    samples: [3, 3, 3, 5, 4, 2, 2, 2, 2, 3],
    timeDeltas: Array(10).fill(1000),
  };
  const dir = mkdtempSync(join(tmpdir(), "bench-prof-"));
  const file = join(dir, "x.cpuprofile");
  writeFileSync(file, JSON.stringify(profile));
  const s = summarizeProfile(file, "all", "/repo");
  assert.equal(s.busyMs, 6);
  assert.equal(s.top[0]!.fn, "hydrate");
  assert.equal(s.top[0]!.where, "services/timeline/hydrate.ts:10");
  assert.equal(s.areas[0]!.area, "services/timeline");
  assert.ok(s.areas.some((a) => a.area === "@connectrpc/connect"));
  assert.ok(s.areas.some((a) => a.area === "GC"));
  assert.equal(areaOf("x", "node:internal/http2/util"), "node:internal/http2");
  assert.equal(areaOf("x", "node:events"), "node:events");
});

test("RPCs per request from two scrapes", () => {
  const before = new Map([["TweetService.BatchGetTweets", 10]]);
  const after = new Map([["TweetService.BatchGetTweets", 30], ["UserService.BatchGetUsers", 5]]);
  assert.deepEqual(perRequest(before, after, 10), { "TweetService.BatchGetTweets": 2, "UserService.BatchGetUsers": 0.5 });
});

test("profiles kept under a suffix: one written late is waited for, a missing one left out", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-keep-"));
  writeFileSync(join(dir, "gateway.cpuprofile"), "{}");
  setTimeout(() => writeFileSync(join(dir, "timeline.cpuprofile"), "{}"), 300);
  const kept = await keepProfiles(dir, ["gateway", "timeline", "user"], "closed", 1_000);
  assert.deepEqual(kept.map((k) => k.process), ["gateway", "timeline"]);
  assert.deepEqual(kept.map((k) => k.file), [join(dir, "gateway.closed.cpuprofile"), join(dir, "timeline.closed.cpuprofile")]);
  assert.ok(kept.every((k) => existsSync(k.file)));
  assert.ok(!existsSync(join(dir, "gateway.cpuprofile")), "renamed, so the peak step's profile does not overwrite it");
});

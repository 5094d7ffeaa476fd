import assert from "node:assert/strict";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { h2loadOpenLoop, latenciesFromSchedule, parseLog } from "./h2load.js";

test("latency counts from when a request was due, so a late sender cannot hide a slow answer", () => {
  // 100/s: due every 10 ms. The third left 30 ms late; each answer took 1 ms.
  const rows = parseLog("1000000\t200\t1000\n1010000\t200\t1000\n1050000\t503\t1000\n");
  assert.deepEqual(
    rows.map((r) => r.status),
    [200, 200, 503],
  );
  const { latencies, sendLagMax } = latenciesFromSchedule(rows, 100);
  assert.deepEqual(latencies, [1, 1, 31]);
  assert.equal(sendLagMax, 30);
  assert.throws(() => parseLog("12\tok\t3\n"), /cannot read line/);
});

test("h2load open loop: one process per client with its own headers, answers counted by status", async () => {
  const seen = new Map<string, number>();
  const server = http2.createServer((req, res) => {
    const who = String(req.headers["x-client"]);
    seen.set(who, (seen.get(who) ?? 0) + 1);
    req.resume();
    req.on("end", () => {
      res.writeHead(who === "refused" ? 503 : 200);
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Seen at the end of the load, with every request already answered.
    let endedAfter: number | undefined;
    const r = await h2loadOpenLoop({
      url,
      path: "/x",
      body: new Uint8Array([1, 2, 3]),
      headers: { "content-type": "application/octet-stream" },
      clients: [{ "x-client": "a" }, { "x-client": "refused" }],
      rate: 40,
      seconds: 2,
      warmupS: 1,
      loadEnded: () => (endedAfter ??= [...seen.values()].reduce((a, b) => a + b, 0)),
    });
    assert.ok(endedAfter !== undefined && endedAfter >= 116, `load ended after ${endedAfter} requests`);
    // 20/s each for 2 s measured, after a 1-s warm-up that is sent but not logged.
    assert.ok(r.answered >= 76 && r.answered <= 84, `answered ${r.answered}`);
    assert.ok(Math.abs((r.byStatus["200"] ?? 0) - 40) <= 2 && Math.abs((r.byStatus["503"] ?? 0) - 40) <= 2, JSON.stringify(r.byStatus));
    assert.ok((seen.get("a") ?? 0) >= 58 && (seen.get("refused") ?? 0) >= 58, JSON.stringify([...seen]));
    assert.ok(Math.abs(r.unsuccessful - 40) <= 2, `unsuccessful ${r.unsuccessful}`);
    assert.ok(r.latency.p50 > 0 && r.latency.p50 < 50, `p50 ${r.latency.p50}`);
  } finally {
    server.close();
  }
});

import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { parseWrkResult, wrkClosedLoop } from "./wrk.js";

test("parseWrkResult reads the Lua hook's line", () => {
  const r = parseWrkResult(
    'Running 1s test\nWRK_RESULT {"requests":2000,"duration_us":2000000,"bytes":5,"connect":0,"read":1,"write":0,"status":3,"timeout":0,"mean":1500.5,"p50":1200,"p90":2000,"p99":5000,"max":9000}\n',
    { connections: 4, threads: 2, readers: 10 },
  );
  assert.equal(r.rate, 1000);
  assert.equal(r.errorCount, 4);
  assert.deepEqual(r.latency, { mean: 1.501, p50: 1.2, p90: 2, p99: 5, max: 9 });
  assert.throws(() => parseWrkResult("oops", { connections: 1, threads: 1, readers: 1 }), /no result/);
});

test("wrk closed loop: every reader's token goes round, non-2xx answers are errors", async () => {
  const seen = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const auth = String(req.headers.authorization);
    seen.set(auth, (seen.get(auth) ?? 0) + 1);
    res.writeHead(auth === "Bearer r7" ? 503 : 200, { "content-type": "application/json" });
    res.end('{"tweets":[]}');
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const tokens = Array.from({ length: 50 }, (_, i) => `r${i}`);
    let marks = 0;
    const r = await wrkClosedLoop({ url, path: "/home?limit=20", tokens, connections: 4, threads: 2, seconds: 1, warmupS: 0, onMeasureStart: () => marks++, onMeasureEnd: () => marks++ });
    assert.equal(marks, 2);
    assert.ok(r.requests > 100, `requests ${r.requests}`);
    assert.equal(seen.size, 50, "every reader read");
    const counts = [...seen.values()];
    assert.ok(Math.max(...counts) - Math.min(...counts) <= Math.max(...counts) * 0.5 + 5, "readers in turn, evenly");
    assert.ok(r.errors.status > 0 && r.errors.status < r.requests / 10, JSON.stringify(r.errors));
    assert.equal(r.readers, 50);
  } finally {
    server.close();
  }
});

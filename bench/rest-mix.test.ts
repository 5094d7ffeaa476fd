import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { HOME_PATH, mixloadPlan, parseTimes, planMix, POST_PATH, rawRequests, runRestMix, scoreStream, type MixTool } from "./rest-mix.js";
import { DEFAULT_MIX, type Population } from "./mix.js";
import { WeightedSampler } from "./rng.js";

const population = (n: number): Population => ({
  actors: Array.from({ length: n }, (_, i) => ({ id: BigInt(1000 + i), token: `token-${i}` })),
  // Actor 0 is by far the most popular.
  popular: new WeightedSampler(Array.from({ length: n }, (_, i) => (i === 0 ? 1000 : 1))),
});

test("the plan realises the mix: rates by kind, one reader per home process, popular profiles read more", () => {
  const pop = population(500);
  const plan = planMix({ rate: 1000, mix: DEFAULT_MIX, pop, seed: 3, warmupS: 2, durationS: 10, maxReaders: 200 });
  const by = (k: string) => plan.filter((p) => p.kind === k);
  const rate = (k: string) => by(k).reduce((a, p) => a + p.rate, 0);
  assert.ok(Math.abs(rate("home") - 600) < 1e-6 && Math.abs(rate("user") - 300) < 1e-6 && Math.abs(rate("post") - 100) < 1e-6);
  assert.equal(by("home").length, 120, "about five home reads a second per reader");
  assert.equal(new Set(by("home").map((p) => p.actor)).size, 120, "distinct readers");
  for (const p of by("home")) {
    assert.deepEqual(p.paths, [HOME_PATH]);
    assert.equal(p.token, pop.actors[p.actor]!.token);
    assert.equal(p.warm, 10);
    assert.equal(p.count, 60);
    assert.equal(p.body, undefined);
  }
  for (const p of by("post")) {
    assert.deepEqual(p.paths, [POST_PATH]);
    assert.ok(JSON.parse(p.body!).content.length <= 280);
  }
  const userPaths = by("user").flatMap((p) => p.paths);
  assert.equal(userPaths.length, by("user").reduce((a, p) => a + p.count, 0), "one path per request");
  assert.ok(userPaths.filter((x) => x.includes("/user/1000?")).length > userPaths.length * 0.5, "the popular profile is read most");
  // Seeded: the same plan again; another seed, other readers.
  assert.deepEqual(planMix({ rate: 1000, mix: DEFAULT_MIX, pop, seed: 3, warmupS: 2, durationS: 10, maxReaders: 200 }), plan);
  const other = planMix({ rate: 1000, mix: DEFAULT_MIX, pop, seed: 4, warmupS: 2, durationS: 10, maxReaders: 200 });
  assert.notDeepEqual(other.filter((p) => p.kind === "home").map((p) => p.actor), by("home").map((p) => p.actor));
});

test("the plan caps the readers and never needs more actors than there are", () => {
  const capped = planMix({ rate: 5000, mix: DEFAULT_MIX, pop: population(3000), seed: 1, warmupS: 1, durationS: 5, maxReaders: 200 });
  assert.equal(capped.filter((p) => p.kind === "home").length, 200);
  const tiny = planMix({ rate: 50, mix: DEFAULT_MIX, pop: population(4), seed: 1, warmupS: 1, durationS: 5, maxReaders: 200 });
  assert.equal(tiny.filter((p) => p.kind === "home").length, 4);
  assert.ok(tiny.every((p) => p.count > p.warm), "every process sends at least one measured request");
  const slow = planMix({ rate: 4, mix: DEFAULT_MIX, pop: population(100), seed: 1, warmupS: 1, durationS: 5, maxReaders: 200 });
  assert.deepEqual(
    slow.map((p) => [p.kind, p.rate]),
    [["home", 0.6], ["home", 0.6], ["home", 0.6], ["home", 0.6], ["user", 0.6], ["user", 0.6], ["post", 0.4]],
    "no process slower than one request per 2 s (but one per kind)",
  );
});

test("a process's latencies count from its schedule, without the warm-up; what never came back is unanswered", () => {
  // 100/s: due every 10 ms; 2 warm-up requests; the fourth left 30 ms late, the fifth behind it; 6 sent, 5 logged.
  const rows = [0, 10, 61, 20, 60].map((ms) => ({ startUs: 1_000_000 + ms * 1000, status: 200, durationUs: 1000 }));
  const s = scoreStream({ rate: 100, warm: 2, count: 6 }, rows);
  assert.deepEqual(
    s.measured.map((m) => m.latencyMs),
    [1, 31, 22],
  );
  assert.equal(s.unanswered, 1);
  assert.equal(scoreStream({ rate: 100, warm: 2, count: 6 }, []).unanswered, 4, "nothing logged: every measured request");
});

test("parseTimes reads the children's CPU from the shell's times", () => {
  assert.equal(parseTimes("0m0.010s 0m0.020s\n1m2.500s 0m0.250s\n"), 62_750);
  assert.equal(parseTimes("nothing"), undefined);
});

for (const tool of ["mixload", "h2load"] as MixTool[]) {
test(`${tool}: a stream per identity and kind, headers and bodies as planned, errors by status`, async () => {
  const seen = { home: new Set<string>(), user: 0, post: 0, badType: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const auth = String(req.headers.authorization);
      if (req.method === "POST") {
        seen.post++;
        if (req.headers["content-type"] !== "application/json" || !JSON.parse(Buffer.concat(chunks).toString()).content) seen.badType++;
      } else if (req.url === HOME_PATH) seen.home.add(auth);
      else seen.user++;
      // One reader is refused.
      res.writeHead(auth === "Bearer token-1" && req.url === HOME_PATH ? 503 : 200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const pop = population(12);
    const streams = planMix({ rate: 60, mix: DEFAULT_MIX, pop, seed: 1, warmupS: 1, durationS: 2, maxReaders: 10 });
    let marks = 0;
    const r = await runRestMix({ tool, url, streams, rate: 60, warmupS: 1, durationS: 2, onMeasureStart: () => marks++, onMeasureEnd: () => marks++ });
    assert.equal(marks, 2);
    assert.equal(r.generator.processes.home, 10);
    assert.equal(r.generator.tool, tool);
    assert.equal(seen.home.size, 10, "each home reader sent its own token");
    assert.ok(seen.user > 0 && seen.post > 0 && seen.badType === 0, JSON.stringify(seen));
    assert.equal(r.sent, streams.reduce((a, p) => a + p.count - p.warm, 0));
    const refusedReader = streams.find((p) => p.kind === "home" && p.actor === 1);
    const refused = refusedReader ? refusedReader.count - refusedReader.warm : 0;
    assert.equal(r.errors["503"] ?? 0, refused, JSON.stringify(r.errors));
    assert.equal(r.errorCount, refused);
    assert.equal(r.ok, r.sent - refused);
    assert.ok(r.byKind.home && r.byKind.user && r.byKind.post);
    assert.ok(r.throughput > 45 && r.throughput < 75, `throughput ${r.throughput}`);
    assert.ok(r.latency.p50 > 0 && r.latency.p50 < 50, `p50 ${r.latency.p50}`);
    assert.ok(r.generator.cpuMs !== undefined);
  } finally {
    server.close();
  }
});

test(`${tool}: a server that stops answering ends the step early, its requests unanswered`, async () => {
  const server = http.createServer(() => undefined); // never answers
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const streams = planMix({ rate: 100, mix: DEFAULT_MIX, pop: population(20), seed: 1, warmupS: 0.5, durationS: 20, maxReaders: 10 });
    const t = performance.now();
    const r = await runRestMix({ tool, url, streams, rate: 100, warmupS: 0.5, durationS: 20, abortBacklog: 50 });
    assert.ok(performance.now() - t < 10_000, "stopped well before the window's end");
    assert.match(r.aborted ?? "", /overloaded/);
    assert.equal(r.ok, 0);
    assert.ok((r.errors.unanswered ?? 0) > 0);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
}

test("mixload's plan: each stream's raw requests, their byte lengths and the log it writes", () => {
  const url = new URL("http://127.0.0.1:18150");
  const post = { kind: "post" as const, actor: 0, token: "tok", paths: [POST_PATH], body: '{"content":"héllo ✨"}', rate: 2, warm: 1, count: 5 };
  const [req] = rawRequests(url, post);
  const text = req!.toString();
  assert.match(text, /^POST \/api\/v1\/tweets HTTP\/1\.1\r\nhost: 127\.0\.0\.1:18150\r\nauthorization: Bearer tok\r\n/);
  assert.ok(text.endsWith(`content-length: ${Buffer.byteLength(post.body)}\r\n\r\n${post.body}`), "the length counts bytes, not characters");
  const get = { kind: "user" as const, actor: 1, token: "t2", paths: ["/a", "/b"], rate: 0.5, warm: 0, count: 3 };
  assert.doesNotMatch(rawRequests(url, get)[0]!.toString(), /content-length/);
  const plan = mixloadPlan(url, [post, get], (i) => `/tmp/log.${i}`).toString();
  const lines = plan.split("\n");
  assert.equal(lines[0], "streams 2");
  assert.equal(lines[1], "stream 2 5 /tmp/log.0 1");
  assert.equal(lines[2], String(req!.length));
  assert.ok(plan.includes("stream 0.5 3 /tmp/log.1 2\n"));
});

test("mixload reads sized, chunked and empty answers, reconnects after a close or a reset, and keeps its schedule", async () => {
  const connections = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = req.url ?? "";
    if (path === "/reset") return req.socket.destroy();
    if (path === "/none") return res.writeHead(204).end();
    if (path === "/close") res.setHeader("connection", "close");
    if (path === "/chunked") {
      // Over mixload's first read buffer, in several chunks.
      for (let i = 0; i < 5; i++) res.write("x".repeat(50_000));
      return res.end("end");
    }
    res.writeHead(path === "/sized" ? 201 : 200, { "content-type": "application/json" }).end("{}");
  });
  server.on("connection", (socket) => socket.once("data", (d: Buffer) => {
    const path = d.toString().split(" ")[1]!;
    connections.set(path, (connections.get(path) ?? 0) + 1);
  }));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const stream = (path: string) => ({ kind: "user" as const, actor: 0, token: "t", paths: [path], rate: 20, warm: 0, count: 10 });
    const streams = ["/sized", "/chunked", "/none", "/close", "/reset"].map(stream);
    const r = await runRestMix({ url, streams, rate: 100, warmupS: 0, durationS: 0.5 });
    assert.equal(r.sent, 50);
    assert.equal(r.ok, 40, JSON.stringify(r.errors));
    assert.deepEqual(r.errors, { connection_error: 10 });
    assert.equal(r.unfinished, 0);
    assert.equal(connections.get("/sized"), 1, "one keep-alive connection");
    assert.equal(connections.get("/chunked"), 1, "a chunked answer read to its end keeps the connection");
    assert.equal(connections.get("/close"), 10, "a new connection after each `connection: close`");
    assert.equal(connections.get("/reset"), 10, "a new connection after each reset");
    assert.ok(r.dispatchLag.p99 < 20, `sent on schedule (late p99 ${r.dispatchLag.p99} ms)`);
  } finally {
    server.close();
  }
});

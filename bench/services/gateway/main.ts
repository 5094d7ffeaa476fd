// What the REST edge costs: GET /api/v1/users/{id} through the gateway
// against the same RPC (UserService.GetUser) called directly over gRPC, with
// closed-loop clients (autocannon is not a dependency): each of C workers
// sends its next request when the previous one is answered. By default the
// user service is a stub served by the kit (answers at once), so the
// difference is the edge itself; BENCH_REAL=1 uses the real user service
// (with the graph and tweet services it calls). Also the in-process cost of
// routing and transcoding, and the router against a linear regex scan.
//
//   node --import tsx bench/services/gateway/main.ts
//   BENCH_REAL=1 BENCH_SECONDS=10 BENCH_CONCURRENCY=32 node --import tsx bench/services/gateway/main.ts
import http from "node:http";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { GraphService } from "../../../gen/chirp/graph/v1/graph_pb.js";
import { TimelineService } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import { TweetService } from "../../../gen/chirp/tweet/v1/tweet_pb.js";
import { GetUserResponseSchema, UserService } from "../../../gen/chirp/user/v1/user_pb.js";
import { TokenVerifier } from "../../../services/kit/auth.js";
import { serveForTest } from "../../../services/testing/serve-for-test.js";
import { implement } from "../../../services/kit/unary-call.js";
import { startChirp, type Chirp } from "../../../services/testing/chirp.js";
import { testKeys } from "../../../services/testing/runtime.js";
import { bindingsOf, type Binding } from "../../../services/gateway/transcode/bindings.js";
import { jsonRegistry, jsonWriter } from "../../../services/gateway/transcode/json.js";
import { pathValues } from "../../../services/gateway/transcode/path-values.js";
import { buildRequest } from "../../../services/gateway/transcode/request.js";
import { responseJson } from "../../../services/gateway/transcode/response.js";
import { Router } from "../../../services/gateway/transcode/router.js";
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { UserSchema } from "../../../gen/chirp/user/v1/user_pb.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const REAL = process.env.BENCH_REAL === "1";
/** Variants take turns, round after round, so a noisy neighbour hurts them alike; the median round is reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const OPEN = { rateLimit: { perIpPerMinute: 0, perUserPerMinute: 0, timeoutMs: 500 } };
const LIMITED = { rateLimit: { perIpPerMinute: 100_000_000, perUserPerMinute: 100_000_000, timeoutMs: 500 } };

/** A gateway (no limits) in front of the user service: the real one, or a stub that answers at once. */
async function system(): Promise<{ chirp: Chirp; userUrl: string; userId: bigint; stop(): Promise<void> }> {
  if (REAL) {
    // GetUser hydrates counts from the graph service (and tweet counts).
    const chirp = await startChirp({ mode: "embedded", label: "gw_bench", targets: ["user", "graph", "tweet", "gateway"], overrides: { gateway: OPEN } });
    const { user: u } = await chirp.clients.user.register({ username: "benchuser", email: "bench@example.com", password: "correct horse battery" });
    return { chirp, userUrl: chirp.urls.user!, userId: u!.userId, stop: () => chirp.stop() };
  }
  const alice = create(UserSchema, { userId: 42n, username: "alice", displayName: "Alice", createdAt: timestampNow(), followerCount: 12n });
  const stub = await serveForTest({
    name: "stub-user",
    implementations: [implement(UserService, { getUser: () => ({ user: alice }) })],
    verifier: await TokenVerifier.fromPem(testKeys.publicKeyPem, { issuer: "chirp", audience: "chirp-api" }),
  });
  const userUrl = `http://127.0.0.1:${stub.port}`;
  const chirp = await startChirp({ mode: "embedded", label: "gw_bench", targets: ["gateway"], env: { CHIRP_USER_ADDR: userUrl }, overrides: { gateway: OPEN } });
  return {
    chirp,
    userUrl,
    userId: 42n,
    async stop() {
      await chirp.stop();
      await stub.close(0);
    },
  };
}

interface Result {
  name: string;
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function closedLoop(name: string, once: () => Promise<boolean>): Promise<Result> {
  // Warm up (JIT, connections), then measure.
  const warmUntil = Date.now() + 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < warmUntil) await once();
  }));
  const latencies: number[] = [];
  let errors = 0;
  const started = process.hrtime.bigint();
  const until = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < until) {
        const t0 = process.hrtime.bigint();
        const ok = await once();
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (!ok) errors++;
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return { name, requests: latencies.length, errors, rps: latencies.length / elapsed, p50: pct(latencies, 50), p99: pct(latencies, 99) };
}

function httpGet(agent: http.Agent, url: URL, headers: Record<string, string>): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200));
    });
    req.on("error", () => resolve(false));
  });
}

function micro(name: string, n: number, fn: () => void): string {
  for (let i = 0; i < n / 10; i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  const ns = Number(process.hrtime.bigint() - t0) / n;
  return `${name.padEnd(44)} ${(ns / 1000).toFixed(2).padStart(7)} µs/op`;
}

async function main(): Promise<void> {
  const user = await system();
  const { rt } = user.chirp;
  const open = { url: user.chirp.base };
  const limited = await user.chirp.extraGateway(LIMITED);

  const direct = createClient(UserService, createGrpcTransport({ baseUrl: user.userUrl }));
  const id = user.userId;
  const u = (await direct.getUser({ userId: id })).user;
  const { token } = await rt.signer!.sign({ userId: id, sessionId: "bench" });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

  console.log(`GET /api/v1/users/{id} vs UserService.GetUser over gRPC (${REAL ? "real user service" : "stub user service"}); ${CONCURRENCY} closed-loop clients, ${ROUNDS} rounds of ${SECONDS} s per variant (each after 1 s warm-up); node ${process.version}; autocannon: not installed, using a closed loop over http.Agent keepAlive`);
  const variants: Array<[string, () => Promise<boolean>]> = [
    [
      "direct gRPC (Connect client, HTTP/2)",
      async () => {
        try {
          return (await direct.getUser({ userId: id })).user?.userId === id;
        } catch {
          return false;
        }
      },
    ],
    ["gateway, no limits, no token", () => httpGet(agent, new URL(`${open.url}/api/v1/users/${id}`), {})],
    ["gateway, limits on, bearer token (verified)", () => httpGet(agent, new URL(`${limited.url}/api/v1/users/${id}`), { authorization: `Bearer ${token}` })],
  ];
  const rounds: Result[][] = variants.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, [name, once]] of variants.entries()) rounds[i]!.push(await closedLoop(name, once));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const results: Result[] = rounds.map((rs) => ({
    name: rs[0]!.name,
    requests: rs.reduce((n, r) => n + r.requests, 0),
    errors: rs.reduce((n, r) => n + r.errors, 0),
    rps: median(rs.map((r) => r.rps)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
  }));
  console.log(`\n${"(median of rounds)".padEnd(44)} ${"req/s".padStart(8)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} errors`);
  for (const r of results) console.log(`${r.name.padEnd(44)} ${r.rps.toFixed(0).padStart(8)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${r.errors}`);
  const [d, g] = results;
  console.log(`\ntranscoding overhead (gateway - direct): p50 +${(g!.p50 - d!.p50).toFixed(2)} ms, p99 +${(g!.p99 - d!.p99).toFixed(2)} ms, throughput ${((g!.rps / d!.rps) * 100).toFixed(0)}% of direct`);

  // In-process costs, no network.
  const services = [UserService, GraphService, TweetService, TimelineService];
  const bindings = bindingsOf(services);
  const router = new Router<Binding>();
  for (const b of bindings) router.add(b.httpMethod, b.template, b);
  const registry = jsonRegistry(services);
  const writer = jsonWriter(registry);
  const path = `/api/v1/users/${id}`;
  // The linear alternative: one anchored regex per binding, tried in order.
  const regexes = bindings.map((b) => ({
    b,
    re: new RegExp(`^${b.template.source.replace(/\{[^}]+\}/g, "([^/]+)").replace(/:(\w+)$/, ":$1")}$`),
  }));
  const linear = (method: string, p: string) => regexes.find((r) => r.b.httpMethod === method && r.re.test(p));
  const m = router.match("GET", path);
  if (m.kind !== "found") throw new Error("no route");
  const res = create(GetUserResponseSchema, { user: u });
  console.log(`\nin-process, ${bindings.length} bindings:`);
  console.log(micro("router.match (segment trie), GET /users/{id}", 200_000, () => router.match("GET", path)));
  console.log(micro("router.match, last route (stream)", 200_000, () => router.match("GET", "/api/v1/timeline/home/stream")));
  console.log(micro("linear regex scan, GET /users/{id}", 200_000, () => linear("GET", path)));
  console.log(micro("linear regex scan, last route (stream)", 200_000, () => linear("GET", "/api/v1/timeline/home/stream")));
  console.log(micro("path values + request message", 100_000, () => buildRequest(m.route, { path: pathValues(m.route.template, m.segments), query: new URLSearchParams(""), body: "" }, registry)));
  console.log(micro("response message → JSON", 100_000, () => responseJson(m.route, res, writer)));
  const n = 2000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await rt.verifier.verify(token);
  console.log(`${"token verification (EdDSA; per-user limit key)".padEnd(44)} ${(Number(process.hrtime.bigint() - t0) / n / 1000).toFixed(2).padStart(7)} µs/op`);

  agent.destroy();
  await user.stop();
}

await main();

// The kit's hand-written unary gRPC code against the stock connect-node path,
// in one run on one machine (the house rule: hand-written transport stays
// only where this shows it pays by a clear margin).
//
//  - Server: the kit's serve() answering TimelineService.GetHomeTimeline
//    with a canned 20-tweet page (the size of a real home page, as
//    bench/baselines/echo-server.ts), once with the unary fast path
//    (kit/grpc-unary.ts) and once with every call left to Connect's handler
//    (connectNodeAdapter), each in its own process, loaded by h2load (C) in
//    a closed loop: requests/s, p50/p99, and the server process's CPU per
//    request (its own process.cpuUsage over the loop, warm-up included,
//    divided by the calls it served).
//  - Client: the kit's createUnaryGrpcTransport against connect-node's
//    createGrpcTransport, each in a fresh Node process calling the same
//    server in a closed loop: calls/s, p50/p99 and the calling process's
//    CPU per call.
//
// Variants take turns round after round (the order flips every round), so a
// noisy neighbour hurts them alike; the median round is reported.
//
//   NODE_OPTIONS=--max-semi-space-size=32 node --import tsx bench/services/kit/transport.ts [--seconds=5] [--rounds=3]
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import { createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { pino } from "pino";
import {
  GetHomeTimelineRequestSchema,
  GetHomeTimelineResponseSchema,
  TimelineService,
} from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import { TokenSigner, TokenVerifier } from "../../../services/kit/auth.js";
import { createUnaryGrpcTransport } from "../../../services/kit/grpc-unary-client.js";
import { envelope } from "../../../services/kit/grpc-wire.js";
import { HealthMonitor } from "../../../services/kit/health.js";
import { generateKeyPairPem } from "../../../services/kit/keys.js";
import { H2_SESSION_MEMORY_MB } from "../../../services/kit/listener.js";
import { createMetrics } from "../../../services/kit/metrics.js";
import { INTERNAL_CALL_HEADER } from "../../../services/kit/request-context.js";
import { serve } from "../../../services/kit/server.js";
import { implement } from "../../../services/kit/unary-call.js";
import { benchArgs } from "../../args.js";
import { h2loadBinary, parseLog } from "../../h2load.js";
import { homePage } from "../../baselines/home-page.js";
import { calibrationLine, loadAverage, machineInfo } from "../../machine.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const ROLE_ENV = "CHIRP_TRANSPORT_BENCH_ROLE";
const PATH = `/${TimelineService.typeName}/${TimelineService.method.getHomeTimeline.name}`;
const ISSUER = { issuer: "chirp", audience: "chirp-api" };

type ServerVariant = "fast" | "stock";
type ClientVariant = "kit" | "stock";

const SERVER_NAMES: Record<ServerVariant, string> = {
  fast: "serve(), unary fast path (grpc-unary.ts)",
  stock: "serve(), connectNodeAdapter only",
};
const CLIENT_NAMES: Record<ClientVariant, string> = {
  kit: "createUnaryGrpcTransport (kit)",
  stock: "createGrpcTransport (connect-node)",
};


// ---------------------------------------------------------------- children

interface ServerStats {
  cpuUs: number;
  calls: number;
}

/** A server process: the kit's serve() with or without the fast path; tells its port, then its CPU and calls when asked. */
async function serverChild(variant: ServerVariant, publicKeyPem: string): Promise<void> {
  const logger = pino({ level: "warn" });
  const page = homePage();
  let calls = 0;
  const server = await serve({
    name: `transport-bench-${variant}`,
    host: "127.0.0.1",
    port: 0,
    implementations: [
      implement(TimelineService, {
        getHomeTimeline: () => {
          calls++;
          return page;
        },
      }),
    ],
    health: new HealthMonitor({ services: [TimelineService.typeName], checks: [], logger, intervalMs: 60_000 }),
    logger,
    metrics: createMetrics({ defaultMetrics: false }),
    verifier: await TokenVerifier.fromPem(publicKeyPem, ISSUER),
    unaryFastPath: variant === "fast",
  });
  process.on("message", (m) => {
    if (m === "stats") {
      const u = process.cpuUsage();
      process.send!({ cpuUs: u.user + u.system, calls } satisfies ServerStats);
    } else if (m === "stop") {
      void server.close(500).then(() => process.exit(0));
    }
  });
  process.send!({ port: server.port });
}

interface ClientResult {
  calls: number;
  errors: number;
  seconds: number;
  cpuUs: number;
  p50: number;
  p99: number;
}

/** A client process: a closed loop of `concurrency` callers through one transport; prints its result as JSON. */
async function clientChild(variant: ClientVariant, url: string, token: string, seconds: number, concurrency: number): Promise<void> {
  // What the services' clients carry (runtime/clients.ts): an interceptor and a default deadline.
  const internal: Interceptor = (next) => (req) => {
    req.header.set(INTERNAL_CALL_HEADER, "1");
    return next(req);
  };
  const transport: Transport =
    variant === "kit"
      ? createUnaryGrpcTransport({ baseUrl: url, interceptors: [internal], defaultTimeoutMs: 10_000 })
      : createGrpcTransport({
          baseUrl: url,
          interceptors: [internal],
          defaultTimeoutMs: 10_000,
          acceptCompression: [],
          nodeOptions: { maxSessionMemory: H2_SESSION_MEMORY_MB },
        });
  const client = createClient(TimelineService, transport);
  const headers = { authorization: `Bearer ${token}` };
  const loop = async (until: number, latencies?: number[]): Promise<number> => {
    let errors = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < until) {
          const t0 = performance.now();
          try {
            const res = await client.getHomeTimeline({ limit: 20 }, { headers });
            if (res.tweets.length !== 20) errors++;
          } catch {
            errors++;
          }
          latencies?.push(performance.now() - t0);
        }
      }),
    );
    return errors;
  };
  await loop(performance.now() + 1000); // warm-up: JIT, the connection
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const errors = await loop(t0 + seconds * 1000, latencies);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const result: ClientResult = {
    calls: latencies.length,
    errors,
    seconds: elapsed,
    cpuUs: cpu.user + cpu.system,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

// ---------------------------------------------------------------- orchestration

interface RunningServerChild {
  variant: ServerVariant;
  child: ChildProcess;
  url: string;
  stats(): Promise<ServerStats>;
  stop(): Promise<void>;
}

function childEnv(role: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, [ROLE_ENV]: JSON.stringify(role) };
}

async function startServer(variant: ServerVariant, publicKeyPem: string): Promise<RunningServerChild> {
  const child = spawn(process.execPath, [...process.execArgv, SELF], {
    cwd: ROOT,
    env: childEnv({ role: "server", variant, publicKeyPem }),
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m) => resolve((m as { port: number }).port));
    child.once("exit", (code) => reject(new Error(`the ${variant} server exited (${code}) before it listened`)));
  });
  const stats = () =>
    new Promise<ServerStats>((resolve) => {
      child.once("message", (m) => resolve(m as ServerStats));
      child.send("stats");
    });
  return {
    variant,
    child,
    url: `http://127.0.0.1:${port}`,
    stats,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.send("stop");
      }),
  };
}

interface ServerRound {
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU per request, µs. */
  cpuUs: number;
  failed: number;
}

/** One h2load closed loop against a server: `connections` × `streams` requests in flight. */
async function h2loadClosed(server: RunningServerChild, o: { seconds: number; warmupS: number; connections: number; streams: number; token: string }): Promise<ServerRound> {
  const dir = mkdtempSync(join(tmpdir(), "chirp-transport-"));
  try {
    const body = join(dir, "body");
    writeFileSync(body, envelope(toBinary(GetHomeTimelineRequestSchema, create(GetHomeTimelineRequestSchema, { limit: 20 }))));
    const log = join(dir, "log");
    const before = await server.stats();
    const out = await run(h2loadBinary(), [
      "-t1",
      `-c${o.connections}`,
      `-m${o.streams}`,
      `-D${o.seconds}`,
      `--warm-up-time=${o.warmupS}`,
      `-d${body}`,
      "-H",
      "content-type: application/grpc",
      "-H",
      "te: trailers",
      "-H",
      `authorization: Bearer ${o.token}`,
      `--log-file=${log}`,
      `${server.url}${PATH}`,
    ]);
    const after = await server.stats();
    const m = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(out);
    if (!m) throw new Error(`h2load printed no request counts: ${out.trim().slice(-500)}`);
    const rows = parseLog(readFileSync(log, "utf8"));
    const ms = rows.map((r) => r.durationUs / 1000).sort((a, b) => a - b);
    const calls = after.calls - before.calls;
    return {
      rps: rows.length / o.seconds,
      p50: pct(ms, 50),
      p99: pct(ms, 99),
      cpuUs: (after.cpuUs - before.cpuUs) / Math.max(1, calls),
      failed: Number(m[2]) + Number(m[3]) + Number(m[4]),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${out.trim().slice(-500)}`))));
  });
}

interface ClientRound extends ClientResult {
  /** The server's CPU per call over the same loop, µs. */
  serverCpuUs: number;
}

async function clientRound(variant: ClientVariant, server: RunningServerChild, o: { seconds: number; concurrency: number; token: string }): Promise<ClientRound> {
  const before = await server.stats();
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, SELF], {
      cwd: ROOT,
      env: childEnv({ role: "client", variant, url: server.url, token: o.token, seconds: String(o.seconds), concurrency: String(o.concurrency) }),
      stdio: ["ignore", "pipe", "inherit"],
    });
    let text = "";
    child.stdout!.on("data", (d: Buffer) => (text += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(text) : reject(new Error(`the ${variant} client exited ${code}: ${text.slice(-500)}`))));
  });
  const after = await server.stats();
  const r = JSON.parse(out.trim().split("\n").at(-1)!) as ClientResult;
  return { ...r, serverCpuUs: (after.cpuUs - before.cpuUs) / Math.max(1, after.calls - before.calls) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f0 = (x: number) => x.toFixed(0);
const f2 = (x: number) => x.toFixed(2);

async function main(): Promise<void> {
  const USAGE = `Usage: node --import tsx bench/services/kit/transport.ts [--seconds=5] [--rounds=3] [--connections=4] [--streams=16] [--concurrency=32] [--part=server,client]\n`;
  const args = benchArgs(USAGE, { seconds: "5", rounds: "3", connections: "4", streams: "16", concurrency: "32", part: "server,client" });
  const seconds = args.num("seconds");
  const rounds = args.num("rounds");
  const connections = args.num("connections");
  const streams = args.num("streams");
  const concurrency = args.num("concurrency");
  const parts = args.choices("part", ["server", "client"] as const);

  const machine = machineInfo(ROOT, []);
  console.log(`transport benchmark: the kit's unary gRPC path against connect-node's (TimelineService.GetHomeTimeline, a 20-tweet page)`);
  console.log(`date ${new Date().toISOString()}; commit ${machine.commit}; node ${machine.node}; ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB; kernel ${machine.kernel}`);
  console.log(`@connectrpc/connect-node ${machine.packages["@connectrpc/connect-node"]}, @bufbuild/protobuf ${machine.packages["@bufbuild/protobuf"]}; NODE_OPTIONS=${process.env.NODE_OPTIONS ?? ""}; load average ${loadAverage().join(" ")}`);
  console.log(calibrationLine());

  const keys = await generateKeyPairPem();
  const signer = await TokenSigner.fromPem(keys.privateKeyPem, { ...ISSUER, ttlSeconds: 3600 });
  const { token } = await signer.sign({ userId: 42n, sessionId: "bench" });
  const servers = { fast: await startServer("fast", keys.publicKeyPem), stock: await startServer("stock", keys.publicKeyPem) };
  try {
    // Both answer the page, through either client.
    for (const s of Object.values(servers)) {
      for (const t of [createUnaryGrpcTransport({ baseUrl: s.url }), createGrpcTransport({ baseUrl: s.url })]) {
        const res = await createClient(TimelineService, t).getHomeTimeline({ limit: 20 }, { headers: { authorization: `Bearer ${token}` } });
        if (res.tweets.length !== 20) throw new Error(`the ${s.variant} server answered ${res.tweets.length} tweets`);
      }
    }
    const page = toBinary(GetHomeTimelineResponseSchema, homePage()).length;

    if (parts.includes("server")) {
      console.log(`\nserver: h2load closed loop, ${connections} connections × ${streams} streams, ${rounds} rounds of ${seconds} s per variant (each after 1 s warm-up); answer ${page} bytes`);
      // Warm both (JIT), unmeasured.
      for (const s of Object.values(servers)) await h2loadClosed(s, { seconds: 2, warmupS: 1, connections, streams, token });
      const byVariant: Record<ServerVariant, ServerRound[]> = { fast: [], stock: [] };
      for (let r = 0; r < rounds; r++) {
        const order: ServerVariant[] = r % 2 === 0 ? ["fast", "stock"] : ["stock", "fast"];
        for (const v of order) {
          const x = await h2loadClosed(servers[v], { seconds, warmupS: 1, connections, streams, token });
          byVariant[v].push(x);
          console.log(`  round ${r + 1} ${v.padEnd(5)} ${f0(x.rps).padStart(6)} req/s  p50 ${f2(x.p50)} ms  p99 ${f2(x.p99)} ms  server CPU ${f0(x.cpuUs)} µs/request${x.failed ? `  ${x.failed} failed` : ""}`);
        }
      }
      console.log(`\n${"server (median of rounds)".padEnd(46)} ${"req/s".padStart(7)} ${"p50 ms".padStart(7)} ${"p99 ms".padStart(7)} ${"CPU µs/req".padStart(11)} failed`);
      const med = (v: ServerVariant) => ({
        rps: median(byVariant[v].map((x) => x.rps)),
        p50: median(byVariant[v].map((x) => x.p50)),
        p99: median(byVariant[v].map((x) => x.p99)),
        cpuUs: median(byVariant[v].map((x) => x.cpuUs)),
        failed: byVariant[v].reduce((n, x) => n + x.failed, 0),
      });
      const m = { fast: med("fast"), stock: med("stock") };
      for (const v of ["fast", "stock"] as const) {
        console.log(`${SERVER_NAMES[v].padEnd(46)} ${f0(m[v].rps).padStart(7)} ${f2(m[v].p50).padStart(7)} ${f2(m[v].p99).padStart(7)} ${f0(m[v].cpuUs).padStart(11)} ${m[v].failed}`);
      }
      console.log(`fast path against stock: throughput ×${(m.fast.rps / m.stock.rps).toFixed(2)}, CPU per request ${pctChange(m.fast.cpuUs, m.stock.cpuUs)}`);
    }

    if (parts.includes("client")) {
      const target = servers.fast;
      console.log(`\nclient: ${concurrency} callers in a closed loop from one Node process (a fresh one per round), against the ${target.variant} server; ${rounds} rounds of ${seconds} s per variant (each after 1 s warm-up)`);
      const byVariant: Record<ClientVariant, ClientRound[]> = { kit: [], stock: [] };
      for (let r = 0; r < rounds; r++) {
        const order: ClientVariant[] = r % 2 === 0 ? ["kit", "stock"] : ["stock", "kit"];
        for (const v of order) {
          const x = await clientRound(v, target, { seconds, concurrency, token });
          byVariant[v].push(x);
          console.log(
            `  round ${r + 1} ${v.padEnd(5)} ${f0(x.calls / x.seconds).padStart(6)} calls/s  p50 ${f2(x.p50)} ms  p99 ${f2(x.p99)} ms  client CPU ${f0(x.cpuUs / x.calls)} µs/call  server ${f0(x.serverCpuUs)} µs/call${x.errors ? `  ${x.errors} errors` : ""}`,
          );
        }
      }
      console.log(`\n${"client (median of rounds)".padEnd(46)} ${"calls/s".padStart(7)} ${"p50 ms".padStart(7)} ${"p99 ms".padStart(7)} ${"CPU µs/call".padStart(11)} errors`);
      const med = (v: ClientVariant) => ({
        rate: median(byVariant[v].map((x) => x.calls / x.seconds)),
        p50: median(byVariant[v].map((x) => x.p50)),
        p99: median(byVariant[v].map((x) => x.p99)),
        cpuUs: median(byVariant[v].map((x) => x.cpuUs / x.calls)),
        errors: byVariant[v].reduce((n, x) => n + x.errors, 0),
      });
      const m = { kit: med("kit"), stock: med("stock") };
      for (const v of ["kit", "stock"] as const) {
        console.log(`${CLIENT_NAMES[v].padEnd(46)} ${f0(m[v].rate).padStart(7)} ${f2(m[v].p50).padStart(7)} ${f2(m[v].p99).padStart(7)} ${f0(m[v].cpuUs).padStart(11)} ${m[v].errors}`);
      }
      console.log(`kit transport against stock: throughput ×${(m.kit.rate / m.stock.rate).toFixed(2)}, CPU per call ${pctChange(m.kit.cpuUs, m.stock.cpuUs)}`);
    }
    console.log(`\n${calibrationLine()}; load average ${loadAverage().join(" ")}`);
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  }
}

const pctChange = (x: number, base: number) => `${x <= base ? "−" : "+"}${Math.abs((1 - x / base) * 100).toFixed(0)}% (${f0(x)} against ${f0(base)} µs)`;

const role = process.env[ROLE_ENV] ? (JSON.parse(process.env[ROLE_ENV]) as Record<string, string>) : undefined;
if (role?.role === "server") await serverChild(role.variant as ServerVariant, role.publicKeyPem!);
else if (role?.role === "client") await clientChild(role.variant as ClientVariant, role.url!, role.token!, Number(role.seconds), Number(role.concurrency));
else await main();

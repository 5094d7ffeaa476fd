// Tweet service benchmark, through real gRPC clients against a started
// target (validation, auth, the store and event publishing all count). The
// load comes from worker threads, so the server's event loop is its own, as
// it would be with remote clients.
//
// Phases: a Health/Check baseline (the kit and transport alone); CreateTweet throughput and latency (without and with an
// idempotency key), and latency in open loops at --create-rates; seeding one author with --list-tweets tweets over many
// 7-day buckets (straight into the store, explicit ids); GetTweet,
// BatchGetTweets(20) (also one at a time) and ListUserTweets(20) latency; in cluster mode also
// the store's batch read with IN queries against parallel point reads.
import { benchArgs } from "../../args.js";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { createClient, type Client } from "@connectrpc/connect";
import { createUnaryGrpcTransport } from "../../../services/kit/grpc-unary-client.js";
import { create, toBinary } from "@bufbuild/protobuf";
import { CreateTweetRequestSchema, TweetService } from "../../../gen/chirp/tweet/v1/tweet_pb.js";
import { h2loadGrpc, type H2loadGrpcResult } from "../../h2load-grpc.js";
import { GENERATOR_DEFAULTS, GENERATOR_USAGE, generatorArgs } from "../../h2load.js";
import { Health } from "../../../gen/grpc/health/v1/health_pb.js";
import { bucketFloor } from "../../../services/tweet/buckets.js";
import { encodeCursor } from "../../../services/kit/cursor.js";
import { grpcOutcome } from "../../mix.js";
import { runOpenLoop, type OpenLoopResult } from "../../openloop.js";
import { stallsLine, watchStalls, type Stalls } from "../../stalls.js";
import { calibrationLine } from "../../machine.js";
import type { StartedTweet } from "../../../services/tweet/target.js";
import { closedLoop, failedSuffix, mergeLoops, type ClosedLoop } from "../../closed-loop.js";

type PhaseName = "health" | "create" | "createKeyed" | "get" | "batchGet" | "listFirst" | "listCursor";

interface PhaseRequest {
  phase: PhaseName;
  /** Indexes this worker runs: from, from + 1, ... below to. */
  from: number;
  to: number;
  concurrency: number;
  /** When set, an open loop instead (bench/openloop.ts): calls started at this rate for this long, whatever the latency. */
  open?: { rate: number; seconds: number };
  ids: string[];
  author?: string;
}

interface PhaseReply extends ClosedLoop {
  created: string[];
}

const log = (s: string) => process.stdout.write(`${s}\n`);

// --- worker: one gRPC client, runs the phases it is sent -----------------------

async function workerMain(): Promise<void> {
  const { url, tokens } = workerData as { url: string; tokens: string[] };
  const client: Client<typeof TweetService> = createClient(TweetService, createUnaryGrpcTransport({ baseUrl: url }));
  const health = createClient(Health, createUnaryGrpcTransport({ baseUrl: url }));
  const as = tokens.map((t) => ({ headers: { authorization: `Bearer ${t}` } }));
  parentPort!.on("message", async (req: PhaseRequest) => {
    const ids = req.ids.map(BigInt);
    const pick = () => ids[Math.floor(Math.random() * ids.length)]!;
    const created: string[] = [];
    const author = req.author ? BigInt(req.author) : 0n;
    const run: Record<PhaseName, (i: number) => Promise<unknown>> = {
      health: () => health.check({ service: "" }),
      create: async (i) =>
        created.push(
          (await client.createTweet({ content: `tweet ${i} #bench @someone`, mediaUrls: ["https://cdn.example/x.png"] }, as[i % as.length]!)).tweet!.tweetId.toString(),
        ),
      createKeyed: (i) => client.createTweet({ content: `keyed ${i}`, idempotencyKey: `bench-${i}` }, as[i % as.length]!),
      get: () => client.getTweet({ tweetId: pick() }),
      batchGet: () => client.batchGetTweets({ tweetIds: Array.from({ length: 20 }, pick) }),
      listFirst: () => client.listUserTweets({ userId: author, limit: 20 }),
      listCursor: () => client.listUserTweets({ userId: author, limit: 20, cursor: encodeCursor("user-tweets", pick()) }),
    };
    let done = 0;
    const onDone = () => {
      if (++done % 500 === 0) parentPort!.postMessage({ progress: 500 });
    };
    if (req.open) {
      const fn = run[req.phase];
      const stalls = watchStalls();
      const result = await runOpenLoop({
        ...req.open,
        durationS: req.open.seconds,
        warmupS: 0,
        arrivals: "uniform",
        seed: 1,
        next: (i) => ({ kind: req.phase, run: () => grpcOutcome(fn(i), () => false) }),
      });
      parentPort!.postMessage({ ...result, stalls: stalls.stop() } satisfies OpenReply);
      return;
    }
    const r = await closedLoop(req.from, req.to, req.concurrency, run[req.phase], onDone);
    parentPort!.postMessage({ ...r, created } satisfies PhaseReply, [r.latencies.buffer as ArrayBuffer]);
  });
}

// --- main: the server, the phases, the figures ----------------------------------

interface Result {
  name: string;
  n: number;
  seconds: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
}

/** A closed loop's figures: latency of the calls that succeeded, and the failures. */
function report(name: string, r: ClosedLoop, seconds: number, results: Result[]): void {
  const n = r.latencies.length;
  const sorted = r.latencies.sort();
  const q = (p: number) => (n ? sorted[Math.min(n - 1, Math.floor(p * n))]! : NaN);
  record({ name, n, seconds, p50: q(0.5), p99: q(0.99), max: q(1), errors: r.failed }, results, failedSuffix(r));
}

/** An open loop sent by h2load: figures of every answer in its window, and the service thread's stalls. */
function reportH2load(name: string, r: H2loadGrpcResult, seconds: number, clients: number, service: Stalls, results: Result[]): void {
  record({ name, n: r.answered, seconds, p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, errors: r.errors }, results, r.errorText ? `  errors: ${r.errorText}` : "");
  log(`    service's thread: ${stallsLine(service, r.served)}`);
  log(`    sent by ${clients} h2load processes, one author each; up to ${r.sendLagMax.toFixed(1)} ms late`);
}

/** What the worker answers for an open loop: its figures and the generator thread's own stalls. */
type OpenReply = OpenLoopResult & { stalls: Stalls };

/** An open loop's figures (answers within its window, latency of the successful ones) and each thread's stalls. */
function reportOpen(name: string, r: OpenReply, service: Stalls, results: Result[]): void {
  const errors = Object.entries(r.errors).map(([status, c]) => `${c} × ${status} (${r.errorSamples[status] ?? "no message"})`);
  record({ name, n: r.ok, seconds: r.durationS, p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, errors: r.errorCount }, results, errors.length ? `  errors: ${errors.join("; ")}` : "");
  log(`    service's thread: ${stallsLine(service, r.ok + r.errorCount)}`);
  log(`    generator's thread: ${stallsLine(r.stalls)}; sends up to ${r.dispatchLag.max.toFixed(1)} ms late`);
}

function record(r: Result, results: Result[], suffix = ""): void {
  results.push(r);
  log(
    `${r.name.padEnd(46)} ${String(r.n).padStart(7)} in ${r.seconds.toFixed(1).padStart(5)} s ${Math.round(r.n / r.seconds)
      .toString()
      .padStart(7)}/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  max ${r.max.toFixed(1)} ms${suffix}`,
  );
}

const USAGE = `node --import tsx bench/services/tweet/main.ts [--mode=embedded|cluster]
  [--creates=20000] [--concurrency=64] [--read-concurrency=16]
  [--list-tweets=100000] [--reads=5000] [--workers=2]
  [--create-rates=1000,1500] [--create-seconds=30] ${GENERATOR_USAGE}
`;

async function main(): Promise<void> {
  const args = benchArgs(USAGE, {
    mode: "embedded",
    creates: "20000",
    concurrency: "64",
    "read-concurrency": "16",
    "list-tweets": "100000",
    reads: "5000",
    workers: "2",
    "create-rates": "1000,1500",
    // Each open loop's length: long enough to hold several of the service's
    // major collections, so a loop's p99 does not rest on one pause (as the
    // timeline benchmark's loops).
    "create-seconds": "30",
    // h2load processes send the open loops, one per author; or the Node
    // client in a worker thread.
    ...GENERATOR_DEFAULTS,
  });
  const mode = args.mode();
  const CREATES = args.num("creates");
  const CONCURRENCY = args.num("concurrency");
  const READ_CONCURRENCY = args.num("read-concurrency");
  const LIST_TWEETS = args.num("list-tweets");
  const READS = args.num("reads");
  const WORKERS = args.num("workers");
  const CREATE_RATES = args.nums("create-rates");
  const CREATE_SECONDS = args.num("create-seconds");
  const { generator: GENERATOR, clients: H2LOAD_CLIENTS } = generatorArgs(args);
  const atStart = calibrationLine();
  log(
    `tweet bench: mode=${mode} creates=${CREATES} concurrency=${CONCURRENCY} read-concurrency=${READ_CONCURRENCY} ` +
      `list-tweets=${LIST_TWEETS} reads=${READS} workers=${WORKERS} create-rates=${CREATE_RATES.join(",")}x${CREATE_SECONDS}s`,
  );

  // Imported here so the worker threads stay light.
  const { startChirp } = await import("../../../services/testing/chirp.js");
  const { CassandraTweetStore } = await import("../../../services/tweet/store/cassandra.js");
  const { tweetCreated } = await import("../../../services/tweet/events.js");
  const env = await startChirp({ mode, label: "tweetbench", targets: ["tweet"] });
  const started = env.targets.started.get("tweet") as StartedTweet;
  const results: Result[] = [];
  const tokens: string[] = [];
  for (let u = 1; u <= 1000; u++) tokens.push((await env.rt.signer!.sign({ userId: BigInt(u), sessionId: "b" })).token);
  // Workers load this same file through tsx (they do not inherit its loader hooks).
  const boot = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const workers = Array.from({ length: WORKERS }, () => new Worker(boot, { eval: true, workerData: { url: started.url, tokens } }));

  /**
   * Splits a phase over the workers (fewer than `concurrency` callers use
   * fewer workers), prints progress on long runs, reports the merged
   * latencies of `concurrency` callers back to back.
   */
  async function phase(name: string, p: PhaseName, n: number, concurrency: number, ids: bigint[] = [], author?: bigint): Promise<string[]> {
    const t0 = performance.now();
    let done = 0;
    const progress = setInterval(() => log(`  … ${name}: ${done}/${n} (${Math.round(done / ((performance.now() - t0) / 1000))}/s)`), 5000);
    const idText = ids.map(String);
    const used = workers.slice(0, Math.max(1, Math.min(workers.length, concurrency)));
    try {
      const replies = await Promise.all(
        used.map(
          (w, k) =>
            new Promise<PhaseReply>((resolve, reject) => {
              const onMessage = (m: PhaseReply | { progress: number }) => {
                if ("progress" in m) return void (done += m.progress);
                w.off("message", onMessage);
                w.off("error", reject);
                resolve(m);
              };
              w.on("message", onMessage);
              w.once("error", reject);
              const from = Math.floor((n * k) / used.length);
              const to = Math.floor((n * (k + 1)) / used.length);
              w.postMessage({
                phase: p,
                from,
                to,
                concurrency: Math.max(1, Math.round(concurrency / used.length)),
                ids: idText,
                author: author?.toString(),
              } satisfies PhaseRequest);
            }),
        ),
      );
      const seconds = (performance.now() - t0) / 1000;
      report(name, mergeLoops(replies), seconds, results);
      return replies.flatMap((r) => r.created);
    } finally {
      clearInterval(progress);
    }
  }

  /** CreateTweet in an open loop at `rate`/s from h2load, one process per author (after a 1-s warm-up). */
  async function h2loadCreates(name: string, rate: number): Promise<void> {
    const service = watchStalls();
    let stalls: Stalls | undefined;
    const r = await h2loadGrpc({
      registry: env.rt.metrics.registry,
      url: started.url!,
      method: TweetService.method.createTweet,
      request: toBinary(CreateTweetRequestSchema, create(CreateTweetRequestSchema, { content: "tweet from h2load #bench @someone", mediaUrls: ["https://cdn.example/x.png"] })),
      authorizations: tokens.slice(0, H2LOAD_CLIENTS).map((t) => `Bearer ${t}`),
      rate,
      seconds: CREATE_SECONDS,
      warmupS: 1,
      loadEnded: () => (stalls = service.stop()),
    });
    reportH2load(name, r, CREATE_SECONDS, H2LOAD_CLIENTS, stalls ?? service.stop(), results);
  }

  /** An open loop at `rate`/s from one worker (one generator, so one histogram). */
  async function openPhase(name: string, p: PhaseName, rate: number): Promise<void> {
    const w = workers[0]!;
    const service = watchStalls();
    const result = await new Promise<OpenReply>((resolve, reject) => {
      w.once("message", (m: OpenReply) => {
        w.off("error", reject);
        resolve(m);
      });
      w.once("error", reject);
      w.postMessage({ phase: p, from: 0, to: 0, concurrency: 0, open: { rate, seconds: CREATE_SECONDS }, ids: [] } satisfies PhaseRequest);
    });
    reportOpen(name, result, service.stop(), results);
  }

  try {
    // The floor: an RPC that does no work, through the same kit and transport.
    await phase("grpc.health.v1.Health/Check (baseline)", "health", READS, READ_CONCURRENCY);
    await phase("warm-up CreateTweet", "create", 3000, CONCURRENCY);
    const created = (await phase("CreateTweet", "create", CREATES, CONCURRENCY)).map(BigInt);
    // The target's shape: this rate offered whatever the latency, p99 counted from each call's scheduled start.
    for (const rate of CREATE_RATES) {
      await new Promise((r) => setTimeout(r, 2000)); // the closed loop's backlog drains first
      if (GENERATOR === "h2load") await h2loadCreates(`CreateTweet at ${rate}/s (open loop, h2load)`, rate);
      else await openPhase(`CreateTweet at ${rate}/s (open loop)`, "create", rate);
    }
    await phase("CreateTweet with idempotency key", "createKeyed", Math.min(CREATES, 10_000), CONCURRENCY);
    // The same creates without the RPC layer: what the store and bus cost alone.
    {
      const s = performance.now();
      const lat = await closedLoop(0, Math.min(CREATES, 10_000), CONCURRENCY, async (i) => {
        const { tweet } = await started.ctx.store.createTweet({
          tweetId: env.rt.ids.next(),
          authorId: BigInt((i % 1000) + 1),
          content: `direct ${i} #bench`,
          mediaUrls: [],
          replyToTweetId: 0n,
          hashtags: ["bench"],
          mentions: [],
        });
        await started.ctx.events.emit(tweetCreated(tweet));
      });
      report("store.createTweet + event (no RPC)", lat, (performance.now() - s) / 1000, results);
    }
    await phase("GetTweet", "get", READS, READ_CONCURRENCY, created);
    await phase("BatchGetTweets(20)", "batchGet", READS, READ_CONCURRENCY, created);
    await phase("BatchGetTweets(20), one at a time", "batchGet", Math.min(READS, 2000), 1, created);

    // One author, LIST_TWEETS tweets: 500 a bucket, every other week empty.
    const author = 9_000_000n + BigInt(Date.now() % 1000);
    const perBucket = 500;
    const listed = Array.from({ length: LIST_TWEETS }, (_, i) => bucketFloor(2 * Math.floor(i / perBucket)) + (BigInt((i % perBucket) * 1000 + 7) << 22n));
    const t0 = performance.now();
    let seeded = 0;
    const progress = setInterval(() => log(`  … seeding: ${seeded}/${LIST_TWEETS}`), 5000);
    const seedLat = await closedLoop(0, LIST_TWEETS, 128, async (i) => {
      await started.ctx.store.createTweet({ tweetId: listed[i]!, authorId: author, content: `seed ${i} #bench`, mediaUrls: [], replyToTweetId: 0n, hashtags: ["bench"], mentions: [] });
      seeded++;
    });
    clearInterval(progress);
    report(`seed ${LIST_TWEETS} tweets in ${Math.ceil(LIST_TWEETS / perBucket)} buckets (store)`, seedLat, (performance.now() - t0) / 1000, results);
    await phase("ListUserTweets(20), first page", "listFirst", Math.min(READS, 2000), READ_CONCURRENCY, [], author);
    await phase(`ListUserTweets(20), random cursor of ${LIST_TWEETS}`, "listCursor", READS, READ_CONCURRENCY, listed, author);

    if (mode === "cluster") {
      const pick = () => created[Math.floor(Math.random() * created.length)]!;
      for (const multiGet of ["in", "parallel", "adaptive"] as const) {
        const store = new CassandraTweetStore(env.rt.cassandra!, { multiGet });
        const s = performance.now();
        const lat = await closedLoop(0, READS, READ_CONCURRENCY, () => store.getTweets(Array.from({ length: 20 }, pick)));
        report(`store getTweets(20), ${multiGet}`, lat, (performance.now() - s) / 1000, results);
      }
    }
    log(`\nsummary (${mode}):\n  at start: ${atStart}\n  at end: ${calibrationLine()}`);
    for (const r of results) log(`  ${r.name.padEnd(46)} ${Math.round(r.n / r.seconds).toString().padStart(7)}/s  p99 ${r.p99.toFixed(2)} ms${r.errors ? `  (${r.errors} failed)` : ""}`);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    await env.stop();
  }
}

if (isMainThread) await main();
else await workerMain();

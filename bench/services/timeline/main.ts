// Timeline benchmark: the whole system in this process (user, graph, tweet,
// timeline, fan-out worker; the home-timeline readers in a worker thread, see
// read-load.ts), in cluster mode by default (Cassandra, NATS
// JetStream, the local 3-master Redis Cluster), and prints:
//   - fan-out insertions per second (one tweet id into one home timeline),
//   - post-to-visible latency for an author with 10,000 followers,
//   - hydrated GetHomeTimeline(20): latency one call at a time, the rate the system sustains, and latency
//     under an open-loop --rate (1,000/s) and at 70% of the sustained rate,
//     without and with 10 large accounts followed,
//   - the pull model at 100/500/2,000 followings against fan-out reads.
//
// Shortcuts, stated so the figures can be judged: followers of the hot author
// and the load readers are bare ids (Follow checks only the followee), the hot
// author's followers' timelines are created directly in the store (as if each
// had read it once), and the 10 large accounts are put in the large-account
// set directly instead of being given 50,000 followers each. Everything
// measured runs the production code paths.
import { cpus, loadavg } from "node:os";
import { calibrationLine, progressLog } from "../../machine.js";
import { benchArgs } from "../../args.js";
import type { Registry } from "prom-client";
import { GENERATOR_DEFAULTS, GENERATOR_USAGE, generatorArgs } from "../../h2load.js";
import { callsServed } from "../../h2load-grpc.js";
import { TimelineService } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import { requestScope } from "../../../services/kit/request-context.js";
import type { Mode } from "../../../services/testing/runtime.js";
import { fanoutMetrics } from "../../../services/timeline/fanout/metrics.js";
import { homePage } from "../../../services/timeline/home.js";
import { hydrate } from "../../../services/timeline/hydrate.js";
import { h2loadReads } from "./h2load-reads.js";
import { ReadLoad, type ReadFigures } from "./read-load.js";
import { stallsLine, watchStalls, type Stalls } from "../../stalls.js";
import { pullHomeTimeline } from "./pull.js";
import { mapLimit } from "../../../services/timeline/source.js";
import { startChirp, withTimelineStore, type ChirpWithStore as System } from "../../../services/testing/chirp.js";
import type { TimelineStarted } from "../../../services/timeline/target.js";

const USAGE = `node --import tsx bench/services/timeline/main.ts [--mode=cluster|embedded]
  [--followers=10000] [--rate=1000] [--seconds=30] [--pull=100,500,2000] [--max-entry-calls=64]
  [--fanout-rounds=1] [--phases=visible,fanout,reads,pull] ${GENERATOR_USAGE}
`;
const args = benchArgs(USAGE, {
  mode: "cluster",
  followers: "10000",
  rate: "1000",
  // Each open loop's length: long enough to hold the collector's cycle (a
  // mark-compact every 10-20 s at 1,000 reads/s here), which a 10-s loop
  // either misses or catches once in 10,000 reads.
  seconds: "30",
  pull: "100,500,2000",
  // Bursts measured in the fan-out phase (it varies from run to run here).
  "fanout-rounds": "1",
  phases: "visible,fanout,reads,pull",
  // The services' admission limit (CHIRP_MAX_ENTRY_CALLS), as deployed by default; 0 = none.
  "max-entry-calls": "64",
  // h2load processes send the open loops, one per reader; or the Node
  // client in the readers' worker thread.
  ...GENERATOR_DEFAULTS,
});
const MODE: Mode = args.mode();
const HOT_FOLLOWERS = args.num("followers");
const RATE = args.num("rate");
const SECONDS = args.num("seconds");
const PULL_SIZES = args.nums("pull");
const FANOUT_ROUNDS = args.num("fanout-rounds");
const { generator: GENERATOR, clients: H2LOAD_CLIENTS } = generatorArgs(args);
const PHASES = new Set(args.choices("phases", ["visible", "fanout", "reads", "pull"]));
const AUTHORS = Math.max(...PULL_SIZES, 100);
const READERS = 200;
const READER_FOLLOWS = 20;
const LARGE = 10;

const progress = progressLog();
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: pct(s, 50), p99: pct(s, 99), max: s.at(-1) ?? NaN, n: s.length };
};
const results: string[] = [];
const report = (line: string) => {
  results.push(line);
  process.stdout.write(`${line}\n`);
};

async function inParallel<T>(items: readonly T[], n: number, fn: (x: T, i: number) => Promise<unknown>, label?: string): Promise<void> {
  let done = 0;
  let lastShown = Date.now();
  await mapLimit(
    items.map((x, i) => [x, i] as const),
    n,
    async ([x, i]) => {
      await fn(x, i);
      done++;
      if (label && Date.now() - lastShown > 2000) {
        lastShown = Date.now();
        progress(`  ${label}: ${done}/${items.length}`);
      }
    },
  );
}

/** A fan-out counter's "add" total so far. */
async function addsSoFar(s: System, counter: "writes" | "scans"): Promise<number> {
  const m = await fanoutMetrics(s.rt.metrics.registry)[counter].get();
  return m.values.filter((v) => v.labels.op === "add").reduce((a, v) => a + v.value, 0);
}

async function workDone(s: System): Promise<number> {
  const m = fanoutMetrics(s.rt.metrics.registry);
  const [writes, events] = [await m.writes.get(), await m.events.get()];
  return [...writes.values, ...events.values].reduce((a, v) => a + v.value, 0);
}

/** Waits until the fan-out worker's counters stop moving (it is idle: no backlog of events). */
async function settle(s: System, quietMs = 1500): Promise<void> {
  let last = await workDone(s);
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    await new Promise((r) => setTimeout(r, 200));
    const now = await workDone(s);
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

async function main(): Promise<void> {
  const atStart = calibrationLine();
  progress(`mode ${MODE}, ${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}; ${atStart}`);
  const s = await withTimelineStore(
    await startChirp({
      mode: MODE,
      label: "tl_bench",
      targets: ["user", "graph", "tweet", "timeline", "fanout"],
      overrides: { timeline: { fanoutThreshold: 50_000, largeAccountCacheMs: 1000 } },
      // The services call each other over gRPC, as one process per target does.
      env: { CHIRP_MAX_ENTRY_CALLS: args.string("max-entry-calls"), CHIRP_INPROCESS_CALLS: "false" },
    }),
  );
  try {
    await run(s);
  } finally {
    progress("cleaning up");
    await s.stop();
  }
  process.stdout.write(`\n== timeline bench (${MODE} mode, ${cpus().length} CPUs) ==\nat start: ${atStart}\nat end: ${calibrationLine()}\n${results.join("\n")}\n`);
}

async function run(s: System): Promise<void> {
  // --- set-up -------------------------------------------------------------
  progress(`registering ${AUTHORS} authors, 1 hot author, ${LARGE} large accounts`);
  const authors: bigint[] = Array.from({ length: AUTHORS }, () => 0n);
  await inParallel(authors, 8, async (_, i) => (authors[i] = await s.register()), "register");
  const hot = await s.register();
  const large = await Promise.all(Array.from({ length: LARGE }, () => s.register()));
  for (const l of large) await s.store.addLargeAccount(l);

  const base = 5_000_000_000_000n;
  const hotFollowers = Array.from({ length: HOT_FOLLOWERS }, (_, i) => base + BigInt(i));
  const plainReaders = Array.from({ length: READERS }, (_, i) => base + 1_000_000n + BigInt(i));
  const largeReaders = Array.from({ length: READERS }, (_, i) => base + 2_000_000n + BigInt(i));
  const pullReaders = PULL_SIZES.map((_, i) => base + 3_000_000n + BigInt(i));
  const pool = authors.slice(0, 100);
  const edges: Array<[bigint, bigint]> = [
    ...hotFollowers.map((f) => [f, hot] as [bigint, bigint]),
    ...plainReaders.flatMap((r, i) => Array.from({ length: READER_FOLLOWS }, (_, k) => [r, pool[(i + k * 7) % pool.length]!] as [bigint, bigint])),
    ...largeReaders.flatMap((r, i) => [
      ...Array.from({ length: READER_FOLLOWS }, (_, k) => [r, pool[(i + k * 7) % pool.length]!] as [bigint, bigint]),
      ...large.map((l) => [r, l] as [bigint, bigint]),
    ]),
    ...pullReaders.flatMap((r, i) => authors.slice(0, PULL_SIZES[i]).map((a) => [r, a] as [bigint, bigint])),
  ];
  progress(`creating ${edges.length} follow edges`);
  await inParallel(edges, 64, ([a, b]) => s.follow(a, b), "follow");
  progress("building the readers' timelines through GetHomeTimeline, the hot author's followers' in the store");
  await inParallel([...plainReaders, ...largeReaders, ...pullReaders, hot], 16, (u) => s.homeIds(u, 20));
  await inParallel(hotFollowers, 64, (u) => s.store.finishBuild(u, []));
  progress(`posting 2 tweets per author and 5 per large account`);
  await inParallel([...authors, ...authors], 32, (a) => s.post(a, "a tweet for the bench"), "post");
  await inParallel([...large, ...large, ...large, ...large, ...large], 16, (a) => s.post(a, "a large account speaks"));
  progress("waiting for the fan-out worker to finish the set-up's events");
  await settle(s);

  if (PHASES.has("visible")) await postToVisible(s, hot, hotFollowers);
  if (PHASES.has("fanout")) for (let round = 0; round < FANOUT_ROUNDS; round++) await fanoutBurst(s, hot, hotFollowers);
  if (PHASES.has("reads")) {
    // --- reads under load ---------------------------------------------------
    const authorization: Record<string, string> = {};
    for (const r of [...plainReaders, ...largeReaders]) authorization[String(r)] = ((await s.as(r)).headers as Record<string, string>).authorization!;
    const load = ReadLoad.start(s.urls.timeline!, authorization);
    const open: OpenReads =
      GENERATOR === "h2load" ? h2loadReads(s, authorization, H2LOAD_CLIENTS, SECONDS) : (readers, rate) => load.run({ kind: "open", readers, rate, seconds: SECONDS });
    try {
      await readsUnderLoad(load, open, s.rt.metrics.registry, plainReaders.map(String), largeReaders.map(String));
    } finally {
      await load.close();
    }
  }
  if (PHASES.has("pull")) await pullModel(s, pullReaders);
}

// --- post-to-visible ----------------------------------------------------
// A fixed sample of 1,000 followers is polled every 10 ms: polling all
// 10,000 would itself load Redis and this process enough to skew the figure.
async function postToVisible(s: System, hot: bigint, hotFollowers: bigint[]): Promise<void> {
  const sample = hotFollowers.filter((_, i) => i % Math.max(1, Math.floor(hotFollowers.length / 1000)) === 0);
  const latencies: number[] = [];
  for (let round = 0; round < 5; round++) {
    const seen = new Array<number>(sample.length).fill(-1);
    const t0 = performance.now();
    const tweetId = await s.post(hot, `visible? ${round}`);
    while (seen.includes(-1) && performance.now() - t0 < 60_000) {
      const has = await s.store.contains(sample, tweetId);
      const now = performance.now() - t0;
      has.forEach((h, i) => {
        if (h && seen[i] === -1) seen[i] = now;
      });
      await new Promise((r) => setTimeout(r, 10));
    }
    latencies.push(...seen.map((x) => (x === -1 ? Infinity : x)));
    progress(`post-to-visible round ${round + 1}: last sampled follower after ${ms(Math.max(...seen.map((x) => (x === -1 ? Infinity : x))))}`);
    await settle(s, 500);
  }
  const v = summary(latencies);
  report(`post-to-visible, author with ${HOT_FOLLOWERS} followers (5 tweets, ${sample.length} sampled followers each): p50 ${ms(v.p50)}, p99 ${ms(v.p99)}, max ${ms(v.max)}  [target p99 <= 1000 ms]`);
}

// --- fan-out throughput -------------------------------------------------
async function fanoutBurst(s: System, hot: bigint, hotFollowers: bigint[]): Promise<void> {
  await settle(s);
  const TWEETS = 20;
  const [before, scansBefore] = [await addsSoFar(s, "writes"), await addsSoFar(s, "scans")];
  const t0 = performance.now();
  await Promise.all(Array.from({ length: TWEETS }, (_, i) => s.post(hot, `burst ${i}`)));
  const expected = before + TWEETS * HOT_FOLLOWERS;
  while ((await addsSoFar(s, "writes")) < expected && performance.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 5));
  const elapsed = (performance.now() - t0) / 1000;
  const written = (await addsSoFar(s, "writes")) - before;
  const scans = (await addsSoFar(s, "scans")) - scansBefore;
  report(
    `fan-out end to end: ${written} timeline insertions (${TWEETS} tweets x ${HOT_FOLLOWERS} followers, ${scans} reads of the followers included) ` +
      `in ${elapsed.toFixed(2)} s = ${Math.round(written / elapsed)}/s  [target >= 100,000/s]`,
  );
  await settle(s);
  // The store's share alone: fanout.batch-sized writes (1,000 timelines, one id) at the worker's concurrency.
  {
    const jobs = 100;
    let next = 0;
    let id = 10n ** 17n;
    const t1 = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < jobs) {
          const j = next++;
          const batch = hotFollowers.slice((j * 1000) % hotFollowers.length, ((j * 1000) % hotFollowers.length) + 1000);
          await Promise.all([s.store.add(batch, [id++]), s.store.online(batch)]);
        }
      }),
    );
    const secs = (performance.now() - t1) / 1000;
    report(`fan-out store writes alone: ${jobs} x 1,000-timeline pipelines, 8 at a time: ${Math.round((jobs * 1000) / secs)}/s`);
    await s.store.remove(hotFollowers, Array.from({ length: jobs }, (_, k) => 10n ** 17n + BigInt(k)));
  }
}

// --- pull model ---------------------------------------------------------
async function pullModel(s: System, pullReaders: bigint[]): Promise<void> {
  const rc = (s.targets.started.get("timeline") as TimelineStarted).rc;
  for (const [i, reader] of pullReaders.entries()) {
    const auth = (await s.as(reader)).headers as Record<string, string>;
    const scope = { requestId: "bench", authorization: auth.authorization };
    const fanoutRead = () => requestScope.run(scope, async () => hydrate(rc.hydration, { id: reader }, (await homePage(rc, reader, undefined, 20)).ids));
    const pullRead = () => requestScope.run(scope, () => pullHomeTimeline(rc.hydration, rc.source, reader, 20));
    // Same answer first: the comparison is only fair if both return the same page.
    const [a, b] = [await fanoutRead(), await pullRead()];
    const same = JSON.stringify(a.tweets.map((t) => String(t.tweet!.tweetId))) === JSON.stringify(b.tweets.map((t) => String(t.tweet!.tweetId)));
    const times = async (fn: () => Promise<unknown>, n: number) => {
      const out: number[] = [];
      for (let k = 0; k < n; k++) {
        const t = performance.now();
        await fn();
        out.push(performance.now() - t);
      }
      return summary(out);
    };
    const n = PULL_SIZES[i]! >= 2000 ? 20 : 50;
    const f = await times(fanoutRead, n);
    const p = await times(pullRead, n);
    report(`pull model, ${PULL_SIZES[i]} followings: p50 ${ms(p.p50)}, p99 ${ms(p.p99)} vs fan-out p50 ${ms(f.p50)}, p99 ${ms(f.p99)} => ${(p.p50 / f.p50).toFixed(1)}x slower (p50)${same ? "" : "  [pages differ!]"}`);
  }
}

/** An open loop of home reads by `readers` at `rate`/s for SECONDS after a 1-s warm-up. */
/** `loadEnded`, if the generator calls it: the load is over, its figures not yet computed. */
type OpenReads = (readers: string[], rate: number, loadEnded?: () => void) => Promise<ReadFigures>;

/** Hydrated home reads: what the system sustains (the worker's closed loops), then open loops. */
async function readsUnderLoad(load: ReadLoad, open: OpenReads, registry: Registry, plainReaders: string[], largeReaders: string[]): Promise<void> {
  // Warm up connections and caches.
  await load.run({ kind: "closed", readers: [...plainReaders, ...largeReaders], concurrency: 16, ms: 3000 });
  // Latency without a queue in front of it: one caller, back to back.
  const alone = await load.run({ kind: "closed", readers: plainReaders, concurrency: 1, ms: 5000 });
  report(`GetHomeTimeline(20) hydrated, one caller back to back for 5 s: ${alone.rate.toFixed(0)} reads/s, p50 ${ms(alone.p50)}, p99 ${ms(alone.p99)}`);
  const capacity = await closedLoop(load, plainReaders);
  report(`GetHomeTimeline(20) hydrated, 16 callers back to back for 5 s: ${capacity.rate.toFixed(0)} reads/s, p50 ${ms(capacity.p50)}, p99 ${ms(capacity.p99)}`);
  const capacityLarge = await closedLoop(load, largeReaders);
  report(`  ... following ${LARGE} large accounts: ${capacityLarge.rate.toFixed(0)} reads/s, p50 ${ms(capacityLarge.p50)}, p99 ${ms(capacityLarge.p99)}; p99 ratio ${(capacityLarge.p99 / capacity.p99).toFixed(2)}x`);
  // Lowest rate first, with a pause between phases: an overloaded phase
  // leaves a backlog that would otherwise land in the next one's latencies.
  const rates = [...new Set([RATE, Math.max(10, Math.floor(capacity.rate * 0.7))])].sort((a, b) => a - b);
  for (const rate of rates) {
    await new Promise((r) => setTimeout(r, 3000));
    const plain = await openLoop(open, registry, plainReaders, rate);
    report(`GetHomeTimeline(20) hydrated at ${rate}/s for ${SECONDS}s: p50 ${ms(plain.p50)}, p99 ${ms(plain.p99)}, max ${ms(plain.max)}, ${plain.rate.toFixed(0)}/s done, ${errorsPart(plain)}  [target p99 <= 10 ms at 1000/s]`);
    reportStalls(plain);
    const withLarge = await openLoop(open, registry, largeReaders, rate);
    report(`  ... following ${LARGE} large accounts: p50 ${ms(withLarge.p50)}, p99 ${ms(withLarge.p99)}, max ${ms(withLarge.max)}, ${withLarge.rate.toFixed(0)}/s done, ${errorsPart(withLarge)}; p99 ratio ${(withLarge.p99 / plain.p99).toFixed(2)}x  [target <= 2x]`);
    reportStalls(withLarge);
  }
}

/** "12 errors (12 shed)": how many calls failed, and what the first were. */
const errorsPart = (f: ReadFigures) => `${f.errors} errors${f.firstError ? ` (${f.firstError})` : ""}`;

/** Closed loop: the throughput this system sustains, 16 calls in flight. */
async function closedLoop(load: ReadLoad, readers: string[]) {
  return load.run({ kind: "closed", readers, concurrency: 16, ms: 5000 });
}

/** Open loop at `rate` for SECONDS after a 1-s warm-up (no coordinated omission: latency counts from the scheduled start). */
async function openLoop(open: OpenReads, registry: Registry, readers: string[], rate: number) {
  progress(`open loop: ${rate * SECONDS} reads at ${rate}/s`);
  const served = () => callsServed(registry, TimelineService.method.getHomeTimeline);
  const before = await served();
  const services = watchStalls();
  let stalls: Stalls | undefined;
  const figures = await open(readers, rate, () => (stalls = services.stop()));
  return { ...figures, services: stalls ?? services.stop(), reads: (await served()) - before };
}

/** Where an open loop's tail came from: stalls of the services' thread and of the readers' own (warm-up included). */
function reportStalls(r: ReadFigures & { services: Stalls; reads: number }) {
  report(`      services' thread: ${stallsLine(r.services, r.reads)}`);
  if (r.readers) report(`      readers' thread: ${stallsLine(r.readers)}; sends up to ${ms(r.dispatchLagMax ?? 0)} late`);
  if (r.generator) report(`      sent by ${r.generator}; up to ${ms(r.dispatchLagMax ?? 0)} late`);
}

await main();
process.exit(0);

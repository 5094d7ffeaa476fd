// `make bench`: seeds a social graph, starts the system (all-in-one or one
// process per target), measures the baselines, steps the open-loop mixed load
// up to the highest rate within the SLO (REST through the gateway, sent by
// mixload, a generator written in C; gRPC straight to the services, sent from Node), probes fan-out lag,
// profiles the hottest process at the peak, judges issue 29's targets, and
// writes a JSON result, a Markdown report and a chart.
//   node --import tsx bench/main.ts --help
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateKeyPairPem, type KeyPairPem } from "../services/kit/keys.js";
import { captureHomePage, startBare, type BareServer } from "./baselines/bare.js";
import { echoGrpcOps, echoHttpOps, startEcho, type EchoServer } from "./baselines/echo.js";
import { fanoutHomeOps, pullOps } from "./baselines/pull.js";
import { openRedisCeiling } from "./baselines/redis.js";
import { CpuMeter, type CpuWindow } from "./cpu.js";
import { perRequest, scrapeRpcs, type Counts } from "./rpcs.js";
import { buildGraph, followerDistribution, followersOf, specKey } from "./graph.js";
import { HOME_PATH, planMix, runRestMix } from "./rest-mix.js";
import { settleNote, waitForConsumers } from "./settle.js";
import { HttpClient } from "./http.js";
import { grpcLagTransport, LagProbe, restLagTransport, type LagResult, type LagTransport, type ProbeAuthor } from "./lag.js";
import { launch } from "./launch.js";
import { loadAverage, machineInfo } from "./machine.js";
import { grpcClients, grpcOps, MixPicker, restOps, type Population } from "./mix.js";
import { runOpenLoop, type Op, type OpenLoopResult } from "./openloop.js";
import { HELP, parseOptions, type Options } from "./options.js";
import { keepProfiles, summarizeProfile, waitForFile } from "./profile.js";
import { log } from "./progress.js";
import { buildReport, peakStep, runNameOf, type BenchResult, type ClosedLoopRecord, type SeriesRecord, type StepRecord } from "./report.js";
import { Rng, WeightedSampler } from "./rng.js";
import { seed } from "./seed.js";
import { stepRates, type StepPlan } from "./step.js";
import { judgeTargets, targetLineText, TARGETS } from "./targets.js";
import { wrkClosedLoop } from "./wrk.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TARGET_RATE = { embedded: TARGETS.embeddedRate, cluster: TARGETS.clusterRate } as const;

/** One step's load at a rate: the Node open loop or a C generator, the CPU window between the hooks. */
type Load = (rate: number, seed: number, hooks: { onMeasureStart(): void; onMeasureEnd(): void }) => Promise<OpenLoopResult>;

function loadOrCreateKeys(file: string): Promise<KeyPairPem> | KeyPairPem {
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as KeyPairPem;
  return generateKeyPairPem().then((k) => {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(k), { mode: 0o600 });
    return k;
  });
}

async function main(): Promise<void> {
  const parsed = parseOptions(process.argv.slice(2));
  if (parsed === "help") return void process.stdout.write(HELP);
  const o: Options = parsed;
  const startedAt = new Date();
  const runName = runNameOf(o.quick, o.mode, startedAt);
  const outDir = resolve(ROOT, o.outDir);
  const machine = machineInfo(ROOT, o.mode === "cluster" ? ["redis", "nats", "cassandra"] : o.baselines.includes("redis") ? ["redis"] : []);
  log(`machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, load average ${machine.loadAverage.join(" ")}, Node ${machine.node}, commit ${machine.commit}; calibration ${machine.calibration.cpuMs} ms CPU in ${machine.calibration.wallMs} ms`);
  if (machine.loadAverage[0]! > machine.cores * 0.5) log(`!! the machine is busy (load ${machine.loadAverage[0]} on ${machine.cores} cores): figures will be noisy`);

  const graph = buildGraph(o.graph);
  const dist = followerDistribution(graph);
  const dataset = o.dataset || `u${o.graph.users}_${specKey(o.graph)}`;
  log(`graph: ${o.graph.users} users, ${graph.edges.toLocaleString("en-US")} follows, ${o.graph.tweets.toLocaleString("en-US")} tweets; followers p50 ${dist.p50}, p99 ${dist.p99}, max ${dist.max}; dataset ${dataset}`);
  for (const n of graph.notes) log(`note: ${n}`);

  const stateDir = join(outDir, ".data", `${o.mode}-${dataset}`);
  if (o.fresh) {
    if (o.mode === "cluster") throw new Error("--fresh is for the embedded mode; in cluster mode pick a new --dataset");
    rmSync(stateDir, { recursive: true, force: true });
  }
  const keys = await loadOrCreateKeys(join(stateDir, "keys.json"));
  const logDir = join(outDir, "logs", runName);
  const profileDir = join(outDir, "profiles", runName);
  mkdirSync(logDir, { recursive: true });

  log(`starting the system (${o.mode} mode${o.mode === "cluster" ? ", one process per target" : ", all-in-one"}) on ports ${o.portBase}-${o.portBase + 5}; logs in ${relative(ROOT, logDir)}`);
  const launching = launch({
    mode: o.mode,
    repoRoot: ROOT,
    portBase: o.portBase,
    dataDir: join(stateDir, "lmdb"),
    dataset,
    logDir,
    logLevel: o.logLevel,
    keys,
    profileDir,
    env: {},
    startTimeoutMs: o.mode === "cluster" ? 240_000 : 120_000,
  });
  const echoStarting = o.baselines.includes("echo")
    ? startEcho({ repoRoot: ROOT, port: o.portBase + 9, publicKeyPem: keys.publicKeyPem, logDir, logLevel: o.logLevel })
    : undefined;
  const [sysR, echoR] = await Promise.allSettled([launching, echoStarting ?? Promise.resolve(undefined)]);
  const system = sysR.status === "fulfilled" ? sysR.value : undefined;
  const echo: EchoServer | undefined = echoR.status === "fulfilled" ? echoR.value : undefined;
  if (!system) {
    await echo?.stop();
    throw (sysR as PromiseRejectedResult).reason;
  }
  const skipped: Record<string, string> = {};
  if (echoR.status === "rejected") skipped.echo = `echo server did not start: ${(echoR.reason as Error).message}`;
  log(`system ready at ${system.gatewayUrl}`);

  let bare: BareServer | undefined;
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled([system.stop(), echo?.stop(), bare?.stop()]);
  };
  process.once("SIGINT", () => void shutdown().then(() => process.exit(130)));
  process.once("SIGTERM", () => void shutdown().then(() => process.exit(143)));

  const result: Partial<BenchResult> = {};
  try {
    // --- seed --------------------------------------------------------------
    log(`seeding through the gRPC services (${o.tokens === "mint" ? "tokens signed with the deployment's key" : "tokens by Login"})`);
    const seeded = await seed({
      graph,
      addrs: system.addrs,
      stateFile: join(stateDir, "state.json"),
      tokens: o.tokens,
      keys,
      jwt: { issuer: process.env.CHIRP_JWT_ISSUER ?? "chirp", audience: process.env.CHIRP_JWT_AUDIENCE ?? "chirp-api" },
      concurrency: { argon2: 8, follow: 64, tweet: 16, warm: o.mode === "cluster" ? 8 : 16 },
    });
    const pop: Population = { actors: seeded.actors, popular: new WeightedSampler(Array.from(graph.followerCounts, (c) => c + 1)) };
    const probes = probeAuthors(graph, pop);
    log(`lag probes: ${probes.map((p) => `${p.label} (${p.followerCount} followers)`).join(", ")}`);

    const http = new HttpClient(system.gatewayUrl, o.connections, o.requestTimeoutMs);
    const grpc = grpcClients(system.addrs, o.requestTimeoutMs);
    const watched = () => [...system.watched(), ...(echo ? [{ name: "echo", pid: echo.pid }] : []), ...(bare ? [{ name: "bare", pid: bare.pid }] : [])];
    const cpu = new CpuMeter(watched);
    // Every process's RPC counters (one registry for the all-in-one).
    const metricsUrls =
      o.mode === "embedded"
        ? [`${system.gatewayUrl}/metrics`]
        : [system.gatewayUrl, ...Object.values(system.addrs)].map((u) => `${u}/metrics`);
    // Nothing is measured while the consumers still work through the seeding's events.
    const settled = await waitForConsumers(metricsUrls);
    let seedOffset = 0;

    /** The Node open loop (openloop.ts) over `ops`. */
    const nodeLoad =
      (ops: () => (i: number) => Op, timing: { durationS: number; warmupS: number }): Load =>
      (rate, stepSeed, hooks) =>
        runOpenLoop({
          rate,
          durationS: timing.durationS,
          warmupS: timing.warmupS,
          arrivals: o.arrivals,
          seed: stepSeed,
          next: ops(),
          // Over a second's worth of requests in flight: the step has failed already.
          abortInFlight: Math.max(100, rate),
          ...hooks,
        });
    /**
     * The REST mix: sent by mixload or h2load (rest-mix.ts; a fresh seeded set of readers, viewers
     * and posters per step), or with --rest-generator=node by the Node open loop of earlier runs.
     */
    const restLoad =
      (timing: { durationS: number; warmupS: number }): Load =>
      (rate, stepSeed, hooks) => {
        if (o.restGenerator === "node") return nodeLoad(() => restOps(http, new MixPicker(o.mix, pop, stepSeed + 1000)), timing)(rate, stepSeed, hooks);
        return runRestMix({
          tool: o.restGenerator,
          url: system.gatewayUrl,
          streams: planMix({ rate, mix: o.mix, pop, seed: stepSeed, warmupS: timing.warmupS, durationS: timing.durationS, maxReaders: o.readers }),
          rate,
          warmupS: timing.warmupS,
          durationS: timing.durationS,
          drainS: Math.min(10, o.requestTimeoutMs / 1000),
          ...hooks,
        });
      };

    const series = async (
      name: string,
      label: string,
      plan: StepPlan,
      load: Load,
      timing: { durationS: number; warmupS: number },
      lagT?: LagTransport,
      /** A rate to run a step at if the stepping did not (the target's), so the report can judge it directly. */
      ensureRate?: number,
    ): Promise<SeriesRecord> => {
      log(`${label}: ${plan.rates ? `rates ${plan.rates.join(", ")}/s` : `from ${plan.start}/s x${plan.factor}`}, ${timing.warmupS}+${timing.durationS}s per step`);
      const runStep = async (rate: number): Promise<StepRecord> => {
        const probe = lagT ? new LagProbe(probes, lagT, { ...o.lag, seed: o.seed + seedOffset }) : undefined;
        let window: CpuWindow | undefined;
        let rpcsBefore: Promise<Counts> | undefined;
        let rpcsAfter: Promise<Counts> | undefined;
        const r: OpenLoopResult = await load(rate, o.seed + ++seedOffset, {
          onMeasureStart: () => {
            cpu.start();
            probe?.start();
            if (lagT) rpcsBefore = scrapeRpcs(metricsUrls);
          },
          onMeasureEnd: () => {
            window = cpu.stop();
            if (lagT) rpcsAfter = scrapeRpcs(metricsUrls);
          },
        });
        const lag: LagResult | undefined = await probe?.stop();
        const rpcs = rpcsBefore && rpcsAfter ? perRequest(await rpcsBefore, await rpcsAfter, r.sent) : undefined;
        if (!system.alive()) throw new Error("a service process died during the step (see the logs)");
        await sleep(o.pauseMs);
        return { rate, pass: false, reason: "", result: r, ...(lag ? { lag } : {}), ...(window ? { cpu: window } : {}), ...(rpcs ? { rpcsPerRequest: rpcs } : {}), loadAverage: loadAverage() };
      };
      const onStep = (j: { pass: boolean; reason: string; step: StepRecord }) => {
        j.step.pass = j.pass;
        j.step.reason = j.reason;
        log(`  ${name.padEnd(8)} ${stepLine(j.step)}`);
      };
      const first = await stepRates<StepRecord>(plan, o.slo, runStep, onStep);
      const steps = first.steps.map((s) => s.step);
      if (ensureRate && !steps.some((s) => s.rate === ensureRate)) {
        log(`  ${name.padEnd(8)} one more step at the target rate, ${ensureRate}/s`);
        const extra = await stepRates<StepRecord>({ ...plan, rates: [ensureRate] }, o.slo, runStep, onStep);
        steps.push(...extra.steps.map((s) => s.step));
      }
      const passed = steps.filter((s) => s.pass).map((s) => s.rate);
      return { name, label, steps, ...(passed.length ? { maxSustained: Math.max(...passed) } : {}) };
    };

    const baselineTiming = { durationS: o.baselineDurationS, warmupS: o.quick ? 0.5 : 1 };
    const mainTiming = { durationS: o.durationS, warmupS: o.warmupS };
    const baselines: SeriesRecord[] = [];

    // --- baselines (the system idle meanwhile) ---------------------------
    if (o.baselines.includes("redis")) {
      try {
        const ceiling = await openRedisCeiling(o.redisUrl, "chirpbench_ceiling:");
        try {
          const s = await series("redis", `Redis ceiling (core read, pipelined; Redis ${ceiling.version})`, o.baselinePlans.redis, nodeLoad(() => ceiling.ops(o.seed), baselineTiming), baselineTiming);
          baselines.push(s);
        } finally {
          await ceiling.close();
        }
      } catch (err) {
        skipped.redis = (err as Error).message;
        log(`redis baseline skipped: ${skipped.redis}`);
      }
    }
    if (echo) {
      const echoHttp = new HttpClient(echo.url, o.connections, o.requestTimeoutMs);
      baselines.push(await series("echo", "framework ceiling: connect-node echo over HTTP/1.1", o.baselinePlans.echo, nodeLoad(() => echoHttpOps(echoHttp, pop.actors, o.seed), baselineTiming), baselineTiming));
      echoHttp.close();
      if (o.variants.includes("grpc")) {
        baselines.push(await series("echo-grpc", "framework ceiling: connect-node echo over gRPC", o.baselinePlans.echo, nodeLoad(() => echoGrpcOps(echo.url, pop.actors, o.seed), baselineTiming), baselineTiming));
      }
    }
    if (o.baselines.includes("pull")) {
      baselines.push(await series("fanout", "home reads, fan-out (GetHomeTimeline, gRPC)", o.baselinePlans.fanout, nodeLoad(() => fanoutHomeOps(grpc, pop.actors, o.seed), baselineTiming), baselineTiming));
      baselines.push(await series("pull", "home reads, pull model (computed at read time)", o.baselinePlans.pull, nodeLoad(() => pullOps(system.addrs, o.mode, pop.actors, o.seed), baselineTiming), baselineTiming));
    }

    // --- closed loop: home reads through the gateway against bare node:http
    if (o.baselines.includes("closed")) {
      const c = o.closed;
      const readers = new Rng(o.seed ^ 0xc105ed).shuffle([...pop.actors]).slice(0, Math.min(c.readers, pop.actors.length));
      const record: ClosedLoopRecord = { readers: readers.length, connections: c.connections, threads: c.threads, durationS: c.durationS, warmupS: c.warmupS };
      result.closedLoop = record;
      try {
        const page = await captureHomePage(system.gatewayUrl, readers, HOME_PATH);
        record.page = { bytes: page.body.length, tweets: page.tweets, contentType: page.contentType };
        if (page.tweets < 20) record.skipped = `the fullest home page found had ${page.tweets} tweets, not 20: the bare server answers with it`;
        bare = await startBare({ repoRoot: ROOT, port: o.portBase + 8, page, dir: stateDir, logDir });
        const tokens = readers.map((a) => a.token);
        const closedLoop = async (label: string, url: string, profiled: readonly string[] = []) => {
          let window: CpuWindow | undefined;
          const profile = (names: readonly string[]) => names.forEach((n) => system.signal(n, "SIGUSR2"));
          const w = await wrkClosedLoop({
            url,
            path: HOME_PATH,
            tokens,
            connections: c.connections,
            threads: c.threads,
            seconds: c.durationS,
            warmupS: c.warmupS,
            onMeasureStart: () => (cpu.start(), profile(profiled)),
            onMeasureEnd: () => ((window = cpu.stop()), profile(profiled)),
          });
          log(`  closed   ${label.padEnd(34)} ${w.rate.toFixed(0).padStart(6)}/s  p50 ${w.latency.p50} p99 ${w.latency.p99} ms  errors ${w.errorCount}`);
          await sleep(o.pauseMs);
          return { ...w, ...(window ? { cpu: window } : {}) };
        };
        log(`closed loop (wrk): ${readers.length} readers, ${c.connections} connections, ${c.warmupS}+${c.durationS}s per server; page ${page.body.length} bytes, ${page.tweets} tweets`);
        record.bare = await closedLoop("bare node:http, same page", bare.url);
        await bare.stop();
        bare = undefined;
        const profiled = o.profile ? system.procs.map((p) => p.name) : [];
        for (const n of profiled) rmSync(join(profileDir, `${n}.cpuprofile`), { force: true });
        record.home = await closedLoop("Chirp: home timeline via gateway", system.gatewayUrl, profiled);
        // Kept under a name of its own: the peak step's profile would overwrite it.
        const kept = await keepProfiles(profileDir, profiled, "closed");
        if (kept.length) record.profiles = kept.map((f) => ({ ...summarizeProfile(f.file, f.process, ROOT), file: relative(ROOT, f.file) }));
        for (const p of record.profiles ?? []) log(`closed-loop profile: ${p.file}; busiest: ${p.top.slice(0, 3).map((t) => `${t.fn} ${t.pctBusy}%`).join(", ")}`);
      } catch (err) {
        record.skipped = `closed loop: ${(err as Error).message}`;
        log(`closed loop skipped: ${record.skipped}`);
      } finally {
        await bare?.stop();
        bare = undefined;
      }
    }

    // --- the mixed load ----------------------------------------------------
    const variants: SeriesRecord[] = [];
    for (const v of o.variants) {
      const picker = () => new MixPicker(o.mix, pop, o.seed + 1000 + seedOffset);
      variants.push(
        v === "rest"
          ? await series("rest", `mixed, REST via the gateway (${o.restGenerator === "node" ? "Node generator" : o.restGenerator})`, o.plan, restLoad(mainTiming), mainTiming, restLagTransport(system.gatewayUrl, (m, p, h, b) => http.request(m, p, h, b)), o.quick ? undefined : TARGET_RATE[o.mode])
          : await series("grpc", "mixed, gRPC direct to the services (Node generator)", o.plan, nodeLoad(() => grpcOps(grpc, picker()), mainTiming), mainTiming, grpcLagTransport(grpc)),
      );
    }

    // --- where the time goes: the hottest process at the peak step ---------
    const main = variants[0];
    const peak = peakStep(main);
    if (o.profile && main && peak) {
      const all = Object.entries(peak.cpu?.processes ?? {}).filter(([n]) => n !== "bench").sort((a, b) => b[1] - a[1]);
      const hottest = all.find(([n]) => system.procs.some((p) => p.name === n));
      const overall = all[0];
      if (hottest) {
        const [name, pct] = hottest;
        log(`profiling '${name}' (${pct}% CPU at ${peak.rate}/s) for one more step at that rate`);
        const file = join(profileDir, `${name}.cpuprofile`);
        rmSync(file, { force: true });
        const timing = { durationS: Math.min(o.durationS, 10), warmupS: 1 };
        const load = main.name === "rest" ? restLoad(timing) : nodeLoad(() => grpcOps(grpc, new MixPicker(o.mix, pop, o.seed + 5000)), timing);
        const r = await load(peak.rate, o.seed + 5000, {
          onMeasureStart: () => system.signal(name, "SIGUSR2"),
          onMeasureEnd: () => system.signal(name, "SIGUSR2"),
        });
        if (await waitForFile(file)) {
          result.profile = {
            ...summarizeProfile(file, name, ROOT),
            rate: peak.rate,
            cpuPercent: pct,
            variant: main.name,
            p99WhileProfiling: r.latency.p99,
            file: relative(ROOT, file),
            ...(overall && overall[0] !== name ? { hottestOverall: { name: overall[0], cpuPercent: overall[1] } } : {}),
          };
          log(`profile: ${relative(ROOT, file)}; busiest: ${result.profile.top.slice(0, 3).map((t) => `${t.fn} ${t.pctBusy}%`).join(", ")}`);
        } else log("!! the profile did not appear (see the process log)");
      }
    }
    http.close();

    Object.assign(result, {
      seed: {
        spec: o.graph,
        dataset,
        popularAccountFollowers: graph.popularAccountFollowers,
        edges: graph.edges,
        distribution: seeded.distribution,
        notes: [...graph.notes, ...[settleNote(settled)].filter((n) => n !== undefined)],
        phases: seeded.phases,
        emptyTimelines: seeded.emptyTimelines,
        tokens: o.tokens,
      },
      variants,
      baselines,
      skipped,
    });
  } finally {
    log("stopping the system");
    await shutdown();
  }

  const finishedAt = new Date();
  const full: BenchResult = {
    kind: o.quick ? "quick" : "full",
    mode: o.mode,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    machine,
    loadAtEnd: loadAverage(),
    settings: {
      argv: o.argv,
      mix: o.mix,
      slo: o.slo,
      durationS: o.durationS,
      warmupS: o.warmupS,
      baselineDurationS: o.baselineDurationS,
      arrivals: o.arrivals,
      connections: o.connections,
      plan: o.plan,
      lag: o.lag,
      systemEnv: system.settings,
      targetRate: TARGET_RATE[o.mode],
      restGenerator: o.restGenerator,
      readers: o.readers,
    },
    chirpProcesses: system.procs.map((p) => p.name),
    ...(result.closedLoop ? { closedLoop: result.closedLoop } : {}),
    ...(result as Pick<BenchResult, "seed" | "variants" | "baselines" | "skipped">),
    ...(result.profile ? { profile: result.profile } : {}),
    chart: {},
  };
  const base = join(outDir, runName);
  const paths = buildReport(full, base);
  for (const p of paths) log(`wrote ${relative(ROOT, p)}`);
  process.stdout.write(`\n${summaryLines(full).join("\n")}\n`);
}

function stepLine(s: StepRecord): string {
  const r = s.result;
  const l = r.latency;
  const f = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
  const cpu = s.cpu ? ` cpu ${Object.entries(s.cpu.processes).map(([k, v]) => `${k} ${v.toFixed(0)}%`).join(" ")} (machine ${s.cpu.machineBusy.toFixed(0)}%)` : "";
  const g = (r as { generator?: { tool?: string; processes: Record<string, number>; cpuMs?: number; wallMs: number } }).generator;
  const gen = g ? ` ${g.tool ?? "h2load"} ${Object.values(g.processes).reduce((a, b) => a + b, 0)} streams${g.cpuMs !== undefined ? ` ${((g.cpuMs / g.wallMs) * 100).toFixed(0)}%` : ""}` : "";
  const lag = s.lag && s.lag.observations ? ` lag p50 ${f(s.lag.latency.p50)} p99 ${f(s.lag.latency.p99)} ms (${s.lag.observations}${s.lag.notVisible ? `, ${s.lag.notVisible} not seen` : ""})` : "";
  return (
    `${String(s.rate).padStart(6)}/s → ${r.throughput.toFixed(0).padStart(6)}/s  p50 ${f(l.p50)} p90 ${f(l.p90)} p99 ${f(l.p99)} p99.9 ${f(l.p999)} max ${f(l.max)} ms` +
    `  err ${(r.errorRate * 100).toFixed(2)}%${lag}${cpu}${gen}  ${s.pass ? "PASS" : `FAIL (${s.reason})`}`
  );
}

function probeAuthors(g: ReturnType<typeof buildGraph>, pop: Population): ProbeAuthor[] {
  const counts = Array.from(g.followerCounts);
  const top = counts.indexOf(Math.max(...counts));
  const sorted = counts.map((c, i) => [c, i] as const).filter(([c]) => c > 0).sort((a, b) => a[0] - b[0]);
  const median = sorted[Math.floor(sorted.length / 2)]?.[1] ?? top;
  const mk = (label: string, u: number): ProbeAuthor => ({
    label,
    author: pop.actors[u]!,
    followers: followersOf(g, u).map((f) => pop.actors[f]!),
    followerCount: g.followerCounts[u]!,
  });
  return median === top ? [mk("most followed", top)] : [mk("most followed", top), mk("typical", median)];
}

function summaryLines(r: BenchResult): string[] {
  const out = [`== Chirp bench (${r.kind}, ${r.mode} mode) on ${r.machine.cores} cores, load ${r.machine.loadAverage.join(" ")} → ${r.loadAtEnd.join(" ")} ==`];
  for (const s of [...r.variants, ...r.baselines]) out.push(`${s.label.padEnd(58)} max within SLO: ${s.maxSustained ? `${s.maxSustained}/s` : "none"}`);
  const c = r.closedLoop;
  if (c?.bare) out.push(`${"closed loop (wrk): bare node:http, same page".padEnd(58)} ${c.bare.rate.toFixed(0)}/s`);
  if (c?.home) out.push(`${"closed loop (wrk): Chirp home timeline via gateway".padEnd(58)} ${c.home.rate.toFixed(0)}/s${c.bare ? ` (${((c.home.rate / c.bare.rate) * 100).toFixed(1)}% of bare)` : ""}`);
  if (c?.skipped) out.push(`closed loop: ${c.skipped}`);
  out.push(`-- targets (issue 29)${r.kind === "quick" ? "; a quick run is a smoke check, not a measurement" : ""}:`);
  for (const t of r.targets ?? judgeTargets(r)) out.push(targetLineText(t));
  return out;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);

// The result as JSON, a Markdown report and the latency-versus-throughput
// chart; also copied to <kind>-latest.* so the newest figures have a fixed name.
import { copyFileSync, existsSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { renderChart, writeChart, type ChartSeries } from "./chart.js";
import type { CpuWindow } from "./cpu.js";
import type { Distribution, GraphSpec } from "./graph.js";
import type { LagResult } from "./lag.js";
import type { MachineInfo } from "./machine.js";
import { mixLabel, type Mix } from "./mix.js";
import type { OpenLoopResult } from "./openloop.js";
import type { ProfileSummary } from "./profile.js";
import type { PhaseStats } from "./seed.js";
import type { Slo, StepPlan } from "./step.js";
import { cpuPerRequest, judgeTargets, targetLineText, TARGETS, type TargetLine } from "./targets.js";
import type { WrkResult } from "./wrk.js";

export interface StepRecord {
  rate: number;
  pass: boolean;
  reason: string;
  result: OpenLoopResult;
  lag?: LagResult;
  cpu?: CpuWindow;
  loadAverage: number[];
  /** Internal RPCs served per request sent, by Service.Method (from the services' /metrics). */
  rpcsPerRequest?: Record<string, number>;
}

/** The closed-loop home reads (wrk): Chirp's gateway and the bare node:http server, same page, same load. */
export interface ClosedLoopRecord {
  page?: { bytes: number; tweets: number; contentType: string };
  readers: number;
  connections: number;
  threads: number;
  durationS: number;
  warmupS: number;
  bare?: WrkResult & { cpu?: CpuWindow };
  home?: WrkResult & { cpu?: CpuWindow };
  /** CPU profiles of Chirp's processes over the home reads' measured window (--profile). */
  profiles?: ProfileSummary[];
  skipped?: string;
}

export interface SeriesRecord {
  name: string;
  label: string;
  steps: StepRecord[];
  maxSustained?: number;
}

export interface BenchResult {
  kind: "quick" | "full";
  mode: "embedded" | "cluster";
  startedAt: string;
  finishedAt: string;
  durationS: number;
  machine: MachineInfo;
  loadAtEnd: number[];
  settings: {
    argv: string[];
    mix: Mix;
    slo: Slo;
    durationS: number;
    warmupS: number;
    baselineDurationS: number;
    arrivals: string;
    connections: number;
    plan: StepPlan;
    lag: { intervalMs: number; watchers: number; timeoutMs: number };
    systemEnv: Record<string, string>;
    targetRate: number;
    /** The REST series' generator (older results: the Node open loop). */
    restGenerator?: string;
    /** At most this many home readers (streams) per step. */
    readers?: number;
  };
  /** Chirp's own processes (the others watched are backends and baselines). */
  chirpProcesses?: string[];
  closedLoop?: ClosedLoopRecord;
  targets?: TargetLine[];
  seed: {
    spec: GraphSpec;
    dataset: string;
    popularAccountFollowers: number;
    edges: number;
    distribution: Distribution;
    notes: string[];
    phases: Record<string, PhaseStats>;
    emptyTimelines: number;
    tokens: string;
  };
  variants: SeriesRecord[];
  baselines: SeriesRecord[];
  skipped: Record<string, string>;
  profile?: ProfileSummary & {
    rate: number;
    cpuPercent: number;
    variant: string;
    p99WhileProfiling: number;
    file: string;
    /** When a process that is not Chirp's (a backend) used more CPU than the profiled one. */
    hottestOverall?: { name: string; cpuPercent: number };
  };
  ratios?: Array<{ name: string; value: number | null; explain: string }>;
  chart: { svg?: string; png?: string; note?: string };
}

/** A run's name, which its files are named after: <mode>-<time>, quick-<mode>-<time>. */
export function runNameOf(quick: boolean, mode: string, startedAt: Date): string {
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-").replace(/-\d\dZ$/, "Z");
  return `${quick ? `quick-${mode}` : mode}-${stamp}`;
}

const f1 = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : Math.round(x).toLocaleString("en-US"));
const n0 = (x: number) => Math.round(x).toLocaleString("en-US");
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

function computeRatios(r: BenchResult): NonNullable<BenchResult["ratios"]> {
  const by = (name: string) => [...r.variants, ...r.baselines].find((s) => s.name === name);
  const pairs: Array<[string, string, string, string]> = [
    ["REST mixed / Redis ceiling", "rest", "redis", "the mixed load through the gateway against a Redis-only core read (range + hydration, pipelined)"],
    ["REST mixed / framework ceiling", "rest", "echo", "the mixed load through the gateway against connect-node answering a canned page over HTTP/1.1"],
    ["gRPC mixed / framework ceiling (gRPC)", "grpc", "echo-grpc", "the mixed load over gRPC against connect-node answering a canned page over gRPC"],
    ["REST mixed / gRPC mixed", "rest", "grpc", "what the REST edge (an extra hop and JSON) leaves of the gRPC-direct rate"],
    ["pull model / fan-out (home reads)", "pull", "fanout", "home-timeline reads computed at read time against the stored (fanned-out) timelines"],
  ];
  return pairs
    .filter(([, a, b]) => by(a) && by(b))
    .map(([name, a, b, explain]) => {
      const x = by(a)!.maxSustained;
      const y = by(b)!.maxSustained;
      return { name, value: x && y ? Math.round((x / y) * 1000) / 1000 : null, explain };
    });
}

function seriesTable(s: SeriesRecord, withLag: boolean, withKinds: boolean): string[] {
  const samples = new Map<string, string>();
  const kinds = withKinds ? [...new Set(s.steps.flatMap((x) => Object.keys(x.result.byKind)))] : [];
  const head = [
    "offered/s",
    "answered/s",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "p99.9 ms",
    "max ms",
    "errors",
    ...kinds.map((k) => `${k} p99 ms`),
    ...(withLag ? ["fan-out lag p50 / p99 ms (n)"] : []),
    "generator late p99 ms",
    "SLO",
  ];
  const rows = s.steps.map((x) => {
    const r = x.result;
    const l = r.latency;
    const errs = r.errorCount ? `${pct(r.errorRate)} (${Object.entries(r.errors).map(([k, v]) => `${k}: ${v}`).join(", ")})` : "0";
    for (const [k, v] of Object.entries(r.errorSamples ?? {})) samples.set(k, v);
    const lag = x.lag && x.lag.observations ? `${f1(x.lag.latency.p50)} / ${f1(x.lag.latency.p99)} (${x.lag.observations}${x.lag.notVisible ? `, ${x.lag.notVisible} unseen` : ""})` : "-";
    return [
      n0(x.rate),
      n0(r.throughput),
      f1(l.p50),
      f1(l.p90),
      f1(l.p99),
      f1(l.p999),
      f1(l.max),
      errs,
      ...kinds.map((k) => (r.byKind[k] ? f1(r.byKind[k]!.latency.p99) : "-")),
      ...(withLag ? [lag] : []),
      f1(r.dispatchLag.p99),
      x.pass ? "pass" : `**fail**: ${x.reason}`,
    ];
  });
  const out = table(head, rows);
  if (samples.size) {
    out.push("");
    for (const [k, v] of samples) out.push(`- \`${k}\`: ${v.replace(/\s+/g, " ").replace(/\|/g, "\\|")}`);
  }
  return out;
}

/**
 * The step to quote and profile: the highest within the SLO; if none passed,
 * the highest-rate one whose answers still kept up with the offered rate (the
 * busiest the system was without collapsing); else the gentlest one.
 */
export function peakStep(s: SeriesRecord | undefined, has: (x: StepRecord) => boolean = () => true): StepRecord | undefined {
  if (!s) return undefined;
  const ok = s.steps.filter(has);
  const keptUp = ok.filter((x) => !x.result.aborted && x.result.throughput >= 0.9 * x.rate).sort((a, b) => b.rate - a.rate);
  return ok.find((x) => x.rate === s.maxSustained) ?? keptUp[0] ?? [...ok].sort((a, b) => a.rate - b.rate)[0];
}

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
}

export function renderMarkdown(r: BenchResult, pngName?: string, svgName?: string): string {
  const m = r.machine;
  const md: string[] = [];
  const main = r.variants.find((v) => v.name === "rest") ?? r.variants[0];
  const grpc = r.variants.find((v) => v.name === "grpc");
  const busy = m.loadAverage[0]! > m.cores * 0.5;
  md.push(`# Chirp load benchmark: ${r.mode} mode${r.kind === "quick" ? " (quick smoke check)" : ""}`);
  md.push("");
  md.push(`${r.startedAt} → ${r.finishedAt} (${r.durationS} s). Machine: **${m.cores} cores** (${m.cpuModel}), **${m.memoryGiB} GiB** memory, load average at start **${m.loadAverage.join(" / ")}**, at end ${r.loadAtEnd.join(" / ")}. CPU calibration (a fixed task; lower is faster): ${m.calibration.cpuMs} ms of CPU in ${m.calibration.wallMs} ms.`);
  if (busy || r.kind === "quick") {
    md.push("");
    md.push(
      `> ${busy ? `**Noisy figures:** the load average at start (${m.loadAverage[0]}) was above half the cores; other work shared the machine. ` : ""}` +
        `${r.kind === "quick" ? "A quick run is a smoke check of the harness (tiny graph, short steps), not a measurement. " : ""}Re-run on a quiet machine before quoting these numbers.`,
    );
  }
  md.push("");
  md.push("## Summary");
  md.push("");
  const target = r.settings.targetRate;
  const rows: string[][] = [];
  if (main) {
    const peak = main.steps.find((s) => s.rate === main.maxSustained);
    rows.push([
      `Mixed load, ${main.name === "rest" ? "REST via the gateway" : "gRPC direct"} (${mixLabel(r.settings.mix)})`,
      main.maxSustained ? `**${n0(main.maxSustained)}/s**` : "none within SLO",
      peak ? `${f1(peak.result.latency.p50)} / ${f1(peak.result.latency.p99)}` : "-",
      `≥ ${n0(target)}/s (${r.mode})`,
      main.maxSustained && main.maxSustained >= target ? "met" : "**not met**",
    ]);
  }
  if (grpc) {
    const peak = grpc.steps.find((s) => s.rate === grpc.maxSustained);
    rows.push(["Mixed load, gRPC direct to the services", grpc.maxSustained ? `${n0(grpc.maxSustained)}/s` : "none within SLO", peak ? `${f1(peak.result.latency.p50)} / ${f1(peak.result.latency.p99)}` : "-", "-", "-"]);
  }
  for (const b of r.baselines) {
    const peak = b.steps.find((s) => s.rate === b.maxSustained);
    rows.push([`Baseline: ${b.label}`, b.maxSustained ? `${n0(b.maxSustained)}/s` : "none within SLO", peak ? `${f1(peak.result.latency.p50)} / ${f1(peak.result.latency.p99)}` : "-", "-", "-"]);
  }
  md.push(...table(["what", `highest rate with p99 ≤ ${r.settings.slo.p99Ms} ms`, "p50 / p99 ms there", "target", ""], rows));
  md.push("");
  if (r.ratios?.length) {
    md.push(...table(["ratio (highest rates within SLO)", "value", "meaning"], r.ratios.map((x) => [x.name, x.value === null ? "n/a" : `${x.value.toFixed(3)}×`, x.explain])));
    if (r.kind === "quick") md.push("", "_Quick mode steps each baseline at one rate only, so these ratios compare rates that passed, not ceilings._");
    md.push("");
  }
  const targets = r.targets ?? judgeTargets(r);
  md.push("## Targets (issue 29)");
  md.push("");
  md.push("```");
  for (const t of targets) md.push(targetLineText(t));
  md.push("```");
  md.push("");
  if (r.kind === "quick") md.push("_A quick run checks that the benchmark works (tiny graph, short steps): its lines are not measurements._", "");
  md.push(...closedLoopSection(r));

  const lagStep = peakStep(main, (x) => Boolean(x.lag?.observations));
  if (lagStep?.lag?.observations) {
    const l = lagStep.lag;
    md.push(
      `Fan-out lag (post → in a follower's home timeline) at ${n0(lagStep.rate)}/s: p50 **${f1(l.latency.p50)} ms**, p99 **${f1(l.latency.p99)} ms**, max ${f1(l.latency.max)} ms; ` +
        `${l.observations} observations from ${l.probes} probe posts${l.notVisible ? `, ${l.notVisible} not seen within ${r.settings.lag.timeoutMs / 1000} s` : ""}${l.watchFailures ? `, ${l.watchFailures} streams failed to open` : ""}. ` +
        Object.entries(l.byAuthor).map(([k, a]) => `${k} (${n0(a.followers)} followers): p50 ${f1(a.latency.p50)} / p99 ${f1(a.latency.p99)} ms`).join("; ") + ".",
    );
    md.push("");
  }
  if (pngName || svgName) {
    md.push(`![latency versus throughput](${pngName ?? svgName})`);
    md.push("");
    if (r.chart.note) md.push(`_${r.chart.note}_`, "");
  }

  const rpcStep = peakStep(main, (x) => Object.keys(x.rpcsPerRequest ?? {}).length > 0);
  if (r.profile || rpcStep?.rpcsPerRequest) {
    md.push("## Where the time goes");
    md.push("");
  }
  if (rpcStep?.rpcsPerRequest) {
    const rows = Object.entries(rpcStep.rpcsPerRequest);
    const total = rows.reduce((a, [, v]) => a + v, 0);
    md.push(
      `Internal RPCs per outside request at ${n0(rpcStep.rate)}/s (${main!.name}; served RPCs from the services' /metrics over the step, divided by the requests sent; lag-probe traffic included): **${total.toFixed(2)}** in all.`,
    );
    md.push("");
    md.push(...table(["Service.Method", "per request"], rows.map(([k, v]) => [k, v.toFixed(2)])));
    md.push("");
  }
  if (r.profile) {
    const p = r.profile;
    md.push(
      `CPU profile of the hottest process, **${p.process}** (${p.cpuPercent}% of a core at ${n0(p.rate)}/s ${p.variant}), over one more step at that rate: ` +
        `${n0(p.busyMs)} ms busy of ${n0(p.wallMs)} ms (p99 while profiling ${f1(p.p99WhileProfiling)} ms). Profile: \`${p.file}\` (open in Chrome DevTools or speedscope).` +
        (p.hottestOverall ? ` The busiest process of all was **${p.hottestOverall.name}** (${p.hottestOverall.cpuPercent}% of a core), a backend, which a V8 profile cannot see into.` : ""),
    );
    md.push("");
    md.push(...profileTables(p));
  }

  for (const v of r.variants) {
    md.push(`## ${v.label}`);
    md.push("");
    md.push(...seriesTable(v, true, true));
    md.push("");
    const cpuSteps = v.steps.filter((s) => s.cpu);
    if (cpuSteps.length && v.name === "rest") md.push(...cpuPerRequestTable(r, cpuSteps));
    if (cpuSteps.length) {
      const names = [...new Set(cpuSteps.flatMap((s) => Object.keys(s.cpu!.processes)))];
      md.push("CPU per process during each step (% of one core; machine: % of all cores busy, any process):");
      md.push("");
      md.push(...table(["offered/s", ...names, "machine", "load avg"], cpuSteps.map((s) => [n0(s.rate), ...names.map((n) => (s.cpu!.processes[n] === undefined ? "-" : `${s.cpu!.processes[n]!.toFixed(0)}%`)), `${s.cpu!.machineBusy.toFixed(0)}%`, s.loadAverage.map((x) => x.toFixed(1)).join(" ")])));
      md.push("");
    }
  }

  if (r.baselines.length || Object.keys(r.skipped).length) {
    md.push("## Baselines (same run)");
    md.push("");
    for (const b of r.baselines) {
      md.push(`### ${b.label}`);
      md.push("");
      md.push(...seriesTable(b, false, false));
      md.push("");
    }
    for (const [k, why] of Object.entries(r.skipped)) md.push(`- ${k}: skipped (${why})`);
    md.push("");
  }

  const s = r.seed;
  md.push("## Data set");
  md.push("");
  md.push(
    `${n0(s.spec.users)} users (dataset \`${s.dataset}\`), ${n0(s.edges)} follows (mean ${s.spec.avgFollowing} per user; ${s.spec.popularAccounts} popular accounts with ${n0(s.popularAccountFollowers)} followers each), ` +
      `${n0(s.spec.tweets)} initial tweets; graph seed ${s.spec.seed}, Zipf ${s.spec.zipf}. Tokens: ${s.tokens === "mint" ? "signed with the deployment's key (same claims as Login)" : "UserService.Login"}.`,
  );
  for (const n of s.notes) md.push(`- Note: ${n}`);
  md.push("");
  md.push(`Followers per user: p50 ${s.distribution.p50}, p90 ${s.distribution.p90}, p99 ${s.distribution.p99}, max ${s.distribution.max}.`);
  md.push("");
  md.push(...table(Object.keys(s.distribution.buckets).map((b) => `${b} followers`), [Object.values(s.distribution.buckets).map((x) => `${n0(x)} users`)]));
  md.push("");
  md.push(
    ...table(
      ["seed phase", "total", "done this run", "seconds", "rate/s"],
      Object.entries(s.phases).map(([k, p]) => [k, n0(p.total), p.skipped && p.done === 0 ? "0 (already there)" : n0(p.done), p.seconds.toFixed(1), p.done ? n0(p.perSecond) : "-"]),
    ),
  );
  if (s.emptyTimelines) md.push("", `${n0(s.emptyTimelines)} home timelines were empty after warming (users who follow nobody with tweets).`);
  md.push("");

  md.push("## Method and settings");
  md.push("");
  const st = r.settings;
  // Results before mixload have no generator setting beyond "h2load" or "node".
  const cGenerator = st.restGenerator === "h2load" || st.restGenerator === "mixload";
  md.push(
    ...(cGenerator
      ? [
          `- REST mixed load: sent by ${st.restGenerator === "h2load" ? "h2load (C), one process per stream (\`--h1 -c1 -m1 --rps\`)" : "mixload (bench/tools/mixload.c), one process for every stream"}, not from Node. Each step is a set of streams, one HTTP/1.1 keep-alive connection each, each sending a fixed number of requests at its share of the rate (even spacing), one at a time: one per home reader with that reader's token (a fresh seeded sample of readers per step, about 5 reads/s each${st.readers ? `, at most ${st.readers}` : ""}), a few with lists of user timelines drawn by popularity, one per poster (POST with a JSON body). Request *i* of a stream is due at its first departure + i/rate and its latency runs from then, so a request that waited behind a slow answer counts the wait (no coordinated omission). A step stops early once over a second of due requests is unanswered; requests never answered are errors ("unanswered"). The generator logs statuses, not bodies: the services' logs say why a request failed.`,
        ]
      : []),
    `- ${cGenerator ? "Other series (gRPC direct, Redis, echo, pull): the Node open loop. " : ""}Open loop: request *i* is due at t0 + i/rate (${st.arrivals} arrivals) and sent then whatever earlier requests are doing; its latency runs from that intended time, so queueing anywhere (generator, sockets, services) counts and there is no coordinated omission. Latency percentiles are of successful requests; errors are counted by status.`,
    `- Each step: ${st.warmupS} s warm-up (not recorded), then ${st.durationS} s measured (baselines: ${st.baselineDurationS} s). A step is within the SLO when p99 ≤ ${st.slo.p99Ms} ms, ${st.slo.maxErrorRate > 0 ? `errors ≤ ${pct(st.slo.maxErrorRate)}` : "no errors"} and answers keep up with ≥ ${st.slo.minThroughputRatio * 100}% of the offered rate. ${st.plan.rates ? `Rates: ${st.plan.rates.join(", ")}/s.` : `Rates from ${st.plan.start}/s, ×${st.plan.factor} until a step fails (÷${st.plan.factor} while the first steps fail), then up to ${st.plan.refine} bisections; at most ${st.plan.maxSteps} steps.`}`,
    `- Mix: ${mixLabel(st.mix)}. ${cGenerator ? "REST: readers, viewers and posters a seeded sample per step (above); Node-driven series: readers and posters uniform over the users" : "Readers and posters uniform over the users"}; user-timeline targets by popularity. Home and user reads ask for 20 entries. ${cGenerator ? "REST: one connection per stream" : `REST: ${st.connections} keep-alive connections to the gateway`}; gRPC: one HTTP/2 connection per service.`,
    `- Fan-out lag: every ${st.lag.intervalMs} ms a probe post, alternating between the most followed account and a typical one; ${st.lag.watchers} followers of each hold their live home timeline (StreamHomeTimeline) open, and the lag is from sending the post to the tweet arriving there. The fan-out worker publishes that event right after writing the id into the follower's stored timeline, so it is when a read would first see it (plus the stream's hydration), without polling load. It includes the post's own latency.`,
    `- Baselines: *Redis ceiling*: ZREVRANGEBYLEX of 20 ids on an 800-id timeline, then one pipeline with MGET of the 20 tweets and SMISMEMBER of the viewer's likes and retweets, then MGET of the authors, from one ioredis client (auto-pipelining). *Framework ceiling*: the kit's server (node:http + h2c, connect-node, the same interceptors) with a stub GetHomeTimeline answering a canned 20-tweet page, called over HTTP/1.1 (Connect JSON) and gRPC. *Pull model*: bench/services/timeline/pull.ts in the benchmark process over the same services, against GetHomeTimeline over gRPC.${r.closedLoop ? " *Closed loop*: wrk against a bare node:http server answering the bytes of a real home page from this run, then against the gateway's home timeline, the same connections, threads, duration and reader tokens (one per request, in turn)." : ""}`,
    `- The load generator, the services and (cluster mode) the backends share the machine; the Node process's CPU is in the tables as "bench" (the lag probe and, for the Node-driven series, the load), the C generator's as "generator" (over the whole step, start-up included), and "generator late" is how far behind their intended times requests left (a starved generator shows there; the latency counts it either way).`,
  );
  md.push("");
  md.push(
    ...table(
      ["setting", "value"],
      [
        ["command", `\`node --import tsx bench/main.ts ${st.argv.join(" ")}\``],
        ["Node", m.node],
        ["kernel", m.kernel],
        ["commit", m.commit],
        ...Object.entries(m.packages).map(([k, v]) => [k, v]),
        ...Object.entries(m.backends).map(([k, v]) => [k, v]),
        ...Object.entries(st.systemEnv).map(([k, v]) => [k, `\`${v}\``]),
      ],
    ),
  );
  md.push("");
  return md.join("\n");
}

export function buildReport(r: BenchResult, base: string, opts: { latest: boolean } = { latest: true }): string[] {
  r.ratios = computeRatios(r);
  r.targets = judgeTargets(r);
  const series: ChartSeries[] = [...r.variants, ...r.baselines].map((s) => ({
    label: s.label.length > 58 ? `${s.label.slice(0, 57)}…` : s.label,
    points: s.steps.map((x) => ({ x: x.rate, p50: x.result.latency.p50, p99: x.result.latency.p99, pass: x.pass })),
  }));
  const svg = renderChart(
    `Chirp: latency vs throughput (${r.mode} mode${r.kind === "quick" ? ", quick" : ""})`,
    `${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, load ${r.machine.loadAverage[0]} at start; ${mixLabel(r.settings.mix)}; open loop`,
    series,
    r.settings.slo.p99Ms,
  );
  const chart = writeChart(svg, `${base}.svg`, `${base}.png`);
  r.chart = { svg: basename(`${base}.svg`), ...(chart.png ? { png: basename(chart.png) } : {}), ...(chart.note ? { note: chart.note } : {}) };
  writeFileSync(`${base}.json`, JSON.stringify(r, null, 2));
  writeFileSync(`${base}.md`, renderMarkdown(r, r.chart.png, r.chart.svg));
  const written = [`${base}.json`, `${base}.md`, `${base}.svg`, ...(chart.png ? [chart.png] : [])];
  if (!opts.latest) return written;

  // <kind>-latest.*: the newest result under a fixed name (the report points at the latest chart).
  const latest = join(dirname(base), r.kind === "quick" ? `quick-${r.mode}-latest` : `${r.mode}-latest`);
  copyFileSync(`${base}.json`, `${latest}.json`);
  copyFileSync(`${base}.svg`, `${latest}.svg`);
  if (chart.png && existsSync(chart.png)) copyFileSync(chart.png, `${latest}.png`);
  writeFileSync(`${latest}.md`, renderMarkdown(r, chart.png ? basename(`${latest}.png`) : undefined, basename(`${latest}.svg`)));
  written.push(`${latest}.md`);
  return written;
}

/** The closed-loop pair: Chirp's home read through the gateway against the bare node:http server. */
function closedLoopSection(r: BenchResult): string[] {
  const c = r.closedLoop;
  if (!c) return [];
  const md: string[] = ["## Home read, closed loop (wrk)", ""];
  if (c.skipped && !c.home && !c.bare) return [...md, `Skipped: ${c.skipped}`, ""];
  md.push(
    `wrk (C), ${c.connections} connections over ${c.threads} threads, ${c.durationS} s after a ${c.warmupS}-s warm-up, each request with the next of ${n0(c.readers)} readers' tokens (GET /api/v1/timeline/home?limit=20). ` +
      `The bare node:http server answers every request with the bytes of one real home page the gateway sent in this run` +
      (c.page ? ` (${n0(c.page.bytes)} bytes, ${c.page.tweets} tweets, \`${c.page.contentType}\`)` : "") +
      `, loaded the same way. Closed loop: throughput at that concurrency; the latencies are wrk's (what that concurrency queues).`,
    "",
  );
  const row = (label: string, w: ClosedLoopRecord["home"], procs: (name: string) => boolean) => {
    if (!w) return [label, "-", "-", "-", "-", "-", "-"];
    const cpu = w.cpu ? Object.entries(w.cpu.processes).filter(([k]) => procs(k)) : [];
    const pct = cpu.reduce((a, [, v]) => a + v, 0);
    const errs = w.errorCount ? `${n0(w.errorCount)} (${Object.entries(w.errors).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(", ")})` : "0";
    return [label, `**${n0(w.rate)}**`, f1(w.latency.p50), f1(w.latency.p99), errs, w.cpu ? `${pct.toFixed(0)}% (${cpu.map(([k, v]) => `${k} ${v.toFixed(0)}%`).join(", ")})` : "-", w.cpu && w.rate ? ((pct * 10) / w.rate).toFixed(3) : "-"];
  };
  const chirp = new Set(r.chirpProcesses ?? []);
  md.push(
    ...table(
      ["server", "answers/s", "p50 ms", "p99 ms", "errors", "CPU (% of a core)", "CPU ms per request"],
      [row("bare node:http, the same page", c.bare, (k) => k === "bare"), row("Chirp: the gateway's home timeline", c.home, (k) => chirp.has(k))],
    ),
  );
  md.push("");
  if (c.home && c.bare) md.push(`Chirp reaches **${((c.home.rate / c.bare.rate) * 100).toFixed(1)}%** of the bare server's throughput (target: ≥ ${TARGETS.homeShareOfBare * 100}% in the all-in-one, over ${n0(TARGETS.homeReaders)} readers).`, "");
  if (c.skipped) md.push(`- ${c.skipped}`, "");
  for (const p of c.profiles ?? []) {
    md.push(`CPU profile of **${p.process}** over Chirp's measured window: ${n0(p.busyMs)} ms busy of ${n0(p.wallMs)} ms. Profile: \`${p.file}\`.`, "");
    md.push(...profileTables(p));
  }
  return md;
}

/** A profile's self time by area, then its busiest functions. */
function profileTables(p: ProfileSummary): string[] {
  return [
    ...table(["area", "self ms", "% of busy"], p.areas.map((a) => [a.area, n0(a.selfMs), `${a.pctBusy}%`])),
    "",
    ...table(["function (self time)", "where", "area", "self ms", "% of busy"], p.top.map((t) => [`\`${t.fn}\``, t.where ? `\`${t.where}\`` : "", t.area, n0(t.selfMs), `${t.pctBusy}%`])),
    "",
  ];
}

/** CPU per outside request, per Chirp process and summed, at every step that has CPU figures. */
function cpuPerRequestTable(r: BenchResult, steps: StepRecord[]): string[] {
  const rows = steps.map((s) => cpuPerRequest(s, r.chirpProcesses ?? [])).filter((x): x is NonNullable<typeof x> => Boolean(x));
  if (!rows.length) return [];
  const chirp = [...new Set(rows.flatMap((x) => Object.keys(x.chirp)))];
  const others = [...new Set(rows.flatMap((x) => Object.keys(x.others)))].filter((k) => rows.some((x) => (x.others[k] ?? 0) >= 0.005));
  const ms = (x: number | undefined) => (x === undefined ? "-" : x.toFixed(3));
  return [
    `CPU per outside request (ms of CPU per answered request over the step's window; Chirp's processes summed in **Chirp**; target in cluster mode: ≤ ${TARGETS.cpuMsPerRequest} ms at ${n0(TARGETS.clusterRate)}/s):`,
    "",
    ...table(
      ["offered/s", "answered/s", ...chirp, "**Chirp**", ...others, ...(rows.some((x) => x.generator !== undefined) ? ["generator"] : [])],
      rows.map((x) => [n0(x.rate), n0(x.answered), ...chirp.map((k) => ms(x.chirp[k])), `**${ms(x.chirpTotal)}**`, ...others.map((k) => ms(x.others[k])), ...(rows.some((y) => y.generator !== undefined) ? [ms(x.generator)] : [])]),
    ),
    "",
  ];
}

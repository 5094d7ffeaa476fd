// Command-line options and their defaults (full run, or --quick for the
// under-a-minute smoke check). `node --import tsx bench/main.ts --help`.
import { parseArgs } from "node:util";
import type { GraphSpec } from "./graph.js";
import type { Mode } from "./launch.js";
import { DEFAULT_MIX, parseMix, type Mix } from "./mix.js";
import type { Slo, StepPlan } from "./step.js";

export type Variant = "rest" | "grpc";
export type Baseline = "redis" | "echo" | "pull" | "closed";

export interface Options {
  mode: Mode;
  quick: boolean;
  graph: GraphSpec;
  dataset: string;
  tokens: "login" | "mint";
  mix: Mix;
  variants: Variant[];
  baselines: Baseline[];
  plan: StepPlan;
  baselinePlans: Record<"redis" | "echo" | "pull" | "fanout", StepPlan>;
  durationS: number;
  warmupS: number;
  baselineDurationS: number;
  arrivals: "uniform" | "poisson";
  connections: number;
  /** What sends the REST mix: mixload or h2load (C), or the Node open loop (for comparisons with earlier runs). */
  restGenerator: "mixload" | "h2load" | "node";
  /** At most this many home readers (streams, distinct readers) per REST step. */
  readers: number;
  /** The closed-loop home reads (wrk) against the bare node:http server. */
  closed: { readers: number; connections: number; threads: number; durationS: number; warmupS: number };
  slo: Slo;
  profile: boolean;
  lag: { intervalMs: number; watchers: number; timeoutMs: number };
  requestTimeoutMs: number;
  portBase: number;
  logLevel: string;
  outDir: string;
  redisUrl: string;
  seed: number;
  pauseMs: number;
  fresh: boolean;
  argv: string[];
}

export const HELP = `Chirp load benchmark (issues 9 and 29)

  node --import tsx bench/main.ts [options]      (make bench / bench-quick / bench-cluster)

  --mode=embedded|cluster   system under test: the all-in-one, or one process per target on
                            Cassandra + NATS + Redis (make deps-up)          [embedded]
  --quick                   smoke check: 200 users, <= 3 short steps from 50/s, one step per
                            baseline (< 1 min on a quiet 2-core machine once seeded)
  --users=N                 seeded users                                    [3000; quick 200]
  --avg-following=F         mean follows per user (each F/2 to 3F/2)        [40; quick 15]
  --popular-accounts=C      accounts followed by --popular-followers users [3; quick 2]
  --popular-followers=K     scaled down to 80% of the users when N is small [10000]
  --tweets=M                initial tweets, spread evenly                  [10 per user]
  --dataset=NAME            names the data (dir / keyspace / prefixes)      [u<N>_<graph hash>]
  --fresh                   embedded: delete the dataset's data first
  --tokens=login|mint       tokens by Login (argon2) or signed with the deployment's key [login]
  --mix=home=60,user=30,post=10   the request mix (weights)
  --variants=rest,grpc      REST through the gateway and/or gRPC straight to the services
  --baselines=redis,echo,pull,closed   or "none"; closed: home reads through the gateway
                            and a bare node:http server with the same page, closed loop (wrk)
  --rates=a,b,c             explicit rates (else automatic: --start-rate x --factor until
                            the SLO breaks, then --refine bisections, up to --max-rate)
  --start-rate=R --factor=F --max-rate=R --refine=N                 [100, 1.5, 20000, 2]
  --duration=S --warmup=S   per step                                        [15, 3; quick 4, 1]
  --baseline-duration=S     per baseline step                               [6; quick 2]
  --arrivals=uniform|poisson                                                [uniform]
  --connections=N           HTTP keep-alive sockets of the Node load generator [128]
  --readers=N               REST steps: at most N home readers, one connection each,
                            ~5 home reads/s per reader                       [200; quick 20]
  --rest-generator=mixload|h2load|node   what sends the REST mix: mixload (bench/tools/
                            mixload.c, one process), h2load (one process per reader,
                            viewer and poster), or the Node open loop of earlier runs [mixload]
  --closed-readers=N        closed loop: readers whose tokens go round       [2000]
  --closed-connections=N    closed loop: wrk connections (2 threads)         [32]
  --closed-duration=S       closed loop: seconds per server (after a warm-up) [10; quick 2]
  --slo-p99=MS              the SLO for "sustained"                          [50]
  --max-errors=PCT          errors a step may have and pass, in %            [0]
  --profile / --no-profile  CPU profile of the hottest process at the peak step [full: on]
  --lag-interval=MS          a fan-out lag probe post every MS               [1000; quick 500]
  --lag-watchers=N          followers per probe author holding the live stream [3]
  --port-base=P             gateway P, user P+1 ... fanout P+5, echo P+9     [18150]
  --log-level=L             CHIRP_LOG_LEVEL of the services                  [warn]
  --out=DIR                 results                                          [bench/results]
  --seed=N                  seeds the graph and the mix                      [1]
`;

/** A number option (undefined: the default); also the per-service benchmarks' (args.ts). */
export const num = (name: string, v: string | undefined, dflt: number, min = 0): number => {
  if (v === undefined) return dflt;
  const x = Number(v);
  if (!Number.isFinite(x) || x < min) throw new Error(`--${name}: expected a number >= ${min}, got '${v}'`);
  return x;
};

/** Comma-separated names from `allowed` ("none" or empty: none). */
export const list = <T extends string>(name: string, v: string | undefined, dflt: T[], allowed: readonly T[]): T[] => {
  if (v === undefined) return dflt;
  if (v === "none" || v === "") return [];
  const items = v.split(",").map((s) => s.trim()) as T[];
  const bad = items.filter((x) => !allowed.includes(x));
  if (bad.length) throw new Error(`--${name}: unknown ${bad.join(", ")} (choose from ${allowed.join(", ")})`);
  return items;
};

export function parseOptions(argv: string[]): Options | "help" {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: "boolean" },
      mode: { type: "string" },
      quick: { type: "boolean" },
      users: { type: "string" },
      "avg-following": { type: "string" },
      "popular-accounts": { type: "string" },
      "popular-followers": { type: "string" },
      tweets: { type: "string" },
      dataset: { type: "string" },
      fresh: { type: "boolean" },
      tokens: { type: "string" },
      mix: { type: "string" },
      variants: { type: "string" },
      baselines: { type: "string" },
      rates: { type: "string" },
      "start-rate": { type: "string" },
      factor: { type: "string" },
      "max-rate": { type: "string" },
      refine: { type: "string" },
      duration: { type: "string" },
      warmup: { type: "string" },
      "baseline-duration": { type: "string" },
      arrivals: { type: "string" },
      connections: { type: "string" },
      readers: { type: "string" },
      "rest-generator": { type: "string" },
      "closed-readers": { type: "string" },
      "closed-connections": { type: "string" },
      "closed-duration": { type: "string" },
      "slo-p99": { type: "string" },
      "max-errors": { type: "string" },
      profile: { type: "boolean" },
      "no-profile": { type: "boolean" },
      "lag-interval": { type: "string" },
      "lag-watchers": { type: "string" },
      "port-base": { type: "string" },
      "log-level": { type: "string" },
      out: { type: "string" },
      seed: { type: "string" },
    },
  });
  if (v.help) return "help";
  const quick = Boolean(v.quick);
  const mode = (v.mode ?? "embedded") as Mode;
  if (mode !== "embedded" && mode !== "cluster") throw new Error("--mode: embedded or cluster");
  // The full graph has a heavy tail (issue 29): >= 2,000 users, >= 40,000 follows,
  // the popular accounts with thousands of followers, everyone following 20 to 100.
  const users = num("users", v.users, quick ? 200 : 3000, 2);
  const seed = num("seed", v.seed, 1);
  const graph: GraphSpec = {
    users,
    avgFollowing: num("avg-following", v["avg-following"], quick ? 15 : 40, 1),
    popularAccounts: num("popular-accounts", v["popular-accounts"], quick ? 2 : 3),
    popularAccountFollowers: num("popular-followers", v["popular-followers"], 10_000),
    tweets: num("tweets", v.tweets, users * (quick ? 5 : 10)),
    zipf: 0.8,
    seed,
  };
  if (graph.tweets / users > 100) throw new Error("--tweets: at most 100 per user");
  const rates = v.rates?.split(",").map((s) => num("rates", s.trim(), 0, 1));
  const plan: StepPlan = {
    start: num("start-rate", v["start-rate"], quick ? 50 : 100, 1),
    factor: num("factor", v.factor, quick ? 2 : 1.5, 1.05),
    maxRate: num("max-rate", v["max-rate"], 20_000, 1),
    refine: num("refine", v.refine, quick ? 0 : 2),
    resolution: 0.05,
    maxSteps: quick ? 3 : 14,
    ...(rates ? { rates } : {}),
  };
  // Baselines: automatic in a full run; one step at a rate a quiet 2-core machine passes in a quick one.
  const auto = (start: number, factor: number, max: number, quickRate: number): StepPlan =>
    quick
      ? { start, factor, maxRate: max, refine: 0, resolution: 0.1, maxSteps: 1, rates: [quickRate] }
      : { start, factor, maxRate: max, refine: 1, resolution: 0.1, maxSteps: 10 };
  const tokens = (v.tokens ?? "login") as Options["tokens"];
  if (tokens !== "login" && tokens !== "mint") throw new Error("--tokens: login or mint");
  const restGenerator = (v["rest-generator"] ?? "mixload") as Options["restGenerator"];
  if (!["mixload", "h2load", "node"].includes(restGenerator)) throw new Error("--rest-generator: mixload, h2load or node");
  const arrivals = (v.arrivals ?? "uniform") as Options["arrivals"];
  if (arrivals !== "uniform" && arrivals !== "poisson") throw new Error("--arrivals: uniform or poisson");
  return {
    mode,
    quick,
    graph,
    dataset: v.dataset ?? "",
    tokens,
    mix: v.mix ? parseMix(v.mix) : DEFAULT_MIX,
    variants: list("variants", v.variants, quick ? ["rest"] : ["rest", "grpc"], ["rest", "grpc"] as const),
    baselines: list("baselines", v.baselines, ["redis", "echo", "pull", "closed"], ["redis", "echo", "pull", "closed"] as const),
    plan,
    baselinePlans: {
      redis: auto(1000, 2, 200_000, 2000),
      echo: auto(500, 1.6, 100_000, 500),
      pull: auto(25, 1.6, 20_000, 20),
      fanout: auto(100, 1.6, 50_000, 100),
    },
    durationS: num("duration", v.duration, quick ? 4 : 15, 0.5),
    warmupS: num("warmup", v.warmup, quick ? 1 : 3),
    baselineDurationS: num("baseline-duration", v["baseline-duration"], quick ? 2 : 6, 0.5),
    arrivals,
    connections: num("connections", v.connections, 128, 1),
    restGenerator,
    readers: num("readers", v.readers, quick ? 20 : 200, 1),
    closed: {
      readers: num("closed-readers", v["closed-readers"], 2000, 1),
      connections: num("closed-connections", v["closed-connections"], 32, 1),
      threads: 2,
      durationS: num("closed-duration", v["closed-duration"], quick ? 2 : 10, 1),
      warmupS: quick ? 1 : 3,
    },
    // The targets: p99 <= 50 ms and no errors.
    slo: { p99Ms: num("slo-p99", v["slo-p99"], 50, 1), maxErrorRate: num("max-errors", v["max-errors"], 0) / 100, minThroughputRatio: 0.9 },
    profile: v["no-profile"] ? false : v.profile ? true : !quick,
    lag: { intervalMs: num("lag-interval", v["lag-interval"], quick ? 500 : 1000, 50), watchers: num("lag-watchers", v["lag-watchers"], 3, 1), timeoutMs: 10_000 },
    requestTimeoutMs: quick ? 5_000 : 10_000,
    portBase: num("port-base", v["port-base"], 18150, 1024),
    logLevel: v["log-level"] ?? "warn",
    outDir: v.out ?? "bench/results",
    redisUrl: process.env.CHIRP_REDIS_URL ?? "redis://127.0.0.1:6379",
    seed,
    pauseMs: quick ? 500 : 2000,
    fresh: Boolean(v.fresh),
    argv,
  };
}

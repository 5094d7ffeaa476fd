// The WebSocket endpoint's two targets, against a whole system (embedded by
// default, BENCH_MODE=cluster on NATS/Redis/Cassandra):
//   idle     N connections (home + notifications each), the gateway process's
//            memory per connection (heap and RSS, after a GC);
//   fan-out  a tweet by an account with F followers, each connected to its
//            home stream: the time from the post to each follower's update
//            (p50, p99, max), over a few tweets.
// The clients run in a child process (ws-clients.ts). Run small to check it
// works; the targets are N=10,000 (under 100 KB each) and F=1,000 (p99 ≤ 500 ms) in cluster mode:
//
//   node --expose-gc --import tsx bench/services/gateway/websocket.ts
//   BENCH_MODE=cluster BENCH_IDLE=10000 BENCH_FOLLOWERS=1000 node --expose-gc --import tsx bench/services/gateway/websocket.ts
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { startChirp, withTimelineStore } from "../../../services/testing/chirp.js";
import type { Mode } from "../../../services/testing/runtime.js";

const MODE = (process.env.BENCH_MODE ?? "embedded") as Mode;
const IDLE = Number(process.env.BENCH_IDLE ?? 200);
const FOLLOWERS = Number(process.env.BENCH_FOLLOWERS ?? 100);
const TWEETS = Number(process.env.BENCH_TWEETS ?? 5);
const ABSENT = { CHIRP_DISCOVERY_ADDR: "http://127.0.0.1:9", CHIRP_SEARCH_ADDR: "http://127.0.0.1:9", CHIRP_NOTIFICATION_ADDR: "http://127.0.0.1:9" };

interface Clients {
  child: ChildProcess;
  updates: Map<string, number[]>;
  stop(): Promise<void>;
}

/** Starts the client process and resolves once every socket is subscribed. */
async function clients(url: string, tokens: string[], query: string): Promise<Clients> {
  // Thousands of tokens do not fit in the environment: they go in a file.
  const config = join(mkdtempSync(join(tmpdir(), "ws-bench-")), "config.json");
  writeFileSync(config, JSON.stringify({ url, tokens, query }));
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./ws-clients.ts", import.meta.url))], {
    env: { ...process.env, WS_BENCH_CONFIG: config },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const updates = new Map<string, number[]>();
  const ready = new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`clients exited (${code})`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const [kind, a, b] = line.split(" ");
      if (kind === "ready") resolve();
      if (kind === "U") updates.set(a!, [...(updates.get(a!) ?? []), Number(b)]);
    });
  });
  await ready;
  return {
    child,
    updates,
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      child.stdin!.end();
      await exited;
      rmSync(dirname(config), { recursive: true, force: true });
    },
  };
}

function memory() {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const s = await withTimelineStore(
  await startChirp({
    mode: MODE,
    label: "ws_bench",
    targets: ["user", "graph", "tweet", "timeline", "fanout", "gateway"],
    env: { ...ABSENT, CHIRP_LOG_LEVEL: "warn" },
    overrides: { gateway: { rateLimit: { perIpPerMinute: 0, perUserPerMinute: 0, timeoutMs: 500 } } },
  }),
);
const token = async (userId: bigint) => ((await s.as(userId)).headers as Record<string, string>).authorization!.slice("Bearer ".length);
try {
  if (!globalThis.gc) console.warn("run with --expose-gc for memory figures after a collection");
  // Idle connections: tokens of synthetic accounts (a token needs no account), each its own home.
  const base = 9_000_000_000n + BigInt(Date.now() % 1_000_000) * 100_000n;
  const idleTokens = await Promise.all(Array.from({ length: IDLE }, (_, i) => token(base + BigInt(i))));
  const before = memory();
  const idle = await clients(s.base, idleTokens, "?stream=home&stream=notifications");
  await new Promise((r) => setTimeout(r, 1000));
  const after = memory();
  const perConn = { heapBytes: Math.round((after.heap - before.heap) / IDLE), rssBytes: Math.round((after.rss - before.rss) / IDLE) };
  await idle.stop();

  // Fan-out: F followers (synthetic accounts, built timelines), each with its home stream open.
  const author = await s.register();
  const followers = Array.from({ length: FOLLOWERS }, (_, i) => base + 50_000n + BigInt(i));
  for (let i = 0; i < followers.length; i += 50) await Promise.all(followers.slice(i, i + 50).map((f) => s.follow(f, author)));
  for (const f of followers) await s.store.finishBuild(f, []);
  const fan = await clients(s.base, await Promise.all(followers.map(token)), "?stream=home");
  const delays: number[] = [];
  const perTweet: Array<{ p50Ms: number; maxMs: number }> = [];
  let missing = 0;
  // Tweet 0 warms up (JIT, the hydration cache, the first pages of every socket): reported apart, not counted.
  let warmUp: { p50Ms: number; maxMs: number } | undefined;
  for (let n = -1; n < TWEETS; n++) {
    const at = Date.now();
    const id = String(await s.post(author, `bench ${n}`));
    const until = Date.now() + 10_000;
    while ((fan.updates.get(id)?.length ?? 0) < FOLLOWERS && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const got = (fan.updates.get(id) ?? []).map((t) => t - at).sort((a, b) => a - b);
    const one = { p50Ms: pct(got, 50), maxMs: got.at(-1) ?? NaN };
    if (n < 0) {
      warmUp = one;
      continue;
    }
    missing += FOLLOWERS - got.length;
    delays.push(...got);
    perTweet.push(one);
    await new Promise((r) => setTimeout(r, 200));
  }
  await fan.stop();
  delays.sort((a, b) => a - b);
  console.log(
    JSON.stringify(
      {
        mode: MODE,
        idle: { connections: IDLE, perConnection: perConn },
        fanout: { followers: FOLLOWERS, tweets: TWEETS, deliveries: delays.length, missing, p50Ms: pct(delays, 50), p99Ms: pct(delays, 99), maxMs: delays.at(-1), perTweet, warmUp },
      },
      null,
      2,
    ),
  );
} finally {
  await s.stop();
}

// Who-to-follow benchmark: ListSuggestions(20) for a user following 2,000
// accounts, one call at a time: cold (the user's kept answer and the sampled
// friends' kept follow lists dropped before every call, so each call reads
// the graph again), with the friends' lists kept, and answered from the
// kept answer. The
// user, graph, tweet and discovery services run in this process in cluster
// mode by default (Cassandra, NATS JetStream, the local Redis Cluster),
// calling each other over gRPC as one process per target does.
//
// Shortcuts in the set-up, stated so the figures can be judged: accounts are
// written to the user store directly (no argon2 per account), follow edges to
// the graph store directly (no events), and the pool's activity to the
// discovery store (as the consumer records it from tweet events). Only the
// followees the computation samples get follows of their own (--per-follow,
// the most it reads of each); the others are never read. Everything measured
// runs the production code paths.
import { ListSuggestionsRequestSchema } from "../../../gen/chirp/discovery/v1/discovery_pb.js";
import { create } from "@bufbuild/protobuf";
import { readDiscoveryConfig } from "../../../services/discovery/config.js";
import { sampleOf } from "../../../services/discovery/suggestions/compute.js";
import type { StartedDiscovery } from "../../../services/discovery/target.js";
import { openGraphStore } from "../../../services/graph/context.js";
import { openUserStore } from "../../../services/user/context.js";
import { startChirp, type Chirp } from "../../../services/testing/chirp.js";
import { benchArgs } from "../../args.js";
import { calibrationLine, commitId, openingLine, progressLog } from "../../machine.js";
import { Rng } from "../../rng.js";
import { machine } from "../user/kit.js";

const USAGE = `node --import tsx bench/services/discovery/main.ts [--mode=cluster|embedded]
  [--following=2000] [--pool=3000] [--followers=500] [--calls=200] [--warm-calls=500]
`;
const args = benchArgs(USAGE, { mode: "cluster", following: "2000", pool: "3000", followers: "500", calls: "200", "warm-calls": "500" });
const MODE = args.mode();
const FOLLOWING = args.num("following");
const POOL = args.num("pool");
const FOLLOWERS = args.num("followers");
const CALLS = args.num("calls");
const WARM_CALLS = args.num("warm-calls");
const { sample: SAMPLE, perFollow: PER_FOLLOW } = readDiscoveryConfig().suggestions;

const progress = progressLog();
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;

async function inParallel<T>(items: readonly T[], n: number, fn: (x: T) => Promise<unknown>, label: string): Promise<void> {
  let next = 0;
  let done = 0;
  let shown = Date.now();
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        await fn(items[next++]!);
        done++;
        if (Date.now() - shown > 3000) {
          shown = Date.now();
          progress(`  ${label}: ${done}/${items.length}`);
        }
      }
    }),
  );
}

async function seed(s: Chirp): Promise<{ me: bigint; sampled: bigint[] }> {
  const users = openUserStore(s.rt);
  const graph = openGraphStore(s.rt);
  const { store } = (s.targets.started.get("discovery") as StartedDiscovery).ctx;
  const ids = s.rt.ids;
  const me = ids.next();
  const followees = Array.from({ length: FOLLOWING }, () => ids.next());
  const pool = Array.from({ length: POOL }, () => ids.next());
  const tag = Date.now().toString(36).slice(-5);
  let n = 0;
  progress(`writing ${1 + FOLLOWING + POOL} accounts to the user store`);
  await inParallel(
    [me, ...followees, ...pool],
    64,
    async (userId) => {
      const username = `b${tag}${(n++).toString(36)}`.slice(0, 15);
      const r = await users.createUser({
        userId,
        username,
        email: `${username}@bench.example`,
        passwordHash: "$argon2id$bench",
        displayName: username,
        bio: "",
        avatarUrl: "",
        createdAt: new Date(Date.now() - 30 * 86_400_000),
      });
      if (!r.ok) throw new Error(`account ${username}: ${r.taken} taken`);
    },
    "accounts",
  );
  // The followees the computation samples follow --per-follow of the pool
  // each, skewed (a few accounts followed by most), so mutual counts vary.
  const rng = new Rng(7);
  const sampled = sampleOf(followees, SAMPLE, me);
  const edges: Array<[bigint, bigint]> = followees.map((f) => [me, f]);
  for (const f of sampled) {
    const theirs = new Set<bigint>();
    while (theirs.size < Math.min(PER_FOLLOW, POOL)) theirs.add(pool[Math.floor(POOL * rng.next() ** 2)]!);
    for (const p of theirs) edges.push([f, p]);
  }
  for (const p of pool.slice(0, FOLLOWERS)) edges.push([p, me]);
  progress(`writing ${edges.length} follow edges to the graph store (${sampled.length} sampled followees × ${PER_FOLLOW})`);
  await inParallel(edges, 64, ([a, b]) => graph.follow(a, b, ids.next()), "edges");
  await store.suggestions.recordActivity([...followees, ...pool].map((id) => [id, Date.now() - 86_400_000] as const));
  // Cassandra's client is the runtime's; an embedded store is the targets' own database, left open.
  if (MODE === "cluster") await Promise.all([graph.close(), users.close()]);
  return { me, sampled };
}

async function run(s: Chirp): Promise<string[]> {
  const { me, sampled } = await seed(s);
  const { store } = (s.targets.started.get("discovery") as StartedDiscovery).ctx;
  const as = await s.as(me);
  const req = create(ListSuggestionsRequestSchema, { limit: 20 });
  /** none: the answer is cached; suggestions: only the answer is dropped; all: the sampled follow lists too. */
  const measure = async (label: string, calls: number, cold: "none" | "suggestions" | "all") => {
    const times: number[] = [];
    let shown = 0;
    let reason = "";
    for (let i = 0; i < calls; i++) {
      if (cold !== "none") await store.suggestions.invalidate([me]);
      if (cold === "all") await store.suggestions.dropFollows(sampled);
      const t0 = performance.now();
      const res = await s.clients.discovery.listSuggestions(req, as);
      times.push(performance.now() - t0);
      shown = res.suggestions.length;
      reason = res.suggestions[0]?.reason ?? "";
    }
    const sorted = times.sort((a, b) => a - b);
    return `ListSuggestions(20), ${label.padEnd(44)} ${String(calls).padStart(5)} calls  p50 ${ms(pct(sorted, 50)).padStart(9)}  p99 ${ms(pct(sorted, 99)).padStart(9)}  max ${ms(sorted.at(-1)!).padStart(9)}  (${shown} shown; first: "${reason}")`;
  };
  progress("warming up (10 cold calls)");
  await measure("warm-up", 10, "all");
  const lines = [];
  progress(`${CALLS} cold calls`);
  lines.push(await measure(`cold: nothing kept, following ${FOLLOWING}`, CALLS, "all"));
  progress(`${CALLS} calls with the follow lists kept`);
  lines.push(await measure(`answer not kept, friends' follow lists kept`, CALLS, "suggestions"));
  progress(`${WARM_CALLS} warm calls`);
  lines.push(await measure(`answer kept (15 min)`, WARM_CALLS, "none"));
  return lines;
}

const atStart = calibrationLine();
const commit = commitId();
progress(openingLine(MODE, atStart));
const s = await startChirp({
  mode: MODE,
  label: "disc_bench",
  targets: ["user", "graph", "tweet", "discovery"],
  overrides: { discovery: { manualTrends: true } },
  // The services call each other over gRPC, as one process per target does.
  env: { CHIRP_INPROCESS_CALLS: "false" },
});
let lines: string[] = [];
try {
  lines = await run(s);
} finally {
  progress("cleaning up");
  await s.stop();
}
process.stdout.write(
  [
    "",
    `== discovery bench (${MODE} mode): ${new Date().toISOString().slice(0, 10)}, commit ${commit}, ${machine()} ==`,
    `sample ${SAMPLE} followees × their ${PER_FOLLOW} newest follows; ${POOL} candidate accounts, ${FOLLOWERS} followers`,
    `at start: ${atStart}`,
    `at end: ${calibrationLine()}`,
    ...lines,
    "",
  ].join("\n"),
);

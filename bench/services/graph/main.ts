// Benchmark of the graph service through its gRPC API (usage below).
// Phases: Follow throughput (distinct followers over 100 accounts), seeding
// one account with 100k followers (also Follows), then ListFollowers page
// latency on that account at the top and at random depths. The user and
// graph services run in a child process, this one makes the load; every
// Follow also publishes its event (in-process bus or JetStream).
import { benchArgs } from "../../args.js";
import { describeHistogram, machine, measureServed, print, serveInChild, serverHistogram } from "../user/kit.js";

const USAGE = `node --import tsx bench/services/graph/main.ts [--mode=embedded|cluster] [--follows=20000] [--followers=100000] [--concurrency=64]
`;
const args = benchArgs(USAGE, { mode: "embedded", follows: "20000", followers: "100000", concurrency: "64" });
const mode = args.mode();
const follows = args.num("follows");
const followers = args.num("followers");
const concurrency = args.num("concurrency");
console.log(`graph bench, ${mode} mode, concurrency ${concurrency}; ${machine()}`);

const p = await serveInChild(mode, "benchgraph");
try {
  const targets: bigint[] = [];
  for (let i = 0; i < 101; i++) {
    const username = `t${Date.now().toString(36)}${i}`.slice(0, 15);
    targets.push((await p.user.register({ username, email: `${username}@bench.example`, password: "Bench-password-1" })).user!.userId);
  }
  const big = targets.pop()!;
  // Followers act with their own tokens; they need not be registered.
  const base = big + 1_000_000n;
  const token = async (id: bigint) => p.as(id);

  const opts = await Promise.all(Array.from({ length: Math.min(follows, 5000) }, (_, i) => token(base + BigInt(i))));
  print(
    await measureServed(p, `Follow (${targets.length} accounts)`, follows, concurrency, (i) =>
      p.graph.follow({ userId: base + BigInt(i % opts.length), followeeId: targets[Math.floor(i / opts.length) % targets.length]! }, opts[i % opts.length]!),
    ),
  );

  const seedBase = base + 10_000_000n;
  {
    process.stderr.write(`  signing ${followers} access tokens…\n`);
    // Scoped, so the 100k tokens are garbage before the latency phases.
    const seedOpts = await Promise.all(Array.from({ length: followers }, (_, i) => token(seedBase + BigInt(i))));
    print(
      await measureServed(p, `Follow one account (seed ${followers} followers)`, followers, concurrency, (i) =>
        p.graph.follow({ userId: seedBase + BigInt(i), followeeId: big }, seedOpts[i]!),
      ),
    );
  }
  const counts = (await p.graph.getCounts({ userId: big })).counts!;
  console.log(`  account ${big}: ${counts.followerCount} followers`);

  // Cursors at random depths, collected by walking the list once.
  const cursors: string[] = [""];
  let cursor = "";
  for (;;) {
    const page = await p.graph.listFollowers({ userId: big, limit: 100, cursor });
    if (!page.hasMore) break;
    cursor = page.nextCursor;
    cursors.push(cursor);
  }
  console.log(`  walked ${cursors.length} pages of 100`);
  const pick = (i: number) => cursors[(i * 7919) % cursors.length]!;
  const lists: Array<[string, number, number, (i: number) => Promise<unknown>]> = [
    ["ListFollowers first page, limit 20, 1 at a time", 2000, 1, () => p.graph.listFollowers({ userId: big })],
    ["ListFollowers random depth, limit 20, 1 at a time", 2000, 1, (i) => p.graph.listFollowers({ userId: big, cursor: pick(i) })],
    ["ListFollowers random depth, limit 100, 1 at a time", 2000, 1, (i) => p.graph.listFollowers({ userId: big, limit: 100, cursor: pick(i) })],
    ["ListFollowers random depth, limit 20, 16 at a time", 5000, 16, (i) => p.graph.listFollowers({ userId: big, cursor: pick(i) })],
  ];
  for (const [phase, count, conc, call] of lists) {
    const before = await serverHistogram(p.graphUrl, "ListFollowers");
    print(await measureServed(p, phase, count, conc, call));
    console.log(`    server-side: ${describeHistogram(before, await serverHistogram(p.graphUrl, "ListFollowers"))}`);
  }
} finally {
  await p.stop();
}

// Search benchmark (issue 24): a corpus of --tweets tweets from --authors
// authors in a Zipf vocabulary (corpus.ts) over --days days, then SearchTweets
// with one word and with two words, and SearchUsers by a 1-4 letter prefix,
// one call at a time, and the indexer's rate on tweet.created events. The
// user, graph, tweet and search services run in this process in cluster mode
// by default (Cassandra, NATS JetStream, the local Redis Cluster), calling
// each other over gRPC as one process per target does.
//
// Shortcuts in the set-up, stated so the figures can be judged: accounts are
// written to the user store and the people index directly (no argon2, no
// follow edges: the index's follower ranks are the corpus's), and tweets to
// the tweet store directly (no events). All but the last --via-events tweets
// are indexed by the rebuild's path (SearchStore.addTweet, as make reindex
// does); the last ones go through the bus and the indexer, which is what the
// indexing rate measures. Everything measured runs the production code paths.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { TweetCreatedEventSchema } from "../../../gen/chirp/tweet/v1/events_pb.js";
import { TweetSchema } from "../../../gen/chirp/tweet/v1/tweet_pb.js";
import { SUBJECTS } from "../../../services/platform/bus/streams.js";
import { tweetTerms } from "../../../services/search/query/terms.js";
import type { StartedSearch } from "../../../services/search/target.js";
import { startChirp, type Chirp } from "../../../services/testing/chirp.js";
import { createStore as openTweetStore } from "../../../services/tweet/context.js";
import { openUserStore } from "../../../services/user/context.js";
import { benchArgs } from "../../args.js";
import { calibrationLine, commitId, openingLine, progressLog } from "../../machine.js";
import { Rng } from "../../rng.js";
import { machine } from "../user/kit.js";
import { Corpus } from "./corpus.js";

const USAGE = `node --import tsx bench/services/search/main.ts [--mode=cluster|embedded]
  [--tweets=1000000] [--authors=10000] [--vocabulary=30000] [--days=60] [--via-events=50000] [--queries=1000]
`;
const args = benchArgs(USAGE, { mode: "cluster", tweets: "1000000", authors: "10000", vocabulary: "30000", days: "60", "via-events": "50000", queries: "1000" });
const MODE = args.mode();
const TWEETS = args.num("tweets");
const AUTHORS = args.num("authors");
const VIA_EVENTS = Math.min(args.num("via-events"), TWEETS);
const QUERIES = args.num("queries");

const progress = progressLog();
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;

async function inParallel<T>(items: readonly T[], n: number, fn: (x: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/** Bytes under the keyspace's search_* table folders (flushed SSTables; memtables and the commit log are not counted). */
function diskBytes(keyspace: string): number | undefined {
  const dir = join(process.cwd(), ".deps/cassandra/data/data", keyspace);
  if (!existsSync(dir)) return undefined;
  const walk = (p: string): number => (statSync(p).isDirectory() ? readdirSync(p).reduce((n, f) => n + walk(join(p, f)), 0) : statSync(p).size);
  return readdirSync(dir).filter((d) => d.startsWith("search_")).reduce((n, d) => n + walk(join(dir, d)), 0);
}

async function run(s: Chirp): Promise<string[]> {
  const search = (s.targets.started.get("search") as StartedSearch).ctx;
  const corpus = new Corpus({ vocabulary: args.num("vocabulary"), authors: AUTHORS, tweets: TWEETS, days: args.num("days"), now: Date.now() - 60_000, seed: 24 }, s.rt.ids.next());
  const lines: string[] = [];

  progress(`writing ${AUTHORS} accounts to the user store and the people index`);
  const users = openUserStore(s.rt);
  await inParallel(corpus.authors, 64, async (a) => {
    const r = await users.createUser({ userId: a.userId, username: a.username, email: `${a.username}@bench.example`, passwordHash: "$argon2id$bench", displayName: a.displayName, bio: "", avatarUrl: "", createdAt: new Date(Date.now() - 90 * 86_400_000) });
    if (!r.ok) throw new Error(`account ${a.username}: ${r.taken} taken`);
    await search.store.putUser({ userId: a.userId, username: a.username, displayName: a.displayName, followerCount: a.followers });
  });

  const tweets = openTweetStore(s.rt);
  const bulk = TWEETS - VIA_EVENTS;
  let postings = 0;
  let logicalBytes = 0;
  let indexSeconds = 0;
  progress(`writing ${TWEETS} tweets to the tweet store; indexing the first ${bulk} by the rebuild's path`);
  const CHUNK = 10_000;
  for (let from = 0; from < TWEETS; from += CHUNK) {
    const chunk = Array.from({ length: Math.min(CHUNK, TWEETS - from) }, (_, k) => corpus.tweet(from + k));
    await inParallel(chunk, 64, (t) => tweets.createTweet({ ...t, mediaUrls: [], replyToTweetId: 0n }));
    const t0 = performance.now();
    await inParallel(chunk.map((t, k) => ({ t, i: from + k })), 64, async ({ t, i }) => {
      const terms = tweetTerms(t);
      postings += terms.length;
      // A posting: its term, its bucket and its id; a doc row: the id and the terms again.
      logicalBytes += terms.reduce((n, term) => n + 2 * Buffer.byteLength(term) + 12, 8);
      if (i < bulk) await search.store.addTweet(t.tweetId, terms);
    });
    indexSeconds += (performance.now() - t0) / 1000;
    if ((from / CHUNK) % 10 === 0) progress(`  ${from + chunk.length}/${TWEETS}`);
  }
  await search.store.flush();
  if (bulk > 0) lines.push(`bulk indexing (rebuild path, 64 at once): ${bulk} tweets at ${Math.round(bulk / indexSeconds)}/s`);

  progress(`publishing ${VIA_EVENTS} tweet.created events; the indexer takes them`);
  const okCount = async () => {
    const m = await search.metrics.events.get();
    return m.values.filter((v) => v.labels.subject === SUBJECTS.tweetCreated && v.labels.outcome === "ok").reduce((n, v) => n + v.value, 0);
  };
  const before = await okCount();
  const t0 = performance.now();
  const evIds = Array.from({ length: VIA_EVENTS }, (_, k) => bulk + k);
  let published = 0;
  await inParallel(evIds, 64, async (i) => {
    const t = corpus.tweet(i);
    const tweet = create(TweetSchema, { ...t });
    await s.rt.bus.publish(SUBJECTS.tweetCreated, toBinary(TweetCreatedEventSchema, create(TweetCreatedEventSchema, { tweet })), `bench:${t.tweetId}`);
    published++;
  });
  const publishSeconds = (performance.now() - t0) / 1000;
  for (;;) {
    const done = (await okCount()) - before;
    if (done >= VIA_EVENTS) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const eventSeconds = (performance.now() - t0) / 1000;
  lines.push(`indexing from events: ${VIA_EVENTS} tweet.created in ${eventSeconds.toFixed(1)} s = ${Math.round(VIA_EVENTS / eventSeconds)}/s (target 2,000/s; publishing alone ${Math.round(published / publishSeconds)}/s)`);
  await search.store.flush();

  // Queries: content words of middle frequency (ranks 100 to 10,000, log-uniform), as people search.
  const rng = new Rng(99);
  const maxRank = Math.min(10_000, corpus.words.length - 1);
  const queryWord = () => corpus.words[Math.floor(Math.exp(Math.log(100) + rng.next() * (Math.log(maxRank) - Math.log(100))))]!;
  const measure = async (label: string, target: number, call: () => Promise<{ found: number; truncated?: boolean }>) => {
    for (let i = 0; i < 50; i++) await call(); // warm-up
    const times: number[] = [];
    let empty = 0;
    let truncated = 0;
    for (let i = 0; i < QUERIES; i++) {
      const c0 = performance.now();
      const r = await call();
      times.push(performance.now() - c0);
      if (r.found === 0) empty++;
      if (r.truncated) truncated++;
    }
    const sorted = times.sort((a, b) => a - b);
    const p99 = pct(sorted, 99);
    return `${label.padEnd(34)} ${String(QUERIES).padStart(5)} calls  p50 ${ms(pct(sorted, 50)).padStart(9)}  p99 ${ms(p99).padStart(9)}  max ${ms(sorted.at(-1)!).padStart(9)}  ${p99 <= target ? "PASS" : "FAIL"} (p99 ≤ ${target} ms)  empty ${empty}, cut short ${truncated}`;
  };
  progress(`${QUERIES} one-word searches, then the same words again`);
  const oneWord = Array.from({ length: QUERIES + 50 }, queryWord);
  const searchOne = () => {
    let n = 0;
    return async () => {
      const r = await s.clients.search.searchTweets({ q: oneWord[n++ % oneWord.length]!, limit: 20 });
      return { found: r.tweets.length, truncated: r.truncated };
    };
  };
  lines.push(await measure("SearchTweets, one word, limit 20", 20, searchOne()));
  // The same searches again: the tweets and authors are in the hydration cache now, as popular searches' are.
  lines.push(await measure("  the same words again (cache warm)", 20, searchOne()));
  progress(`${QUERIES} two-word searches`);
  lines.push(await measure("SearchTweets, two words, limit 20", 50, async () => {
    const r = await s.clients.search.searchTweets({ q: `${queryWord()} ${queryWord()}`, limit: 20 });
    return { found: r.tweets.length, truncated: r.truncated };
  }));
  progress(`${QUERIES} people prefix searches`);
  const prefixes = Array.from({ length: QUERIES + 50 }, () => corpus.authors[rng.int(corpus.authors.length)]!.username.slice(0, 1 + rng.int(4)));
  const searchPeople = () => {
    let n = 0;
    return async () => ({ found: (await s.clients.search.searchUsers({ q: prefixes[n++ % prefixes.length]!, limit: 10 })).users.length });
  };
  lines.push(await measure("SearchUsers, 1-4 letter prefix", 10, searchPeople()));
  // Again: the accounts are in the hydration cache now, as the accounts people type are while a service runs.
  lines.push(await measure("  the same prefixes (cache warm)", 10, searchPeople()));

  const disk = MODE === "cluster" ? diskBytes(s.rt.config.cassandra.keyspace) : undefined;
  lines.push(
    `index size: ${(postings / TWEETS).toFixed(1)} postings per tweet, ${Math.round(logicalBytes / TWEETS)} bytes per tweet of keys and values` +
      (disk !== undefined ? `; ${Math.round(disk / TWEETS)} bytes per tweet in flushed SSTables (memtables not counted)` : ""),
  );
  if (MODE === "cluster") await Promise.all([users.close(), tweets.close()]);
  return lines;
}

const atStart = calibrationLine();
const commit = commitId();
progress(openingLine(MODE, atStart));
const s = await startChirp({
  mode: MODE,
  label: "search_bench",
  targets: ["user", "graph", "tweet", "search"],
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
    `== search bench (${MODE} mode): ${new Date().toISOString().slice(0, 10)}, commit ${commit}, ${machine()} ==`,
    `${TWEETS} tweets from ${AUTHORS} authors over ${args.num("days")} days, ${args.num("vocabulary")} words (Zipf); queries: words of frequency rank 100-10,000`,
    `at start: ${atStart}`,
    `at end: ${calibrationLine()}`,
    ...lines,
    "",
  ].join("\n"),
);

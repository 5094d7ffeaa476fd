// Hydration lookup benchmark: a timeline page's 20 tweet ids through the
// read-through lookup over the in-process cache (the all-in-one's), warm,
// with ids at random among --entries cached tweets, so the lookups touch
// memory as a busy process's do. Two paths in the same run: readDecoded
// (an entry decoded once and shared, one map lookup per hit) and the path
// every cache has, read() then a decode per hit (the Redis cache's). Prints
// µs per 20-id lookup, in rounds taken in turns.
import { create, toBinary } from "@bufbuild/protobuf";
import { pino } from "pino";
import { TweetSchema } from "../../../gen/chirp/tweet/v1/tweet_pb.js";
import { cachedLookup, lookupMetrics } from "../../../services/hydration/lookup.js";
import { MemoryHydrationCache } from "../../../services/hydration/memory.js";
import type { HydrationCache } from "../../../services/hydration/port.js";
import { createMetrics } from "../../../services/kit/metrics.js";
import { Snowflake } from "../../../services/kit/snowflake.js";
import { benchArgs } from "../../args.js";
import { calibrationLine, commitId, openingLine, progressLog } from "../../machine.js";
import { Rng } from "../../rng.js";
import { machine } from "../user/kit.js";

const USAGE = `node --import tsx bench/services/hydration/main.ts [--entries=33000] [--lookups=100000] [--rounds=3]
`;
const args = benchArgs(USAGE, { entries: "33000", lookups: "100000", rounds: "3" });
const ENTRIES = args.num("entries");
const LOOKUPS = args.num("lookups");
const ROUNDS = args.num("rounds");
const PAGE = 20;

const progress = progressLog();
const atStart = calibrationLine();
progress(openingLine("embedded", atStart));

const cache = new MemoryHydrationCache({ ttlMs: 3_600_000, maxEntries: ENTRIES * 2 });
// Ids minted as a seeding does, several per millisecond.
const snowflake = new Snowflake({ workerId: 1 });
const ids = Array.from({ length: ENTRIES }, () => snowflake.next());
const text = "Seed tweet from a bench user: thinking about coffee and deploy again, latency later #cats";
await cache.fill("tweet", ids.map((id, i) => [id, toBinary(TweetSchema, create(TweetSchema, { tweetId: id, authorId: BigInt(1 + (i % 3000)), content: text, likeCount: 3n, createdAt: { seconds: 1_796_000_000n } })), 0] as const));
progress(`${ENTRIES} tweets cached`);

// Without readDecoded: the lookup reads bytes and decodes every hit.
const bytesOnly: HydrationCache = {
  read: (kind, ids) => cache.read(kind, ids),
  fill: (kind, values) => cache.fill(kind, values),
  invalidate: (kind, ids) => cache.invalidate(kind, ids),
  peek: (kind, ids) => cache.peek(kind, ids),
  replace: (kind, values) => cache.replace(kind, values),
  readStates: (v, version, ids) => cache.readStates(v, version, ids),
  fillStates: (v, version, states, ttl) => cache.fillStates(v, version, states, ttl),
  ping: () => cache.ping(),
  close: () => cache.close(),
};
const lookupOver = (c: HydrationCache) =>
  cachedLookup({ cache: c, kind: "tweet", schema: TweetSchema, load: async () => new Map(), timeoutMs: 1000, logger: pino({ level: "silent" }), metrics: lookupMetrics(createMetrics({ defaultMetrics: false }).registry) });
const paths = [
  { name: "readDecoded (in-process)", lookup: lookupOver(cache) },
  { name: "read + decode per hit", lookup: lookupOver(bytesOnly) },
];

const rng = new Rng(1);
// Fresh bigints per page, as a timeline store hands them out.
const pages = Array.from({ length: LOOKUPS }, () => Array.from({ length: PAGE }, () => BigInt.asUintN(64, ids[rng.int(ENTRIES)]!)));
// A page may name an id twice; the lookup answers it once.
const expected = pages.reduce((a, page) => a + new Set(page).size, 0);
const results = new Map<string, number[]>(paths.map((p) => [p.name, []]));
for (let round = 0; round < ROUNDS + 1; round++) {
  for (const p of paths) {
    const started = process.hrtime.bigint();
    let found = 0;
    for (const page of pages) found += (await p.lookup(page)).size;
    const us = Number(process.hrtime.bigint() - started) / 1000 / LOOKUPS;
    if (found !== expected) throw new Error(`${p.name}: ${found} of ${expected} found`);
    // Round 0 warms the JIT and is not counted.
    if (round > 0) results.get(p.name)!.push(us);
    progress(`round ${round}${round === 0 ? " (warm-up)" : ""}: ${p.name} ${us.toFixed(2)} µs per ${PAGE}-id lookup`);
  }
}
process.stdout.write(
  [
    "",
    `== hydration lookup bench: ${new Date().toISOString().slice(0, 10)}, commit ${commitId()}, ${machine()} ==`,
    `${ENTRIES} tweets in the in-process cache; ${LOOKUPS} lookups of ${PAGE} random ids per round, ${ROUNDS} rounds in turns`,
    `at start: ${atStart}`,
    `at end: ${calibrationLine()}`,
    ...[...results].map(([name, us]) => `${name.padEnd(28)} µs per lookup: ${us.map((x) => x.toFixed(2)).join(", ")}`),
    "",
  ].join("\n"),
);

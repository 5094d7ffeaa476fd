// The tweet search's walk over a real index (LMDB in a temporary folder):
// pages are full or the last, the caps stop the walk and say so, a cursor
// built from the answer continues it, deleted tweets are skipped and dates
// bound it. Tweets are looked up from a map, as the hydration cache would.
import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { TweetSchema, type Tweet } from "../../../gen/chirp/tweet/v1/tweet_pb.js";
import { CHIRP_EPOCH_MS } from "../../kit/snowflake.js";
import { bucketFloor } from "../buckets.js";
import type { SearchContext } from "../context.js";
import { parseQuery } from "../query/parse.js";
import { tweetTerms } from "../query/terms.js";
import { LmdbSearchStore } from "../store/lmdb.js";
import { BUCKET_MS } from "../store/port.js";
import { findTweets } from "./tweets.js";

const dir = mkdtempSync(join(tmpdir(), "chirp-search-find-"));
const store = LmdbSearchStore.open(dir);
test.after.always(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const tweets = new Map<bigint, Tweet>();
let n = 0n;
const FIRST_BUCKET = 400;

/** A tweet in `bucket` (later calls get higher ids), indexed. */
async function put(bucket: number, content: string): Promise<bigint> {
  const tweetId = bucketFloor(bucket) + (++n << 22n);
  const t = create(TweetSchema, { tweetId, authorId: 9n, content });
  tweets.set(tweetId, t);
  await store.addTweet(tweetId, tweetTerms(t));
  return tweetId;
}

function ctx(config: Partial<SearchContext["config"]> = {}): SearchContext {
  return {
    config: { maxCandidates: 1000, maxBuckets: 90, peopleWindow: 200, countFlushMs: 0, ...config },
    store,
    hydration: { tweets: async (ids: readonly bigint[]) => new Map(ids.flatMap((id) => (tweets.has(id) ? [[id, tweets.get(id)!] as const] : []))) },
    now: () => CHIRP_EPOCH_MS + (FIRST_BUCKET + 50) * BUCKET_MS,
  } as unknown as SearchContext;
}

/** Every page of a query, following the cursors as a client would. */
async function walk(c: SearchContext, q: string, limit: number) {
  const parsed = parseQuery(q);
  const pages: Array<{ ids: bigint[]; hasMore: boolean; truncated: boolean }> = [];
  let before: bigint | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const r = await findTweets(c, parsed, before, limit);
    pages.push({ ids: r.tweets.map((t) => t.tweetId), hasMore: r.hasMore, truncated: r.truncated });
    if (!r.hasMore && !r.truncated) return pages;
    before = r.continueBelow;
  }
  throw new Error("no end");
}

const stem = `s${Date.now().toString(36)}`;
const [A, B] = [`${stem}a`, `${stem}b`];
const all: bigint[] = [];
const both: bigint[] = [];
test.before(async () => {
  for (let i = 0; i < 30; i++) {
    const bucket = FIRST_BUCKET + Math.floor(i / 10);
    const id = await put(bucket, i % 3 === 0 ? `${A} and ${B} number ${i}` : `${A} alone ${i}`);
    all.unshift(id);
    if (i % 3 === 0) both.unshift(id);
  }
});

test("pages are full with more, or the last; never an empty page with more", async (t) => {
  const pages = await walk(ctx(), `${A} ${B}`, 4);
  t.deepEqual(pages.map((p) => p.ids.length), [4, 4, 2]);
  t.deepEqual(pages.map((p) => p.hasMore), [true, true, false]);
  t.deepEqual(pages.flatMap((p) => p.ids), both);
  // Exactly the number of matches: the first page is the last.
  const exact = await walk(ctx(), `${A} ${B}`, 10);
  t.deepEqual(exact.map((p) => [p.ids.length, p.hasMore]), [[10, false]]);
});

test("the candidate cap ends a page early and says so; the cursor continues without loss", async (t) => {
  // One tweet in three is excluded: 7 candidates hold fewer than 8 matches.
  const pages = await walk(ctx({ maxCandidates: 7 }), `${A} -${B}`, 8);
  t.true(pages[0]!.truncated);
  t.false(pages[0]!.hasMore);
  t.true(pages[0]!.ids.length > 0 && pages[0]!.ids.length < 8);
  for (const p of pages) {
    if (p.hasMore) t.is(p.ids.length, 8, "a page with more is full");
    t.false(p.ids.length === 0 && p.hasMore);
  }
  t.deepEqual(pages.flatMap((p) => p.ids), all.filter((id) => !both.includes(id)));
});

test("the bucket cap stops the walk at the oldest bucket visited, and the cursor goes on from there", async (t) => {
  const pages = await walk(ctx({ maxBuckets: 1 }), A, 25);
  t.deepEqual(pages[0]!.ids, all.slice(0, 10));
  t.true(pages[0]!.truncated);
  t.false(pages[0]!.hasMore);
  t.deepEqual(pages.flatMap((p) => p.ids), all);
});

test("a tweet the lookup no longer has (deleted) is skipped", async (t) => {
  const gone = await put(FIRST_BUCKET + 20, `${stem}gone ${stem}x`);
  const kept = await put(FIRST_BUCKET + 20, `${stem}kept ${stem}x`);
  tweets.delete(gone);
  t.deepEqual((await walk(ctx(), `${stem}x`, 10)).flatMap((p) => p.ids), [kept]);
});

test("since: and until: bound the walk by date", async (t) => {
  const day = (b: number) => new Date(CHIRP_EPOCH_MS + b * BUCKET_MS).toISOString().slice(0, 10);
  const r = await walk(ctx(), `${A} since:${day(FIRST_BUCKET + 1)} until:${day(FIRST_BUCKET + 2)}`, 50);
  t.deepEqual(r.flatMap((p) => p.ids), all.slice(10, 20));
});

test("a term nobody used answers at once, empty and exhausted", async (t) => {
  const r = await findTweets(ctx(), parseQuery(`${A} ${stem}never`), undefined, 10);
  t.deepEqual(r, { tweets: [], hasMore: false, truncated: false, examined: 0 });
});

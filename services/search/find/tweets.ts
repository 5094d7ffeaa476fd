// A tweet search: walk the rarest term's day buckets from the newest, read
// its postings in growing batches, and check every other condition against
// the tweet itself (read through the hydration cache, so a deleted tweet is
// gone from results as soon as its cache entry is). A page is full (and then
// the search looks one match further, to say honestly whether there is
// more) or the index is exhausted, or the per-request caps stopped it, which
// the answer says. Never an empty page with has_more.
import type { Tweet } from "../../../gen/chirp/tweet/v1/tweet_pb.js";
import { snowflakeFloor } from "../../kit/snowflake.js";
import { bucketAt, bucketFloor, bucketOf } from "../buckets.js";
import type { SearchContext } from "../context.js";
import { tokenize } from "../query/analyze.js";
import { hasPhrase, type ParsedQuery } from "../query/parse.js";
import { authorTerm, tweetTerms } from "../query/terms.js";
import { userByUsername } from "../../user/by-username.js";

export interface TweetMatches {
  tweets: Tweet[];
  hasMore: boolean;
  /** Where the next page starts below (set with hasMore or truncated). */
  continueBelow?: bigint | undefined;
  truncated: boolean;
  examined: number;
}

/** How far ahead of our clock another machine's Snowflake ids may be. */
const CLOCK_SKEW_MS = 5_000;
const MAX_BATCH = 500;
/** Buckets whose first page is read ahead at most. */
const MAX_AHEAD = 8;

/** A bucket's batch of postings, and those of them the index says have the other terms. */
interface Page {
  ids: bigint[];
  left: bigint[];
}

const nothing = (): TweetMatches => ({ tweets: [], hasMore: false, truncated: false, examined: 0 });

/** from: usernames to author terms; undefined when one is unknown (then nothing matches). */
async function authorTerms(ctx: SearchContext, usernames: readonly string[]): Promise<string[] | undefined> {
  const ids = await Promise.all(usernames.map(async (username) => (await userByUsername(ctx.clients, username))?.userId));
  if (ids.some((id) => id === undefined)) return undefined;
  return [...new Set(ids.map((id) => authorTerm(id!)))];
}

/** Whether a tweet meets every condition of the query. */
function matches(tweet: Tweet, include: readonly string[], q: ParsedQuery): boolean {
  const terms = new Set(tweetTerms(tweet));
  if (!include.every((t) => terms.has(t))) return false;
  if (q.exclude.some((t) => terms.has(t))) return false;
  if (q.phrases.length === 0) return true;
  const words = tokenize(tweet.content);
  return q.phrases.every((p) => hasPhrase(words, p));
}

/** The candidates (all in one bucket) that the index says have every other term and no excluded one. */
async function narrow(ctx: SearchContext, ids: bigint[], bucket: number, others: readonly string[], exclude: readonly string[]): Promise<bigint[]> {
  if (others.length === 0 && exclude.length === 0) return ids;
  const [has, hasExcluded] = await Promise.all([
    Promise.all(others.map((t) => ctx.store.contains(t, bucket, ids))),
    Promise.all(exclude.map((t) => ctx.store.contains(t, bucket, ids))),
  ]);
  return ids.filter((id) => has.every((s) => s.has(id)) && !hasExcluded.some((s) => s.has(id)));
}

export async function findTweets(ctx: SearchContext, q: ParsedQuery, before: bigint | undefined, limit: number): Promise<TweetMatches> {
  if (q.empty) return nothing();
  const authors = q.from.length ? await authorTerms(ctx, q.from) : [];
  if (authors === undefined || authors.length > 1) return nothing();
  const include = [...q.include, ...authors];

  // The id range the query allows: below the cursor, within since/until.
  let upper = before;
  if (q.untilMs !== undefined) {
    const u = snowflakeFloor(q.untilMs);
    if (upper === undefined || u < upper) upper = u;
  }
  const atLeast = q.sinceMs !== undefined ? snowflakeFloor(q.sinceMs) : undefined;
  if (upper !== undefined && (upper <= 0n || (atLeast !== undefined && upper <= atLeast))) return nothing();
  const maxBucket = upper !== undefined ? bucketOf(upper - 1n) : bucketAt(ctx.now() + CLOCK_SKEW_MS);
  const minBucket = q.sinceMs !== undefined ? bucketAt(q.sinceMs) : 0;

  // The rarest term: the fewest postings over the buckets the walk may visit.
  const { maxBuckets, maxCandidates } = ctx.config;
  const firstBatch = Math.min(MAX_BATCH, limit + 1);
  // With one term there is nothing to choose: its newest bucket is read while its bucket list is.
  const newest = include.length === 1 ? ctx.store.postings(include[0]!, maxBucket, upper, atLeast, firstBatch) : undefined;
  newest?.catch(() => {}); // awaited below, or abandoned when the bucket is empty
  const lists = await Promise.all(include.map((term) => ctx.store.buckets(term, maxBucket, minBucket, maxBuckets)));
  let rarest = 0;
  const total = lists.map((l) => l.reduce((n, b) => n + b.count, 0));
  for (let i = 1; i < lists.length; i++) if (total[i]! < total[rarest]!) rarest = i;
  const term = include[rarest]!;
  const buckets = lists[rarest]!;
  if (lists.some((l) => l.length === 0)) return nothing();

  const others = include.filter((t) => t !== term);
  const found: Tweet[] = [];
  let examined = 0;
  let lastExamined: bigint | undefined;
  let capped = false;
  // A rare term's matches lie in many buckets with few each: the first page
  // of the next buckets is read ahead, in parallel, as far as their counts
  // say the page needs (further when other terms must match too), and
  // narrowed by the other terms as soon as it comes, so a search whose words
  // seldom meet costs a few parallel rounds, not two reads per bucket in turn.
  // The index narrows the candidates first (one partition read per other
  // term); only those left are read and checked whole.
  const firstPages = new Map<number, Promise<Page>>();
  const narrowed = (bucket: number, ids: Promise<bigint[]>): Promise<Page> => {
    const page = ids.then(async (got) => ({ ids: got, left: await narrow(ctx, got, bucket, others, q.exclude) }));
    page.catch(() => {}); // awaited when its bucket comes, or abandoned with the walk
    return page;
  };
  if (newest && buckets[0]?.bucket === maxBucket) firstPages.set(0, narrowed(maxBucket, newest));
  const readAhead = (from: number) => {
    const need = (limit + 1 - found.length) * (others.length > 0 || q.exclude.length > 0 || q.phrases.length > 0 ? 4 : 1);
    for (let j = from, covered = 0; j < buckets.length && j < from + MAX_AHEAD && (j === from || covered < need); j++) {
      const bucket = buckets[j]!.bucket;
      if (!firstPages.has(j)) firstPages.set(j, narrowed(bucket, ctx.store.postings(term, bucket, upper, atLeast, firstBatch)));
      covered += buckets[j]!.count;
    }
  };
  walk: for (let i = 0; i < buckets.length; i++) {
    const bucket = buckets[i]!.bucket;
    readAhead(i);
    let batch = firstBatch;
    let { ids, left } = await firstPages.get(i)!;
    for (;;) {
      const room = maxCandidates - examined;
      if (room <= 0) {
        capped = true;
        break walk;
      }
      const full = ids.length >= batch;
      if (ids.length > room) {
        ids = ids.slice(0, room);
        const kept = new Set(ids);
        left = left.filter((id) => kept.has(id));
      }
      if (ids.length === 0) break;
      examined += ids.length;
      const tweets = await ctx.hydration.tweets(left);
      for (const id of ids) {
        lastExamined = id;
        const t = tweets.get(id);
        // Missing: deleted (its removal from the index may still be on the way).
        if (t && t.retweetOfTweetId === 0n && matches(t, include, q)) {
          found.push(t);
          if (found.length > limit) break walk;
        }
      }
      if (!full) break; // this bucket is done
      batch = Math.min(MAX_BATCH, batch * 2);
      ids = await ctx.store.postings(term, bucket, ids.at(-1), atLeast, batch);
      left = await narrow(ctx, ids, bucket, others, q.exclude);
    }
  }
  // A bucket list as long as the cap may have left older buckets unvisited.
  if (found.length <= limit && buckets.length === maxBuckets) capped = true;

  if (found.length > limit) {
    const page = found.slice(0, limit);
    return { tweets: page, hasMore: true, continueBelow: page.at(-1)!.tweetId, truncated: false, examined };
  }
  if (capped) {
    // Continue below what was examined; when the bucket cap stopped the walk, below the oldest bucket visited.
    const oldest = buckets.at(-1)!.bucket;
    const below = examined >= maxCandidates ? lastExamined : bucketFloor(oldest);
    return { tweets: found, hasMore: false, continueBelow: below, truncated: below !== undefined && below > 0n, examined };
  }
  return { tweets: found, hasMore: false, truncated: false, examined };
}

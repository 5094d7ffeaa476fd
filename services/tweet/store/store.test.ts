// The store contract against both adapters: LMDB in a temporary folder, and
// Cassandra in a fresh keyspace of its own (real backends, no stand-ins).
import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Snowflake } from "../../kit/snowflake.js";
import { testRuntime, type TestRuntime } from "../../testing/runtime.js";
import { CassandraTweetStore } from "./cassandra.js";
import { storeContract } from "./contract.js";
import { LmdbTweetStore } from "./lmdb.js";

const dir = mkdtempSync(join(tmpdir(), "chirp-tweet-store-"));
const lmdb = LmdbTweetStore.open(dir);
let cluster: Promise<TestRuntime> | undefined;
const clusterRuntime = () => (cluster ??= testRuntime("cluster", "tweetstore"));
let cassandraStore: CassandraTweetStore | undefined;

test.after.always(async () => {
  await lmdb.close();
  rmSync(dir, { recursive: true, force: true });
  if (cluster) await (await cluster).cleanup();
});

storeContract(test, "lmdb", async () => lmdb);
storeContract(test, "cassandra", async () => (cassandraStore ??= new CassandraTweetStore((await clusterRuntime()).rt.cassandra!)));

test("lmdb: idempotency claims expire like Cassandra's TTL, and the sweep removes them", async (t) => {
  const d = mkdtempSync(join(tmpdir(), "chirp-tweet-ttl-"));
  const store = LmdbTweetStore.open(d, { idempotencyTtlMs: 1500 });
  try {
    const ids = new Snowflake({ workerId: 998 });
    const draft = () => ({ tweetId: ids.next(), authorId: 5n, content: "x", mediaUrls: [], replyToTweetId: 0n, hashtags: [], mentions: [] });
    const first = await store.createTweet(draft(), { idempotencyKey: "k" });
    t.false((await store.createTweet(draft(), { idempotencyKey: "k" })).created);
    await new Promise((r) => setTimeout(r, 1600));
    t.is(await store.sweepClaims(), 1);
    t.is(await store.sweepClaims(), 0);
    const later = await store.createTweet(draft(), { idempotencyKey: "k" });
    t.true(later.created);
    t.not(later.tweet.tweetId, first.tweet.tweetId);
  } finally {
    await store.close();
    rmSync(d, { recursive: true, force: true });
  }
});

test("cassandra: batch reads give the same answer with IN queries, parallel point reads and the adaptive default, which picks point reads only for a lone page-sized batch", async (t) => {
  const client = (await clusterRuntime()).rt.cassandra!;
  const parallel = new CassandraTweetStore(client, { multiGet: "parallel" });
  const inQuery = new CassandraTweetStore(client, { multiGet: "in" });
  const ids = new Snowflake({ workerId: 999 });
  const made = [];
  for (let i = 0; i < 5; i++) {
    made.push(
      (
        await parallel.createTweet({
          tweetId: ids.next(),
          authorId: 777n,
          content: `t${i}`,
          mediaUrls: [],
          replyToTweetId: 0n,
          hashtags: [],
          mentions: [],
        })
      ).tweet.tweetId,
    );
  }
  await parallel.like(1n, made[1]!);
  await parallel.deleteTweet(made[3]!, 777n);
  const ask = [made[4]!, 123n, ...made];
  const a = await parallel.getTweets(ask);
  const b = await inQuery.getTweets(ask);
  t.deepEqual([...a.keys()].sort(), [made[0], made[1], made[2], made[4]].sort());
  t.deepEqual(new Map([...b].sort()), new Map([...a].sort()));
  t.deepEqual(parallel.batchStats, { in: 0, pointReads: 1 });
  t.deepEqual(inQuery.batchStats, { in: 1, pointReads: 0 });

  // The default: a page-sized batch read alone goes as point reads, one
  // that starts while another is in flight, or a larger one, as IN queries.
  const adaptive = new CassandraTweetStore(client);
  const [c, d] = await Promise.all([adaptive.getTweets(ask), adaptive.getTweets(ask)]);
  t.deepEqual(adaptive.batchStats, { in: 1, pointReads: 1 });
  await adaptive.getTweets([...ask, ...Array.from({ length: 20 }, (_, i) => BigInt(1000 + i))]);
  t.deepEqual(adaptive.batchStats, { in: 2, pointReads: 1 });
  await adaptive.getTweets(ask);
  t.deepEqual(adaptive.batchStats, { in: 2, pointReads: 2 });
  t.deepEqual(new Map([...c!].sort()), new Map([...a].sort()));
  t.deepEqual(new Map([...d!].sort()), new Map([...a].sort()));
  t.is(b.get(made[1]!)!.counts.likes, 1n);
});

test("cassandra: a delete retried after a timeout knows its own tombstone from another request's", async (t) => {
  const store = new CassandraTweetStore((await clusterRuntime()).rt.cassandra!);
  const ids = new Snowflake({ workerId: 997 });
  const { tweet } = await store.createTweet({ tweetId: ids.next(), authorId: 778n, content: "x", mediaUrls: [], replyToTweetId: 0n, hashtags: [], mentions: [] });
  // The retry path: the same LWT sent again with the same token.
  const markDeleted = (token: bigint) => (store as unknown as { markDeleted(id: bigint, token: bigint): Promise<boolean> }).markDeleted(tweet.tweetId, token);
  t.true(await markDeleted(41n));
  t.true(await markDeleted(41n), "its own earlier success: clean up (once)");
  t.false(await markDeleted(42n), "someone else's delete: nothing to clean up");
  await t.throwsAsync(store.deleteTweet(tweet.tweetId, 778n), { message: /not found/ });
});

// A first request that claimed its idempotency key (or its retweet) and then
// stalled past the retry's wait: the retry finishes the write, and when the
// first request writes after all, the counters still move once.
// One generator for these tests: two with one worker id, run at once, repeat ids.
const stalledIds = new Snowflake({ workerId: 996 });
const draftOf = (tweetId: bigint, authorId: bigint, content: string) => ({ tweetId, authorId, content, mediaUrls: [], replyToTweetId: 0n, hashtags: [], mentions: [] });

/** A store, and a claim made by hand as a first request would before stalling. */
async function withStalledClaim(table: "tweet_idempotency" | "retweets_by_user") {
  const client = (await clusterRuntime()).rt.cassandra!;
  const query =
    table === "tweet_idempotency"
      ? "INSERT INTO tweet_idempotency (author_id, idempotency_key, tweet_id) VALUES (?, ?, ?) IF NOT EXISTS"
      : "INSERT INTO retweets_by_user (user_id, tweet_id, retweet_id) VALUES (?, ?, ?) IF NOT EXISTS";
  return {
    store: new CassandraTweetStore(client),
    claim: async (owner: bigint, key: string | bigint, claimed: bigint) => void (await client.execute(query, [owner, key, claimed], { prepare: true })),
  };
}

test("cassandra: a keyed create whose first request stalls is finished by the retry and counted once", async (t) => {
  const { store, claim } = await withStalledClaim("tweet_idempotency");
  const author = 90_000_001n;
  const firstId = stalledIds.next();
  await claim(author, "stall", firstId);
  const retry = await store.createTweet(draftOf(stalledIds.next(), author, "hello"), { idempotencyKey: "stall" });
  t.false(retry.created);
  t.is(retry.tweet.tweetId, firstId, "finished under the first request's id");
  const late = await store.createTweet(draftOf(firstId, author, "hello"), { idempotencyKey: "stall" });
  t.is(late.tweet.tweetId, firstId);
  t.is(await store.userTweetCount(author), 1n);
  t.deepEqual((await store.listUserTweets(author, undefined, 10)).tweets.map((x) => x.tweetId), [firstId]);
});

test("cassandra: a stalled first request that writes after the tweet was deleted does not bring it back", async (t) => {
  const { store, claim } = await withStalledClaim("tweet_idempotency");
  const author = 90_000_002n;
  const firstId = stalledIds.next();
  await claim(author, "gone", firstId);
  await store.createTweet(draftOf(stalledIds.next(), author, "soon gone"), { idempotencyKey: "gone" });
  await store.deleteTweet(firstId, author);
  await store.createTweet(draftOf(firstId, author, "soon gone"), { idempotencyKey: "gone" });
  t.is((await store.getTweets([firstId])).size, 0);
  t.deepEqual((await store.listUserTweets(author, undefined, 10)).tweets, []);
  t.is(await store.userTweetCount(author), 0n);
});

test("cassandra: a retweet whose first request stalls is written once under its claimed id and counted once", async (t) => {
  const { store, claim } = await withStalledClaim("retweets_by_user");
  const user = 90_000_003n;
  const original = (await store.createTweet(draftOf(stalledIds.next(), 90_000_004n, "worth sharing"))).tweet.tweetId;
  const claimed = stalledIds.next();
  await claim(user, original, claimed);
  const retry = await store.retweet(user, original, stalledIds.next());
  t.is(retry.retweet.tweetId, claimed);
  t.true(retry.created, "this call wrote it, so its event is published");
  const late = await store.retweet(user, original, claimed);
  t.is(late.retweet.tweetId, claimed);
  t.is((await store.getTweets([original])).get(original)!.counts.retweets, 1n);
  t.is(await store.userTweetCount(user), 1n);
  t.deepEqual((await store.listUserTweets(user, undefined, 10)).tweets.map((x) => x.tweetId), [claimed]);
});

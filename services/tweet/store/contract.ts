// One contract for every TweetStore adapter: store.test.ts runs it against
// LMDB and against Cassandra. Each test uses fresh random user ids, so tests
// can share one store and run concurrently.
import { randomBytes } from "node:crypto";
import type { ExecutionContext, TestFn } from "ava";
import { DomainError, type ErrorKind } from "../../kit/errors.js";
import { Snowflake } from "../../kit/snowflake.js";
import { bucketAt, bucketFloor, bucketOf } from "../buckets.js";
import type { NewTweet, StoredTweet, TweetStore } from "./port.js";

const ids = new Snowflake({ workerId: 1000 + Math.floor(Math.random() * 20) });
const userId = () => (randomBytes(6).readUIntBE(0, 6) as number) + 1;
const newUser = () => BigInt(userId());

function draft(authorId: bigint, content = "hello #Chirp @alice", extra: Partial<NewTweet> = {}): NewTweet {
  return {
    tweetId: ids.next(),
    authorId,
    content,
    mediaUrls: ["https://cdn.example/a.png"],
    replyToTweetId: 0n,
    hashtags: ["chirp"],
    mentions: ["alice"],
    ...extra,
  };
}

async function refused(t: ExecutionContext, p: Promise<unknown>, kind: ErrorKind, message: RegExp) {
  const err = await t.throwsAsync(p, { instanceOf: DomainError });
  t.is(err?.kind, kind);
  t.regex(err?.message ?? "", message);
}

/** Runs `fn` over `items` with at most `n` in flight. */
async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function allPages(store: TweetStore, user: bigint, limit: number, t: ExecutionContext): Promise<bigint[]> {
  const seen: bigint[] = [];
  let before: bigint | undefined;
  for (;;) {
    const rowsBefore = store.listStats.rows;
    const page = await store.listUserTweets(user, before, limit);
    // Reads only what it returns, plus one to know whether there is more.
    t.true(store.listStats.rows - rowsBefore <= limit + 1, `page read ${store.listStats.rows - rowsBefore} rows`);
    seen.push(...page.tweets.map((x) => x.tweetId));
    if (!page.hasMore) return seen;
    t.is(page.tweets.length, limit);
    before = page.last;
  }
}

export function storeContract(test: TestFn, name: string, getStore: () => Promise<TweetStore>) {
  const it = (title: string, body: (t: ExecutionContext, store: TweetStore) => Promise<void>) =>
    test(`${name}: ${title}`, async (t) => body(t, await getStore()));

  it("a created tweet reads back whole, with zero counts and its Snowflake time", async (t, store) => {
    const author = newUser();
    const d = draft(author, "😀 hi #Chirp @alice");
    const { tweet, created } = await store.createTweet(d);
    t.true(created);
    const got = (await store.getTweets([d.tweetId])).get(d.tweetId)!;
    for (const x of [tweet, got]) {
      t.is(x.tweetId, d.tweetId);
      t.is(x.authorId, author);
      t.is(x.content, "😀 hi #Chirp @alice");
      t.deepEqual(x.mediaUrls, d.mediaUrls);
      t.deepEqual(x.hashtags, ["chirp"]);
      t.deepEqual(x.mentions, ["alice"]);
      t.is(x.replyToTweetId, 0n);
      t.is(x.retweetOfTweetId, 0n);
      t.deepEqual(x.counts, { likes: 0n, retweets: 0n, replies: 0n });
      t.is(x.createdAt.getTime(), Number(d.tweetId >> 22n) + 1735689600000);
    }
    t.is(await store.userTweetCount(author), 1n);
  });

  it("the same idempotency key returns the first tweet, also when retried concurrently", async (t, store) => {
    const author = newUser();
    const first = await store.createTweet(draft(author, "once"), { idempotencyKey: "k-1" });
    const again = await store.createTweet(draft(author, "twice?"), { idempotencyKey: "k-1" });
    t.false(again.created);
    t.is(again.tweet.tweetId, first.tweet.tweetId);
    t.is(again.tweet.content, "once");
    // Another author's key space is separate.
    const other = await store.createTweet(draft(newUser(), "other"), { idempotencyKey: "k-1" });
    t.true(other.created);
    const racers = await Promise.all(Array.from({ length: 10 }, () => store.createTweet(draft(author, "race"), { idempotencyKey: "k-2" })));
    t.is(new Set(racers.map((r) => r.tweet.tweetId)).size, 1);
    t.is(racers.filter((r) => r.created).length, 1);
    t.is(await store.userTweetCount(author), 2n);
    t.is((await store.listUserTweets(author, undefined, 10)).tweets.length, 2);
  });

  it("a retried create after the first tweet was deleted is refused, not reposted", async (t, store) => {
    const author = newUser();
    const first = await store.createTweet(draft(author), { idempotencyKey: "gone" });
    await store.deleteTweet(first.tweet.tweetId, author);
    await refused(t, store.createTweet(draft(author), { idempotencyKey: "gone" }), "failed_precondition", /has been deleted/);
  });

  it("getTweets leaves out missing and deleted ids and keeps duplicates harmless", async (t, store) => {
    const author = newUser();
    const a = (await store.createTweet(draft(author))).tweet;
    const b = (await store.createTweet(draft(author))).tweet;
    await store.deleteTweet(b.tweetId, author);
    const got = await store.getTweets([a.tweetId, b.tweetId, 42n, a.tweetId]);
    t.deepEqual([...got.keys()], [a.tweetId]);
    t.is((await store.getTweets([])).size, 0);
  });

  it("replies: the parent must exist, its count grows and shrinks, they list oldest first", async (t, store) => {
    const author = newUser();
    const parent = (await store.createTweet(draft(author, "parent"))).tweet;
    const replies: StoredTweet[] = [];
    for (let i = 0; i < 5; i++) {
      replies.push((await store.createTweet(draft(newUser(), `reply ${i}`, { replyToTweetId: parent.tweetId }))).tweet);
    }
    t.is(replies[0]!.replyToTweetId, parent.tweetId);
    t.is((await store.getTweets([parent.tweetId])).get(parent.tweetId)!.counts.replies, 5n);
    const p1 = await store.listReplies(parent.tweetId, undefined, 2);
    t.deepEqual(p1.tweets.map((r) => r.content), ["reply 0", "reply 1"]);
    t.true(p1.hasMore);
    const p2 = await store.listReplies(parent.tweetId, p1.last, 2);
    const p3 = await store.listReplies(parent.tweetId, p2.last, 2);
    t.deepEqual(p3.tweets.map((r) => r.content), ["reply 4"]);
    t.false(p3.hasMore);
    await store.deleteTweet(replies[2]!.tweetId, replies[2]!.authorId);
    t.is((await store.getTweets([parent.tweetId])).get(parent.tweetId)!.counts.replies, 4n);
    t.deepEqual((await store.listReplies(parent.tweetId, undefined, 10)).tweets.map((r) => r.content), ["reply 0", "reply 1", "reply 3", "reply 4"]);
    await refused(t, store.createTweet(draft(author, "x", { replyToTweetId: 999n })), "not_found", /^reply_to_tweet_id: tweet 999 not found$/);
    await store.deleteTweet(parent.tweetId, author);
    await refused(t, store.createTweet(draft(author, "x", { replyToTweetId: parent.tweetId })), "not_found", /not found/);
    await refused(t, store.listReplies(parent.tweetId, undefined, 10), "not_found", new RegExp(`tweet ${parent.tweetId} not found`));
  });

  it("a failed reply frees its idempotency key for a corrected retry", async (t, store) => {
    const author = newUser();
    await refused(t, store.createTweet(draft(author, "x", { replyToTweetId: 12345n }), { idempotencyKey: "fix-me" }), "not_found", /12345/);
    const parent = (await store.createTweet(draft(author))).tweet;
    const ok = await store.createTweet(draft(author, "x", { replyToTweetId: parent.tweetId }), { idempotencyKey: "fix-me" });
    t.true(ok.created);
  });

  it("delete: author only; gone from reads, lists and counts; deleting again is NOT_FOUND", async (t, store) => {
    const author = newUser();
    const keep = (await store.createTweet(draft(author, "keep"))).tweet;
    const drop = (await store.createTweet(draft(author, "drop"))).tweet;
    await refused(t, store.deleteTweet(drop.tweetId, newUser()), "permission_denied", new RegExp(`only the author can delete tweet ${drop.tweetId}`));
    const deleted = await store.deleteTweet(drop.tweetId, author);
    t.deepEqual(deleted, { tweetId: drop.tweetId, authorId: author, retweetOfTweetId: 0n, replyToTweetId: 0n });
    t.false((await store.getTweets([drop.tweetId])).has(drop.tweetId));
    t.deepEqual((await store.listUserTweets(author, undefined, 10)).tweets.map((x) => x.tweetId), [keep.tweetId]);
    t.is(await store.userTweetCount(author), 1n);
    const nobody = newUser();
    t.deepEqual(await store.userTweetCounts([author, nobody]), new Map([[author, 1n], [nobody, 0n]]));
    await refused(t, store.deleteTweet(drop.tweetId, author), "not_found", new RegExp(`^tweet ${drop.tweetId} not found$`));
    await refused(t, store.deleteTweet(77n, author), "not_found", /^tweet 77 not found$/);
  });

  it("concurrent deletes of one tweet: one succeeds, counts move once", async (t, store) => {
    const author = newUser();
    const parent = (await store.createTweet(draft(newUser()))).tweet;
    const reply = (await store.createTweet(draft(author, "r", { replyToTweetId: parent.tweetId }))).tweet;
    await store.createTweet(draft(author));
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => store.deleteTweet(reply.tweetId, author)));
    t.is(results.filter((r) => r.status === "fulfilled").length, 1);
    for (const r of results) if (r.status === "rejected") t.is((r.reason as DomainError).kind, "not_found");
    t.is(await store.userTweetCount(author), 1n);
    t.is((await store.getTweets([parent.tweetId])).get(parent.tweetId)!.counts.replies, 0n);
  });

  it("50 concurrent likes by distinct users count 50; 50 by one user count 1", async (t, store) => {
    const tweet = (await store.createTweet(draft(newUser()))).tweet;
    const users = Array.from({ length: 50 }, newUser);
    const many = await Promise.all(users.map((u) => store.like(u, tweet.tweetId)));
    t.true(many.every((r) => r.created));
    t.is((await store.getTweets([tweet.tweetId])).get(tweet.tweetId)!.counts.likes, 50n);

    const solo = (await store.createTweet(draft(newUser()))).tweet;
    const fan = newUser();
    const same = await Promise.all(Array.from({ length: 50 }, () => store.like(fan, solo.tweetId)));
    t.is(same.filter((r) => r.created).length, 1);
    t.is((await store.getTweets([solo.tweetId])).get(solo.tweetId)!.counts.likes, 1n);
    t.is((await store.like(fan, solo.tweetId)).likeCount, 1n);
  });

  it("unlike removes once; liking a deleted or missing tweet is NOT_FOUND", async (t, store) => {
    const author = newUser();
    const tweet = (await store.createTweet(draft(author))).tweet;
    const fan = newUser();
    t.deepEqual(await store.unlike(fan, tweet.tweetId), { removed: false, likeCount: 0n, tweetId: tweet.tweetId, authorId: author });
    const liked = await store.like(fan, tweet.tweetId);
    t.deepEqual(liked, { created: true, likeCount: 1n, tweetId: tweet.tweetId, authorId: author });
    const un = await Promise.all(Array.from({ length: 10 }, () => store.unlike(fan, tweet.tweetId)));
    t.is(un.filter((r) => r.removed).length, 1);
    t.is((await store.getTweets([tweet.tweetId])).get(tweet.tweetId)!.counts.likes, 0n);
    t.true((await store.like(fan, tweet.tweetId)).created);
    await store.deleteTweet(tweet.tweetId, author);
    await refused(t, store.like(newUser(), tweet.tweetId), "not_found", new RegExp(`^tweet ${tweet.tweetId} not found$`));
    await refused(t, store.like(newUser(), 31337n), "not_found", /^tweet 31337 not found$/);
  });

  it("retweet: once per user under concurrency, listed on the retweeter's tweets, undone once", async (t, store) => {
    const author = newUser();
    const original = (await store.createTweet(draft(author, "original"))).tweet;
    const fan = newUser();
    const tries = await Promise.all(Array.from({ length: 10 }, () => store.retweet(fan, original.tweetId, ids.next())));
    t.is(tries.filter((r) => r.created).length, 1);
    t.is(new Set(tries.map((r) => r.retweet.tweetId)).size, 1);
    const rt = tries[0]!.retweet;
    t.is(rt.retweetOfTweetId, original.tweetId);
    t.is(rt.authorId, fan);
    t.is(rt.content, "");
    t.is(tries[0]!.originalAuthorId, author);
    t.is((await store.getTweets([original.tweetId])).get(original.tweetId)!.counts.retweets, 1n);
    t.deepEqual((await store.listUserTweets(fan, undefined, 10)).tweets.map((x) => x.tweetId), [rt.tweetId]);
    t.is(await store.userTweetCount(fan), 1n);
    // Retweeting the retweet retweets the original: still the same one.
    t.is((await store.retweet(fan, rt.tweetId, ids.next())).retweet.tweetId, rt.tweetId);
    t.deepEqual(await store.viewerStates(fan, [original.tweetId, 5n]), new Map([[original.tweetId, { liked: false, retweeted: true }], [5n, { liked: false, retweeted: false }]]));

    const undone = await Promise.all(Array.from({ length: 5 }, () => store.undoRetweet(fan, original.tweetId)));
    t.is(undone.filter((r) => r.removed).length, 1);
    t.deepEqual(undone.find((r) => r.removed)!.deleted, { tweetId: rt.tweetId, authorId: fan, retweetOfTweetId: original.tweetId, replyToTweetId: 0n });
    t.is((await store.getTweets([original.tweetId])).get(original.tweetId)!.counts.retweets, 0n);
    t.deepEqual((await store.listUserTweets(fan, undefined, 10)).tweets, []);
    t.is(await store.userTweetCount(fan), 0n);
    t.false((await store.getTweets([rt.tweetId])).has(rt.tweetId));
  });

  it("deleting a retweet as a tweet frees the claim: the user can retweet again", async (t, store) => {
    const original = (await store.createTweet(draft(newUser()))).tweet;
    const fan = newUser();
    const first = await store.retweet(fan, original.tweetId, ids.next());
    const d = await store.deleteTweet(first.retweet.tweetId, fan);
    t.is(d.retweetOfTweetId, original.tweetId);
    t.is((await store.getTweets([original.tweetId])).get(original.tweetId)!.counts.retweets, 0n);
    t.false((await store.viewerStates(fan, [original.tweetId])).get(original.tweetId)!.retweeted);
    t.deepEqual(await store.undoRetweet(fan, original.tweetId), { removed: false });
    const second = await store.retweet(fan, original.tweetId, ids.next());
    t.true(second.created);
    t.not(second.retweet.tweetId, first.retweet.tweetId);
    t.is((await store.getTweets([original.tweetId])).get(original.tweetId)!.counts.retweets, 1n);
    await refused(t, store.retweet(fan, 4242n, ids.next()), "not_found", /^tweet 4242 not found$/);
  });

  it("likes on a retweet go to the original; viewer states report likes and retweets", async (t, store) => {
    const original = (await store.createTweet(draft(newUser()))).tweet;
    const other = (await store.createTweet(draft(newUser()))).tweet;
    const rt = (await store.retweet(newUser(), original.tweetId, ids.next())).retweet;
    const viewer = newUser();
    const r = await store.like(viewer, rt.tweetId);
    t.is(r.tweetId, original.tweetId);
    t.is((await store.getTweets([original.tweetId])).get(original.tweetId)!.counts.likes, 1n);
    const states = await store.viewerStates(viewer, [other.tweetId, original.tweetId]);
    t.deepEqual([...states.entries()], [
      [other.tweetId, { liked: false, retweeted: false }],
      [original.tweetId, { liked: true, retweeted: false }],
    ]);
  });

  it("paging 10,000 tweets of one author across many buckets returns each once, newest first", async (t, store) => {
    const author = newUser();
    // 250 non-empty buckets with gaps between them (weeks without tweets), all
    // after this week: a first page also reads this week's bucket before the
    // index answers, and rows found there would count against the page's reads.
    const first = bucketAt(Date.now()) + 1;
    const made: bigint[] = [];
    for (let b = 0; b < 250; b++) {
      const bucket = first + 3 * b + (b % 2);
      for (let k = 0; k < 40; k++) made.push(bucketFloor(bucket) + (BigInt(k * 997 + 1) << 22n) + BigInt(b % 7));
    }
    await pool(made, 64, (id) => store.createTweet({ ...draft(author, "p"), tweetId: id }));
    t.is(await store.userTweetCount(author), 10_000n);
    const expected = [...made].sort((a, b) => (a < b ? 1 : -1));
    t.deepEqual(await allPages(store, author, 97, t), expected);
    // The same through default-sized pages, from a cursor in the middle of a bucket.
    const middle = expected[5_010]!;
    const rest = await store.listUserTweets(author, middle, 20);
    t.deepEqual(rest.tweets.map((x) => x.tweetId), expected.slice(5_011, 5_031));
  });

  it("empty weeks between tweets are skipped without probing them one by one", async (t, store) => {
    const author = newUser();
    const old = bucketFloor(10) + (5n << 22n);
    const recent = bucketFloor(2000) + (5n << 22n);
    await store.createTweet({ ...draft(author), tweetId: old });
    await store.createTweet({ ...draft(author), tweetId: recent });
    t.not(bucketOf(old), bucketOf(recent));
    const queries = store.listStats.queries;
    const page = await store.listUserTweets(author, undefined, 20);
    t.deepEqual(page.tweets.map((x) => x.tweetId), [recent, old]);
    t.false(page.hasMore);
    // Cassandra: one bucket-index read, one read per non-empty bucket and one
    // read of this week's bucket, made before the index answers.
    t.true(store.listStats.queries - queries <= 4, `${store.listStats.queries - queries} queries`);
    t.deepEqual((await store.listUserTweets(newUser(), undefined, 20)).tweets, []);
  });

  it("outbox: events list oldest first, page after an id, and go away when removed", async (t, store) => {
    const prefix = `9${Date.now()}`;
    const e = (n: number) => ({
      eventId: `${prefix}-${String(n).padStart(3, "0")}`,
      subject: "tweet.created",
      msgId: `tweet.created:${n}`,
      payload: new Uint8Array([n, 1, 2]),
      createdAt: new Date(1_700_000_000_000 + n),
      // The request's trace goes along (outbox.ts); events without one stay without.
      ...(n === 2 ? { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" } : {}),
    });
    for (const n of [3, 1, 2]) await store.outbox.put(e(n));
    const mine = (await store.outbox.list(1000)).filter((x) => x.eventId.startsWith(prefix));
    t.deepEqual(mine, [e(1), e(2), e(3)]);
    t.deepEqual(await store.outbox.list(1, e(1).eventId), [e(2)]);
    await store.outbox.remove([e(1).eventId, e(2).eventId]);
    t.deepEqual((await store.outbox.list(1000)).filter((x) => x.eventId.startsWith(prefix)), [e(3)]);
    await store.outbox.remove([e(3).eventId]);
  });
}

// Which entries each event takes out of the hydration cache, and which accounts
// it writes new counts into.
import test from "ava";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FollowedEventSchema } from "../../gen/chirp/graph/v1/events_pb.js";
import { TweetCreatedEventSchema, TweetDeletedEventSchema, TweetRetweetedEventSchema, TweetUnlikedEventSchema } from "../../gen/chirp/tweet/v1/events_pb.js";
import { UserUpdatedEventSchema } from "../../gen/chirp/user/v1/events_pb.js";
import { UserSchema, type User } from "../../gen/chirp/user/v1/user_pb.js";
import { SUBJECTS } from "../platform/bus/streams.js";
import { hydrationCaches } from "../testing/hydration-caches.js";
import { changedBy, invalidateFor, type CountOwners } from "./invalidate.js";
import { MemoryHydrationCache } from "./memory.js";
import type { HydrationCache } from "./port.js";

test("each event names the tweets and accounts whose contents it changes, and the accounts whose counts it changes", (t) => {
  const reply = toBinary(TweetCreatedEventSchema, create(TweetCreatedEventSchema, { tweet: { tweetId: 10n, authorId: 1n, replyToTweetId: 7n } }));
  t.deepEqual(changedBy(SUBJECTS.tweetCreated, reply), { tweets: [7n], users: [], tweetCounts: [1n], followCounts: [] });
  const deleted = toBinary(TweetDeletedEventSchema, create(TweetDeletedEventSchema, { tweetId: 11n, authorId: 2n, retweetOfTweetId: 8n }));
  t.deepEqual(changedBy(SUBJECTS.tweetDeleted, deleted), { tweets: [11n, 8n], users: [], tweetCounts: [2n], followCounts: [] });
  const unliked = toBinary(TweetUnlikedEventSchema, create(TweetUnlikedEventSchema, { tweetId: 12n, authorId: 3n, userId: 4n }));
  t.deepEqual(changedBy(SUBJECTS.tweetUnliked, unliked), { tweets: [12n], users: [], tweetCounts: [], followCounts: [] });
  const retweeted = toBinary(TweetRetweetedEventSchema, create(TweetRetweetedEventSchema, { retweet: { tweetId: 13n, authorId: 5n, retweetOfTweetId: 9n } }));
  t.deepEqual(changedBy(SUBJECTS.tweetRetweeted, retweeted), { tweets: [9n], users: [], tweetCounts: [5n], followCounts: [] });
  const followed = toBinary(FollowedEventSchema, create(FollowedEventSchema, { followerId: 1n, followeeId: 2n }));
  t.deepEqual(changedBy(SUBJECTS.graphFollowed, followed), { tweets: [], users: [], tweetCounts: [], followCounts: [1n, 2n] });
  const updated = toBinary(UserUpdatedEventSchema, create(UserUpdatedEventSchema, { user: { userId: 6n } }));
  t.deepEqual(changedBy(SUBJECTS.userUpdated, updated), { tweets: [], users: [6n], tweetCounts: [], followCounts: [] });
  t.deepEqual(changedBy("fanout.batch", new Uint8Array()), { tweets: [], users: [], tweetCounts: [], followCounts: [] });
});

test("an event delivered twice leaves the cache as one delivery does", async (t) => {
  const once = new MemoryHydrationCache({ ttlMs: 60_000, maxEntries: 100 });
  const twice = new MemoryHydrationCache({ ttlMs: 60_000, maxEntries: 100 });
  for (const c of [once, twice]) await c.fill("user", [[6n, new Uint8Array([1]), 0], [7n, new Uint8Array([2]), 0]]);
  const msg = { subject: SUBJECTS.userUpdated, data: toBinary(UserUpdatedEventSchema, create(UserUpdatedEventSchema, { user: { userId: 6n } })) };
  await invalidateFor(once, msg, owners(0n));
  await invalidateFor(twice, msg, owners(0n));
  await invalidateFor(twice, msg, owners(0n));
  const [a, b] = [await once.read("user", [6n, 7n]), await twice.read("user", [6n, 7n])];
  t.deepEqual([...a.hits.keys()], [7n]);
  t.deepEqual([...b.hits.keys()], [...a.hits.keys()]);
  t.deepEqual([...b.misses.keys()], [...a.misses.keys()]);
});

// Counts written in place, against each adapter.
const caches = hydrationCaches("inv");

const account = (userId: bigint, tweetCount: bigint): User => create(UserSchema, { userId, username: `u${userId}`, displayName: "Ann", bio: "hi", tweetCount, followerCount: 3n });
const posted = (authorId: bigint) => ({ subject: SUBJECTS.tweetCreated, data: toBinary(TweetCreatedEventSchema, create(TweetCreatedEventSchema, { tweet: { tweetId: 99n, authorId } })) });
/** Owners answering `tweets` tweets and 4 followers, 5 followed, for everyone; the calls by kind. */
function owners(tweets: bigint, before: () => Promise<void> = async () => {}) {
  const asked: string[] = [];
  const o: CountOwners = {
    tweets: async (ids) => (asked.push("tweets"), await before(), new Map(ids.map((id) => [id, tweets]))),
    follows: async (ids) => (asked.push("follows"), await before(), new Map(ids.map((id) => [id, { followers: 4n, following: 5n }]))),
  };
  return Object.assign(o, { asked });
}
const followed = (followerId: bigint, followeeId: bigint) => ({ subject: SUBJECTS.graphFollowed, data: toBinary(FollowedEventSchema, create(FollowedEventSchema, { followerId, followeeId })) });
const shown = async (cache: HydrationCache, id: bigint) => {
  const r = await cache.read("user", [id]);
  const v = r.hits.get(id);
  return v ? fromBinary(UserSchema, v) : undefined;
};

for (const [name, open] of caches) {
  test(`${name}: a post writes its author's tweet count, a follow both accounts' follow counts, into the cached accounts, which stay hits, delivered once or twice`, async (t) => {
    const cache = await open();
    t.teardown(() => cache.close());
    await cache.fill("user", [1n, 2n].map((id) => [id, toBinary(UserSchema, account(id, 10n)), 0] as const));
    const o = owners(11n);
    await invalidateFor(cache, posted(1n), o);
    await invalidateFor(cache, posted(1n), o);
    t.deepEqual(o.asked, ["tweets", "tweets"], "a post asks the tweet service only");
    const u = await shown(cache, 1n);
    t.truthy(u, "still cached: no reader reads the author through");
    t.like(u!, { tweetCount: 11n, followerCount: 3n, followingCount: 0n, displayName: "Ann", bio: "hi" });

    const f = owners(99n);
    await invalidateFor(cache, followed(2n, 1n), f);
    t.deepEqual(f.asked, ["follows"], "a follow asks the graph service only");
    t.like((await shown(cache, 1n))!, { tweetCount: 11n, followerCount: 4n, followingCount: 5n });
    t.like((await shown(cache, 2n))!, { tweetCount: 10n, followerCount: 4n, followingCount: 5n });
  });

  test(`${name}: counts that cannot be read, an account not cached, or one changed while its counts were read: invalidated, and a fill from before is refused`, async (t) => {
    const cache = await open();
    t.teardown(() => cache.close());
    await cache.fill("user", [[1n, toBinary(UserSchema, account(1n, 10n)), 0]]);
    await invalidateFor(cache, posted(1n), owners(0n, async () => Promise.reject(new Error("tweet service down"))));
    t.is(await shown(cache, 1n), undefined, "the counts could not be read");

    const before = await cache.read("user", [2n]); // a read-through starts, then the post is counted
    await invalidateFor(cache, posted(2n), owners(1n));
    await cache.fill("user", [[2n, toBinary(UserSchema, account(2n, 0n)), before.misses.get(2n)!]]);
    t.is(await shown(cache, 2n), undefined, "the read-through's old count is not written");

    await cache.fill("user", [[3n, toBinary(UserSchema, account(3n, 10n)), 0]]);
    // A profile change processed while the count was read.
    await invalidateFor(cache, posted(3n), owners(11n, () => cache.invalidate("user", [3n])));
    t.is(await shown(cache, 3n), undefined, "changed since it was peeked: not overwritten, invalidated");
  });
}

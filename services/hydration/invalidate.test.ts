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
import { changedBy, invalidateFor, type UserCounts } from "./invalidate.js";
import { MemoryHydrationCache } from "./memory.js";
import type { HydrationCache } from "./port.js";

test("each event names the tweets and accounts whose contents it changes, and the accounts whose counts it changes", (t) => {
  const reply = toBinary(TweetCreatedEventSchema, create(TweetCreatedEventSchema, { tweet: { tweetId: 10n, authorId: 1n, replyToTweetId: 7n } }));
  t.deepEqual(changedBy(SUBJECTS.tweetCreated, reply), { tweets: [7n], users: [], counts: [1n] });
  const deleted = toBinary(TweetDeletedEventSchema, create(TweetDeletedEventSchema, { tweetId: 11n, authorId: 2n, retweetOfTweetId: 8n }));
  t.deepEqual(changedBy(SUBJECTS.tweetDeleted, deleted), { tweets: [11n, 8n], users: [], counts: [2n] });
  const unliked = toBinary(TweetUnlikedEventSchema, create(TweetUnlikedEventSchema, { tweetId: 12n, authorId: 3n, userId: 4n }));
  t.deepEqual(changedBy(SUBJECTS.tweetUnliked, unliked), { tweets: [12n], users: [], counts: [] });
  const retweeted = toBinary(TweetRetweetedEventSchema, create(TweetRetweetedEventSchema, { retweet: { tweetId: 13n, authorId: 5n, retweetOfTweetId: 9n } }));
  t.deepEqual(changedBy(SUBJECTS.tweetRetweeted, retweeted), { tweets: [9n], users: [], counts: [5n] });
  const followed = toBinary(FollowedEventSchema, create(FollowedEventSchema, { followerId: 1n, followeeId: 2n }));
  t.deepEqual(changedBy(SUBJECTS.graphFollowed, followed), { tweets: [], users: [], counts: [1n, 2n] });
  const updated = toBinary(UserUpdatedEventSchema, create(UserUpdatedEventSchema, { user: { userId: 6n } }));
  t.deepEqual(changedBy(SUBJECTS.userUpdated, updated), { tweets: [], users: [6n], counts: [] });
  t.deepEqual(changedBy("fanout.batch", new Uint8Array()), { tweets: [], users: [], counts: [] });
});

test("an event delivered twice leaves the cache as one delivery does", async (t) => {
  const once = new MemoryHydrationCache({ ttlMs: 60_000, maxEntries: 100 });
  const twice = new MemoryHydrationCache({ ttlMs: 60_000, maxEntries: 100 });
  for (const c of [once, twice]) await c.fill("user", [[6n, new Uint8Array([1]), 0], [7n, new Uint8Array([2]), 0]]);
  const msg = { subject: SUBJECTS.userUpdated, data: toBinary(UserUpdatedEventSchema, create(UserUpdatedEventSchema, { user: { userId: 6n } })) };
  await invalidateFor(once, msg);
  await invalidateFor(twice, msg);
  await invalidateFor(twice, msg);
  const [a, b] = [await once.read("user", [6n, 7n]), await twice.read("user", [6n, 7n])];
  t.deepEqual([...a.hits.keys()], [7n]);
  t.deepEqual([...b.hits.keys()], [...a.hits.keys()]);
  t.deepEqual([...b.misses.keys()], [...a.misses.keys()]);
});

// Counts written in place, against each adapter.
const caches = hydrationCaches("inv");

const account = (userId: bigint, tweetCount: bigint): User => create(UserSchema, { userId, username: `u${userId}`, displayName: "Ann", bio: "hi", tweetCount, followerCount: 3n });
const posted = (authorId: bigint) => ({ subject: SUBJECTS.tweetCreated, data: toBinary(TweetCreatedEventSchema, create(TweetCreatedEventSchema, { tweet: { tweetId: 99n, authorId } })) });
const owners = (tweets: bigint): UserCounts => async (ids) => new Map(ids.map((id) => [id, { followers: 4n, following: 5n, tweets }]));
const shown = async (cache: HydrationCache, id: bigint) => {
  const r = await cache.read("user", [id]);
  const v = r.hits.get(id);
  return v ? fromBinary(UserSchema, v) : undefined;
};

for (const [name, open] of caches) {
  test(`${name}: a post writes its author's counts into the cached account, which stays a hit, profile unchanged, delivered once or twice`, async (t) => {
    const cache = await open();
    t.teardown(() => cache.close());
    await cache.fill("user", [[1n, toBinary(UserSchema, account(1n, 10n)), 0]]);
    await invalidateFor(cache, posted(1n), owners(11n));
    await invalidateFor(cache, posted(1n), owners(11n));
    const u = await shown(cache, 1n);
    t.truthy(u, "still cached: no reader reads the author through");
    t.like(u!, { tweetCount: 11n, followerCount: 4n, followingCount: 5n, displayName: "Ann", bio: "hi" });
  });

  test(`${name}: counts that cannot be read, an account not cached, or one changed while its counts were read: invalidated, and a fill from before is refused`, async (t) => {
    const cache = await open();
    t.teardown(() => cache.close());
    await cache.fill("user", [[1n, toBinary(UserSchema, account(1n, 10n)), 0]]);
    await invalidateFor(cache, posted(1n), async () => Promise.reject(new Error("graph down")));
    t.is(await shown(cache, 1n), undefined, "the counts could not be read");

    const before = await cache.read("user", [2n]); // a read-through starts, then the post is counted
    await invalidateFor(cache, posted(2n), owners(1n));
    await cache.fill("user", [[2n, toBinary(UserSchema, account(2n, 0n)), before.misses.get(2n)!]]);
    t.is(await shown(cache, 2n), undefined, "the read-through's old count is not written");

    await cache.fill("user", [[3n, toBinary(UserSchema, account(3n, 10n)), 0]]);
    await invalidateFor(cache, posted(3n), async (ids) => {
      await cache.invalidate("user", [3n]); // a profile change processed meanwhile
      return owners(11n)(ids);
    });
    t.is(await shown(cache, 3n), undefined, "changed since it was peeked: not overwritten, invalidated");
  });
}

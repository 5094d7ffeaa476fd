// Which entries each event takes out of the hydration cache.
import test from "ava";
import { create, toBinary } from "@bufbuild/protobuf";
import { FollowedEventSchema } from "../../gen/chirp/graph/v1/events_pb.js";
import { TweetCreatedEventSchema, TweetDeletedEventSchema, TweetRetweetedEventSchema, TweetUnlikedEventSchema } from "../../gen/chirp/tweet/v1/events_pb.js";
import { UserUpdatedEventSchema } from "../../gen/chirp/user/v1/events_pb.js";
import { SUBJECTS } from "../platform/bus/streams.js";
import { changedBy, invalidateFor } from "./invalidate.js";
import { MemoryHydrationCache } from "./memory.js";

test("each event names the tweets and accounts whose shown counts or contents it changes", (t) => {
  const reply = toBinary(TweetCreatedEventSchema, create(TweetCreatedEventSchema, { tweet: { tweetId: 10n, authorId: 1n, replyToTweetId: 7n } }));
  t.deepEqual(changedBy(SUBJECTS.tweetCreated, reply), { tweets: [7n], users: [1n] });
  const deleted = toBinary(TweetDeletedEventSchema, create(TweetDeletedEventSchema, { tweetId: 11n, authorId: 2n, retweetOfTweetId: 8n }));
  t.deepEqual(changedBy(SUBJECTS.tweetDeleted, deleted), { tweets: [11n, 8n], users: [2n] });
  const unliked = toBinary(TweetUnlikedEventSchema, create(TweetUnlikedEventSchema, { tweetId: 12n, authorId: 3n, userId: 4n }));
  t.deepEqual(changedBy(SUBJECTS.tweetUnliked, unliked), { tweets: [12n], users: [] });
  const retweeted = toBinary(TweetRetweetedEventSchema, create(TweetRetweetedEventSchema, { retweet: { tweetId: 13n, authorId: 5n, retweetOfTweetId: 9n } }));
  t.deepEqual(changedBy(SUBJECTS.tweetRetweeted, retweeted), { tweets: [9n], users: [5n] });
  const followed = toBinary(FollowedEventSchema, create(FollowedEventSchema, { followerId: 1n, followeeId: 2n }));
  t.deepEqual(changedBy(SUBJECTS.graphFollowed, followed), { tweets: [], users: [1n, 2n] });
  const updated = toBinary(UserUpdatedEventSchema, create(UserUpdatedEventSchema, { user: { userId: 6n } }));
  t.deepEqual(changedBy(SUBJECTS.userUpdated, updated), { tweets: [], users: [6n] });
  t.deepEqual(changedBy("fanout.batch", new Uint8Array()), { tweets: [], users: [] });
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

import test from "ava";
import { create, equals, toBinary } from "@bufbuild/protobuf";
import { HydratedTweetSchema } from "../../gen/chirp/timeline/v1/timeline_pb.js";
import { TweetSchema, type Tweet } from "../../gen/chirp/tweet/v1/tweet_pb.js";
import { UserSchema, type User } from "../../gen/chirp/user/v1/user_pb.js";
import { hydrate, type HydrateDeps } from "./hydrate.js";
import type { States } from "./viewer-states.js";

const tweet = (tweetId: bigint, authorId: bigint, retweetOfTweetId = 0n) => create(TweetSchema, { tweetId, authorId, retweetOfTweetId, content: `t${tweetId}` });
const user = (userId: bigint) => create(UserSchema, { userId, username: `u${userId}` });

function deps(tweets: Tweet[], users: User[], states: States): HydrateDeps {
  const pick = <V>(all: Map<bigint, V>) => async (ids: readonly bigint[]) => new Map(ids.flatMap((id) => (all.has(id) ? [[id, all.get(id)!] as const] : [])));
  return {
    tweets: pick(new Map(tweets.map((t) => [t.tweetId, t]))),
    users: pick(new Map(users.map((u) => [u.userId, u]))),
    states: async (_viewer, _version, ids) => new Map(ids.flatMap((id) => (states.has(id) ? [[id, states.get(id)!] as const] : []))),
    statesCached: false,
  };
}

test("a page hydrates in order, as messages equal to create()'s: retweets carry their original, deleted tweets and gone authors drop out", async (t) => {
  const d = deps([tweet(1n, 10n), tweet(2n, 11n, 1n), tweet(4n, 99n)], [user(10n), user(11n)], new Map([[1n, { liked: true, retweeted: false }]]));
  const { tweets, missing } = await hydrate(d, { id: 7n }, [2n, 3n, 1n, 4n]);
  t.deepEqual(missing, [3n]);
  const expected = [
    create(HydratedTweetSchema, {
      tweet: tweet(2n, 11n, 1n),
      author: user(11n),
      retweetedTweet: create(HydratedTweetSchema, { tweet: tweet(1n, 10n), author: user(10n), liked: true }),
    }),
    create(HydratedTweetSchema, { tweet: tweet(1n, 10n), author: user(10n), liked: true }),
  ];
  t.is(tweets.length, 2, "tweet 4's author is gone");
  tweets.forEach((h, i) => {
    t.true(equals(HydratedTweetSchema, h, expected[i]!));
    t.deepEqual(toBinary(HydratedTweetSchema, h), toBinary(HydratedTweetSchema, expected[i]!));
    t.deepEqual(Object.keys(h).sort(), Object.keys(expected[i]!).sort());
  });
});

// tweet.created, tweet.retweeted and tweet.deleted. A retweet is a tweet of
// the retweeter's with retweet_of_tweet_id set and travels exactly like one
// (its own id goes into timelines; hydration attaches the original). The tweet
// service announces retweets on tweet.retweeted; should it also send them as
// tweet.created, the shared progress key and job msgIds make that a no-op.
import { fromBinary } from "@bufbuild/protobuf";
import { TweetCreatedEventSchema, TweetDeletedEventSchema, TweetRetweetedEventSchema } from "../../../gen/chirp/tweet/v1/events_pb.js";
import type { Tweet } from "../../../gen/chirp/tweet/v1/tweet_pb.js";
import type { BusMessage } from "../../platform/bus/port.js";
import type { TimelineContext } from "../context.js";
import { publishLive, type LiveEvent } from "../live.js";
import { writeTimelines } from "./batch.js";
import { isLargeAccount } from "./large.js";
import type { FanoutPlanner } from "./plan.js";

export async function handleTweetCreated(ctx: TimelineContext, msg: BusMessage, planner: FanoutPlanner): Promise<void> {
  await fanOutTweet(ctx, planner, msg, fromBinary(TweetCreatedEventSchema, msg.data).tweet);
}

export async function handleTweetRetweeted(ctx: TimelineContext, msg: BusMessage, planner: FanoutPlanner): Promise<void> {
  await fanOutTweet(ctx, planner, msg, fromBinary(TweetRetweetedEventSchema, msg.data).retweet);
}

async function fanOutTweet(ctx: TimelineContext, planner: FanoutPlanner, msg: BusMessage, tweet: Tweet | undefined): Promise<void> {
  if (!tweet || tweet.tweetId <= 0n || tweet.authorId <= 0n) {
    ctx.logger.error({ msgId: msg.msgId, subject: msg.subject }, "event without a tweet: ignored");
    return;
  }
  // The author's own home timeline shows their tweet too, whatever their size.
  await toAuthor(ctx, tweet.authorId, { kind: "tweet", tweetId: tweet.tweetId, authorId: tweet.authorId });
  if (await isLargeAccount(ctx, tweet.authorId)) return;
  await planner.plan("add", tweet.tweetId, tweet.authorId);
}

export async function handleTweetDeleted(ctx: TimelineContext, msg: BusMessage, planner: FanoutPlanner): Promise<void> {
  const ev = fromBinary(TweetDeletedEventSchema, msg.data);
  if (ev.tweetId <= 0n || ev.authorId <= 0n) {
    ctx.logger.error({ msgId: msg.msgId }, "tweet.deleted without ids: ignored");
    return;
  }
  await toAuthor(ctx, ev.authorId, { kind: "deleted", tweetId: ev.tweetId });
  // A large account's tweets were never copied into followers' timelines
  // (those from before it grew are dropped by readers when hydration misses them).
  if (await ctx.store.isLargeAccount(ev.authorId)) return;
  await planner.plan("remove", ev.tweetId, ev.authorId);
}

async function toAuthor(ctx: TimelineContext, authorId: bigint, e: LiveEvent): Promise<void> {
  const [, online] = await Promise.all([writeTimelines(ctx, e.kind === "tweet" ? "add" : "remove", [authorId], e.tweetId, "author"), ctx.store.online([authorId])]);
  publishLive(ctx.bus, online, e);
}

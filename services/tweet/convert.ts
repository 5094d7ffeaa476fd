// Store rows to API messages.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { TweetSchema, type Tweet } from "../../gen/chirp/tweet/v1/tweet_pb.js";
import type { StoredTweet } from "./store/port.js";

export function toTweetProto(t: StoredTweet): Tweet {
  return create(TweetSchema, {
    tweetId: t.tweetId,
    authorId: t.authorId,
    content: t.content,
    mediaUrls: t.mediaUrls,
    replyToTweetId: t.replyToTweetId,
    retweetOfTweetId: t.retweetOfTweetId,
    createdAt: timestampFromDate(t.createdAt),
    likeCount: t.counts.likes,
    retweetCount: t.counts.retweets,
    replyCount: t.counts.replies,
    hashtags: t.hashtags,
    mentions: t.mentions,
  });
}

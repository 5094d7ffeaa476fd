// The events this service emits (contracts in proto/chirp/tweet/v1/events.proto),
// each with the message id the proto prescribes, so a re-publish is a duplicate.
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  TweetCreatedEventSchema,
  TweetDeletedEventSchema,
  TweetLikedEventSchema,
  TweetRetweetedEventSchema,
  TweetUnlikedEventSchema,
} from "../../gen/chirp/tweet/v1/events_pb.js";
import { SUBJECTS } from "../platform/bus/streams.js";
import { toTweetProto } from "./convert.js";
import type { OutgoingEvent } from "./outbox.js";
import type { DeletedTweet, StoredTweet } from "./store/port.js";

export function tweetCreated(tweet: StoredTweet): OutgoingEvent {
  return {
    subject: SUBJECTS.tweetCreated,
    msgId: `tweet.created:${tweet.tweetId}`,
    payload: toBinary(TweetCreatedEventSchema, create(TweetCreatedEventSchema, { tweet: toTweetProto(tweet) })),
  };
}

export function tweetDeleted(d: DeletedTweet, at = new Date()): OutgoingEvent {
  return {
    subject: SUBJECTS.tweetDeleted,
    msgId: `tweet.deleted:${d.tweetId}`,
    payload: toBinary(
      TweetDeletedEventSchema,
      create(TweetDeletedEventSchema, {
        tweetId: d.tweetId,
        authorId: d.authorId,
        retweetOfTweetId: d.retweetOfTweetId,
        replyToTweetId: d.replyToTweetId,
        deletedAt: timestampFromDate(at),
      }),
    ),
  };
}

/**
 * `likeId` tells one like from the next by the same user after an unlike, so
 * JetStream's duplicate window keeps only true resends (the outbox relaying
 * an event twice), never a like that really happened again.
 */
export function tweetLiked(tweetId: bigint, authorId: bigint, userId: bigint, likeId: bigint, at = new Date()): OutgoingEvent {
  return {
    subject: SUBJECTS.tweetLiked,
    msgId: `tweet.liked:${tweetId}:${userId}:${likeId}`,
    payload: toBinary(
      TweetLikedEventSchema,
      create(TweetLikedEventSchema, { tweetId, authorId, userId, likedAt: timestampFromDate(at) }),
    ),
  };
}

/** As tweetLiked: `unlikeId` tells this unlike from a later one by the same user. */
export function tweetUnliked(tweetId: bigint, authorId: bigint, userId: bigint, unlikeId: bigint, at = new Date()): OutgoingEvent {
  return {
    subject: SUBJECTS.tweetUnliked,
    msgId: `tweet.unliked:${tweetId}:${userId}:${unlikeId}`,
    payload: toBinary(
      TweetUnlikedEventSchema,
      create(TweetUnlikedEventSchema, { tweetId, authorId, userId, unlikedAt: timestampFromDate(at) }),
    ),
  };
}

export function tweetRetweeted(retweet: StoredTweet, originalAuthorId: bigint): OutgoingEvent {
  return {
    subject: SUBJECTS.tweetRetweeted,
    msgId: `tweet.retweeted:${retweet.tweetId}`,
    payload: toBinary(
      TweetRetweetedEventSchema,
      create(TweetRetweetedEventSchema, { retweet: toTweetProto(retweet), originalAuthorId }),
    ),
  };
}

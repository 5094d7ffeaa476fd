// Keeps the hydration cache current: a durable consumer of the events that
// change what a read shows, invalidating the entries each one changes. Each
// handler only invalidates, so a redelivered event leaves the cache as one
// delivery would.
import { fromBinary } from "@bufbuild/protobuf";
import { FollowedEventSchema, UnfollowedEventSchema } from "../../gen/chirp/graph/v1/events_pb.js";
import {
  TweetCreatedEventSchema,
  TweetDeletedEventSchema,
  TweetLikedEventSchema,
  TweetRetweetedEventSchema,
  TweetUnlikedEventSchema,
} from "../../gen/chirp/tweet/v1/events_pb.js";
import { UserUpdatedEventSchema } from "../../gen/chirp/user/v1/events_pb.js";
import type { Logger } from "../kit/logger.js";
import type { BusMessage, EventBus, Subscription } from "../platform/bus/port.js";
import { SUBJECTS } from "../platform/bus/streams.js";
import type { HydrationCache } from "./port.js";

export const HYDRATION_DURABLE = "hydration-cache";

/** What an event changes: tweet ids and user ids whose entries must go. */
export interface Changed {
  tweets: bigint[];
  users: bigint[];
}

const nonZero = (ids: bigint[]) => ids.filter((id) => id > 0n);

const CHANGES: Record<string, (data: Uint8Array) => Changed> = {
  // A new tweet changes its author's tweet count and its parent's reply count.
  [SUBJECTS.tweetCreated]: (data) => {
    const t = fromBinary(TweetCreatedEventSchema, data).tweet;
    return { tweets: nonZero([t?.replyToTweetId ?? 0n]), users: nonZero([t?.authorId ?? 0n]) };
  },
  [SUBJECTS.tweetDeleted]: (data) => {
    const e = fromBinary(TweetDeletedEventSchema, data);
    return { tweets: nonZero([e.tweetId, e.retweetOfTweetId, e.replyToTweetId]), users: nonZero([e.authorId]) };
  },
  [SUBJECTS.tweetLiked]: (data) => ({ tweets: nonZero([fromBinary(TweetLikedEventSchema, data).tweetId]), users: [] }),
  [SUBJECTS.tweetUnliked]: (data) => ({ tweets: nonZero([fromBinary(TweetUnlikedEventSchema, data).tweetId]), users: [] }),
  [SUBJECTS.tweetRetweeted]: (data) => {
    const r = fromBinary(TweetRetweetedEventSchema, data).retweet;
    return { tweets: nonZero([r?.retweetOfTweetId ?? 0n]), users: nonZero([r?.authorId ?? 0n]) };
  },
  [SUBJECTS.graphFollowed]: (data) => {
    const e = fromBinary(FollowedEventSchema, data);
    return { tweets: [], users: nonZero([e.followerId, e.followeeId]) };
  },
  [SUBJECTS.graphUnfollowed]: (data) => {
    const e = fromBinary(UnfollowedEventSchema, data);
    return { tweets: [], users: nonZero([e.followerId, e.followeeId]) };
  },
  [SUBJECTS.userUpdated]: (data) => ({ tweets: [], users: nonZero([fromBinary(UserUpdatedEventSchema, data).user?.userId ?? 0n]) }),
};

export const INVALIDATING_SUBJECTS = Object.keys(CHANGES);

/** The entries an event changes (none for a subject this cache does not follow). */
export function changedBy(subject: string, data: Uint8Array): Changed {
  return CHANGES[subject]?.(data) ?? { tweets: [], users: [] };
}

export async function invalidateFor(cache: HydrationCache, msg: Pick<BusMessage, "subject" | "data">): Promise<void> {
  const { tweets, users } = changedBy(msg.subject, msg.data);
  await Promise.all([cache.invalidate("tweet", tweets), cache.invalidate("user", users)]);
}

export function startInvalidation(bus: EventBus, cache: HydrationCache, logger: Logger): Promise<Subscription> {
  return bus.consume({
    durable: HYDRATION_DURABLE,
    subjects: INVALIDATING_SUBJECTS,
    // A failure is redelivered by the bus (the cache may be down for a moment).
    handler: async (msg) => {
      try {
        await invalidateFor(cache, msg);
      } catch (err) {
        logger.warn({ err, subject: msg.subject, msgId: msg.msgId }, "hydration cache not invalidated yet; the event comes again");
        throw err;
      }
    },
  });
}

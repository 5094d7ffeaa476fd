// Keeps the hydration cache current: a durable consumer of the events that
// change what a read shows. An event that changes an account's counts (a
// post, a follow) writes the owners' counts into its entry in place, so no
// reader misses it: invalidating it made every process that showed the
// author read the account through after each post. Anything else is
// invalidated. Both are idempotent: a redelivered event leaves the cache as
// one delivery would.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { FollowedEventSchema, UnfollowedEventSchema } from "../../gen/chirp/graph/v1/events_pb.js";
import {
  TweetCreatedEventSchema,
  TweetDeletedEventSchema,
  TweetLikedEventSchema,
  TweetRetweetedEventSchema,
  TweetUnlikedEventSchema,
} from "../../gen/chirp/tweet/v1/events_pb.js";
import { UserUpdatedEventSchema } from "../../gen/chirp/user/v1/events_pb.js";
import { UserSchema } from "../../gen/chirp/user/v1/user_pb.js";
import type { Logger } from "../kit/logger.js";
import type { BusMessage, EventBus, Subscription } from "../platform/bus/port.js";
import { SUBJECTS } from "../platform/bus/streams.js";
import type { HydrationCache } from "./port.js";

export const HYDRATION_DURABLE = "hydration-cache";

/** What an event changes: tweet ids and user ids whose entries must go, and users whose counts changed. */
export interface Changed {
  tweets: bigint[];
  users: bigint[];
  counts: bigint[];
}

/** Follower, following and tweet counts by user, as the graph and tweet services give them now. */
export type UserCounts = (userIds: bigint[]) => Promise<Map<bigint, { followers: bigint; following: bigint; tweets: bigint }>>;

const nonZero = (ids: bigint[]) => ids.filter((id) => id > 0n);
const NONE: Changed = { tweets: [], users: [], counts: [] };

const CHANGES: Record<string, (data: Uint8Array) => Changed> = {
  // A new tweet changes its author's tweet count and its parent's reply count.
  [SUBJECTS.tweetCreated]: (data) => {
    const t = fromBinary(TweetCreatedEventSchema, data).tweet;
    return { tweets: nonZero([t?.replyToTweetId ?? 0n]), users: [], counts: nonZero([t?.authorId ?? 0n]) };
  },
  [SUBJECTS.tweetDeleted]: (data) => {
    const e = fromBinary(TweetDeletedEventSchema, data);
    return { tweets: nonZero([e.tweetId, e.retweetOfTweetId, e.replyToTweetId]), users: [], counts: nonZero([e.authorId]) };
  },
  [SUBJECTS.tweetLiked]: (data) => ({ ...NONE, tweets: nonZero([fromBinary(TweetLikedEventSchema, data).tweetId]) }),
  [SUBJECTS.tweetUnliked]: (data) => ({ ...NONE, tweets: nonZero([fromBinary(TweetUnlikedEventSchema, data).tweetId]) }),
  [SUBJECTS.tweetRetweeted]: (data) => {
    const r = fromBinary(TweetRetweetedEventSchema, data).retweet;
    return { tweets: nonZero([r?.retweetOfTweetId ?? 0n]), users: [], counts: nonZero([r?.authorId ?? 0n]) };
  },
  [SUBJECTS.graphFollowed]: (data) => {
    const e = fromBinary(FollowedEventSchema, data);
    return { tweets: [], users: [], counts: nonZero([e.followerId, e.followeeId]) };
  },
  [SUBJECTS.graphUnfollowed]: (data) => {
    const e = fromBinary(UnfollowedEventSchema, data);
    return { tweets: [], users: [], counts: nonZero([e.followerId, e.followeeId]) };
  },
  [SUBJECTS.userUpdated]: (data) => ({ ...NONE, users: nonZero([fromBinary(UserUpdatedEventSchema, data).user?.userId ?? 0n]) }),
};

export const INVALIDATING_SUBJECTS = Object.keys(CHANGES);

/** The entries an event changes (none for a subject this cache does not follow). */
export function changedBy(subject: string, data: Uint8Array): Changed {
  return CHANGES[subject]?.(data) ?? NONE;
}

/** Applies an event; without `counts`, changed counts invalidate their accounts. */
export async function invalidateFor(cache: HydrationCache, msg: Pick<BusMessage, "subject" | "data">, counts?: UserCounts): Promise<void> {
  const { tweets, users, counts: recount } = changedBy(msg.subject, msg.data);
  await Promise.all([
    cache.invalidate("tweet", tweets),
    cache.invalidate("user", users),
    counts ? refreshCounts(cache, counts, recount) : cache.invalidate("user", recount),
  ]);
}

/**
 * Writes the owners' counts into the accounts' entries, each only if it has
 * not changed since it was peeked (so counts read after the peek are at
 * least as new as the entry). An entry that holds no value, changed meanwhile,
 * or whose counts could not be read is invalidated: a read-through in flight
 * may have read the counts before the change.
 */
export async function refreshCounts(cache: HydrationCache, counts: UserCounts, ids: readonly bigint[]): Promise<void> {
  if (ids.length === 0) return;
  const seen = await cache.peek("user", ids);
  const stale = ids.filter((id) => !seen.has(id));
  const fresh = seen.size > 0 ? await counts([...seen.keys()]).catch(() => undefined) : undefined;
  const values: Array<readonly [bigint, Uint8Array, number]> = [];
  for (const [id, { value, generation }] of seen) {
    const c = fresh?.get(id);
    let user;
    try {
      user = c && fromBinary(UserSchema, value);
    } catch {
      user = undefined; // written by another version: read through again
    }
    if (!c || !user) {
      stale.push(id);
      continue;
    }
    user.followerCount = c.followers;
    user.followingCount = c.following;
    user.tweetCount = c.tweets;
    values.push([id, toBinary(UserSchema, user), generation]);
  }
  const written = await cache.replace("user", values);
  values.forEach(([id], i) => written[i] || stale.push(id));
  await cache.invalidate("user", stale);
}

export function startInvalidation(bus: EventBus, cache: HydrationCache, logger: Logger, counts?: UserCounts): Promise<Subscription> {
  return bus.consume({
    durable: HYDRATION_DURABLE,
    subjects: INVALIDATING_SUBJECTS,
    // A failure is redelivered by the bus (the cache may be down for a moment).
    handler: async (msg) => {
      try {
        await invalidateFor(cache, msg, counts);
      } catch (err) {
        logger.warn({ err, subject: msg.subject, msgId: msg.msgId }, "hydration cache not invalidated yet; the event comes again");
        throw err;
      }
    },
  });
}

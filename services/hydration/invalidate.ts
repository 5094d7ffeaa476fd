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
import { UserSchema, type User } from "../../gen/chirp/user/v1/user_pb.js";
import type { Logger } from "../kit/logger.js";
import type { BusMessage, EventBus, Subscription } from "../platform/bus/port.js";
import { SUBJECTS } from "../platform/bus/streams.js";
import type { HydrationCache } from "./port.js";

export const HYDRATION_DURABLE = "hydration-cache";

/** What an event changes: tweet ids and user ids whose entries must go, and users whose tweet counts or follow counts changed. */
export interface Changed {
  tweets: bigint[];
  users: bigint[];
  tweetCounts: bigint[];
  followCounts: bigint[];
}

/** The counts an account shows, as their owners give them now. */
export interface CountOwners {
  /** Tweet counts by user (the tweet service). */
  tweets(userIds: bigint[]): Promise<Map<bigint, bigint>>;
  /** Follower and following counts by user (the graph service). */
  follows(userIds: bigint[]): Promise<Map<bigint, { followers: bigint; following: bigint }>>;
}

/** Sets what a count owner answered on a decoded account. */
type Patch = (user: User) => void;

const nonZero = (ids: bigint[]) => ids.filter((id) => id > 0n);
const NONE: Changed = { tweets: [], users: [], tweetCounts: [], followCounts: [] };

const CHANGES: Record<string, (data: Uint8Array) => Changed> = {
  // A new tweet changes its author's tweet count and its parent's reply count.
  [SUBJECTS.tweetCreated]: (data) => {
    const t = fromBinary(TweetCreatedEventSchema, data).tweet;
    return { ...NONE, tweets: nonZero([t?.replyToTweetId ?? 0n]), tweetCounts: nonZero([t?.authorId ?? 0n]) };
  },
  [SUBJECTS.tweetDeleted]: (data) => {
    const e = fromBinary(TweetDeletedEventSchema, data);
    return { ...NONE, tweets: nonZero([e.tweetId, e.retweetOfTweetId, e.replyToTweetId]), tweetCounts: nonZero([e.authorId]) };
  },
  [SUBJECTS.tweetLiked]: (data) => ({ ...NONE, tweets: nonZero([fromBinary(TweetLikedEventSchema, data).tweetId]) }),
  [SUBJECTS.tweetUnliked]: (data) => ({ ...NONE, tweets: nonZero([fromBinary(TweetUnlikedEventSchema, data).tweetId]) }),
  [SUBJECTS.tweetRetweeted]: (data) => {
    const r = fromBinary(TweetRetweetedEventSchema, data).retweet;
    return { ...NONE, tweets: nonZero([r?.retweetOfTweetId ?? 0n]), tweetCounts: nonZero([r?.authorId ?? 0n]) };
  },
  [SUBJECTS.graphFollowed]: (data) => {
    const e = fromBinary(FollowedEventSchema, data);
    return { ...NONE, followCounts: nonZero([e.followerId, e.followeeId]) };
  },
  [SUBJECTS.graphUnfollowed]: (data) => {
    const e = fromBinary(UnfollowedEventSchema, data);
    return { ...NONE, followCounts: nonZero([e.followerId, e.followeeId]) };
  },
  [SUBJECTS.userUpdated]: (data) => ({ ...NONE, users: nonZero([fromBinary(UserUpdatedEventSchema, data).user?.userId ?? 0n]) }),
};

export const INVALIDATING_SUBJECTS = Object.keys(CHANGES);

/** The entries an event changes (none for a subject this cache does not follow). */
export function changedBy(subject: string, data: Uint8Array): Changed {
  return CHANGES[subject]?.(data) ?? NONE;
}

export async function invalidateFor(cache: HydrationCache, msg: Pick<BusMessage, "subject" | "data">, owners: CountOwners): Promise<void> {
  const { tweets, users, tweetCounts, followCounts } = changedBy(msg.subject, msg.data);
  await Promise.all([
    cache.invalidate("tweet", tweets),
    cache.invalidate("user", users),
    refreshCounts(cache, tweetCounts, (ids) => tweetCountPatches(owners, ids)),
    refreshCounts(cache, followCounts, (ids) => followCountPatches(owners, ids)),
  ]);
}

async function tweetCountPatches(owners: CountOwners, ids: bigint[]): Promise<Map<bigint, Patch>> {
  const counts = await owners.tweets(ids);
  return new Map([...counts].map(([id, n]) => [id, (u: User) => void (u.tweetCount = n)]));
}

async function followCountPatches(owners: CountOwners, ids: bigint[]): Promise<Map<bigint, Patch>> {
  const counts = await owners.follows(ids);
  return new Map([...counts].map(([id, c]) => [id, (u: User) => void ((u.followerCount = c.followers), (u.followingCount = c.following))]));
}

/**
 * Writes the owners' counts into the accounts' entries, each only if it has
 * not changed since it was peeked (so counts read after the peek are at
 * least as new as the entry). An entry that holds no value, changed meanwhile,
 * or whose counts could not be read is invalidated: a read-through in flight
 * may have read the counts before the change.
 */
async function refreshCounts(cache: HydrationCache, ids: readonly bigint[], read: (ids: bigint[]) => Promise<Map<bigint, Patch>>): Promise<void> {
  if (ids.length === 0) return;
  const seen = await cache.peek("user", ids);
  const stale = ids.filter((id) => !seen.has(id));
  const patches = seen.size > 0 ? await read([...seen.keys()]).catch(() => undefined) : undefined;
  const values: Array<readonly [bigint, Uint8Array, number]> = [];
  for (const [id, { value, generation }] of seen) {
    const patch = patches?.get(id);
    let user;
    try {
      user = patch && fromBinary(UserSchema, value);
    } catch {
      user = undefined; // written by another version: read through again
    }
    if (!patch || !user) {
      stale.push(id);
      continue;
    }
    patch(user);
    values.push([id, toBinary(UserSchema, user), generation]);
  }
  const written = await cache.replace("user", values);
  values.forEach(([id], i) => written[i] || stale.push(id));
  await cache.invalidate("user", stale);
}

export function startInvalidation(bus: EventBus, cache: HydrationCache, logger: Logger, owners: CountOwners): Promise<Subscription> {
  return bus.consume({
    durable: HYDRATION_DURABLE,
    subjects: INVALIDATING_SUBJECTS,
    // A failure is redelivered by the bus (the cache may be down for a moment).
    handler: async (msg) => {
      try {
        await invalidateFor(cache, msg, owners);
      } catch (err) {
        logger.warn({ err, subject: msg.subject, msgId: msg.msgId }, "hydration cache not invalidated yet; the event comes again");
        throw err;
      }
    },
  });
}

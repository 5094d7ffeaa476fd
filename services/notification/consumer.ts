// The notification service's durable consumers: follows, likes, retweets,
// replies and mentions become notifications of the account acted on; undoing
// the action (unfollow, unlike, deleting the retweet or the reply) removes
// them. Nobody is notified of their own actions. Every handler is idempotent
// (a notification is keyed by its source, so a redelivery adds nothing) and
// order-independent (an undo is kept with its time: the action it undid,
// handled later, is skipped).
import { fromBinary } from "@bufbuild/protobuf";
import { timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { FollowedEventSchema, UnfollowedEventSchema } from "../../gen/chirp/graph/v1/events_pb.js";
import {
  TweetCreatedEventSchema,
  TweetDeletedEventSchema,
  TweetLikedEventSchema,
  TweetRetweetedEventSchema,
  TweetUnlikedEventSchema,
} from "../../gen/chirp/tweet/v1/events_pb.js";
import type { Tweet } from "../../gen/chirp/tweet/v1/tweet_pb.js";
import { snowflakeTime } from "../kit/snowflake.js";
import { consumeRouted } from "../platform/bus/consume-routed.js";
import type { EventBus, Subscription } from "../platform/bus/port.js";
import { SUBJECTS } from "../platform/bus/streams.js";
import type { NotificationContext } from "./context.js";
import { groupKey, notificationId, sourceKeys } from "./grouping.js";
import { publishGroup } from "./live.js";
import type { NotificationType } from "./store/port.js";
import { userByUsername } from "../user/by-username.js";

export const DURABLES = { tweets: "notification-tweets", graph: "notification-graph" } as const;

type Handler = (ctx: NotificationContext, data: Uint8Array) => Promise<void>;

const when = (ts: Timestamp | undefined) => (ts ? timestampMs(ts) : Date.now());

/**
 * Adds one notification (unless the actor is the recipient) and tells the
 * live stream. One about a tweet is recorded under it first, then the
 * tweet's deletion mark is read (a deletion marks, then reads what is
 * recorded): whichever runs second sees the other, so a deleted tweet keeps
 * no notification.
 */
export async function notify(
  ctx: NotificationContext,
  n: { recipientId: bigint; actorId: bigint; type: NotificationType; sourceKey: string; tweetId: bigint; at: number },
): Promise<void> {
  if (n.recipientId === n.actorId || n.recipientId === 0n || n.actorId === 0n) return;
  if (n.tweetId !== 0n) {
    await ctx.store.recordSources(n.tweetId, [{ userId: n.recipientId, sourceKey: n.sourceKey }]);
    if (await ctx.store.tweetDeleted(n.tweetId)) return;
  }
  const id = notificationId(n.at, n.recipientId, n.sourceKey);
  const key = groupKey(n.type, n.tweetId, n.at, id, ctx.config.groupWindowMs);
  const { added } = await ctx.store.add(n.recipientId, { id, type: n.type, sourceKey: n.sourceKey, groupKey: key, actorId: n.actorId, tweetId: n.tweetId, at: n.at });
  ctx.metrics.changes.inc({ type: n.type, change: added ? "added" : "duplicate" });
  if (added) await publishGroup(ctx, n.recipientId, "notification", { groupKey: key, type: n.type, tweetId: n.tweetId, notificationId: id });
}

/** Undoes a source as of `at` (the undo's event time: a like handled after its unlike stays undone). */
export async function unnotify(ctx: NotificationContext, recipientId: bigint, sourceKey: string, at: number): Promise<void> {
  const { removed } = await ctx.store.remove(recipientId, sourceKey, at);
  if (!removed) return;
  ctx.metrics.changes.inc({ type: removed.type, change: "removed" });
  await publishGroup(ctx, recipientId, "notification.removed", { ...removed, notificationId: removed.id });
}

/** The account of each @username (at most maxMentions), through the user service; unknown names are skipped. */
async function resolveMentions(ctx: NotificationContext, usernames: readonly string[]): Promise<bigint[]> {
  const names = [...new Set(usernames.map((u) => u.toLowerCase()))].slice(0, ctx.config.maxMentions);
  const found = await Promise.all(names.map(async (username) => (await userByUsername(ctx.clients, username))?.userId));
  return found.filter((id): id is bigint => id !== undefined);
}

/** A reply notifies the replied-to author; each @mention its account (a reply's author once, as the reply). */
export async function tweetCreated(ctx: NotificationContext, t: Tweet): Promise<void> {
  if (t.retweetOfTweetId !== 0n) return; // tweet.retweeted carries it
  const at = t.createdAt ? timestampMs(t.createdAt) : snowflakeTime(t.tweetId);
  const entries: Array<{ userId: bigint; sourceKey: string; type: NotificationType }> = [];
  if (t.replyToTweetId !== 0n) {
    const parent = (await ctx.tweets([t.replyToTweetId])).get(t.replyToTweetId);
    if (parent && parent.authorId !== t.authorId) entries.push({ userId: parent.authorId, sourceKey: sourceKeys.reply(t.tweetId), type: "reply" });
  }
  if (t.mentions.length) {
    for (const userId of await resolveMentions(ctx, t.mentions)) {
      if (userId === t.authorId || entries.some((e) => e.userId === userId)) continue;
      entries.push({ userId, sourceKey: sourceKeys.mention(t.tweetId), type: "mention" });
    }
  }
  for (const e of entries) await notify(ctx, { recipientId: e.userId, actorId: t.authorId, type: e.type, sourceKey: e.sourceKey, tweetId: t.tweetId, at });
}

const HANDLERS: Record<string, Handler> = {
  [SUBJECTS.graphFollowed]: async (ctx, data) => {
    const e = fromBinary(FollowedEventSchema, data);
    await notify(ctx, { recipientId: e.followeeId, actorId: e.followerId, type: "follow", sourceKey: sourceKeys.follow(e.followerId), tweetId: 0n, at: when(e.createdAt) });
  },
  [SUBJECTS.graphUnfollowed]: async (ctx, data) => {
    const e = fromBinary(UnfollowedEventSchema, data);
    await unnotify(ctx, e.followeeId, sourceKeys.follow(e.followerId), when(e.removedAt));
  },
  [SUBJECTS.tweetLiked]: async (ctx, data) => {
    const e = fromBinary(TweetLikedEventSchema, data);
    await notify(ctx, { recipientId: e.authorId, actorId: e.userId, type: "like", sourceKey: sourceKeys.like(e.tweetId, e.userId), tweetId: e.tweetId, at: when(e.likedAt) });
  },
  [SUBJECTS.tweetUnliked]: async (ctx, data) => {
    const e = fromBinary(TweetUnlikedEventSchema, data);
    if (e.authorId === e.userId) return; // never notified
    await unnotify(ctx, e.authorId, sourceKeys.like(e.tweetId, e.userId), when(e.unlikedAt));
  },
  [SUBJECTS.tweetRetweeted]: async (ctx, data) => {
    const e = fromBinary(TweetRetweetedEventSchema, data);
    const r = e.retweet;
    if (!r || r.retweetOfTweetId === 0n || e.originalAuthorId === r.authorId) return;
    const sourceKey = sourceKeys.retweet(r.retweetOfTweetId, r.authorId);
    // Undoing a retweet deletes the retweet: its deletion finds this (and the original's finds it through notify).
    await ctx.store.recordSources(r.tweetId, [{ userId: e.originalAuthorId, sourceKey }]);
    if (await ctx.store.tweetDeleted(r.tweetId)) return;
    const at = r.createdAt ? timestampMs(r.createdAt) : snowflakeTime(r.tweetId);
    await notify(ctx, { recipientId: e.originalAuthorId, actorId: r.authorId, type: "retweet", sourceKey, tweetId: r.retweetOfTweetId, at });
  },
  [SUBJECTS.tweetCreated]: async (ctx, data) => {
    const t = fromBinary(TweetCreatedEventSchema, data).tweet;
    if (t) await tweetCreated(ctx, t);
  },
  [SUBJECTS.tweetDeleted]: async (ctx, data) => {
    const e = fromBinary(TweetDeletedEventSchema, data);
    await ctx.store.markTweetDeleted(e.tweetId);
    const at = when(e.deletedAt);
    for (const s of (await ctx.store.sources(e.tweetId)).entries) await unnotify(ctx, s.userId, s.sourceKey, at);
  },
};

export async function startNotificationConsumer(ctx: NotificationContext, bus: EventBus): Promise<Subscription> {
  return consumeRouted(bus, {
    ctx,
    logger: ctx.logger,
    events: ctx.metrics.events,
    handlers: HANDLERS,
    consumers: [
      { durable: DURABLES.tweets, subjects: [SUBJECTS.tweetCreated, SUBJECTS.tweetDeleted, SUBJECTS.tweetLiked, SUBJECTS.tweetUnliked, SUBJECTS.tweetRetweeted] },
      { durable: DURABLES.graph, subjects: [SUBJECTS.graphFollowed, SUBJECTS.graphUnfollowed] },
    ],
  });
}

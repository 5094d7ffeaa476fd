// Which notifications share a group, as Mastodon 4.3 groups them: likes,
// retweets and follows of the same target within one window (fixed windows
// of the event time, so every replica and every redelivery agrees); a reply
// or a mention stands alone as "ungrouped-<id>".
import { createHash } from "node:crypto";
import { snowflakeFloor } from "../kit/snowflake.js";
import type { NotificationType } from "./store/port.js";

export const GROUPED: ReadonlySet<NotificationType> = new Set(["like", "retweet", "follow"]);

/** Mastodon shows at most this many accounts per group. */
export { SAMPLES as SAMPLE_ACCOUNTS } from "./store/port.js";

export function groupKey(type: NotificationType, tweetId: bigint, at: number, id: bigint, windowMs: number): string {
  if (!GROUPED.has(type)) return `ungrouped-${id}`;
  const window = Math.floor(at / windowMs);
  return type === "follow" ? `follow-${window}` : `${type}-${tweetId}-${window}`;
}

/** What undoes a notification: one live notification per source and recipient. */
export const sourceKeys = {
  follow: (actorId: bigint) => `follow:${actorId}`,
  like: (tweetId: bigint, actorId: bigint) => `like:${tweetId}:${actorId}`,
  retweet: (tweetId: bigint, actorId: bigint) => `retweet:${tweetId}:${actorId}`,
  reply: (replyId: bigint) => `reply:${replyId}`,
  mention: (tweetId: bigint) => `mention:${tweetId}`,
};

/**
 * A notification's id: a Snowflake of the event's time whose worker and
 * sequence bits are a hash of the recipient and source. The same event gives
 * the same id on every delivery and every replica, so the service mints no
 * worker ids (its replicas are a Deployment); two notifications of one user
 * collide only in the same millisecond and with the same 22-bit hash.
 */
export function notificationId(at: number, recipientId: bigint, sourceKey: string): bigint {
  const h = createHash("sha256").update(`${recipientId}/${sourceKey}`).digest().readUInt32BE(0) & 0x3fffff;
  return snowflakeFloor(at) | BigInt(h);
}

// The notification store: raw notifications per recipient, each in one group
// (a like group, or a reply alone), with one head per group (its newest
// notification, carrying the group's count and newest accounts) so a page of
// groups reads only heads, and a read marker with an exact unread count kept
// beside it so reading the count is one row.
export type NotificationType = "follow" | "like" | "retweet" | "reply" | "mention";
export const NOTIFICATION_TYPES: readonly NotificationType[] = ["follow", "like", "retweet", "reply", "mention"];

export interface NewNotification {
  /** Snowflake; orders notifications and picks the month partition. */
  id: bigint;
  type: NotificationType;
  /** What undoes it ("like:<tweet>:<actor>"): one live notification per key and recipient. */
  sourceKey: string;
  groupKey: string;
  actorId: bigint;
  /** The tweet liked or retweeted, or the reply or mention itself; 0 for a follow. */
  tweetId: bigint;
  /** When it happened (ms). */
  at: number;
}

/** A group's newest notification, as a page lists it, with the group's count and newest accounts. */
export interface Head {
  id: bigint;
  groupKey: string;
  type: NotificationType;
  tweetId: bigint;
  at: number;
  count: number;
  /** Newest first, at most SAMPLES. */
  sampleActorIds: bigint[];
}

/** Accounts a head keeps (Mastodon shows 8). */
export const SAMPLES = 8;

export interface GroupSummary {
  count: number;
  /** Newest first. */
  sampleActorIds: bigint[];
  latestId: bigint;
  latestAt: number;
}

export interface HeadPage {
  heads: Head[];
  /** Set when more heads lie below the last one. */
  hasMore: boolean;
}

export interface Unread {
  count: number;
  lastReadId: bigint;
}

export interface AddResult {
  /** False: a notification with this source key was already there (a redelivery). */
  added: boolean;
}

export interface RemoveResult {
  /** The notification removed, if one was there. */
  removed?: { id: bigint; groupKey: string; type: NotificationType; tweetId: bigint } | undefined;
}

export interface TweetSources {
  entries: Array<{ userId: bigint; sourceKey: string }>;
  /** markTweetDeleted was called. */
  deleted: boolean;
}

export interface NotificationStore {
  /**
   * Idempotent on (recipient, sourceKey). Kept for the store's retention.
   * Skipped when the source was undone at or after n.at (events may be
   * handled out of order: an unlike before its like).
   */
  add(userId: bigint, n: NewNotification): Promise<AddResult>;
  /**
   * Undoes the source as of `at` (ms): removes its notification unless that
   * one happened after `at` (done again since), and remembers the time so a
   * late add from before it is skipped.
   */
  remove(userId: bigint, sourceKey: string, at: number): Promise<RemoveResult>;
  /**
   * Heads newest first, below `before` when given, of the given types only
   * when given, within the retention.
   */
  heads(userId: bigint, o: { limit: number; before?: bigint | undefined; types?: ReadonlySet<NotificationType> | undefined }): Promise<HeadPage>;
  /** Count, newest samples and newest notification of each group; groups that are gone are left out. */
  groups(userId: bigint, groupKeys: readonly string[], samples: number): Promise<Map<string, GroupSummary>>;
  unread(userId: bigint): Promise<Unread>;
  /** Moves the marker to max(marker, upToId); concurrent calls settle on the highest. */
  markRead(userId: bigint, upToId: bigint): Promise<Unread>;
  /** Who was notified about a tweet (its likes and retweets, a reply, a mention), so deleting it can take those back. */
  recordSources(tweetId: bigint, entries: ReadonlyArray<{ userId: bigint; sourceKey: string }>): Promise<void>;
  sources(tweetId: bigint): Promise<TweetSources>;
  /** Whether markTweetDeleted was called, in one small read. */
  tweetDeleted(tweetId: bigint): Promise<boolean>;
  /** Recorded before its sources are read, so a creation handled late (after the deletion) sees it. */
  markTweetDeleted(tweetId: bigint): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

// The tweet store port. Two adapters share these semantics (store/contract.ts
// holds the one suite both pass): Cassandra in a cluster, LMDB embedded.
//
// - Ids are Snowflake ids chosen by the caller, so they sort by time.
// - A retweet is a tweet with retweetOfTweetId set and empty content; it is
//   listed on the retweeter's tweets like any other tweet.
// - Deleting keeps a tombstone, so "deleted" and "never existed" differ; reads
//   treat both as missing.
// - Likes and retweets count once per user, exactly, under concurrency.
// - Domain refusals are DomainErrors (not_found, permission_denied, ...).

export interface NewTweet {
  tweetId: bigint;
  authorId: bigint;
  /** NFC-normalised, already checked. */
  content: string;
  mediaUrls: string[];
  /** 0n when not a reply. */
  replyToTweetId: bigint;
  hashtags: string[];
  mentions: string[];
}

export interface TweetRow extends NewTweet {
  /** 0n when not a retweet. */
  retweetOfTweetId: bigint;
  createdAt: Date;
}

export interface TweetCounts {
  likes: bigint;
  retweets: bigint;
  replies: bigint;
}

export interface StoredTweet extends TweetRow {
  counts: TweetCounts;
}

export interface Page {
  tweets: StoredTweet[];
  hasMore: boolean;
  /** The id to continue after (the last one the page covered). */
  last?: bigint | undefined;
}

export interface DeletedTweet {
  tweetId: bigint;
  authorId: bigint;
  retweetOfTweetId: bigint;
  replyToTweetId: bigint;
}

export interface ViewerState {
  liked: boolean;
  retweeted: boolean;
}

/** An event waiting for the bus (see outbox.ts). */
export interface OutboxEvent {
  /** Sorts oldest first. */
  eventId: string;
  subject: string;
  msgId: string;
  payload: Uint8Array;
  createdAt: Date;
  /** The trace of the request that made it (W3C traceparent), continued by the relay. */
  traceparent?: string;
}

export interface OutboxStore {
  put(event: OutboxEvent): Promise<void>;
  /** Oldest first, starting after `afterEventId` when given. */
  list(limit: number, afterEventId?: string): Promise<OutboxEvent[]>;
  remove(eventIds: string[]): Promise<void>;
}

export interface CreateOptions {
  /** With a key, a second create by the same author returns the first tweet. */
  idempotencyKey?: string | undefined;
}

export interface TweetStore {
  /**
   * Stores a new tweet (reply when replyToTweetId is set; the parent must exist,
   * and a reply to a retweet goes to the original). created=false when the
   * idempotency key was used before: the first tweet is returned instead.
   */
  createTweet(tweet: NewTweet, opts?: CreateOptions): Promise<{ tweet: StoredTweet; created: boolean }>;
  /** Live tweets with their counts; missing and deleted ids are absent. */
  getTweets(ids: readonly bigint[]): Promise<Map<bigint, StoredTweet>>;
  /** Author only; NOT_FOUND when missing or already deleted. */
  deleteTweet(tweetId: bigint, callerId: bigint): Promise<DeletedTweet>;
  /** Newest first, ids below `before`; reads at most limit + 1 rows. */
  listUserTweets(userId: bigint, before: bigint | undefined, limit: number): Promise<Page>;
  /** Oldest first, ids above `after`; NOT_FOUND when the tweet is missing. */
  listReplies(tweetId: bigint, after: bigint | undefined, limit: number): Promise<Page>;
  /** Liking a retweet likes its original. */
  like(userId: bigint, tweetId: bigint): Promise<{ created: boolean; likeCount: bigint; tweetId: bigint; authorId: bigint }>;
  unlike(userId: bigint, tweetId: bigint): Promise<{ removed: boolean; likeCount: bigint; tweetId: bigint; authorId: bigint }>;
  /** One retweet per user and original; retweetId is used when a new one is made. */
  retweet(userId: bigint, tweetId: bigint, retweetId: bigint): Promise<{ retweet: StoredTweet; created: boolean; originalAuthorId: bigint }>;
  /** Deletes the caller's retweet of tweetId, if any. */
  undoRetweet(userId: bigint, tweetId: bigint): Promise<{ removed: boolean; deleted?: DeletedTweet | undefined }>;
  viewerStates(viewerId: bigint, tweetIds: readonly bigint[]): Promise<Map<bigint, ViewerState>>;
  /** An author's live tweets and retweets (for the profile's tweet count). */
  userTweetCount(userId: bigint): Promise<bigint>;
  /** The same for a batch of authors (profile lists); absent authors count 0. */
  userTweetCounts(userIds: readonly bigint[]): Promise<Map<bigint, bigint>>;
  readonly outbox: OutboxStore;
  /** Rows read by listUserTweets/listReplies since open: pages must stay cheap. */
  readonly listStats: { rows: number; queries: number };
  ping(): Promise<void>;
  close(): Promise<void>;
}

// What the discovery service keeps, behind one port with two adapters: Redis
// (cluster, one server or a Redis Cluster) and in process (the all-in-one).
// One contract suite (contract.ts) runs against both and the Redis Cluster.
//
// Trends count tweets, not events: every tweet with tags is kept as a record
// (author, weight, time, tags) for as long as it can count (8 days), and as
// one member per tag of that tag's time-ordered set. Unique authors are
// counted from those members when the trends are computed, so a deleted
// tweet (or every tweet of a removed account) takes back exactly what it
// added, which a HyperLogLog cannot.

/** A tweet's part in the trends. */
export interface TweetContribution {
  tweetId: bigint;
  authorId: bigint;
  /** Normalised tags (kit/hashtag.ts), deduplicated. */
  tags: string[];
  /** When it was posted (ms). */
  at: number;
  /** In halves: 2 counts one author, 1 half of one (a new account, or one without followers). */
  weight: 1 | 2;
}

/**
 * Counts of one tag in consecutive one-hour windows: window (d, k) is
 * [now - d days - (k + 1) hours, now - d days - k hours). Index [d][k], with
 * d in 0..DAYS and k in 0..HOURS-1 (windows.ts).
 */
export interface TagWindows {
  /** Distinct authors. */
  unique: number[][];
  /** Distinct authors by weight, in halves (each author once, at the highest weight it used). */
  weighted: number[][];
}

export interface WindowSpec {
  now: number;
  /** Window length (ms). */
  hourMs: number;
  /** The period the same window repeats with (ms). */
  dayMs: number;
  /** Offsets d = 0 (now) .. days. */
  days: number;
  /** Windows k = 0 .. hours - 1 per offset; hours * hourMs must stay below dayMs. */
  hours: number;
}

export interface TrendStore {
  /**
   * Counts the tweet under each of its tags, once: a redelivery changes
   * nothing (the first delivery's record wins), and a tweet whose deletion
   * came first is not counted. Kept `retentionMs` after it was posted. True
   * when it counts.
   */
  addTweet(c: TweetContribution, retentionMs: number): Promise<boolean>;
  /**
   * Takes the tweet's contribution back; idempotent. For a tweet not seen
   * (yet), remembers the deletion until `keepUntil`, so a late create does not
   * count. True when something was taken back.
   */
  removeTweet(tweetId: bigint, keepUntil: number): Promise<boolean>;
  /** Takes back every contribution of an author (a suspended or deleted account): how many tweets. */
  removeAuthor(authorId: bigint, keepUntil: number): Promise<number>;
  /** Tags used at or after `since` (ms). */
  recentTags(since: number): Promise<string[]>;
  /** Tweets (not authors) per tag in [from, to): a cheap upper bound on unique authors. */
  tweetCounts(tags: string[], from: number, to: number): Promise<Map<string, number>>;
  /** For each tag, its counts in every window of `spec`. */
  countWindows(tags: string[], spec: WindowSpec): Promise<Map<string, TagWindows>>;
  /**
   * Forgets what was posted before `before` (ms) under these tags, tags
   * unused since, and records kept until `now` or earlier (Redis expires
   * those by itself).
   */
  prune(tags: string[], before: number, now: number): Promise<void>;
  /** True for exactly one caller per (job, bucket) among every replica. */
  claim(job: string, bucket: number, ttlMs: number): Promise<boolean>;
  saveTrends(value: Uint8Array): Promise<void>;
  loadTrends(): Promise<Uint8Array | undefined>;
}

export interface CachedSuggestions {
  /** Absent: nothing cached. */
  value: Uint8Array | undefined;
  /** Give it to fillCache: a fill computed before an invalidation is refused. */
  generation: number;
}

export interface SuggestionStore {
  /** `accountId` is not suggested to `userId` again; kept 90 days (retention from the caller's `at`). */
  dismiss(userId: bigint, accountId: bigint, at: number, retentionMs: number): Promise<void>;
  /** Accounts `userId` dismissed at or after `since`. */
  dismissed(userId: bigint, since: number): Promise<Set<bigint>>;
  readCache(userId: bigint): Promise<CachedSuggestions>;
  /** Keeps `value` for `ttlMs` unless the user's suggestions were invalidated since `generation` was read. */
  fillCache(userId: bigint, value: Uint8Array, generation: number, ttlMs: number): Promise<boolean>;
  /** Drops the cached suggestions of each user and refuses fills computed before. */
  invalidate(userIds: readonly bigint[]): Promise<void>;
  /** The newest tweet time (ms) of each user; an older time never replaces a newer one. */
  recordActivity(entries: ReadonlyArray<readonly [bigint, number]>): Promise<void>;
  /** The newest tweet time known of each user asked for (absent: unknown). */
  lastActive(userIds: readonly bigint[]): Promise<Map<bigint, number>>;
  /** Forgets activity older than `before`. */
  pruneActivity(before: number): Promise<void>;
  /**
   * Whom each user follows (the newest first, as the graph lists them), kept
   * for friends-of-friends: one read for the whole sample instead of a graph
   * call each. Absent: not kept.
   */
  readFollows(userIds: readonly bigint[]): Promise<Map<bigint, bigint[]>>;
  fillFollows(entries: ReadonlyArray<readonly [bigint, readonly bigint[]]>, ttlMs: number): Promise<void>;
  /** Their follows changed (a follow or unfollow event). */
  dropFollows(userIds: readonly bigint[]): Promise<void>;
  /** A user's follower count, for the most followed (0 forgets the user). */
  setFollowers(userId: bigint, followers: number): Promise<void>;
  /** The `n` most followed users, most followed first. */
  popular(n: number): Promise<bigint[]>;
}

export interface DiscoveryStore {
  trends: TrendStore;
  suggestions: SuggestionStore;
  ping(): Promise<void>;
  close(): Promise<void>;
}

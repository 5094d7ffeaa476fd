// The search index port. Two adapters share these semantics (store/contract.ts
// holds the one suite both pass): Cassandra in a cluster, LMDB embedded.
//
// Tweets: an inverted index partitioned by (term, day bucket), tweet ids
// newest first, plus each term's non-empty buckets newest first with an
// approximate count of postings (to pick the rarest term of a query). Each
// indexed tweet keeps its terms, so a delete (whose event carries no text)
// takes every posting out, and a redelivered create changes nothing.
//
// People: each account under every prefix of its username and display-name
// words, ordered by a coarse follower rank (rankOf), highest first.

export interface TermBucket {
  bucket: number;
  /** Postings in the bucket; an estimate (cluster adapters count asynchronously). */
  count: number;
}

export interface IndexedUser {
  userId: bigint;
  username: string;
  displayName: string;
  followerCount: bigint;
}

export interface PrefixHit {
  userId: bigint;
  rank: number;
}

export interface SearchStore {
  /**
   * Indexes a tweet under `terms`. False, and nothing changes, when the
   * tweet was indexed before (a redelivery) or removed before (a delete
   * that overtook its create).
   */
  addTweet(tweetId: bigint, terms: readonly string[]): Promise<boolean>;
  /** Takes a tweet out of every term and remembers it as removed; false when it was not indexed. */
  removeTweet(tweetId: bigint): Promise<boolean>;
  /** The terms a tweet is indexed under (undefined: not indexed). */
  tweetTerms(tweetId: bigint): Promise<string[] | undefined>;
  /** A term's non-empty buckets within [minBucket, maxBucket], newest first, at most `limit`. */
  buckets(term: string, maxBucket: number, minBucket: number, limit: number): Promise<TermBucket[]>;
  /** Which of `ids` (all in `bucket`) are indexed under `term`: one read of one partition. */
  contains(term: string, bucket: number, ids: readonly bigint[]): Promise<Set<bigint>>;
  /** Tweet ids of one (term, bucket), newest first, below `before` and at or above `atLeast` when given; at most `limit`. */
  postings(term: string, bucket: number, before: bigint | undefined, atLeast: bigint | undefined, limit: number): Promise<bigint[]>;

  /** Puts or replaces an account's prefixes and rank; doing it twice is doing it once. */
  putUser(user: IndexedUser): Promise<void>;
  /** Moves an indexed account to its new rank; nothing for an account not indexed. */
  setFollowers(userId: bigint, followerCount: bigint): Promise<void>;
  /** Whether an account is indexed. */
  hasUser(userId: bigint): Promise<boolean>;
  /** Accounts under a prefix, highest rank first, then by id; at most `limit`. */
  byPrefix(prefix: string, limit: number): Promise<PrefixHit[]>;

  /** Where a rebuild (make reindex) stopped: resumable. */
  readProgress(job: string): Promise<string | undefined>;
  writeProgress(job: string, position: string | undefined): Promise<void>;

  /** Makes every count written so far visible to buckets() (adapters that count asynchronously). */
  flush(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** One bucket per UTC day of the Snowflake time: a common word's partition holds one day of it. */
export const BUCKET_MS = 24 * 3600 * 1000;

/**
 * The follower rank the people index orders by: a quarter-octave of the
 * count, so an account's rows move only when its following grows by about
 * a fifth, not on every follow.
 */
export function rankOf(followerCount: bigint): number {
  return Math.floor(4 * Math.log2(Number(followerCount) + 1));
}

// Cassandra tweet store (tables in migrations/0003_tweets.cql).
//
// - Uniqueness (one like / one retweet per user, one tweet per idempotency
//   key, one delete per tweet) is decided by a lightweight transaction; the
//   counters move only after the LWT applied, so counts are exact under
//   concurrency. A claim carries a token of its request: when an LWT times
//   out (outcome unknown) the retry finds its own token and knows it won.
// - An author's tweets live in (author, 7-day bucket) partitions; the
//   non-empty buckets are indexed per author, so a page reads the index and
//   then only as many rows as it returns (+1 to know whether there is more).
// - Every statement is prepared (client default).
import { randomBytes } from "node:crypto";
import cassandra from "cassandra-driver";
import { permissionDenied, unavailable } from "../../kit/errors.js";
import { consistencies, type CassandraClient } from "../../platform/cassandra/client.js";
import { bucketAt, bucketOf } from "../buckets.js";
import type {
  CreateOptions,
  DeletedTweet,
  NewTweet,
  OutboxEvent,
  OutboxStore,
  Page,
  StoredTweet,
  TweetCounts,
  TweetRow,
  TweetStore,
  ViewerState,
} from "./port.js";
import { createdAt, existingDeleted, notFoundTweet, replyParentNotFound } from "./rows.js";

type Row = cassandra.types.Row;
type ResultSet = cassandra.types.ResultSet;
type Statement = { query: string; params: unknown[] };

const COLUMNS =
  "tweet_id, author_id, content, media_urls, reply_to_tweet_id, retweet_of_tweet_id, hashtags, mentions, created_at, deleted";

const Q = {
  insertTweet: `INSERT INTO tweets_by_id (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, false)`,
  selectTweet: `SELECT ${COLUMNS} FROM tweets_by_id WHERE tweet_id = ?`,
  selectTweets: `SELECT ${COLUMNS} FROM tweets_by_id WHERE tweet_id IN ?`,
  // Only a live tweet can be deleted, once. The tombstone keeps who and
  // what it answered, not the text.
  markDeleted:
    "UPDATE tweets_by_id SET deleted = true, deleted_by = ?, content = null, media_urls = null, hashtags = null, mentions = null WHERE tweet_id = ? IF deleted = false AND deleted_by = null",
  selectCounts: "SELECT tweet_id, likes, retweets, replies FROM tweet_counts WHERE tweet_id = ?",
  selectCountsIn: "SELECT tweet_id, likes, retweets, replies FROM tweet_counts WHERE tweet_id IN ?",
  selectLikes: "SELECT likes FROM tweet_counts WHERE tweet_id = ?",
  likesAdd: "UPDATE tweet_counts SET likes = likes + ? WHERE tweet_id = ?",
  retweetsAdd: "UPDATE tweet_counts SET retweets = retweets + ? WHERE tweet_id = ?",
  repliesAdd: "UPDATE tweet_counts SET replies = replies + ? WHERE tweet_id = ?",
  userCountAdd: "UPDATE user_tweet_counts SET tweets = tweets + ? WHERE user_id = ?",
  userCount: "SELECT tweets FROM user_tweet_counts WHERE user_id = ?",
  userCountsIn: "SELECT user_id, tweets FROM user_tweet_counts WHERE user_id IN ?",
  insertUserTweet: "INSERT INTO tweets_by_user (user_id, bucket, tweet_id) VALUES (?, ?, ?)",
  deleteUserTweet: "DELETE FROM tweets_by_user WHERE user_id = ? AND bucket = ? AND tweet_id = ?",
  userTweets: "SELECT tweet_id FROM tweets_by_user WHERE user_id = ? AND bucket = ? LIMIT ?",
  userTweetsBefore: "SELECT tweet_id FROM tweets_by_user WHERE user_id = ? AND bucket = ? AND tweet_id < ? LIMIT ?",
  insertBucket: "INSERT INTO tweet_buckets_by_user (user_id, bucket) VALUES (?, ?)",
  buckets: "SELECT bucket FROM tweet_buckets_by_user WHERE user_id = ? LIMIT ?",
  bucketsFrom: "SELECT bucket FROM tweet_buckets_by_user WHERE user_id = ? AND bucket <= ? LIMIT ?",
  insertReply: "INSERT INTO replies_by_tweet (tweet_id, reply_id) VALUES (?, ?)",
  deleteReply: "DELETE FROM replies_by_tweet WHERE tweet_id = ? AND reply_id = ?",
  replies: "SELECT reply_id FROM replies_by_tweet WHERE tweet_id = ? LIMIT ?",
  repliesAfter: "SELECT reply_id FROM replies_by_tweet WHERE tweet_id = ? AND reply_id > ? LIMIT ?",
  claimKey: "INSERT INTO tweet_idempotency (author_id, idempotency_key, tweet_id) VALUES (?, ?, ?) IF NOT EXISTS",
  releaseKey: "DELETE FROM tweet_idempotency WHERE author_id = ? AND idempotency_key = ? IF tweet_id = ?",
  claimLike: "INSERT INTO likes_by_user (user_id, tweet_id, claim_id) VALUES (?, ?, ?) IF NOT EXISTS",
  selectLike: "SELECT claim_id FROM likes_by_user WHERE user_id = ? AND tweet_id = ?",
  releaseLike: "DELETE FROM likes_by_user WHERE user_id = ? AND tweet_id = ? IF claim_id = ?",
  insertLiker: "INSERT INTO likes_by_tweet (tweet_id, user_id, liked_at) VALUES (?, ?, ?)",
  deleteLiker: "DELETE FROM likes_by_tweet WHERE tweet_id = ? AND user_id = ?",
  likedIn: "SELECT tweet_id FROM likes_by_user WHERE user_id = ? AND tweet_id IN ?",
  claimRetweet: "INSERT INTO retweets_by_user (user_id, tweet_id, retweet_id) VALUES (?, ?, ?) IF NOT EXISTS",
  selectRetweet: "SELECT retweet_id FROM retweets_by_user WHERE user_id = ? AND tweet_id = ?",
  releaseRetweet: "DELETE FROM retweets_by_user WHERE user_id = ? AND tweet_id = ? IF retweet_id = ?",
  retweetedIn: "SELECT tweet_id FROM retweets_by_user WHERE user_id = ? AND tweet_id IN ?",
  outboxPut: "INSERT INTO event_outbox (shard, event_id, msg_id, subject, payload, created_at, trace_parent) VALUES (0, ?, ?, ?, ?, ?, ?)",
  outboxList: "SELECT event_id, msg_id, subject, payload, created_at, trace_parent FROM event_outbox WHERE shard = 0 LIMIT ?",
  outboxListAfter: "SELECT event_id, msg_id, subject, payload, created_at, trace_parent FROM event_outbox WHERE shard = 0 AND event_id > ? LIMIT ?",
  outboxRemove: "DELETE FROM event_outbox WHERE shard = 0 AND event_id = ?",
} as const;

/** How many bucket-index rows a page fetches at a time. */
const BUCKET_PAGE = 8;
/** How long a reader waits for a claimed-but-not-yet-written tweet. */
const CLAIM_WAIT_MS = 2000;
const LWT_ATTEMPTS = 3;

export interface CassandraTweetStoreOptions {
  /**
   * How a batch of tweets is read: one `IN` query per table, one point read
   * per id in parallel, or (the default) point reads for a page-sized batch
   * that is the only one in flight and `IN` otherwise: a lone batch comes
   * back sooner as point reads, while under load `IN` sustains more (2
   * requests instead of 40). bench/services/tweet/main.ts measures all three.
   */
  multiGet?: "in" | "parallel" | "adaptive";
}

/** The largest batch "adaptive" reads with point reads. */
const POINT_READS_MAX = 20;

const serial = { prepare: true, consistency: consistencies.localSerial };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function toRow(r: Row): TweetRow & { deleted: boolean } {
  return {
    tweetId: r.get("tweet_id") as bigint,
    authorId: r.get("author_id") as bigint,
    content: (r.get("content") as string | null) ?? "",
    mediaUrls: (r.get("media_urls") as string[] | null) ?? [],
    replyToTweetId: (r.get("reply_to_tweet_id") as bigint | null) ?? 0n,
    retweetOfTweetId: (r.get("retweet_of_tweet_id") as bigint | null) ?? 0n,
    hashtags: (r.get("hashtags") as string[] | null) ?? [],
    mentions: (r.get("mentions") as string[] | null) ?? [],
    createdAt: r.get("created_at") as Date,
    deleted: r.get("deleted") === true,
  };
}

function toCounts(r: Row | undefined): TweetCounts {
  return {
    likes: (r?.get("likes") as bigint | null) ?? 0n,
    retweets: (r?.get("retweets") as bigint | null) ?? 0n,
    replies: (r?.get("replies") as bigint | null) ?? 0n,
  };
}

const zeroCounts = (): TweetCounts => ({ likes: 0n, retweets: 0n, replies: 0n });

function retweetRow(userId: bigint, originalId: bigint, retweetId: bigint): TweetRow {
  return {
    tweetId: retweetId,
    authorId: userId,
    content: "",
    mediaUrls: [],
    replyToTweetId: 0n,
    retweetOfTweetId: originalId,
    hashtags: [],
    mentions: [],
    createdAt: createdAt(retweetId),
  };
}

function randomToken(): bigint {
  return randomBytes(8).readBigInt64BE();
}

function isWriteTimeout(err: unknown): boolean {
  const e = err as { code?: number; name?: string };
  return e?.code === cassandra.types.responseErrorCodes.writeTimeout || e?.name === "OperationTimedOutError";
}

export class CassandraTweetStore implements TweetStore {
  readonly listStats = { rows: 0, queries: 0 };
  /** Batch reads by how they were made (see multiGet). */
  readonly batchStats = { in: 0, pointReads: 0 };
  readonly outbox: OutboxStore;
  private readonly multiGet: "in" | "parallel" | "adaptive";
  /** Batch reads in flight, for "adaptive". */
  private batchReads = 0;
  // (author, bucket) pairs this process has indexed: the index row is
  // written once per pair instead of once per tweet. Bounded; a miss only
  // costs a redundant idempotent write.
  private readonly indexed = new Set<string>();

  constructor(
    private readonly client: CassandraClient,
    opts: CassandraTweetStoreOptions = {},
  ) {
    this.multiGet = opts.multiGet ?? "adaptive";
    this.outbox = new CassandraOutbox(client);
  }

  private exec(query: string, params: unknown[], options: cassandra.QueryOptions = {}) {
    return this.client.execute(query, params, { prepare: true, ...options });
  }

  /**
   * An LWT whose outcome is known even after a timeout: the claim carries
   * `mine`, so a retry that finds `mine` in place knows the earlier attempt
   * applied. Returns the claim holder's token when it is somebody else's.
   */
  private async claim(query: string, params: unknown[], column: string, mine: bigint): Promise<{ won: boolean; holder: bigint }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const rs = await this.exec(query, params);
        if (rs.wasApplied()) return { won: true, holder: mine };
        const holder = rs.first().get(column) as bigint;
        return { won: holder === mine, holder };
      } catch (err) {
        if (!isWriteTimeout(err) || attempt >= LWT_ATTEMPTS) throw err;
      }
    }
  }

  /** A conditional delete or update, retried on timeout; a retry that finds the condition gone counts as applied. */
  private async conditional(query: string, params: unknown[]): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.exec(query, params)).wasApplied() || attempt > 1;
      } catch (err) {
        if (!isWriteTimeout(err) || attempt >= LWT_ATTEMPTS) throw err;
      }
    }
  }

  /**
   * Tombstones a live tweet; true for exactly one caller, even when a retry
   * after a write timeout meets a delete that another request made meanwhile.
   */
  private async markDeleted(tweetId: bigint, token = randomToken()): Promise<boolean> {
    return (await this.claim(Q.markDeleted, [token, tweetId], "deleted_by", token)).won;
  }

  /** The row, tombstone included. */
  private async raw(id: bigint): Promise<(TweetRow & { deleted: boolean }) | undefined> {
    const r = (await this.exec(Q.selectTweet, [id])).first();
    return r ? toRow(r) : undefined;
  }

  private async live(id: bigint): Promise<TweetRow | undefined> {
    const r = await this.raw(id);
    return r && !r.deleted ? r : undefined;
  }

  /** The tweet a like, retweet or reply is about: a retweet stands for its original. */
  private async original(id: bigint): Promise<TweetRow | undefined> {
    const row = await this.live(id);
    return row && row.retweetOfTweetId !== 0n ? this.live(row.retweetOfTweetId) : row;
  }

  /** Waits for a tweet another request claimed and is still writing. */
  private async awaitRaw(id: bigint): Promise<(TweetRow & { deleted: boolean }) | undefined> {
    const until = Date.now() + CLAIM_WAIT_MS;
    for (;;) {
      const r = await this.raw(id);
      if (r || Date.now() > until) return r;
      await sleep(25);
    }
  }

  private async stored(row: TweetRow): Promise<StoredTweet> {
    return { ...row, counts: toCounts((await this.exec(Q.selectCounts, [row.tweetId])).first()) };
  }

  /**
   * Every table a new tweet (or retweet) goes into: the rows in one unlogged
   * batch and the counters in one counter batch, two requests instead of up
   * to seven (counters cannot share a batch with rows). Unlogged: the rows
   * are idempotent inserts, and a page skips an id whose row is missing.
   * Counters are not idempotent, so only the request that claimed the tweet
   * moves them (`moveCounters`); a retry that finishes a stalled request's tweet
   * writes the same rows without counting.
   */
  private async write(row: TweetRow, moveCounters = true): Promise<void> {
    const bucket = bucketOf(row.tweetId);
    const indexKey = `${row.authorId}:${bucket}`;
    const indexing = !this.indexed.has(indexKey);
    const rows: Statement[] = [
      {
        query: Q.insertTweet,
        params: [
          row.tweetId,
          row.authorId,
          row.content,
          row.mediaUrls,
          row.replyToTweetId === 0n ? null : row.replyToTweetId,
          row.retweetOfTweetId === 0n ? null : row.retweetOfTweetId,
          row.hashtags,
          row.mentions,
          row.createdAt,
        ],
      },
      { query: Q.insertUserTweet, params: [row.authorId, bucket, row.tweetId] },
    ];
    if (indexing) rows.push({ query: Q.insertBucket, params: [row.authorId, bucket] });
    if (row.replyToTweetId !== 0n) rows.push({ query: Q.insertReply, params: [row.replyToTweetId, row.tweetId] });
    // Written at the tweet's own time, so a write of the same tweet that
    // comes late (a stalled first request, a recovering retry) never outdates
    // its delete.
    const timestamp = row.createdAt.getTime() * 1000;
    // The count may land before the rows: if the rows then fail, the client's
    // retry writes them under the same id, uncounted.
    await Promise.all([this.client.batch(rows, { prepare: true, logged: false, timestamp }), moveCounters ? this.count(row) : undefined]);
    if (indexing) {
      if (this.indexed.size >= 100_000) this.indexed.clear();
      this.indexed.add(indexKey);
    }
  }

  private async count(row: TweetRow): Promise<void> {
    const counters: Statement[] = [{ query: Q.userCountAdd, params: [1n, row.authorId] }];
    if (row.replyToTweetId !== 0n) counters.push({ query: Q.repliesAdd, params: [1n, row.replyToTweetId] });
    if (row.retweetOfTweetId !== 0n) counters.push({ query: Q.retweetsAdd, params: [1n, row.retweetOfTweetId] });
    await (counters.length === 1
      ? this.exec(counters[0]!.query, counters[0]!.params)
      : this.client.batch(counters, { prepare: true, counter: true, logged: false }));
  }

  /** Takes a tweet that just lost its LWT out of every list and count. */
  private async unwrite(row: TweetRow): Promise<DeletedTweet> {
    const writes: Promise<unknown>[] = [
      this.exec(Q.deleteUserTweet, [row.authorId, bucketOf(row.tweetId), row.tweetId]),
      this.exec(Q.userCountAdd, [-1n, row.authorId]),
    ];
    if (row.replyToTweetId !== 0n) {
      writes.push(this.exec(Q.deleteReply, [row.replyToTweetId, row.tweetId]), this.exec(Q.repliesAdd, [-1n, row.replyToTweetId]));
    }
    if (row.retweetOfTweetId !== 0n) {
      writes.push(
        this.conditional(Q.releaseRetweet, [row.authorId, row.retweetOfTweetId, row.tweetId]),
        this.exec(Q.retweetsAdd, [-1n, row.retweetOfTweetId]),
      );
    }
    await Promise.all(writes);
    return { tweetId: row.tweetId, authorId: row.authorId, retweetOfTweetId: row.retweetOfTweetId, replyToTweetId: row.replyToTweetId };
  }

  async createTweet(tweet: NewTweet, opts: CreateOptions = {}): Promise<{ tweet: StoredTweet; created: boolean }> {
    const key = opts.idempotencyKey;
    if (key) {
      const c = await this.claim(Q.claimKey, [tweet.authorId, key, tweet.tweetId], "tweet_id", tweet.tweetId);
      if (!c.won) return this.existing(c.holder, tweet, key);
    }
    return { tweet: await this.writeNew(tweet, key, true), created: true };
  }

  private async writeNew(tweet: NewTweet, key: string | undefined, moveCounters: boolean): Promise<StoredTweet> {
    let replyTo = 0n;
    if (tweet.replyToTweetId !== 0n) {
      const parent = await this.original(tweet.replyToTweetId);
      if (!parent) {
        // Free the key: the request failed, a corrected retry may reuse it.
        if (key) await this.conditional(Q.releaseKey, [tweet.authorId, key, tweet.tweetId]);
        throw replyParentNotFound(tweet.replyToTweetId);
      }
      replyTo = parent.tweetId;
    }
    const row: TweetRow = { ...tweet, replyToTweetId: replyTo, retweetOfTweetId: 0n, createdAt: createdAt(tweet.tweetId) };
    await this.write(row, moveCounters);
    return { ...row, counts: zeroCounts() };
  }

  /** The tweet an earlier request with the same key created. */
  private async existing(id: bigint, retry: NewTweet, key: string): Promise<{ tweet: StoredTweet; created: boolean }> {
    const first = await this.awaitRaw(id);
    if (first?.deleted) throw existingDeleted(id);
    if (first) return { tweet: await this.stored(first), created: false };
    // The first request claimed the key and died or stalls before writing:
    // finish its tweet with this request's text, under the claimed id,
    // uncounted. The first request counts it when it writes, so a stall
    // counts once; only a crash between its claim and its write leaves the
    // tweet uncounted (an LWT to settle that cost keyed creates too much throughput).
    return { tweet: await this.writeNew({ ...retry, tweetId: id }, key, false), created: false };
  }

  async getTweets(ids: readonly bigint[]): Promise<Map<bigint, StoredTweet>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const alone = this.batchReads === 0 && unique.length <= POINT_READS_MAX;
    const byIn = this.multiGet === "in" || (this.multiGet === "adaptive" && !alone);
    this.batchStats[byIn ? "in" : "pointReads"]++;
    this.batchReads++;
    try {
      return await this.readTweets(unique, byIn);
    } finally {
      this.batchReads--;
    }
  }

  private async readTweets(unique: bigint[], byIn: boolean): Promise<Map<bigint, StoredTweet>> {
    const out = new Map<bigint, StoredTweet>();
    let rows: Row[];
    let counts: Row[];
    if (byIn) {
      [rows, counts] = await Promise.all([
        this.exec(Q.selectTweets, [unique]).then((rs) => rs.rows),
        this.exec(Q.selectCountsIn, [unique]).then((rs) => rs.rows),
      ]);
    } else {
      const all = await Promise.all([
        ...unique.map((id) => this.exec(Q.selectTweet, [id]).then((rs) => rs.first())),
        ...unique.map((id) => this.exec(Q.selectCounts, [id]).then((rs) => rs.first())),
      ]);
      rows = all.slice(0, unique.length).filter((r): r is Row => r != null);
      counts = all.slice(unique.length).filter((r): r is Row => r != null);
    }
    const countsById = new Map(counts.map((r) => [r.get("tweet_id") as bigint, r]));
    for (const r of rows) {
      const row = toRow(r);
      if (row.deleted) continue;
      const { deleted: _, ...tweet } = row;
      out.set(row.tweetId, { ...tweet, counts: toCounts(countsById.get(row.tweetId)) });
    }
    return out;
  }

  async deleteTweet(tweetId: bigint, callerId: bigint): Promise<DeletedTweet> {
    const row = await this.raw(tweetId);
    // Deleting again is NOT_FOUND: the tweet is gone either way, and the
    // first delete already emitted the event.
    if (!row || row.deleted) throw notFoundTweet(tweetId);
    if (row.authorId !== callerId) throw permissionDenied(`only the author can delete tweet ${tweetId}`);
    if (!(await this.markDeleted(tweetId))) throw notFoundTweet(tweetId);
    return this.unwrite(row);
  }

  async listUserTweets(userId: bigint, before: bigint | undefined, limit: number): Promise<Page> {
    const need = limit + 1;
    const ids: bigint[] = [];
    const cursorBucket = before === undefined ? undefined : bucketOf(before);
    const readBucket = (bucket: number, want: number) => {
      this.listStats.queries += 1;
      return bucket === cursorBucket ? this.exec(Q.userTweetsBefore, [userId, bucket, before, want]) : this.exec(Q.userTweets, [userId, bucket, want]);
    };
    // The first bucket the index will name is nearly always known already: the
    // cursor's own, or this week's for a first page. Reading it alongside the
    // index saves a round trip; when the index names another bucket first, the
    // guess (an empty read, as the index lists every non-empty bucket) is dropped.
    const guess = cursorBucket ?? bucketAt(Date.now());
    let guessed: Promise<ResultSet> | undefined = readBucket(guess, need);
    guessed.catch(() => undefined); // the index read may fail first
    const dropGuess = () => {
      // Its rows still count as read.
      void guessed?.then((rs) => (this.listStats.rows += rs.rows.length), () => undefined);
      guessed = undefined;
    };
    let upTo = cursorBucket;
    scan: for (;;) {
      const buckets = (
        await (upTo === undefined ? this.exec(Q.buckets, [userId, BUCKET_PAGE]) : this.exec(Q.bucketsFrom, [userId, upTo, BUCKET_PAGE]))
      ).rows.map((r) => r.get("bucket") as number);
      this.listStats.queries += 1;
      for (const bucket of buckets) {
        const used = bucket === guess ? guessed : undefined;
        if (used) guessed = undefined;
        else dropGuess();
        const rs = await (used ?? readBucket(bucket, need - ids.length));
        this.listStats.rows += rs.rows.length;
        for (const r of rs.rows) ids.push(r.get("tweet_id") as bigint);
        if (ids.length >= need) break scan;
      }
      dropGuess();
      if (buckets.length < BUCKET_PAGE) break;
      upTo = buckets.at(-1)! - 1;
    }
    return this.page(ids, limit);
  }

  async listReplies(tweetId: bigint, after: bigint | undefined, limit: number): Promise<Page> {
    const parent = await this.original(tweetId);
    if (!parent) throw notFoundTweet(tweetId);
    const rs =
      after === undefined
        ? await this.exec(Q.replies, [parent.tweetId, limit + 1])
        : await this.exec(Q.repliesAfter, [parent.tweetId, after, limit + 1]);
    this.listStats.queries += 1;
    this.listStats.rows += rs.rows.length;
    return this.page(
      rs.rows.map((r) => r.get("reply_id") as bigint),
      limit,
    );
  }

  private async page(ids: bigint[], limit: number): Promise<Page> {
    const shown = ids.slice(0, limit);
    const tweets = await this.getTweets(shown);
    // An id whose tweet is being deleted right now is skipped, not an error.
    return { tweets: shown.flatMap((id) => tweets.get(id) ?? []), hasMore: ids.length > limit, last: shown.at(-1) };
  }

  async like(userId: bigint, tweetId: bigint) {
    const target = await this.original(tweetId);
    if (!target) throw notFoundTweet(tweetId);
    const id = target.tweetId;
    const mine = randomToken();
    const { won } = await this.claim(Q.claimLike, [userId, id, mine], "claim_id", mine);
    if (won) await Promise.all([this.exec(Q.likesAdd, [1n, id]), this.exec(Q.insertLiker, [id, userId, new Date()])]);
    return { created: won, likeCount: await this.likeCount(id), tweetId: id, authorId: target.authorId };
  }

  async unlike(userId: bigint, tweetId: bigint) {
    const target = await this.original(tweetId);
    if (!target) throw notFoundTweet(tweetId);
    const id = target.tweetId;
    const claim = (await this.exec(Q.selectLike, [userId, id], serial)).first();
    let removed = false;
    if (claim) {
      removed = await this.conditional(Q.releaseLike, [userId, id, claim.get("claim_id")]);
      if (removed) await Promise.all([this.exec(Q.likesAdd, [-1n, id]), this.exec(Q.deleteLiker, [id, userId])]);
    }
    return { removed, likeCount: await this.likeCount(id), tweetId: id, authorId: target.authorId };
  }

  private async likeCount(id: bigint): Promise<bigint> {
    return ((await this.exec(Q.selectLikes, [id])).first()?.get("likes") as bigint | undefined) ?? 0n;
  }

  async retweet(userId: bigint, tweetId: bigint, retweetId: bigint) {
    const original = await this.original(tweetId);
    if (!original) throw notFoundTweet(tweetId);
    const made = (row: TweetRow, created: boolean) => ({ retweet: { ...row, counts: zeroCounts() }, created, originalAuthorId: original.authorId });
    for (let attempt = 0; attempt < 3; attempt++) {
      const c = await this.claim(Q.claimRetweet, [userId, original.tweetId, retweetId], "retweet_id", retweetId);
      if (c.won) {
        const row = retweetRow(userId, original.tweetId, retweetId);
        await this.write(row);
        return made(row, true);
      }
      const existing = await this.awaitRaw(c.holder);
      if (existing && !existing.deleted) {
        return { retweet: await this.stored(existing), created: false, originalAuthorId: original.authorId };
      }
      if (!existing) {
        // Claimed and never written: its owner died or stalls. A retweet's
        // rows are the same whoever writes them, so write them under the
        // claimed id, uncounted, as for a keyed create.
        const row = retweetRow(userId, original.tweetId, c.holder);
        await this.write(row, false);
        return made(row, true);
      }
      // A claim whose retweet was deleted: free it and claim again.
      await this.conditional(Q.releaseRetweet, [userId, original.tweetId, c.holder]);
    }
    throw unavailable(`retweet of ${tweetId} is changing concurrently; retry`);
  }

  async undoRetweet(userId: bigint, tweetId: bigint) {
    const row = await this.live(tweetId);
    const originalId = row && row.retweetOfTweetId !== 0n ? row.retweetOfTweetId : tweetId;
    const claim = (await this.exec(Q.selectRetweet, [userId, originalId], serial)).first();
    if (!claim) return { removed: false };
    const retweetId = claim.get("retweet_id") as bigint;
    const retweet = await this.awaitRaw(retweetId);
    if (retweet && !retweet.deleted && (await this.markDeleted(retweetId))) {
      return { removed: true, deleted: await this.unwrite(retweet) };
    }
    // Already deleted (by DeleteTweet, whose clean-up frees the claim too) or a stale claim.
    await this.conditional(Q.releaseRetweet, [userId, originalId, retweetId]);
    return { removed: false };
  }

  async viewerStates(viewerId: bigint, tweetIds: readonly bigint[]): Promise<Map<bigint, ViewerState>> {
    const unique = [...new Set(tweetIds)];
    const [liked, retweeted] = await Promise.all([
      this.exec(Q.likedIn, [viewerId, unique]),
      this.exec(Q.retweetedIn, [viewerId, unique]),
    ]);
    const likedSet = new Set(liked.rows.map((r) => r.get("tweet_id") as bigint));
    const retweetedSet = new Set(retweeted.rows.map((r) => r.get("tweet_id") as bigint));
    return new Map(tweetIds.map((id) => [id, { liked: likedSet.has(id), retweeted: retweetedSet.has(id) }]));
  }

  async userTweetCount(userId: bigint): Promise<bigint> {
    return ((await this.exec(Q.userCount, [userId])).first()?.get("tweets") as bigint | undefined) ?? 0n;
  }

  async userTweetCounts(userIds: readonly bigint[]): Promise<Map<bigint, bigint>> {
    const unique = [...new Set(userIds)];
    const out = new Map(unique.map((id) => [id, 0n]));
    if (unique.length === 0) return out;
    for (const r of (await this.exec(Q.userCountsIn, [unique])).rows) out.set(r.get("user_id") as bigint, r.get("tweets") as bigint);
    return out;
  }

  async ping(): Promise<void> {
    await this.client.execute("SELECT release_version FROM system.local", [], { prepare: true });
  }

  /** The client belongs to the runtime, which shuts it down. */
  async close(): Promise<void> {}
}

class CassandraOutbox implements OutboxStore {
  constructor(private readonly client: CassandraClient) {}

  async put(e: OutboxEvent): Promise<void> {
    await this.client.execute(Q.outboxPut, [e.eventId, e.msgId, e.subject, Buffer.from(e.payload), e.createdAt, e.traceparent ?? null], { prepare: true });
  }

  async list(limit: number, afterEventId?: string): Promise<OutboxEvent[]> {
    const rs =
      afterEventId === undefined
        ? await this.client.execute(Q.outboxList, [limit], { prepare: true })
        : await this.client.execute(Q.outboxListAfter, [afterEventId, limit], { prepare: true });
    return rs.rows.map((r) => {
      const e: OutboxEvent = {
        eventId: r.get("event_id") as string,
        msgId: r.get("msg_id") as string,
        subject: r.get("subject") as string,
        payload: new Uint8Array(r.get("payload") as Buffer),
        createdAt: r.get("created_at") as Date,
      };
      const traceparent = r.get("trace_parent") as string | null;
      if (traceparent) e.traceparent = traceparent;
      return e;
    });
  }

  async remove(eventIds: string[]): Promise<void> {
    if (eventIds.length === 0) return;
    // One partition: an unlogged batch is a single mutation.
    await this.client.batch(
      eventIds.map((id) => ({ query: Q.outboxRemove, params: [id] })),
      { prepare: true, logged: false },
    );
  }
}

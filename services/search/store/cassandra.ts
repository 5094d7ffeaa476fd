// Cassandra search index (tables in platform/cassandra/migrations/0006_search.cql).
//
// - A tweet's postings and its doc row are written at a timestamp derived
//   from its id, and removed one microsecond later: a delete wins whatever
//   order the events arrive in, and a redelivered create cannot bring a
//   removed tweet back.
// - A term's buckets are listed as its postings are written (once per term
//   and bucket per process: the common ones are remembered). Their counts
//   are counters, summed in process and written every few seconds (one
//   update per term and bucket, not per posting): they only rank a query's
//   terms, so a count late or lost in a crash costs nothing but precision.
// - A tweet's postings and doc row go in one unlogged batch, after one read
//   of the doc: two round trips per tweet indexed.
// - Every statement is prepared (client default).
import { chunk } from "../../kit/chunk.js";
import { snowflakeTime } from "../../kit/snowflake.js";
import type { Logger } from "../../kit/logger.js";
import { pingCassandra, type CassandraClient } from "../../platform/cassandra/client.js";
import { bucketOf } from "../buckets.js";
import { userPrefixes } from "../query/terms.js";
import { rankOf, type IndexedUser, type PrefixHit, type SearchStore, type TermBucket } from "./port.js";

const Q = {
  readDoc: "SELECT terms, removed FROM search_docs WHERE tweet_id = ?",
  writeDoc: "INSERT INTO search_docs (tweet_id, terms) VALUES (?, ?) USING TIMESTAMP ?",
  removeDoc: "INSERT INTO search_docs (tweet_id, terms, removed) VALUES (?, null, true) USING TIMESTAMP ?",
  addPosting: "INSERT INTO search_postings (term, bucket, tweet_id) VALUES (?, ?, ?) USING TIMESTAMP ?",
  removePosting: "DELETE FROM search_postings USING TIMESTAMP ? WHERE term = ? AND bucket = ? AND tweet_id = ?",
  addBucket: "INSERT INTO search_term_buckets (term, bucket) VALUES (?, ?)",
  count: "UPDATE search_term_counts SET postings = postings + ? WHERE term = ? AND bucket = ?",
  buckets: "SELECT bucket FROM search_term_buckets WHERE term = ? AND bucket <= ? AND bucket >= ? LIMIT ?",
  counts: "SELECT bucket, postings FROM search_term_counts WHERE term = ? AND bucket <= ? AND bucket >= ? LIMIT ?",
  contains: "SELECT tweet_id FROM search_postings WHERE term = ? AND bucket = ? AND tweet_id IN ?",
  postings: "SELECT tweet_id FROM search_postings WHERE term = ? AND bucket = ? LIMIT ?",
  postingsBefore: "SELECT tweet_id FROM search_postings WHERE term = ? AND bucket = ? AND tweet_id < ? LIMIT ?",
  postingsRange: "SELECT tweet_id FROM search_postings WHERE term = ? AND bucket = ? AND tweet_id >= ? LIMIT ?",
  postingsBeforeRange: "SELECT tweet_id FROM search_postings WHERE term = ? AND bucket = ? AND tweet_id < ? AND tweet_id >= ? LIMIT ?",
  readUser: "SELECT prefixes, rank FROM search_people_docs WHERE user_id = ?",
  writeUser: "INSERT INTO search_people_docs (user_id, prefixes, rank) VALUES (?, ?, ?)",
  addPerson: "INSERT INTO search_people (prefix, rank, user_id) VALUES (?, ?, ?)",
  removePerson: "DELETE FROM search_people WHERE prefix = ? AND rank = ? AND user_id = ?",
  byPrefix: "SELECT user_id, rank FROM search_people WHERE prefix = ? LIMIT ?",
  readProgress: "SELECT position FROM search_reindex WHERE job = ?",
  writeProgress: "INSERT INTO search_reindex (job, position) VALUES (?, ?)",
  clearProgress: "DELETE FROM search_reindex WHERE job = ?",
} as const;

export interface CassandraSearchStoreOptions {
  /** How often summed bucket counts are written (0: at once, as tests want). */
  countFlushMs?: number;
  logger?: Logger;
}

const FLUSH_CONCURRENCY = 32;
const DEFAULT_FLUSH_MS = 5000;
/** Listed (bucket, term) pairs remembered at most (then forgotten, and listed again: idempotent). */
const LISTED_MAX = 200_000;
/** Ids per IN query of contains(): one partition, a bounded clustering-key list. */
const CONTAINS_BATCH = 100;

/** The write timestamp (µs) of a tweet's index rows: its creation time. */
const writtenAt = (tweetId: bigint) => BigInt(snowflakeTime(tweetId)) * 1000n;

export class CassandraSearchStore implements SearchStore {
  private pending = new Map<string, { term: string; bucket: number; delta: number }>();
  private flushing: Promise<void> = Promise.resolve();
  private readonly inflight = new Map<bigint, Promise<void>>();
  /** (bucket, term) pairs this process has listed in search_term_buckets. */
  private readonly listed = new Set<string>();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: CassandraClient,
    private readonly opts: CassandraSearchStoreOptions = {},
  ) {
    const every = opts.countFlushMs ?? DEFAULT_FLUSH_MS;
    if (every > 0) {
      this.timer = setInterval(() => void this.flush().catch((err) => opts.logger?.warn({ err }, "search bucket counts not written yet")), every);
      this.timer.unref();
    }
  }

  private exec(query: string, params: unknown[]) {
    return this.client.execute(query, params, { prepare: true });
  }

  /**
   * Writes in one unlogged batch: one request instead of one per row. Not
   * atomic, and need not be: every write in it is idempotent, and a
   * redelivery writes the whole batch again.
   */
  private async batch(queries: Array<{ query: string; params: unknown[] }>): Promise<void> {
    if (queries.length > 0) await this.client.batch(queries, { prepare: true, logged: false });
  }

  private merge(term: string, bucket: number, delta: number): void {
    const key = `${bucket}\u0000${term}`;
    const p = this.pending.get(key);
    if (p) p.delta += delta;
    else this.pending.set(key, { term, bucket, delta });
  }

  private async count(terms: readonly string[], bucket: number, delta: number): Promise<void> {
    for (const term of terms) this.merge(term, bucket, delta);
    if ((this.opts.countFlushMs ?? DEFAULT_FLUSH_MS) === 0) await this.flush();
  }

  async flush(): Promise<void> {
    const batch = [...this.pending.values()].filter((p) => p.delta !== 0);
    this.pending = new Map();
    const run = this.flushing.then(async () => {
      const failed: typeof batch = [];
      // A bounded number in flight: a second's counts must not crowd out the index writes and reads.
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(FLUSH_CONCURRENCY, batch.length) }, async () => {
          while (next < batch.length) {
            const p = batch[next++]!;
            await this.exec(Q.count, [BigInt(p.delta), p.term, p.bucket]).catch(() => failed.push(p));
          }
        }),
      );
      // Put back for the next flush: a count that failed once is not lost.
      for (const p of failed) this.merge(p.term, p.bucket, p.delta);
      if (failed.length) throw new Error(`${failed.length} bucket counts not written`);
    });
    this.flushing = run.catch(() => {});
    return run;
  }

  /**
   * Two deliveries of one event handled at once by this process take turns:
   * the second then finds the first's doc. (Across processes, a redelivery
   * comes an ack-wait later, long after the first wrote its doc.)
   */
  private serial<T>(tweetId: bigint, fn: () => Promise<T>): Promise<T> {
    const prev = this.inflight.get(tweetId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const settled = run.then(() => {}, () => {});
    this.inflight.set(tweetId, settled);
    void settled.then(() => {
      if (this.inflight.get(tweetId) === settled) this.inflight.delete(tweetId);
    });
    return run;
  }

  /**
   * Two round trips: the doc is read, then the postings and the doc row go
   * in one batch. A doc there already means a redelivery: the batch is
   * written again (it may have been cut short the first time) but nothing
   * is counted again. A doc that says removed means the delete came first.
   * The read must come first: read alongside the batch, it may see the
   * batch's own doc.
   */
  addTweet(tweetId: bigint, terms: readonly string[]): Promise<boolean> {
    return this.serial(tweetId, async () => {
      const doc = (await this.exec(Q.readDoc, [tweetId])).first();
      if (doc?.get("removed")) return false;
      const bucket = bucketOf(tweetId);
      const at = writtenAt(tweetId);
      const unique = [...new Set(terms)];
      const newBuckets = unique.filter((term) => !this.listed.has(`${bucket}\u0000${term}`));
      await this.batch([
        ...unique.map((term) => ({ query: Q.addPosting, params: [term, bucket, tweetId, at] })),
        ...newBuckets.map((term) => ({ query: Q.addBucket, params: [term, bucket] })),
        { query: Q.writeDoc, params: [tweetId, unique, at] },
      ]);
      if (this.listed.size + newBuckets.length > LISTED_MAX) this.listed.clear();
      for (const term of newBuckets) this.listed.add(`${bucket}\u0000${term}`);
      if (doc) return false;
      await this.count(unique, bucket, 1);
      return true;
    });
  }

  removeTweet(tweetId: bigint): Promise<boolean> {
    return this.serial(tweetId, () => this.remove(tweetId));
  }

  private async remove(tweetId: bigint): Promise<boolean> {
    const doc = (await this.exec(Q.readDoc, [tweetId])).first();
    const at = writtenAt(tweetId) + 1n;
    const terms = doc && !doc.get("removed") ? ((doc.get("terms") as string[] | null) ?? []) : [];
    const bucket = bucketOf(tweetId);
    await this.batch(terms.map((term) => ({ query: Q.removePosting, params: [at, term, bucket, tweetId] })));
    await this.exec(Q.removeDoc, [tweetId, at]);
    await this.count(terms, bucket, -1);
    return terms.length > 0;
  }

  async tweetTerms(tweetId: bigint): Promise<string[] | undefined> {
    const doc = (await this.exec(Q.readDoc, [tweetId])).first();
    if (!doc || doc.get("removed")) return undefined;
    return (doc.get("terms") as string[] | null) ?? [];
  }

  async buckets(term: string, maxBucket: number, minBucket: number, limit: number): Promise<TermBucket[]> {
    if (maxBucket < minBucket || limit <= 0) return [];
    const [listed, counted] = await Promise.all([
      this.exec(Q.buckets, [term, maxBucket, minBucket, limit]),
      this.exec(Q.counts, [term, maxBucket, minBucket, limit]),
    ]);
    const counts = new Map(counted.rows.map((r) => [r.get("bucket") as number, Math.max(0, Number(r.get("postings") as bigint))]));
    return listed.rows.map((r) => ({ bucket: r.get("bucket") as number, count: counts.get(r.get("bucket") as number) ?? 0 }));
  }

  async contains(term: string, bucket: number, ids: readonly bigint[]): Promise<Set<bigint>> {
    const out = new Set<bigint>();
    const answers = await Promise.all(chunk(ids, CONTAINS_BATCH).map((part) => this.exec(Q.contains, [term, bucket, part])));
    for (const rs of answers) for (const r of rs.rows) out.add(r.get("tweet_id") as bigint);
    return out;
  }

  async postings(term: string, bucket: number, before: bigint | undefined, atLeast: bigint | undefined, limit: number): Promise<bigint[]> {
    if (limit <= 0) return [];
    const low = atLeast !== undefined && atLeast > 0n ? atLeast : undefined;
    const rs =
      before === undefined
        ? low === undefined
          ? await this.exec(Q.postings, [term, bucket, limit])
          : await this.exec(Q.postingsRange, [term, bucket, low, limit])
        : low === undefined
          ? await this.exec(Q.postingsBefore, [term, bucket, before, limit])
          : await this.exec(Q.postingsBeforeRange, [term, bucket, before, low, limit]);
    return rs.rows.map((r) => r.get("tweet_id") as bigint);
  }

  async putUser(user: IndexedUser): Promise<void> {
    const old = await this.readUser(user.userId);
    const prefixes = userPrefixes(user.username, user.displayName);
    const rank = rankOf(user.followerCount);
    await this.moveUser(user.userId, old, { prefixes, rank });
  }

  async setFollowers(userId: bigint, followerCount: bigint): Promise<void> {
    const old = await this.readUser(userId);
    const rank = rankOf(followerCount);
    if (!old || old.rank === rank) return;
    await this.moveUser(userId, old, { prefixes: old.prefixes, rank });
  }

  private async readUser(userId: bigint): Promise<{ prefixes: string[]; rank: number } | undefined> {
    const row = (await this.exec(Q.readUser, [userId])).first();
    return row ? { prefixes: (row.get("prefixes") as string[] | null) ?? [], rank: row.get("rank") as number } : undefined;
  }

  private async moveUser(userId: bigint, old: { prefixes: string[]; rank: number } | undefined, next: { prefixes: string[]; rank: number }) {
    const keep = new Set(old && old.rank === next.rank ? next.prefixes : []);
    const stale = (old?.prefixes ?? []).filter((p) => !keep.has(p));
    // One request for the rows, not one per prefix: a burst of profile changes
    // otherwise queues thousands of writes at once, past Cassandra's write timeout.
    await this.batch([
      ...stale.map((p) => ({ query: Q.removePerson, params: [p, old!.rank, userId] })),
      ...next.prefixes.map((p) => ({ query: Q.addPerson, params: [p, next.rank, userId] })),
    ]);
    // The doc last: should the batch fail part-way, the retry still knows the old rows.
    await this.exec(Q.writeUser, [userId, next.prefixes, next.rank]);
  }

  async hasUser(userId: bigint): Promise<boolean> {
    return (await this.readUser(userId)) !== undefined;
  }

  async byPrefix(prefix: string, limit: number): Promise<PrefixHit[]> {
    if (limit <= 0) return [];
    const rs = await this.exec(Q.byPrefix, [prefix, limit]);
    return rs.rows.map((r) => ({ userId: r.get("user_id") as bigint, rank: r.get("rank") as number }));
  }

  async readProgress(job: string): Promise<string | undefined> {
    return ((await this.exec(Q.readProgress, [job])).first()?.get("position") as string | null) ?? undefined;
  }

  async writeProgress(job: string, position: string | undefined): Promise<void> {
    if (position === undefined) await this.exec(Q.clearProgress, [job]);
    else await this.exec(Q.writeProgress, [job, position]);
  }

  async ping(): Promise<void> {
    await pingCassandra(this.client);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush().catch((err) => this.opts.logger?.warn({ err }, "search bucket counts lost at close"));
  }
}

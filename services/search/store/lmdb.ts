// Embedded search index on LMDB, the same layout as the Cassandra tables in
// ordered keys. Every change runs in one write transaction, so counts are
// exact and a redelivered event is recognised without a race.
//
// Keys (ids as fixed-width strings, see idKey):
//   p  term bucket tweet      -> 1               postings (read in reverse: newest first)
//   b  term bucket            -> count           a term's non-empty buckets
//   d  tweet                  -> { t } | { r }   a tweet's terms, or removed
//   u  prefix (MAX-rank) user -> 1               people (forward: highest rank first, then id)
//   ud user                   -> { p, r }        an account's prefixes and rank
//   x  job                    -> position        reindex progress
import { HIGH, fromIdKey, idKey, openEmbedded, type EmbeddedDb } from "../../platform/embedded/lmdb.js";
import { bucketOf } from "../buckets.js";
import { rankOf, type IndexedUser, type PrefixHit, type SearchStore, type TermBucket } from "./port.js";
import { userPrefixes } from "../query/terms.js";

interface DocRow {
  t?: string[];
  r?: true;
}
interface UserRow {
  p: string[];
  r: number;
}

const MAX_RANK = 1_000_000;
const rankKey = (rank: number) => MAX_RANK - rank;

export class LmdbSearchStore implements SearchStore {
  private constructor(private readonly db: EmbeddedDb) {}

  static open(dir: string): LmdbSearchStore {
    return new LmdbSearchStore(openEmbedded(dir));
  }

  async addTweet(tweetId: bigint, terms: readonly string[]): Promise<boolean> {
    const id = idKey(tweetId);
    const bucket = bucketOf(tweetId);
    return this.db.transaction(() => {
      if (this.db.get(["d", id]) !== undefined) return false;
      const unique = [...new Set(terms)];
      for (const term of unique) {
        this.db.putSync(["p", term, bucket, id], 1);
        this.db.putSync(["b", term, bucket], ((this.db.get(["b", term, bucket]) as number | undefined) ?? 0) + 1);
      }
      this.db.putSync(["d", id], { t: unique } satisfies DocRow);
      return true;
    });
  }

  async removeTweet(tweetId: bigint): Promise<boolean> {
    const id = idKey(tweetId);
    const bucket = bucketOf(tweetId);
    return this.db.transaction(() => {
      const doc = this.db.get(["d", id]) as DocRow | undefined;
      this.db.putSync(["d", id], { r: true } satisfies DocRow);
      if (!doc?.t) return false;
      for (const term of doc.t) {
        this.db.removeSync(["p", term, bucket, id]);
        const n = ((this.db.get(["b", term, bucket]) as number | undefined) ?? 1) - 1;
        if (n > 0) this.db.putSync(["b", term, bucket], n);
        else this.db.removeSync(["b", term, bucket]);
      }
      return true;
    });
  }

  async tweetTerms(tweetId: bigint): Promise<string[] | undefined> {
    return (this.db.get(["d", idKey(tweetId)]) as DocRow | undefined)?.t;
  }

  async buckets(term: string, maxBucket: number, minBucket: number, limit: number): Promise<TermBucket[]> {
    if (maxBucket < minBucket || limit <= 0) return [];
    const range = this.db.getRange({ start: ["b", term, maxBucket], end: ["b", term, minBucket - 1], reverse: true, limit });
    return [...range].map(({ key, value }) => ({ bucket: key[2] as number, count: value as number }));
  }

  async contains(term: string, bucket: number, ids: readonly bigint[]): Promise<Set<bigint>> {
    return new Set(ids.filter((id) => this.db.get(["p", term, bucket, idKey(id)]) !== undefined));
  }

  async postings(term: string, bucket: number, before: bigint | undefined, atLeast: bigint | undefined, limit: number): Promise<bigint[]> {
    if (limit <= 0) return [];
    const range = this.db.getRange({
      start: before === undefined ? ["p", term, bucket, HIGH] : ["p", term, bucket, idKey(before)],
      end: atLeast === undefined ? ["p", term, bucket] : ["p", term, bucket, idKey(atLeast - 1n)],
      reverse: true,
      exclusiveStart: before !== undefined,
      limit,
    });
    return [...range].map(({ key }) => fromIdKey(key[3] as string));
  }

  async putUser(user: IndexedUser): Promise<void> {
    const id = idKey(user.userId);
    const prefixes = userPrefixes(user.username, user.displayName);
    const rank = rankOf(user.followerCount);
    await this.db.transaction(() => {
      this.unindexUser(id);
      for (const p of prefixes) this.db.putSync(["u", p, rankKey(rank), id], 1);
      this.db.putSync(["ud", id], { p: prefixes, r: rank } satisfies UserRow);
    });
  }

  async setFollowers(userId: bigint, followerCount: bigint): Promise<void> {
    const id = idKey(userId);
    const rank = rankOf(followerCount);
    await this.db.transaction(() => {
      const row = this.db.get(["ud", id]) as UserRow | undefined;
      if (!row || row.r === rank) return;
      this.unindexUser(id);
      for (const p of row.p) this.db.putSync(["u", p, rankKey(rank), id], 1);
      this.db.putSync(["ud", id], { p: row.p, r: rank } satisfies UserRow);
    });
  }

  /** Inside a transaction: drops an account's prefix rows. */
  private unindexUser(id: string): void {
    const row = this.db.get(["ud", id]) as UserRow | undefined;
    if (row) for (const p of row.p) this.db.removeSync(["u", p, rankKey(row.r), id]);
  }

  async hasUser(userId: bigint): Promise<boolean> {
    return this.db.get(["ud", idKey(userId)]) !== undefined;
  }

  async byPrefix(prefix: string, limit: number): Promise<PrefixHit[]> {
    if (limit <= 0) return [];
    const range = this.db.getRange({ start: ["u", prefix], end: ["u", prefix, HIGH], limit });
    return [...range].map(({ key }) => ({ userId: fromIdKey(key[3] as string), rank: MAX_RANK - (key[2] as number) }));
  }

  async readProgress(job: string): Promise<string | undefined> {
    return this.db.get(["x", job]) as string | undefined;
  }

  async writeProgress(job: string, position: string | undefined): Promise<void> {
    if (position === undefined) await this.db.remove(["x", job]);
    else await this.db.put(["x", job], position);
  }

  async flush(): Promise<void> {}

  async ping(): Promise<void> {
    this.db.get(["x", ""]);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

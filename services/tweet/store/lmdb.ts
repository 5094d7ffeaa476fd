// Embedded tweet store on LMDB. Every change runs in one write transaction
// (LMDB has a single writer), so claims and counts are exact without the
// compare-and-set dance Cassandra needs. Ordered keys give the same pages as
// the bucketed Cassandra tables: a reverse range scan from the cursor reads
// exactly the rows it returns, with no empty ranges to skip.
//
// Keys (ids as fixed-width strings, see idKey):
//   t  tweet            -> TweetDoc (tombstone when deleted)
//   c  tweet            -> counts
//   u  user tweet       -> 1          an author's tweets and retweets
//   uc user             -> tweet count
//   l  user tweet       -> 1          likes by user
//   lt tweet user       -> liked at   likes by tweet
//   r  user original    -> retweet id
//   rp parent reply     -> 1
//   i  author key       -> { id, exp } idempotency claims
//   ie exp author key   -> 1          claims by expiry, for the sweep
//   o  eventId          -> outbox event
import { permissionDenied } from "../../kit/errors.js";
import { HIGH, idKey, openEmbedded, type EmbeddedDb, type EmbeddedKey } from "../../platform/embedded/lmdb.js";
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

/** Like the Cassandra table's default TTL. */
const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const SWEEP_EVERY_MS = 10 * 60 * 1000;

export interface LmdbTweetStoreOptions {
  idempotencyTtlMs?: number;
}

// msgpack would turn 64-bit integers into lossy numbers: ids are strings.
interface TweetDoc {
  a: string;
  c: string;
  m: string[];
  r: string;
  rt: string;
  h: string[];
  n: string[];
  at: number;
  d?: true;
}
interface CountsDoc {
  l: number;
  r: number;
  p: number;
}
interface OutboxDoc {
  s: string;
  m: string;
  p: Uint8Array;
  at: number;
  /** traceparent */
  t?: string;
}

const toDoc = (t: TweetRow): TweetDoc => ({
  a: t.authorId.toString(),
  c: t.content,
  m: t.mediaUrls,
  r: t.replyToTweetId.toString(),
  rt: t.retweetOfTweetId.toString(),
  h: t.hashtags,
  n: t.mentions,
  at: t.createdAt.getTime(),
});

const fromDoc = (id: bigint, d: TweetDoc): TweetRow => ({
  tweetId: id,
  authorId: BigInt(d.a),
  content: d.c,
  mediaUrls: d.m,
  replyToTweetId: BigInt(d.r),
  retweetOfTweetId: BigInt(d.rt),
  hashtags: d.h,
  mentions: d.n,
  createdAt: new Date(d.at),
});

const tweetKey = (id: bigint): EmbeddedKey => ["t", idKey(id)];
const countsKey = (id: bigint): EmbeddedKey => ["c", idKey(id)];
const userTweetKey = (user: bigint, tweet: bigint): EmbeddedKey => ["u", idKey(user), idKey(tweet)];
const userCountKey = (user: bigint): EmbeddedKey => ["uc", idKey(user)];
const likeKey = (user: bigint, tweet: bigint): EmbeddedKey => ["l", idKey(user), idKey(tweet)];
const likerKey = (tweet: bigint, user: bigint): EmbeddedKey => ["lt", idKey(tweet), idKey(user)];
const retweetKey = (user: bigint, original: bigint): EmbeddedKey => ["r", idKey(user), idKey(original)];
const replyKey = (parent: bigint, reply: bigint): EmbeddedKey => ["rp", idKey(parent), idKey(reply)];
const claimKey = (author: bigint, key: string): EmbeddedKey => ["i", idKey(author), key];
const expiryKey = (exp: number, author: bigint, key: string): EmbeddedKey => ["ie", String(exp).padStart(15, "0"), idKey(author), key];

export class LmdbTweetStore implements TweetStore {
  readonly listStats = { rows: 0, queries: 0 };
  readonly outbox: OutboxStore;

  private readonly ttlMs: number;
  private readonly sweeper: NodeJS.Timeout;

  private constructor(
    private readonly db: EmbeddedDb,
    opts: LmdbTweetStoreOptions,
  ) {
    this.outbox = new LmdbOutbox(db);
    this.ttlMs = opts.idempotencyTtlMs ?? IDEMPOTENCY_TTL_MS;
    this.sweeper = setInterval(() => void this.sweepClaims().catch(() => {}), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  static open(dir: string, opts: LmdbTweetStoreOptions = {}): LmdbTweetStore {
    return new LmdbTweetStore(openEmbedded(dir), opts);
  }

  /**
   * Removes expired idempotency claims (Cassandra's TTL does this there);
   * returns how many. Expired claims are already ignored; this keeps them
   * from piling up.
   */
  async sweepClaims(now = Date.now()): Promise<number> {
    const due = [...this.db.getKeys({ start: ["ie"], end: ["ie", String(now).padStart(15, "0")], limit: 10_000 })];
    if (due.length === 0) return 0;
    await this.db.transaction(() => {
      for (const k of due) {
        const claim = ["i", k[2]!, k[3]!];
        const v = this.db.get(claim) as { exp: number } | undefined;
        if (v && v.exp <= now) this.db.removeSync(claim);
        this.db.removeSync(k);
      }
    });
    return due.length;
  }

  // --- reads inside or outside a transaction -------------------------------

  private doc(id: bigint): TweetDoc | undefined {
    return this.db.get(tweetKey(id)) as TweetDoc | undefined;
  }

  private live(id: bigint): TweetRow | undefined {
    const d = this.doc(id);
    return d && !d.d ? fromDoc(id, d) : undefined;
  }

  /** The tweet a like, retweet or reply is about: a retweet stands for its original. */
  private original(id: bigint): TweetRow | undefined {
    const row = this.live(id);
    return row && row.retweetOfTweetId !== 0n ? this.live(row.retweetOfTweetId) : row;
  }

  private counts(id: bigint): TweetCounts {
    const c = this.db.get(countsKey(id)) as CountsDoc | undefined;
    return { likes: BigInt(c?.l ?? 0), retweets: BigInt(c?.r ?? 0), replies: BigInt(c?.p ?? 0) };
  }

  private stored(row: TweetRow): StoredTweet {
    return { ...row, counts: this.counts(row.tweetId) };
  }

  // --- writes, only inside a transaction -----------------------------------

  private bump(id: bigint, field: keyof CountsDoc, by: number): void {
    const c = (this.db.get(countsKey(id)) as CountsDoc | undefined) ?? { l: 0, r: 0, p: 0 };
    this.db.putSync(countsKey(id), { ...c, [field]: c[field] + by });
  }

  private bumpUser(user: bigint, by: number): void {
    this.db.putSync(userCountKey(user), ((this.db.get(userCountKey(user)) as number | undefined) ?? 0) + by);
  }

  private insert(row: TweetRow): void {
    this.db.putSync(tweetKey(row.tweetId), toDoc(row));
    this.db.putSync(userTweetKey(row.authorId, row.tweetId), 1);
    this.bumpUser(row.authorId, 1);
    if (row.replyToTweetId !== 0n) {
      this.db.putSync(replyKey(row.replyToTweetId, row.tweetId), 1);
      this.bump(row.replyToTweetId, "p", 1);
    }
    if (row.retweetOfTweetId !== 0n) {
      this.db.putSync(retweetKey(row.authorId, row.retweetOfTweetId), row.tweetId.toString());
      this.bump(row.retweetOfTweetId, "r", 1);
    }
  }

  /** Tombstones a live tweet and takes it out of every list and count. */
  private remove(id: bigint, d: TweetDoc): DeletedTweet {
    const row = fromDoc(id, d);
    // The tombstone keeps who and what it answered, not the text.
    this.db.putSync(tweetKey(id), { ...d, c: "", m: [], h: [], n: [], d: true });
    this.db.removeSync(userTweetKey(row.authorId, id));
    this.bumpUser(row.authorId, -1);
    if (row.replyToTweetId !== 0n) {
      this.db.removeSync(replyKey(row.replyToTweetId, id));
      this.bump(row.replyToTweetId, "p", -1);
    }
    if (row.retweetOfTweetId !== 0n) {
      this.db.removeSync(retweetKey(row.authorId, row.retweetOfTweetId));
      this.bump(row.retweetOfTweetId, "r", -1);
    }
    return { tweetId: id, authorId: row.authorId, retweetOfTweetId: row.retweetOfTweetId, replyToTweetId: row.replyToTweetId };
  }

  // --- the port -------------------------------------------------------------

  async createTweet(tweet: NewTweet, opts: CreateOptions = {}): Promise<{ tweet: StoredTweet; created: boolean }> {
    const key = opts.idempotencyKey ? claimKey(tweet.authorId, opts.idempotencyKey) : undefined;
    const result = await this.db.transaction(() => {
      const now = Date.now();
      if (key) {
        const claim = this.db.get(key) as { id: string; exp: number } | undefined;
        if (claim && claim.exp > now) {
          const first = this.doc(BigInt(claim.id));
          // Claim and tweet are written together, so the tweet exists (maybe deleted since).
          return { kind: "existing" as const, id: BigInt(claim.id), deleted: !first || first.d === true };
        }
      }
      let replyTo = 0n;
      if (tweet.replyToTweetId !== 0n) {
        const parent = this.original(tweet.replyToTweetId);
        if (!parent) return { kind: "no-parent" as const };
        replyTo = parent.tweetId;
      }
      const row: TweetRow = { ...tweet, replyToTweetId: replyTo, retweetOfTweetId: 0n, createdAt: createdAt(tweet.tweetId) };
      this.insert(row);
      if (key) {
        const exp = now + this.ttlMs;
        this.db.putSync(key, { id: tweet.tweetId.toString(), exp });
        this.db.putSync(expiryKey(exp, tweet.authorId, opts.idempotencyKey!), 1);
      }
      return { kind: "created" as const, row };
    });
    switch (result.kind) {
      case "no-parent":
        throw replyParentNotFound(tweet.replyToTweetId);
      case "existing":
        if (result.deleted) throw existingDeleted(result.id);
        return { tweet: this.stored(this.live(result.id)!), created: false };
      case "created":
        return { tweet: this.stored(result.row), created: true };
    }
  }

  async getTweets(ids: readonly bigint[]): Promise<Map<bigint, StoredTweet>> {
    const out = new Map<bigint, StoredTweet>();
    // One read transaction: a consistent snapshot for the whole batch.
    for (const id of new Set(ids)) {
      const row = this.live(id);
      if (row) out.set(id, this.stored(row));
    }
    return out;
  }

  async deleteTweet(tweetId: bigint, callerId: bigint): Promise<DeletedTweet> {
    const result = await this.db.transaction(() => {
      const d = this.doc(tweetId);
      // Deleting again is NOT_FOUND: the tweet is gone either way, and the
      // first delete already emitted the event.
      if (!d || d.d) return { kind: "missing" as const };
      if (BigInt(d.a) !== callerId) return { kind: "not-yours" as const };
      return { kind: "deleted" as const, deleted: this.remove(tweetId, d) };
    });
    if (result.kind === "missing") throw notFoundTweet(tweetId);
    if (result.kind === "not-yours") throw permissionDenied(`only the author can delete tweet ${tweetId}`);
    return result.deleted;
  }

  async listUserTweets(userId: bigint, before: bigint | undefined, limit: number): Promise<Page> {
    const prefix = ["u", idKey(userId)];
    return this.page(
      this.db.getKeys({
        start: before === undefined ? [...prefix, HIGH] : [...prefix, idKey(before)],
        end: prefix,
        reverse: true,
        exclusiveStart: before !== undefined,
        limit: limit + 1,
      }),
      limit,
    );
  }

  async listReplies(tweetId: bigint, after: bigint | undefined, limit: number): Promise<Page> {
    if (!this.live(tweetId)) throw notFoundTweet(tweetId);
    const prefix = ["rp", idKey(tweetId)];
    return this.page(
      this.db.getKeys({
        start: after === undefined ? prefix : [...prefix, idKey(after)],
        end: [...prefix, HIGH],
        exclusiveStart: after !== undefined,
        limit: limit + 1,
      }),
      limit,
    );
  }

  private async page(keys: Iterable<EmbeddedKey>, limit: number): Promise<Page> {
    const ids = [...keys].map((k) => BigInt(k[2] as string));
    this.listStats.rows += ids.length;
    this.listStats.queries += 1;
    const shown = ids.slice(0, limit);
    const tweets = await this.getTweets(shown);
    return { tweets: shown.flatMap((id) => tweets.get(id) ?? []), hasMore: ids.length > limit, last: shown.at(-1) };
  }

  async like(userId: bigint, tweetId: bigint) {
    const result = await this.db.transaction(() => {
      const target = this.original(tweetId);
      if (!target) return undefined;
      const id = target.tweetId;
      const created = this.db.get(likeKey(userId, id)) === undefined;
      if (created) {
        this.db.putSync(likeKey(userId, id), 1);
        this.db.putSync(likerKey(id, userId), Date.now());
        this.bump(id, "l", 1);
      }
      return { created, likeCount: this.counts(id).likes, tweetId: id, authorId: target.authorId };
    });
    if (!result) throw notFoundTweet(tweetId);
    return result;
  }

  async unlike(userId: bigint, tweetId: bigint) {
    const result = await this.db.transaction(() => {
      const target = this.original(tweetId);
      if (!target) return undefined;
      const id = target.tweetId;
      const removed = this.db.get(likeKey(userId, id)) !== undefined;
      if (removed) {
        this.db.removeSync(likeKey(userId, id));
        this.db.removeSync(likerKey(id, userId));
        this.bump(id, "l", -1);
      }
      return { removed, likeCount: this.counts(id).likes, tweetId: id, authorId: target.authorId };
    });
    if (!result) throw notFoundTweet(tweetId);
    return result;
  }

  async retweet(userId: bigint, tweetId: bigint, retweetId: bigint) {
    const result = await this.db.transaction(() => {
      const original = this.original(tweetId);
      if (!original) return undefined;
      const existing = this.db.get(retweetKey(userId, original.tweetId)) as string | undefined;
      if (existing !== undefined) return { id: BigInt(existing), created: false, originalAuthorId: original.authorId };
      this.insert({
        tweetId: retweetId,
        authorId: userId,
        content: "",
        mediaUrls: [],
        replyToTweetId: 0n,
        retweetOfTweetId: original.tweetId,
        hashtags: [],
        mentions: [],
        createdAt: createdAt(retweetId),
      });
      return { id: retweetId, created: true, originalAuthorId: original.authorId };
    });
    if (!result) throw notFoundTweet(tweetId);
    return { retweet: this.stored(this.live(result.id)!), created: result.created, originalAuthorId: result.originalAuthorId };
  }

  async undoRetweet(userId: bigint, tweetId: bigint) {
    return this.db.transaction(() => {
      const row = this.live(tweetId);
      const originalId = row && row.retweetOfTweetId !== 0n ? row.retweetOfTweetId : tweetId;
      const existing = this.db.get(retweetKey(userId, originalId)) as string | undefined;
      if (existing === undefined) return { removed: false };
      const rt = BigInt(existing);
      const d = this.doc(rt);
      if (!d || d.d) {
        this.db.removeSync(retweetKey(userId, originalId));
        return { removed: false };
      }
      return { removed: true, deleted: this.remove(rt, d) };
    });
  }

  async viewerStates(viewerId: bigint, tweetIds: readonly bigint[]): Promise<Map<bigint, ViewerState>> {
    const out = new Map<bigint, ViewerState>();
    for (const id of tweetIds) {
      out.set(id, {
        liked: this.db.get(likeKey(viewerId, id)) !== undefined,
        retweeted: this.db.get(retweetKey(viewerId, id)) !== undefined,
      });
    }
    return out;
  }

  async userTweetCount(userId: bigint): Promise<bigint> {
    return BigInt((this.db.get(userCountKey(userId)) as number | undefined) ?? 0);
  }

  async userTweetCounts(userIds: readonly bigint[]): Promise<Map<bigint, bigint>> {
    return new Map(userIds.map((id) => [id, BigInt((this.db.get(userCountKey(id)) as number | undefined) ?? 0)]));
  }

  async ping(): Promise<void> {
    this.db.get(["ping"]);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.db.close();
  }
}

class LmdbOutbox implements OutboxStore {
  constructor(private readonly db: EmbeddedDb) {}

  async put(e: OutboxEvent): Promise<void> {
    const doc: OutboxDoc = { s: e.subject, m: e.msgId, p: e.payload, at: e.createdAt.getTime() };
    if (e.traceparent) doc.t = e.traceparent;
    await this.db.put(["o", e.eventId], doc);
  }

  async list(limit: number, afterEventId?: string): Promise<OutboxEvent[]> {
    const range = this.db.getRange({
      start: afterEventId === undefined ? ["o"] : ["o", afterEventId],
      end: ["o", HIGH],
      exclusiveStart: afterEventId !== undefined,
      limit,
    });
    return [...range].map(({ key, value }) => {
      const v = value as OutboxDoc;
      const e: OutboxEvent = { eventId: key[1] as string, subject: v.s, msgId: v.m, payload: new Uint8Array(v.p), createdAt: new Date(v.at) };
      if (v.t) e.traceparent = v.t;
      return e;
    });
  }

  async remove(eventIds: string[]): Promise<void> {
    await this.db.transaction(() => {
      for (const id of eventIds) this.db.removeSync(["o", id]);
    });
  }
}

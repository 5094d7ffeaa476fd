// The discovery store in process (the all-in-one): Maps with the semantics of
// the Redis store (port.ts), checked by the same contract suite.
import { countMembers } from "../trends/windows.js";
import type {
  CachedSuggestions,
  DiscoveryStore,
  SuggestionStore,
  TagWindows,
  TrendStore,
  TweetContribution,
  WindowSpec,
} from "./port.js";

interface Member {
  authorId: bigint;
  weight: number;
  at: number;
}

interface TweetRecord {
  /** Undefined: a tombstone (deleted before it was counted). */
  c: TweetContribution | undefined;
  deleted: boolean;
  keepUntil: number;
}

export class MemoryTrendStore implements TrendStore {
  private readonly records = new Map<bigint, TweetRecord>();
  /** Per tag: its tweets by id. */
  private readonly tags = new Map<string, Map<bigint, Member>>();
  /** Per tag: when it was last used. */
  private readonly recent = new Map<string, number>();
  /** Per author: their counted tweets and when they were posted. */
  private readonly authors = new Map<bigint, Map<bigint, number>>();
  private readonly claims = new Map<string, number>();
  private trends: Uint8Array | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  async addTweet(c: TweetContribution, retentionMs: number): Promise<boolean> {
    const existing = this.records.get(c.tweetId);
    if (existing?.deleted) return false;
    const rec = existing?.c ?? c;
    if (!existing) this.records.set(c.tweetId, { c, deleted: false, keepUntil: c.at + retentionMs });
    for (const tag of rec.tags) {
      let members = this.tags.get(tag);
      if (!members) this.tags.set(tag, (members = new Map()));
      members.set(rec.tweetId, { authorId: rec.authorId, weight: rec.weight, at: rec.at });
      this.recent.set(tag, Math.max(this.recent.get(tag) ?? 0, rec.at));
    }
    let mine = this.authors.get(rec.authorId);
    if (!mine) this.authors.set(rec.authorId, (mine = new Map()));
    mine.set(rec.tweetId, rec.at);
    return true;
  }

  async removeTweet(tweetId: bigint, keepUntil: number): Promise<boolean> {
    const existing = this.records.get(tweetId);
    if (!existing) {
      this.records.set(tweetId, { c: undefined, deleted: true, keepUntil });
      return false;
    }
    const wasCounted = !existing.deleted;
    existing.deleted = true;
    const c = existing.c;
    if (!c) return false;
    for (const tag of c.tags) this.tags.get(tag)?.delete(tweetId);
    this.authors.get(c.authorId)?.delete(tweetId);
    return wasCounted;
  }

  async removeAuthor(authorId: bigint, keepUntil: number): Promise<number> {
    let n = 0;
    for (const tweetId of [...(this.authors.get(authorId)?.keys() ?? [])]) if (await this.removeTweet(tweetId, keepUntil)) n++;
    this.authors.delete(authorId);
    return n;
  }

  async recentTags(since: number): Promise<string[]> {
    return [...this.recent].filter(([, at]) => at >= since).map(([tag]) => tag);
  }

  async tweetCounts(tags: string[], from: number, to: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const tag of tags) {
      let n = 0;
      for (const m of this.tags.get(tag)?.values() ?? []) if (m.at >= from && m.at < to) n++;
      out.set(tag, n);
    }
    return out;
  }

  async countWindows(tags: string[], spec: WindowSpec): Promise<Map<string, TagWindows>> {
    return new Map(tags.map((tag) => [tag, countMembers(this.tags.get(tag)?.values() ?? [], spec)]));
  }

  async prune(tags: string[], before: number, now: number): Promise<void> {
    for (const tag of tags) {
      const members = this.tags.get(tag);
      if (!members) continue;
      for (const [id, m] of members) if (m.at < before) members.delete(id);
      if (members.size === 0) this.tags.delete(tag);
    }
    for (const [tag, at] of this.recent) if (at < before) this.recent.delete(tag);
    for (const [authorId, mine] of this.authors) {
      for (const [id, at] of mine) if (at < before) mine.delete(id);
      if (mine.size === 0) this.authors.delete(authorId);
    }
    for (const [id, r] of this.records) if (r.keepUntil <= now) this.records.delete(id);
  }

  async claim(job: string, bucket: number, ttlMs: number): Promise<boolean> {
    const key = `${job}:${bucket}`;
    const t = this.now();
    for (const [k, until] of this.claims) if (until <= t) this.claims.delete(k);
    if (this.claims.has(key)) return false;
    this.claims.set(key, t + ttlMs);
    return true;
  }

  async saveTrends(value: Uint8Array): Promise<void> {
    this.trends = value;
  }

  async loadTrends(): Promise<Uint8Array | undefined> {
    return this.trends;
  }
}

export class MemorySuggestionStore implements SuggestionStore {
  private readonly dismissals = new Map<bigint, Map<bigint, number>>();
  private readonly cache = new Map<bigint, { value: Uint8Array | undefined; generation: number; expiresAt: number }>();
  private readonly active = new Map<bigint, number>();
  private readonly followers = new Map<bigint, number>();
  private readonly follows = new Map<bigint, { ids: bigint[]; expiresAt: number }>();

  constructor(
    private readonly o: {
      now?: () => number;
      /** Users whose suggestions are kept (the least recently filled go first). */
      maxCached?: number;
    } = {},
  ) {}

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  async dismiss(userId: bigint, accountId: bigint, at: number, retentionMs: number): Promise<void> {
    let mine = this.dismissals.get(userId);
    if (!mine) this.dismissals.set(userId, (mine = new Map()));
    mine.set(accountId, at);
    for (const [id, when] of mine) if (when < at - retentionMs) mine.delete(id);
  }

  async dismissed(userId: bigint, since: number): Promise<Set<bigint>> {
    return new Set([...(this.dismissals.get(userId) ?? [])].filter(([, at]) => at >= since).map(([id]) => id));
  }

  async readCache(userId: bigint): Promise<CachedSuggestions> {
    const e = this.cache.get(userId);
    if (!e) return { value: undefined, generation: 0 };
    return { value: e.expiresAt > this.now() ? e.value : undefined, generation: e.generation };
  }

  async fillCache(userId: bigint, value: Uint8Array, generation: number, ttlMs: number): Promise<boolean> {
    const e = this.cache.get(userId);
    if ((e?.generation ?? 0) !== generation) return false;
    this.cache.delete(userId);
    this.cache.set(userId, { value, generation, expiresAt: this.now() + ttlMs });
    this.bound();
    return true;
  }

  async invalidate(userIds: readonly bigint[]): Promise<void> {
    for (const id of userIds) {
      const generation = (this.cache.get(id)?.generation ?? 0) + 1;
      this.cache.delete(id);
      this.cache.set(id, { value: undefined, generation, expiresAt: 0 });
    }
    this.bound();
  }

  /**
   * The least recently written go first, generation and all: a fill that
   * raced an invalidation of an entry that old would be a stale answer for
   * its TTL, which the bound makes rare (Redis keeps generations a day).
   */
  private bound(): void {
    const max = this.o.maxCached ?? 100_000;
    while (this.cache.size > max) this.cache.delete(this.cache.keys().next().value!);
  }

  async recordActivity(entries: ReadonlyArray<readonly [bigint, number]>): Promise<void> {
    for (const [id, at] of entries) this.active.set(id, Math.max(this.active.get(id) ?? -Infinity, at));
  }

  async lastActive(userIds: readonly bigint[]): Promise<Map<bigint, number>> {
    const out = new Map<bigint, number>();
    for (const id of userIds) {
      const at = this.active.get(id);
      if (at !== undefined) out.set(id, at);
    }
    return out;
  }

  async pruneActivity(before: number): Promise<void> {
    for (const [id, at] of this.active) if (at < before) this.active.delete(id);
  }

  async readFollows(userIds: readonly bigint[]): Promise<Map<bigint, bigint[]>> {
    const out = new Map<bigint, bigint[]>();
    const now = this.now();
    for (const id of userIds) {
      const e = this.follows.get(id);
      if (e && e.expiresAt > now) out.set(id, e.ids);
    }
    return out;
  }

  async fillFollows(entries: ReadonlyArray<readonly [bigint, readonly bigint[]]>, ttlMs: number): Promise<void> {
    const now = this.now();
    for (const [id, ids] of entries) {
      this.follows.delete(id);
      this.follows.set(id, { ids: [...ids], expiresAt: now + ttlMs });
    }
    const max = this.o.maxCached ?? 100_000;
    while (this.follows.size > max) this.follows.delete(this.follows.keys().next().value!);
  }

  async dropFollows(userIds: readonly bigint[]): Promise<void> {
    for (const id of userIds) this.follows.delete(id);
  }

  async setFollowers(userId: bigint, followers: number): Promise<void> {
    if (followers > 0) this.followers.set(userId, followers);
    else this.followers.delete(userId);
  }

  async popular(n: number): Promise<bigint[]> {
    return [...this.followers]
      .sort(([a, x], [b, y]) => y - x || (b > a ? 1 : b < a ? -1 : 0))
      .slice(0, n)
      .map(([id]) => id);
  }
}

export class MemoryDiscoveryStore implements DiscoveryStore {
  readonly trends: MemoryTrendStore;
  readonly suggestions: MemorySuggestionStore;

  constructor(now: () => number = Date.now) {
    this.trends = new MemoryTrendStore(now);
    this.suggestions = new MemorySuggestionStore({ now });
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

// The notification store on LMDB (embedded mode). Each change is one write
// transaction over the notification, its group, the group's head and the
// unread count (per month partition, months.ts), so the count is exact by
// construction; months past the retention are left out of it and of pages.
//
// Keys:  ["k", user, sourceKey]           -> Stored (the live notification of that key) or Removed
//        ["src", user, id]                -> sourceKey
//        ["n", user, id]                  -> groupKey (every notification, newest last)
//        ["g", user, groupKey, id]        -> [actor, at]
//        ["h", user, id]                  -> StoredHead (one per group: its newest, with count and samples)
//        ["hk", user, groupKey]           -> [head id, count]
//        ["s", user]                      -> StoredState (unread per month)
//        ["t", tweet, user, sourceKey]    -> expiry (who a tweet notified)
//        ["td", tweet]                    -> expiry (the tweet was deleted)
// Nothing deletes rows of expired months yet (an all-in-one keeps them; the
// Cassandra adapter's TTLs drop them).
import { fromIdKey, HIGH, idKey, openEmbedded, type EmbeddedDb } from "../../platform/embedded/lmdb.js";
import { keptCount, monthOf, moved, oldestKeptMonth, type MonthCounts } from "./months.js";
import { SAMPLES, type AddResult, type GroupSummary, type Head, type HeadPage, type NewNotification, type NotificationStore, type NotificationType, type RemoveResult, type TweetSources, type Unread } from "./port.js";

interface Stored {
  id: string;
  groupKey: string;
  type: NotificationType;
  tweetId: string;
  actorId: string;
  at: number;
}

/** When the source was undone: an add from before then is late, and skipped. */
interface Removed {
  removedAt: number;
}

const isRemoved = (v: Stored | Removed | undefined): v is Removed => v !== undefined && "removedAt" in v;

interface StoredHead {
  groupKey: string;
  type: NotificationType;
  tweetId: string;
  at: number;
  count: number;
  samples: string[];
}

interface StoredState {
  lastRead: string;
  /** Unread per month (absent in a state from before they were kept by month: recounted). */
  byMonth?: Array<[month: number, count: number]>;
}

export class LmdbNotificationStore implements NotificationStore {
  constructor(
    private readonly db: EmbeddedDb,
    private readonly retentionMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  static open(dir: string, retentionMs: number, now?: () => number): LmdbNotificationStore {
    return new LmdbNotificationStore(openEmbedded(dir), retentionMs, now);
  }

  private oldestMonth(): number {
    return oldestKeptMonth(this.now(), this.retentionMs);
  }

  private state(u: string): { lastRead: string; byMonth: Map<number, number> } {
    const s = this.db.get(["s", u]) as StoredState | undefined;
    if (!s) return { lastRead: idKey(0n), byMonth: new Map() };
    return { lastRead: s.lastRead, byMonth: s.byMonth ? new Map(s.byMonth) : this.countAfter(u, s.lastRead) };
  }

  /** Notifications newer than the marker, per month. */
  private countAfter(u: string, after: string): Map<number, number> {
    const out = new Map<number, number>();
    const oldest = this.oldestMonth();
    for (const key of this.db.getKeys({ start: ["n", u, HIGH], end: ["n", u, after], reverse: true })) {
      const m = monthOf(fromIdKey(key[2] as string));
      if (m < oldest) break;
      out.set(m, (out.get(m) ?? 0) + 1);
    }
    return out;
  }

  private putState(u: string, lastRead: string, byMonth: MonthCounts): void {
    void this.db.put(["s", u], { lastRead, byMonth: [...byMonth] } satisfies StoredState);
  }

  /** Points the group's head at its newest remaining notification (or drops it), its count moved by `delta`. */
  private moveHead(u: string, groupKey: string, delta: 1 | -1): void {
    const [old, count] = (this.db.get(["hk", u, groupKey]) as [string, number] | undefined) ?? [undefined, 0];
    if (old !== undefined) void this.db.remove(["h", u, old]);
    const newest = [...this.db.getRange({ start: ["g", u, groupKey, HIGH], end: ["g", u, groupKey], reverse: true, limit: SAMPLES * 4 })];
    const first = newest[0];
    if (!first || count + delta <= 0) {
      void this.db.remove(["hk", u, groupKey]);
      return;
    }
    const id = first.key[3] as string;
    const n = this.db.get(["k", u, this.db.get(["src", u, id]) as string]) as Stored;
    const samples = [...new Set(newest.map((r) => (r.value as [string, number])[0]))].slice(0, SAMPLES);
    void this.db.put(["h", u, id], { groupKey, type: n.type, tweetId: n.tweetId, at: n.at, count: count + delta, samples } satisfies StoredHead);
    void this.db.put(["hk", u, groupKey], [id, count + delta]);
  }

  add(userId: bigint, n: NewNotification): Promise<AddResult> {
    const u = idKey(userId);
    return this.db.transaction((): AddResult => {
      const current = this.db.get(["k", u, n.sourceKey]) as Stored | Removed | undefined;
      if (current !== undefined && (!isRemoved(current) || current.removedAt >= n.at)) return { added: false };
      const id = idKey(n.id);
      const stored: Stored = { id, groupKey: n.groupKey, type: n.type, tweetId: idKey(n.tweetId), actorId: idKey(n.actorId), at: n.at };
      void this.db.put(["k", u, n.sourceKey], stored);
      void this.db.put(["src", u, id], n.sourceKey);
      void this.db.put(["n", u, id], n.groupKey);
      void this.db.put(["g", u, n.groupKey, id], [stored.actorId, n.at]);
      this.moveHead(u, n.groupKey, 1);
      const s = this.state(u);
      if (id > s.lastRead) this.putState(u, s.lastRead, moved(s.byMonth, monthOf(n.id), 1, this.oldestMonth()));
      return { added: true };
    });
  }

  remove(userId: bigint, sourceKey: string, at: number): Promise<RemoveResult> {
    const u = idKey(userId);
    return this.db.transaction((): RemoveResult => {
      const n = this.db.get(["k", u, sourceKey]) as Stored | Removed | undefined;
      if (isRemoved(n) || n === undefined) {
        if ((n?.removedAt ?? -Infinity) < at) void this.db.put(["k", u, sourceKey], { removedAt: at } satisfies Removed);
        return {};
      }
      // Done again after this undo was asked: the undo is late.
      if (n.at > at) return {};
      void this.db.put(["k", u, sourceKey], { removedAt: at } satisfies Removed);
      void this.db.remove(["src", u, n.id]);
      void this.db.remove(["n", u, n.id]);
      void this.db.remove(["g", u, n.groupKey, n.id]);
      this.moveHead(u, n.groupKey, -1);
      const s = this.state(u);
      if (n.id > s.lastRead) this.putState(u, s.lastRead, moved(s.byMonth, monthOf(fromIdKey(n.id)), -1, this.oldestMonth()));
      return { removed: { id: fromIdKey(n.id), groupKey: n.groupKey, type: n.type, tweetId: fromIdKey(n.tweetId) } };
    });
  }

  async heads(userId: bigint, o: { limit: number; before?: bigint | undefined; types?: ReadonlySet<NotificationType> | undefined }): Promise<HeadPage> {
    const u = idKey(userId);
    const oldest = this.oldestMonth();
    const start = o.before === undefined ? ["h", u, HIGH] : ["h", u, idKey(o.before - 1n)];
    const heads: Head[] = [];
    if (o.before !== undefined && o.before <= 1n) return { heads, hasMore: false };
    for (const { key, value } of this.db.getRange({ start, end: ["h", u], reverse: true })) {
      const h = value as StoredHead;
      if (monthOf(fromIdKey(key[2] as string)) < oldest) break;
      if (o.types && !o.types.has(h.type)) continue;
      if (heads.length === o.limit) return { heads, hasMore: true };
      heads.push({
        id: fromIdKey(key[2] as string),
        groupKey: h.groupKey,
        type: h.type,
        tweetId: fromIdKey(h.tweetId),
        at: h.at,
        count: h.count,
        sampleActorIds: h.samples.map(fromIdKey),
      });
    }
    return { heads, hasMore: false };
  }

  async groups(userId: bigint, groupKeys: readonly string[], samples: number): Promise<Map<string, GroupSummary>> {
    const u = idKey(userId);
    const out = new Map<string, GroupSummary>();
    for (const g of new Set(groupKeys)) {
      const hk = this.db.get(["hk", u, g]) as [string, number] | undefined;
      const h = hk && (this.db.get(["h", u, hk[0]]) as StoredHead | undefined);
      if (!hk || !h) continue;
      out.set(g, { count: h.count, sampleActorIds: h.samples.slice(0, samples).map(fromIdKey), latestId: fromIdKey(hk[0]), latestAt: h.at });
    }
    return out;
  }

  async unread(userId: bigint): Promise<Unread> {
    const s = this.state(idKey(userId));
    return { count: keptCount(s.byMonth, this.oldestMonth()), lastReadId: fromIdKey(s.lastRead) };
  }

  markRead(userId: bigint, upToId: bigint): Promise<Unread> {
    const u = idKey(userId);
    return this.db.transaction((): Unread => {
      const s = this.state(u);
      const to = idKey(upToId);
      if (to <= s.lastRead) return { count: keptCount(s.byMonth, this.oldestMonth()), lastReadId: fromIdKey(s.lastRead) };
      // The notifications newer than the new marker are the ones still unread.
      const byMonth = this.countAfter(u, to);
      this.putState(u, to, byMonth);
      return { count: keptCount(byMonth, this.oldestMonth()), lastReadId: upToId };
    });
  }

  async recordSources(tweetId: bigint, entries: ReadonlyArray<{ userId: bigint; sourceKey: string }>): Promise<void> {
    if (entries.length === 0) return;
    const t = idKey(tweetId);
    await this.db.transaction(() => {
      for (const e of entries) void this.db.put(["t", t, idKey(e.userId), e.sourceKey], this.now() + this.retentionMs);
    });
  }

  async sources(tweetId: bigint): Promise<TweetSources> {
    const t = idKey(tweetId);
    return {
      entries: [...this.db.getRange({ start: ["t", t], end: ["t", t, HIGH] })].map(({ key }) => ({ userId: fromIdKey(key[2] as string), sourceKey: key[3] as string })),
      deleted: this.db.get(["td", t]) !== undefined,
    };
  }

  async tweetDeleted(tweetId: bigint): Promise<boolean> {
    return this.db.get(["td", idKey(tweetId)]) !== undefined;
  }

  async markTweetDeleted(tweetId: bigint): Promise<void> {
    await this.db.put(["td", idKey(tweetId)], this.now() + this.retentionMs);
  }

  async ping(): Promise<void> {
    this.db.get(["ping"]);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

// The Cassandra store behind the shared cache (cluster mode): a user's newest
// heads and their unread count are kept in Redis, so a client that polls its
// notifications and unread count reads no Cassandra row until something
// changes. Every change goes to the store first and then drops the user's
// entries; the entries carry the hydration cache's generations, so a read
// that fetched the store before a change never writes the old value back.
// An entry is good until the next month of notifications expires
// (months.ts): the count and the page then change without a change.
import type { HydrationCache, Kind } from "../../hydration/port.js";
import { monthExpiresMs, oldestKeptMonth } from "./months.js";
import type { AddResult, Head, HeadPage, NewNotification, NotificationStore, NotificationType, RemoveResult, Unread } from "./port.js";

/** Heads kept per user: the default page (40) and one more, to know whether more follow. */
export const HEADS_WINDOW = 41;

const HEADS: Kind = "notification-heads";
const UNREAD: Kind = "notification-unread";

interface Window {
  heads: Head[];
  /** No head lies below the last one. */
  complete: boolean;
}

/** A kept value and when it stops being good (ms). */
interface Kept<T> {
  value: T;
  until: number;
}

type StoredHead = [id: string, groupKey: string, type: NotificationType, tweetId: string, at: number, count: number, samples: string[]];

const encodeWindow = ({ value: w, until }: Kept<Window>) =>
  Buffer.from(JSON.stringify({ u: until, c: w.complete, h: w.heads.map((h): StoredHead => [String(h.id), h.groupKey, h.type, String(h.tweetId), h.at, h.count, h.sampleActorIds.map(String)]) }));

function decodeWindow(bytes: Uint8Array): Kept<Window> {
  const o = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString()) as { u?: number; c: boolean; h: StoredHead[] };
  return {
    until: o.u ?? 0,
    value: {
      complete: o.c,
      heads: o.h.map(([id, groupKey, type, tweetId, at, count, samples]) => ({ id: BigInt(id), groupKey, type, tweetId: BigInt(tweetId), at, count, sampleActorIds: samples.map(BigInt) })),
    },
  };
}

const encodeUnread = ({ value: u, until }: Kept<Unread>) => Buffer.from(`${u.count}:${u.lastReadId}:${until}`);

function decodeUnread(bytes: Uint8Array): Kept<Unread> {
  const [count, lastRead, until] = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString().split(":");
  return { value: { count: Number(count), lastReadId: BigInt(lastRead!) }, until: Number(until ?? 0) };
}

export class CachedNotificationStore implements NotificationStore {
  constructor(
    private readonly inner: NotificationStore,
    private readonly cache: HydrationCache,
    /** A cache that cannot be read or filled: the store answers, and this hears of it. */
    private readonly cacheFailed: (err: unknown) => void,
    /** The store's retention: an entry is good until the next month expires. */
    private readonly expiry: { retentionMs: number; now?: () => number },
  ) {}

  /** The kept value, or the store's (kept for the next reader unless a change lands meanwhile). */
  private async through<T>(kind: Kind, userId: bigint, load: () => Promise<T>, encode: (v: Kept<T>) => Uint8Array, decode: (b: Uint8Array) => Kept<T>): Promise<T> {
    const now = (this.expiry.now ?? Date.now)();
    let generation = -1;
    try {
      let read = await this.cache.read(kind, [userId]);
      const hit = read.hits.get(userId);
      if (hit) {
        const kept = decode(hit);
        if (now < kept.until) return kept.value;
        // A month expired since it was kept: dropped, so this read fills it again.
        await this.cache.invalidate(kind, [userId]);
        read = await this.cache.read(kind, [userId]);
      }
      generation = read.misses.get(userId) ?? -1;
    } catch (err) {
      this.cacheFailed(err);
    }
    const value = await load();
    const until = monthExpiresMs(oldestKeptMonth(now, this.expiry.retentionMs), this.expiry.retentionMs);
    if (generation >= 0) this.cache.fill(kind, [[userId, encode({ value, until }), generation]]).catch(this.cacheFailed);
    return value;
  }

  /** After every change, also a failed one (it may have written part of its rows). */
  private async changed(userId: bigint, kinds: Kind[]): Promise<void> {
    await Promise.all(kinds.map((k) => this.cache.invalidate(k, [userId])));
  }

  async heads(userId: bigint, o: { limit: number; before?: bigint | undefined; types?: ReadonlySet<NotificationType> | undefined }): Promise<HeadPage> {
    if (o.limit >= HEADS_WINDOW) return this.inner.heads(userId, o);
    const window = await this.through(
      HEADS,
      userId,
      async () => {
        const page = await this.inner.heads(userId, { limit: HEADS_WINDOW });
        return { heads: page.heads, complete: !page.hasMore };
      },
      encodeWindow,
      decodeWindow,
    );
    const matching = window.heads.filter((h) => (o.before === undefined || h.id < o.before) && (!o.types || o.types.has(h.type)));
    if (matching.length > o.limit) return { heads: matching.slice(0, o.limit), hasMore: true };
    if (window.complete) return { heads: matching, hasMore: false };
    return this.inner.heads(userId, o);
  }

  unread(userId: bigint): Promise<Unread> {
    return this.through(UNREAD, userId, () => this.inner.unread(userId), encodeUnread, decodeUnread);
  }

  async add(userId: bigint, n: NewNotification): Promise<AddResult> {
    try {
      return await this.inner.add(userId, n);
    } finally {
      await this.changed(userId, [HEADS, UNREAD]);
    }
  }

  async remove(userId: bigint, sourceKey: string, at: number): Promise<RemoveResult> {
    try {
      return await this.inner.remove(userId, sourceKey, at);
    } finally {
      await this.changed(userId, [HEADS, UNREAD]);
    }
  }

  async markRead(userId: bigint, upToId: bigint): Promise<Unread> {
    try {
      return await this.inner.markRead(userId, upToId);
    } finally {
      await this.changed(userId, [UNREAD]);
    }
  }

  groups(...args: Parameters<NotificationStore["groups"]>) {
    return this.inner.groups(...args);
  }
  recordSources(...args: Parameters<NotificationStore["recordSources"]>) {
    return this.inner.recordSources(...args);
  }
  sources(...args: Parameters<NotificationStore["sources"]>) {
    return this.inner.sources(...args);
  }
  tweetDeleted(...args: Parameters<NotificationStore["tweetDeleted"]>) {
    return this.inner.tweetDeleted(...args);
  }
  markTweetDeleted(...args: Parameters<NotificationStore["markTweetDeleted"]>) {
    return this.inner.markTweetDeleted(...args);
  }
  ping() {
    return this.inner.ping();
  }
  close() {
    return this.inner.close();
  }
}

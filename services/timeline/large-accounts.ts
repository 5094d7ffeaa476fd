// Read-time merge of large accounts, whose tweets are not
// fanned out. Two short-lived caches keep this cheap at high read rates:
// which large accounts a reader follows (CHIRP_TIMELINE_LARGE_ACCOUNT_FOLLOWS_CACHE_MS),
// and each large account's recent tweet ids, shared by all readers: one
// ListUserTweets per account per CHIRP_TIMELINE_LARGE_ACCOUNT_CACHE_MS, not one per read.
import type { ServiceClients } from "../runtime/clients.js";
import type { TimelineSource } from "./source.js";
import type { TimelineStore } from "./store/port.js";
import { chunk } from "./chunk.js";
import { TtlCache } from "./ttl-cache.js";

/** Up to this many large accounts, ask about each; beyond, list whom the reader follows. */
const RELATIONSHIP_LOOKUP_MAX = 500;

interface Feed {
  ids: bigint[];
  cursor: string;
  more: boolean;
  extending?: Promise<void> | undefined;
}

export class LargeAccounts {
  private readonly all: TtlCache<"all", bigint[]>;
  private readonly followed: TtlCache<bigint, bigint[]>;
  private readonly feeds: TtlCache<bigint, Feed>;

  constructor(
    private readonly store: TimelineStore,
    private readonly clients: Pick<ServiceClients, "graph" | "tweet">,
    private readonly source: TimelineSource,
    caches: { tweetsMs: number; followsMs: number },
    /** Deepest a large account's tweets are merged, like a fanned-out timeline's cap. */
    private readonly depth: number,
    /** Told of each cache lookup, by cache name (metrics). */
    onLookup: (cache: string, result: "hit" | "miss") => void = () => {},
  ) {
    this.all = new TtlCache(caches.tweetsMs, 1, (r) => onLookup("large_accounts", r));
    this.followed = new TtlCache(caches.followsMs, undefined, (r) => onLookup("large_accounts_followed", r));
    this.feeds = new TtlCache(caches.tweetsMs, 10_000, (r) => onLookup("large_account_tweets", r));
  }

  /** The large accounts userId follows. */
  followedBy(userId: bigint): Promise<bigint[]> {
    return this.followed.get(userId, async () => {
      const large = (await this.all.get("all", () => this.store.largeAccounts())).filter((c) => c !== userId);
      if (large.length === 0) return [];
      if (large.length > RELATIONSHIP_LOOKUP_MAX) {
        const set = new Set(large);
        return (await this.source.following(userId)).filter((f) => set.has(f));
      }
      const out: bigint[] = [];
      await Promise.all(
        chunk(large, 100).map(async (targetIds) => {
          const res = await this.clients.graph.batchGetRelationships({ userId, targetIds });
          for (const r of res.relationships) if (r.following) out.push(r.targetId);
        }),
      );
      return out;
    });
  }

  /** Up to n of the account's newest tweet ids below `before` (exclusive), newest first. */
  async idsBefore(accountId: bigint, before: bigint | undefined, n: number): Promise<bigint[]> {
    const feed = await this.feeds.get(accountId, async () => {
      const f: Feed = { ids: [], cursor: "", more: true };
      await this.extend(accountId, f);
      return f;
    });
    for (;;) {
      const below = before === undefined ? feed.ids : feed.ids.filter((id) => id < before);
      if (below.length >= n || !feed.more || feed.ids.length >= this.depth) return below.slice(0, n);
      feed.extending ??= this.extend(accountId, feed).finally(() => (feed.extending = undefined));
      await feed.extending;
    }
  }

  private async extend(accountId: bigint, feed: Feed): Promise<void> {
    const page = await this.source.tweets(accountId, 100, feed.cursor);
    feed.ids.push(...page.ids);
    feed.cursor = page.nextCursor;
    feed.more = page.hasMore && page.nextCursor !== "" && page.ids.length > 0;
  }
}

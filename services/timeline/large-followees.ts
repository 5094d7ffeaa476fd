// Which large accounts a reader follows: the home timeline merges their
// tweets at read time, and every live home stream (gRPC, SSE, WebSocket)
// follows their live.user subjects, since fan-out never writes their tweets
// to followers. Two short-lived per-process caches: the set of large accounts
// (CHIRP_TIMELINE_LARGE_ACCOUNT_CACHE_MS) and the reader's share of it
// (CHIRP_TIMELINE_LARGE_ACCOUNT_FOLLOWS_CACHE_MS).
import type { ServiceClients } from "../runtime/clients.js";
import { chunk } from "../kit/chunk.js";
import type { TimelineMetrics } from "./metrics.js";
import type { TimelineSource } from "./source.js";
import type { TimelineStore } from "./store/port.js";
import { TtlCache } from "./ttl-cache.js";

/** Up to this many large accounts, ask about each; beyond, list whom the reader follows. */
const RELATIONSHIP_LOOKUP_MAX = 500;

export class LargeFollowees {
  private readonly all: TtlCache<"all", bigint[]>;
  private readonly followed: TtlCache<bigint, bigint[]>;

  constructor(
    private readonly store: Pick<TimelineStore, "largeAccounts">,
    private readonly clients: Pick<ServiceClients, "graph">,
    private readonly source: Pick<TimelineSource, "following">,
    caches: { accountsMs: number; followsMs: number },
    /** Cache lookups are counted here. */
    metrics: Pick<TimelineMetrics, "cache">,
  ) {
    this.all = new TtlCache(caches.accountsMs, 1, (r) => metrics.cache.inc({ cache: "large_accounts", result: r }));
    this.followed = new TtlCache(caches.followsMs, undefined, (r) => metrics.cache.inc({ cache: "large_accounts_followed", result: r }));
  }

  /** The large accounts userId follows. */
  of(userId: bigint): Promise<bigint[]> {
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
}

// What the read side (the TimelineService handlers) needs on top of the
// shared context: the rebuilder and the large-account merge.
import type { TimelineContext } from "./context.js";
import { LargeAccounts } from "./large-accounts.js";
import { computeTimeline, Rebuilder } from "./rebuild.js";
import { clientSource, type TimelineSource } from "./source.js";
import { cachedBatch } from "./batch-cache.js";
import { directLookups, loadViewerStates, type HydrateDeps } from "./hydrate.js";
import { ViewerStatesCache } from "./viewer-states.js";

export interface ReadContext extends TimelineContext {
  source: TimelineSource;
  rebuilder: Rebuilder;
  large: LargeAccounts;
  /** What hydration calls: tweets and authors through a short cache, viewer states through theirs. */
  hydration: HydrateDeps;
}

export function createReadContext(ctx: TimelineContext): ReadContext {
  const source = clientSource(ctx.rt.clients);
  const rebuilder = new Rebuilder(ctx.store, async (userId) =>
    computeTimeline(source, userId, ctx.store.cap, new Set(await ctx.store.celebrities())),
  );
  const large = new LargeAccounts(
    ctx.store,
    ctx.rt.clients,
    source,
    { tweetsMs: ctx.config.celebrityCacheMs, followsMs: ctx.config.celebrityFollowsCacheMs },
    ctx.store.cap,
  );
  const direct = directLookups(ctx.rt.clients);
  const states = new ViewerStatesCache(loadViewerStates(ctx.rt.clients), {
    ttlMs: ctx.config.viewerStatesCacheMs ?? (ctx.rt.config.mode === "cluster" ? 60_000 : 0),
    maxViewers: ctx.config.viewerStatesCacheViewers,
  });
  const hydration: HydrateDeps = {
    states: (viewerId, version, ids) => states.get(viewerId, version, ids),
    statesCached: states.enabled,
    tweets: cachedBatch(direct.tweets, ctx.config.tweetCacheMs),
    users: cachedBatch(direct.users, ctx.config.userCacheMs),
  };
  return { ...ctx, source, rebuilder, large, hydration };
}

// What the read side (the TimelineService handlers) needs on top of the
// shared context: the rebuilder and the large-account merge.
import type { ServiceClients } from "../runtime/clients.js";
import type { ChirpConfig } from "../runtime/config.js";
import type { TimelineConfig } from "./config.js";
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
  const source = clientSource(ctx.clients);
  const rebuilder = new Rebuilder(ctx.store, async (userId) =>
    computeTimeline(source, userId, ctx.store.cap, new Set(await ctx.store.largeAccounts())),
  );
  const large = new LargeAccounts(
    ctx.store,
    ctx.clients,
    source,
    { tweetsMs: ctx.config.largeAccountCacheMs, followsMs: ctx.config.largeAccountFollowsCacheMs },
    ctx.store.cap,
  );
  const hydration = createHydration(ctx.clients, ctx.config, ctx.mode);
  return { ...ctx, source, rebuilder, large, hydration };
}

/**
 * Hydration's lookups as the timeline service wires them: tweets and authors
 * through a short cache, viewer states through the per-viewer cache (its
 * default lifetime depends on the mode). The pull-model baseline uses it too.
 */
export function createHydration(clients: ServiceClients, config: TimelineConfig, mode: ChirpConfig["mode"]): HydrateDeps {
  const direct = directLookups(clients);
  const states = new ViewerStatesCache(loadViewerStates(clients), {
    ttlMs: config.viewerStatesCacheMs ?? (mode === "cluster" ? 60_000 : 0),
    maxViewers: config.viewerStatesCacheViewers,
  });
  return {
    states: (viewerId, version, ids) => states.get(viewerId, version, ids),
    statesCached: states.enabled,
    tweets: cachedBatch(direct.tweets, config.tweetCacheMs),
    users: cachedBatch(direct.users, config.userCacheMs),
  };
}

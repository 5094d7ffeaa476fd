// What the read side (the TimelineService handlers) needs on top of the
// shared context: the rebuilders (home timelines, authors' lists) and the
// large-account merge.
import { TweetSchema } from "../../gen/chirp/tweet/v1/tweet_pb.js";
import { UserSchema } from "../../gen/chirp/user/v1/user_pb.js";
import type { HydrationConfig } from "../hydration/config.js";
import { cachedLookup, lookupMetrics, primeCreated } from "../hydration/lookup.js";
import type { HydrationCache } from "../hydration/port.js";
import { LiveFeed } from "../platform/bus/live-feed.js";
import type { TimelineContext } from "./context.js";
import { LargeAccounts } from "./large-accounts.js";
import { timelineMetrics, type TimelineMetrics } from "./metrics.js";
import { computeTimeline, Rebuilder } from "./rebuild.js";
import { clientSource, type TimelineSource } from "./source.js";
import { loadViewerStates, type HydrateDeps } from "./hydrate.js";
import type { Logger } from "../kit/logger.js";
import type { Runtime } from "../runtime/runtime.js";
import type { TimelineConfig } from "./config.js";
import type { TimelineStore } from "./store/port.js";
import { ViewerStatesCache } from "./viewer-states.js";

export interface ReadContext extends TimelineContext {
  source: TimelineSource;
  rebuilder: Rebuilder;
  /** Builds a missing author's list (user timelines, large-account merges) from the newest page of ListUserTweets. */
  userRebuilder: Rebuilder;
  large: LargeAccounts;
  /** What hydration calls: tweets and authors through the shared hydration cache, viewer states through theirs. */
  hydration: HydrateDeps;
  /** Load times and cache lookups (metrics.ts). */
  timelineMetrics: TimelineMetrics;
  /** Live events for StreamHomeTimeline, from the LIVE stream. */
  feed: LiveFeed;
}

export function createReadContext(ctx: TimelineContext, cache: HydrationCache, hydrationConfig: HydrationConfig): ReadContext {
  const source = clientSource(ctx.clients);
  const rebuilder = new Rebuilder(ctx.store, async (userId) =>
    computeTimeline(source, userId, ctx.store.cap, new Set(await ctx.store.largeAccounts())),
  );
  const userRebuilder = new Rebuilder(
    ctx.userTweets,
    async (authorId) => {
      const page = await ctx.clients.tweet.listUserTweets({ userId: authorId, limit: ctx.config.userTimelineBuild });
      return { ids: page.tweets.map((t) => t.tweetId), complete: !page.hasMore };
    },
    { what: "user timeline" },
  );
  const m = timelineMetrics(ctx.metrics.registry);
  const large = new LargeAccounts(
    ctx.store,
    ctx.clients,
    source,
    { userTweets: ctx.userTweets, userRebuilder },
    { accountsMs: ctx.config.largeAccountCacheMs, followsMs: ctx.config.largeAccountFollowsCacheMs },
    ctx.store.cap,
    ctx.logger,
    m,
  );
  const hydration = createHydration(ctx, cache, hydrationConfig);
  return { ...ctx, source, rebuilder, userRebuilder, large, hydration, timelineMetrics: m, feed: new LiveFeed(ctx.bus) };
}

/**
 * Hydration's lookups as the timeline service wires them: tweets and authors
 * through the shared hydration cache, read through from their services on a
 * miss; the viewer's likes and retweets kept there too, under their states
 * version. The pull-model baseline uses it too.
 */
export function createHydration(
  ctx: Pick<TimelineContext, "clients" | "config" | "mode" | "logger" | "metrics">,
  cache: HydrationCache,
  hydrationConfig: HydrationConfig,
): HydrateDeps {
  const { clients, config } = ctx;
  const states = new ViewerStatesCache(
    loadViewerStates(clients),
    cache,
    { ttlMs: config.viewerStatesCacheMs },
    (err) => ctx.logger.warn({ err }, "viewer states could not be kept"),
  );
  const common = { cache, timeoutMs: hydrationConfig.readThroughTimeoutMs, logger: ctx.logger, metrics: lookupMetrics(ctx.metrics.registry) };
  return {
    states: (viewerId, version, ids) => states.get(viewerId, version, ids),
    statesCached: states.enabled,
    tweets: cachedLookup({
      ...common,
      kind: "tweet",
      schema: TweetSchema,
      load: async (tweetIds, timeoutMs) => new Map((await clients.tweet.batchGetTweets({ tweetIds }, { timeoutMs })).tweets.map((t) => [t.tweetId, t])),
    }),
    primeTweets: (created) => primeCreated(cache, "tweet", TweetSchema, created.map((t) => [t.tweetId, t] as const), hydrationConfig.markerTtlMs / 2),
    users: cachedLookup({
      ...common,
      kind: "user",
      schema: UserSchema,
      load: async (userIds, timeoutMs) => new Map((await clients.user.batchGetUsers({ userIds }, { timeoutMs })).users.map((u) => [u.userId, u])),
    }),
  };
}

/** What a service that shows tweets and accounts as the home timeline does (search, notifications) shares with the timeline's readers. */
export interface ReaderShared {
  cache: HydrationCache;
  hydration: HydrationConfig;
  timelineConfig: TimelineConfig;
  timelineStore: TimelineStore;
}

/** createHydration for such a service, and the reader's states version (read only when states are cached). */
export function readerHydration(
  rt: Pick<Runtime, "clients" | "config" | "metrics">,
  shared: ReaderShared,
  logger: Logger,
): { hydration: HydrateDeps; statesVersion: (viewerId: bigint) => Promise<string | undefined> } {
  const hydration = createHydration({ clients: rt.clients, config: shared.timelineConfig, mode: rt.config.mode, logger, metrics: rt.metrics }, shared.cache, shared.hydration);
  return { hydration, statesVersion: async (viewerId) => (hydration.statesCached ? shared.timelineStore.statesVersion(viewerId) : undefined) };
}

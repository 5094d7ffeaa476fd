// The table of targets, as Loki's modules.go: what each target serves, which
// services it calls, which shared pieces it takes, and how it starts. Rows are
// in start order (a target's callers may start before it: calls resolve its
// address when they are made). services/main.ts, the test harness and the
// benchmarks all start targets from this table. Adding a service is a folder,
// a row here and a Deployment in the chart.
import type { Runtime } from "./runtime/runtime.js";
import type { ServiceName } from "./runtime/config.js";
import type { Started } from "./runtime/service.js";
import type { DiscoveryOverrides } from "./discovery/context.js";
import { start as startDiscovery } from "./discovery/target.js";
import type { NotificationOverrides } from "./notification/context.js";
import { start as startNotification } from "./notification/target.js";
import { readGatewayConfig, type GatewayConfig } from "./gateway/config.js";
import { start as startGateway } from "./gateway/target.js";
import type { GraphContext } from "./graph/context.js";
import { start as startGraph } from "./graph/target.js";
import type { SearchOverrides } from "./search/context.js";
import { start as startSearch } from "./search/target.js";
import { readHydrationConfig, type HydrationConfig } from "./hydration/config.js";
import { openHydrationCache } from "./hydration/open.js";
import type { HydrationCache } from "./hydration/port.js";
import { readTimelineConfig, type TimelineConfig } from "./timeline/config.js";
import { openTimelineStore, openUserTweetsStore } from "./timeline/context.js";
import { start as startFanout } from "./timeline/fanout-target.js";
import { LargeFollowees } from "./timeline/large-followees.js";
import { timelineMetrics } from "./timeline/metrics.js";
import { clientSource } from "./timeline/source.js";
import type { TimelineStore } from "./timeline/store/port.js";
import { PRESENCE_MS } from "./timeline/stream.js";
import type { ReaderShared } from "./timeline/read-context.js";
import { start as startTimeline } from "./timeline/target.js";
import type { TweetContext } from "./tweet/context.js";
import { start as startTweet } from "./tweet/target.js";
import type { UserContext } from "./user/context.js";
import { start as startUser } from "./user/target.js";

/** Settings a caller (a test, a benchmark) sets over what the environment says, per target. */
export interface TargetOverrides {
  user?: Partial<UserContext>;
  graph?: Partial<GraphContext>;
  tweet?: Partial<TweetContext>;
  /** The timeline service and the fan-out worker (and the store they share). */
  timeline?: Partial<TimelineConfig>;
  /** The discovery service (its clock above all: trends run on it); manualTrends leaves the trends job to the caller. */
  discovery?: DiscoveryOverrides & { manualTrends?: boolean };
  /** The notification service (its store, its grouping window). */
  notification?: NotificationOverrides;
  /** The search service (its index, its caps). */
  search?: SearchOverrides;
  gateway?: Partial<GatewayConfig>;
}

/** Pieces that several targets of one process share, each opened once, when a target first asks. */
export interface Shared {
  /** The timeline service's and fan-out worker's settings, read once. */
  timelineConfig(): Promise<TimelineConfig>;
  hydrationConfig(): Promise<HydrationConfig>;
  timelineStore(): Promise<TimelineStore>;
  /** Each author's newest tweet ids (user timelines), on the timeline store's connection. */
  userTweetsStore(): Promise<TimelineStore>;
  /** What reads show of tweets and accounts, shared by every reader (services/hydration/). */
  hydrationCache(): Promise<HydrationCache>;
}

interface SharedSpec<T> {
  /** May take other pieces from `shared`. */
  open(rt: Runtime, overrides: TargetOverrides, shared: Shared): Promise<T>;
  close?(value: T): Promise<void>;
}

export const SHARED: { [K in keyof Shared]: SharedSpec<Awaited<ReturnType<Shared[K]>>> } = {
  timelineConfig: { open: async (_, o) => ({ ...readTimelineConfig(), ...o.timeline }) },
  hydrationConfig: { open: async () => readHydrationConfig() },
  timelineStore: { open: async (rt, _, s) => openTimelineStore(rt, await s.timelineConfig()), close: (store) => store.close() },
  userTweetsStore: { open: async (_, __, s) => openUserTweetsStore(await s.timelineStore(), await s.timelineConfig()), close: (store) => store.close() },
  hydrationCache: { open: async (rt, _, s) => openHydrationCache(rt, await s.hydrationConfig()), close: (cache) => cache.close() },
};

/** What search and notifications take to show tweets and accounts as the home timeline does. */
async function readerShared(shared: Shared): Promise<ReaderShared> {
  return { cache: await shared.hydrationCache(), hydration: await shared.hydrationConfig(), timelineConfig: await shared.timelineConfig(), timelineStore: await shared.timelineStore() };
}

/** The timeline service's and the fan-out worker's pieces, in their start()'s order. */
async function timelineArgs(shared: Shared) {
  return [await shared.timelineStore(), await shared.timelineConfig(), await shared.hydrationCache(), await shared.hydrationConfig(), await shared.userTweetsStore()] as const;
}

export interface TargetSpec {
  /** The gRPC service it serves, which other targets call. */
  serves?: ServiceName;
  /** The services it calls: in cluster mode, each runs in this process or has an address. */
  calls: ServiceName[];
  /** Shared pieces it takes. */
  uses: Array<keyof Shared>;
  start(rt: Runtime, shared: Shared, overrides: TargetOverrides): Promise<Started & { port: number }>;
}

export const TARGETS = {
  user: {
    serves: "user",
    // Profiles carry follower and tweet counts.
    calls: ["graph", "tweet"],
    uses: [],
    start: (rt, _, o) => startUser(rt, o.user),
  },
  graph: {
    serves: "graph",
    // A follow checks that the account exists.
    calls: ["user"],
    uses: [],
    start: (rt, _, o) => startGraph(rt, o.graph),
  },
  tweet: {
    serves: "tweet",
    // A like or retweet tells home timelines that the viewer's states changed.
    calls: ["timeline"],
    uses: [],
    start: (rt, _, o) => startTweet(rt, o.tweet),
  },
  timeline: {
    serves: "timeline",
    calls: ["user", "graph", "tweet"],
    uses: ["timelineStore", "userTweetsStore", "hydrationCache"],
    start: async (rt, shared, _overrides: TargetOverrides) => startTimeline(rt, ...(await timelineArgs(shared))),
  },
  fanout: {
    // Live events carry hydrated tweets (tweets and their authors).
    calls: ["graph", "tweet", "user"],
    uses: ["timelineStore", "userTweetsStore", "hydrationCache"],
    start: async (rt, shared, _overrides: TargetOverrides) => startFanout(rt, ...(await timelineArgs(shared))),
  },
  discovery: {
    serves: "discovery",
    // Account ages and follower counts (trend weights, reasons), follow lists, newest tweets.
    calls: ["user", "graph", "tweet"],
    uses: ["hydrationCache"],
    start: async (rt, shared, o) => startDiscovery(rt, await shared.hydrationCache(), await shared.hydrationConfig(), o.discovery),
  },
  search: {
    serves: "search",
    // Tweets and authors for hydration and checks, usernames for from:, follows for ranking people.
    calls: ["user", "graph", "tweet"],
    // Hydration as the home timeline does it: the shared cache and the viewer's states version.
    uses: ["hydrationCache", "timelineStore"],
    start: async (rt, shared, o) =>
      startSearch(
        rt,
        await readerShared(shared),
        o.search,
      ),
  },
  notification: {
    serves: "notification",
    // Mentions resolved to accounts; tweets, accounts and the reader's likes hydrated.
    calls: ["user", "tweet"],
    // Hydration as the home timeline does it: the shared cache and the reader's states version.
    uses: ["hydrationCache", "timelineStore"],
    start: async (rt, shared, o) =>
      startNotification(
        rt,
        await readerShared(shared),
        o.notification,
      ),
  },
  gateway: {
    calls: ["user", "graph", "tweet", "timeline", "discovery", "search", "notification"],
    // WebSocket home streams mark their user online in the timeline store (fan-out publishes to them)
    // and follow the large accounts their user follows, as the timeline service's streams do.
    uses: ["timelineStore", "timelineConfig"],
    start: async (rt, shared, o) => {
      const [store, tc] = [await shared.timelineStore(), await shared.timelineConfig()];
      const caches = { accountsMs: tc.largeAccountCacheMs, followsMs: tc.largeAccountFollowsCacheMs };
      const largeFollowees = new LargeFollowees(store, rt.clients, clientSource(rt.clients), caches, timelineMetrics(rt.metrics.registry));
      return startGateway(rt, { ...readGatewayConfig(), ...o.gateway }, { markOnline: (userId) => store.markOnline(userId, PRESENCE_MS), largeFollowees });
    },
  },
} satisfies Record<string, TargetSpec>;

export type TargetName = keyof typeof TARGETS;
/** Every target, in start order. */
export const TARGET_NAMES = Object.keys(TARGETS) as TargetName[];

export function isTargetName(name: string): name is TargetName {
  return Object.hasOwn(TARGETS, name);
}

/** The service a target serves, if any. */
export function serviceOf(name: TargetName): ServiceName | undefined {
  return (TARGETS[name] as TargetSpec).serves;
}

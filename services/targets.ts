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
import { readGatewayConfig, type GatewayConfig } from "./gateway/config.js";
import { start as startGateway } from "./gateway/target.js";
import type { GraphContext } from "./graph/context.js";
import { start as startGraph } from "./graph/target.js";
import { readHydrationConfig, type HydrationConfig } from "./hydration/config.js";
import { openHydrationCache } from "./hydration/open.js";
import type { HydrationCache } from "./hydration/port.js";
import { readTimelineConfig, type TimelineConfig } from "./timeline/config.js";
import { openTimelineStore } from "./timeline/context.js";
import { start as startFanout } from "./timeline/fanout-target.js";
import type { TimelineStore } from "./timeline/store/port.js";
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
  gateway?: Partial<GatewayConfig>;
}

/** Pieces that several targets of one process share, each opened once, when a target first asks. */
export interface Shared {
  /** The timeline service's and fan-out worker's settings, read once. */
  timelineConfig(): Promise<TimelineConfig>;
  hydrationConfig(): Promise<HydrationConfig>;
  timelineStore(): Promise<TimelineStore>;
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
  hydrationCache: { open: async (rt, _, s) => openHydrationCache(rt, await s.hydrationConfig()), close: (cache) => cache.close() },
};

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
    uses: ["timelineStore", "hydrationCache"],
    start: async (rt, shared, o) =>
      startTimeline(rt, await shared.timelineStore(), await shared.timelineConfig(), await shared.hydrationCache(), await shared.hydrationConfig()),
  },
  fanout: {
    calls: ["graph", "tweet"],
    uses: ["timelineStore"],
    start: async (rt, shared, o) => startFanout(rt, await shared.timelineStore(), await shared.timelineConfig()),
  },
  discovery: {
    serves: "discovery",
    // Account ages and follower counts (trend weights, reasons), follow lists, newest tweets.
    calls: ["user", "graph", "tweet"],
    uses: ["hydrationCache"],
    start: async (rt, shared, o) => startDiscovery(rt, await shared.hydrationCache(), await shared.hydrationConfig(), o.discovery),
  },
  gateway: {
    calls: ["user", "graph", "tweet", "timeline", "discovery"],
    uses: [],
    start: (rt, _, o) => startGateway(rt, { ...readGatewayConfig(), ...o.gateway }),
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

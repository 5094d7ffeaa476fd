// Everything the tweet handlers need, built from the Runtime: the store for
// the mode (LMDB under <dataDir>/tweet, or Cassandra), the bus, ids, logger
// and the event outbox, and how the timeline service hears that a viewer's
// likes or retweets changed. Tests override parts of it.
import { join } from "node:path";
import { unavailable } from "../kit/errors.js";
import type { Logger } from "../kit/logger.js";
import type { Snowflake } from "../kit/snowflake.js";
import type { EventBus } from "../platform/bus/port.js";
import type { Runtime } from "../runtime/runtime.js";
import { tweetMetrics, type TweetMetrics } from "./metrics.js";
import { EventOutbox } from "./outbox.js";
import { CassandraTweetStore } from "./store/cassandra.js";
import { LmdbTweetStore } from "./store/lmdb.js";
import type { TweetStore } from "./store/port.js";

export interface TweetContext {
  store: TweetStore;
  bus: EventBus;
  ids: Snowflake;
  logger: Logger;
  events: EventOutbox;
  /**
   * Called after the caller's like, unlike, retweet or undo is stored and
   * before the call answers, so the timeline service stops using the
   * caller's cached viewer states (timeline/viewer-states.ts). If it fails,
   * the call fails: the change is stored, and the client's retry (a no-op
   * for the store) tells the timelines again.
   */
  statesChanged: (viewerId: bigint) => Promise<void>;
  metrics: TweetMetrics;
}

/**
 * InvalidateViewerStates on the timeline service, with the caller's forwarded
 * token. Why it failed is logged, not told to the client (internal addresses).
 */
export function invalidateViewerStates(rt: Pick<Runtime, "clients">, logger: Logger): TweetContext["statesChanged"] {
  return async (viewerId) => {
    try {
      // rt.clients read at each call: a harness may re-point it after start.
      await rt.clients.timeline.invalidateViewerStates({ viewerId });
    } catch (err) {
      logger.warn({ err, viewerId: viewerId.toString() }, "timeline service did not take InvalidateViewerStates");
      throw unavailable("the change is saved, but home timelines could not be told of it; retry, which is safe");
    }
  };
}

export function createStore(rt: Runtime): TweetStore {
  if (rt.config.mode === "embedded") return LmdbTweetStore.open(join(rt.config.dataDir, "tweet"));
  if (!rt.cassandra) throw new Error("cluster mode needs a Cassandra connection in the runtime");
  return new CassandraTweetStore(rt.cassandra);
}

export function createTweetContext(rt: Runtime, overrides: Partial<TweetContext> = {}): TweetContext {
  const store = overrides.store ?? createStore(rt);
  const bus = overrides.bus ?? rt.bus;
  const ids = overrides.ids ?? rt.ids;
  const logger = overrides.logger ?? rt.logger.child({ target: "tweet" });
  const events = overrides.events ?? new EventOutbox({ store: store.outbox, bus, ids, logger });
  const statesChanged = overrides.statesChanged ?? invalidateViewerStates(rt, logger);
  const metrics = overrides.metrics ?? tweetMetrics(rt.metrics.registry);
  return { store, bus, ids, logger, events, statesChanged, metrics };
}

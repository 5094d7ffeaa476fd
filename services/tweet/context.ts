// Everything the tweet handlers need, built from the Runtime: the store for
// the mode (LMDB under <dataDir>/tweet, or Cassandra), the bus, ids, logger
// and the event outbox. Tests override parts of it.
import { join } from "node:path";
import type { Logger } from "../kit/logger.js";
import type { Snowflake } from "../kit/snowflake.js";
import type { EventBus } from "../platform/bus/port.js";
import type { Runtime } from "../runtime/runtime.js";
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
  return { store, bus, ids, logger, events };
}

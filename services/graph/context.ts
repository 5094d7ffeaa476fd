// Everything the graph service's handlers need, built once from the Runtime.
// The store follows the mode: LMDB under <dataDir>/graph (embedded) or the
// runtime's Cassandra session (cluster). Tests may override any part.
import { join } from "node:path";
import type { Logger } from "../kit/logger.js";
import type { Snowflake } from "../kit/snowflake.js";
import type { Runtime } from "../runtime/runtime.js";
import { busEvents, type GraphEvents } from "./events.js";
import { CassandraGraphStore } from "./store/cassandra.js";
import { LmdbGraphStore } from "./store/lmdb.js";
import type { GraphStore } from "./store/port.js";
import { cachedUserExists, type UserExists } from "./user-exists.js";

export interface GraphContext {
  store: GraphStore;
  ids: Snowflake;
  logger: Logger;
  events: GraphEvents;
  userExists: UserExists;
  /** Resolves when the bus answers; for health checks. */
  pingBus(): Promise<void>;
}

export function openGraphStore(rt: Runtime): GraphStore {
  if (rt.config.mode === "embedded") return LmdbGraphStore.open(join(rt.config.dataDir, "graph"));
  if (!rt.cassandra) throw new Error("cluster mode needs a Cassandra connection for the graph service");
  return new CassandraGraphStore(rt.cassandra);
}

export function createGraphContext(rt: Runtime, overrides: Partial<GraphContext> = {}): GraphContext {
  const logger = overrides.logger ?? rt.logger.child({ target: "graph" });
  return {
    store: overrides.store ?? openGraphStore(rt),
    ids: overrides.ids ?? rt.ids,
    logger,
    events: overrides.events ?? busEvents(rt.bus, logger),
    // rt.clients is read at call time, so a test (or main) may point it at a
    // user service that started after this context was made.
    userExists: overrides.userExists ?? cachedUserExists((userId) => rt.clients.user.getUser({ userId }), logger),
    pingBus: overrides.pingBus ?? (() => rt.bus.ping()),
  };
}

// Everything the user service's handlers need, built once from the Runtime.
// The store follows the mode: LMDB under <dataDir>/user (embedded) or the
// runtime's Cassandra session (cluster). Tests may override any part.
import { join } from "node:path";
import type { TokenSigner } from "../kit/auth.js";
import type { Logger } from "../kit/logger.js";
import type { Snowflake } from "../kit/snowflake.js";
import type { Runtime } from "../runtime/runtime.js";
import { fetchCounts, type Counts } from "./counts.js";
import { userEvents, type UserEvents } from "./events.js";
import { CassandraUserStore } from "./store/cassandra.js";
import { LmdbUserStore } from "./store/lmdb.js";
import type { UserStore } from "./store/port.js";

export interface UserContext {
  store: UserStore;
  ids: Snowflake;
  signer: TokenSigner;
  logger: Logger;
  refreshTtlSeconds: number;
  events: UserEvents;
  /** Follower/following counts of a batch of users (from the graph service). */
  counts(userIds: bigint[]): Promise<Map<bigint, Counts>>;
}

export function openUserStore(rt: Runtime): UserStore {
  if (rt.config.mode === "embedded") return LmdbUserStore.open(join(rt.config.dataDir, "user"));
  if (!rt.cassandra) throw new Error("cluster mode needs a Cassandra connection for the user service");
  return new CassandraUserStore(rt.cassandra);
}

export function createUserContext(rt: Runtime, overrides: Partial<UserContext> = {}): UserContext {
  const signer = overrides.signer ?? rt.signer;
  if (!signer) throw new Error("the user service signs access tokens: set CHIRP_JWT_PRIVATE_KEY");
  const logger = overrides.logger ?? rt.logger.child({ target: "user" });
  return {
    store: overrides.store ?? openUserStore(rt),
    ids: overrides.ids ?? rt.ids,
    signer,
    logger,
    refreshTtlSeconds: overrides.refreshTtlSeconds ?? rt.config.jwt.refreshTtlSeconds,
    events: overrides.events ?? userEvents(rt.bus, logger),
    // rt.clients is read at call time, so a test (or main) may point it at a
    // graph service that started after this context was made.
    counts: overrides.counts ?? ((ids) => fetchCounts(rt.clients.graph, rt.clients.tweet, ids, logger)),
  };
}

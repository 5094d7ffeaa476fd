// The search service as a runnable target (--target=search): its API and
// the indexer consuming tweet, user and follow events. Health follows the
// index and the bus.
import { SearchService } from "../../gen/chirp/search/v1/search_pb.js";
import { implement } from "../kit/unary-call.js";
import type { Runtime } from "../runtime/runtime.js";
import { startConsumingService, type Started } from "../runtime/service.js";
import type { ReaderShared } from "../timeline/read-context.js";
import { startSearchConsumer } from "./consumer.js";
import { createSearchContext, type SearchContext, type SearchOverrides } from "./context.js";
import { searchRoutes } from "./routes/index.js";

export interface StartedSearch extends Started {
  url: string;
  /** The port actually bound (CHIRP_SEARCH_PORT=0 picks a free one). */
  port: number;
  ctx: SearchContext;
}

export async function start(
  rt: Runtime,
  shared: ReaderShared,
  overrides: SearchOverrides = {},
): Promise<StartedSearch> {
  const ctx = await createSearchContext(rt, shared, overrides);
  return {
    ...(await startConsumingService(rt, {
      name: "search",
      port: rt.config.ports.search,
      implementations: [implement(SearchService, searchRoutes(ctx))],
      checks: [
        { name: rt.config.mode === "cluster" ? "cassandra" : "store", check: () => ctx.store.ping() },
        { name: rt.config.mode === "cluster" ? "nats" : "bus", check: () => ctx.pingBus() },
      ],
      consume: () => startSearchConsumer(ctx, rt.bus),
      close: () => ctx.store.close(),
    })),
    ctx,
  };
}

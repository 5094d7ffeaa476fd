// The timeline service as a target: TimelineService on ports.timeline, the
// hydration cache's invalidation, health backed by its own backends (the
// timeline store, the bus and the hydration cache; the services it calls
// have health of their own).
import { TimelineService } from "../../gen/chirp/timeline/v1/timeline_pb.js";
import { implement } from "../kit/unary-call.js";
import type { HydrationConfig } from "../hydration/config.js";
import { countOwners } from "../hydration/count-owners.js";
import { startInvalidation } from "../hydration/invalidate.js";
import type { HydrationCache } from "../hydration/port.js";
import type { Runtime } from "../runtime/runtime.js";
import { startService, type Started } from "../runtime/service.js";
import type { TimelineConfig } from "./config.js";
import { timelineContext } from "./context.js";
import { redisMemoryMetrics } from "./metrics.js";
import { createReadContext, type ReadContext } from "./read-context.js";
import { timelineRoutes } from "./routes/index.js";
import type { TimelineStore } from "./store/port.js";

export interface TimelineStarted extends Started {
  /** The port actually bound (ports.timeline may be 0 in tests). */
  port: number;
  rc: ReadContext;
}

export async function start(
  rt: Runtime,
  store: TimelineStore,
  config: TimelineConfig,
  cache: HydrationCache,
  hydrationConfig: HydrationConfig,
  userTweets: TimelineStore,
): Promise<TimelineStarted> {
  const rc = createReadContext(timelineContext(rt, store, config, "timeline", userTweets), cache, hydrationConfig);
  // The read path's cache follows the events that change what it holds.
  const invalidation = await startInvalidation(rt.bus, cache, rc.logger, countOwners(rt.clients));
  // Sampled on each scrape of this process (cluster mode: INFO memory of each server).
  redisMemoryMetrics(rt.metrics.registry, store);
  const server = await startService(rt, {
    name: "timeline",
    port: rt.config.ports.timeline,
    implementations: [implement(TimelineService, timelineRoutes(rc))],
    checks: [
      { name: rt.config.mode === "cluster" ? "redis" : "timeline-store", check: () => rc.store.ping() },
      { name: "bus", check: () => rt.bus.ping() },
      { name: rt.config.mode === "cluster" ? "redis-hydration" : "hydration-cache", check: () => cache.ping() },
    ],
  });
  return {
    name: "timeline",
    port: server.port,
    url: `http://${rt.config.host}:${server.port}`,
    rc,
    async stop() {
      // Open streams end when the server's shutdown signal aborts them.
      await server.close(rt.config.shutdownGraceMs);
      await invalidation.stop();
    },
  };
}

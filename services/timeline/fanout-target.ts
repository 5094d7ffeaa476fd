// The fan-out worker as a target: consumes the events that change home
// timelines and serves gRPC health (the timeline store and the bus) on
// ports.fanout. It serves no API of its own. It publishes the live events
// (live.ts), hydrated through the same cache as the home timeline.
import type { HydrationConfig } from "../hydration/config.js";
import type { HydrationCache } from "../hydration/port.js";
import type { Runtime } from "../runtime/runtime.js";
import { startService, type Started } from "../runtime/service.js";
import type { TimelineConfig } from "./config.js";
import { timelineContext } from "./context.js";
import { startFanoutWorker } from "./fanout/worker.js";
import { LivePublisher } from "./live.js";
import { createHydration } from "./read-context.js";
import type { TimelineStore } from "./store/port.js";

export interface FanoutStarted extends Started {
  /** The health port actually bound (ports.fanout may be 0 in tests). */
  port: number;
}

export async function start(
  rt: Runtime,
  store: TimelineStore,
  config: TimelineConfig,
  cache: HydrationCache,
  hydrationConfig: HydrationConfig,
  userTweets: TimelineStore,
): Promise<FanoutStarted> {
  const base = timelineContext(rt, store, config, "fanout", userTweets);
  const hydration = createHydration(base, cache, hydrationConfig);
  const ctx = { ...base, hydration, live: new LivePublisher(rt.bus, hydration, base.logger) };
  const worker = await startFanoutWorker(ctx);
  let server;
  try {
    server = await startService(rt, {
      name: "fanout",
      port: rt.config.ports.fanout,
      implementations: [],
      checks: [
        { name: rt.config.mode === "cluster" ? "redis" : "timeline-store", check: () => ctx.store.ping() },
        { name: "bus", check: () => rt.bus.ping() },
      ],
    });
  } catch (err) {
    await worker.stop();
    throw err;
  }
  const running = server;
  return {
    name: "fanout",
    port: running.port,
    url: `http://${rt.config.host}:${running.port}`,
    async stop() {
      // Health goes NOT_SERVING first, then the jobs in hand finish (unacked ones are redelivered elsewhere).
      await running.close(rt.config.shutdownGraceMs);
      await worker.stop();
    },
  };
}

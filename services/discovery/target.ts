// The discovery service as a runnable target (--target=discovery): its API,
// its consumers of tweet and follow events, and the trends job every replica
// ticks and one runs per minute. Health follows the store and the bus.
import { DiscoveryService } from "../../gen/chirp/discovery/v1/discovery_pb.js";
import type { HydrationConfig } from "../hydration/config.js";
import type { HydrationCache } from "../hydration/port.js";
import { implement } from "../kit/unary-call.js";
import type { Subscription } from "../platform/bus/port.js";
import type { Runtime } from "../runtime/runtime.js";
import { startService, type Started } from "../runtime/service.js";
import { startDiscoveryConsumer } from "./consumer.js";
import { createDiscoveryContext, type DiscoveryContext, type DiscoveryOverrides } from "./context.js";
import { discoveryRoutes } from "./routes/index.js";
import { TrendsJob } from "./trends/job.js";

export interface StartedDiscovery extends Started {
  url: string;
  /** The port actually bound (CHIRP_DISCOVERY_PORT=0 picks a free one). */
  port: number;
  ctx: DiscoveryContext;
  trends: TrendsJob;
}

export async function start(
  rt: Runtime,
  cache: HydrationCache,
  hydration: HydrationConfig,
  overrides: DiscoveryOverrides & {
    /** Leave the trends job to the caller (tests run it with runOnce()). */
    manualTrends?: boolean;
  } = {},
): Promise<StartedDiscovery> {
  const ctx = await createDiscoveryContext(rt, cache, hydration, overrides);
  const trends = new TrendsJob(ctx);
  let consumer: Subscription | undefined;
  let server;
  try {
    consumer = await startDiscoveryConsumer(ctx, rt.bus);
    server = await startService(rt, {
      name: "discovery",
      port: rt.config.ports.discovery,
      implementations: [implement(DiscoveryService, discoveryRoutes(ctx, trends))],
      checks: [
        { name: rt.config.mode === "cluster" ? "redis" : "store", check: () => ctx.store.ping() },
        { name: rt.config.mode === "cluster" ? "nats" : "bus", check: () => ctx.pingBus() },
      ],
    });
  } catch (err) {
    await consumer?.stop();
    await ctx.store.close();
    throw err;
  }
  if (!overrides.manualTrends) trends.start();
  const running = server;
  return {
    name: "discovery",
    url: `http://${rt.config.host}:${running.port}`,
    port: running.port,
    ctx,
    trends,
    async stop() {
      await running.close(rt.config.shutdownGraceMs);
      await trends.stop();
      await consumer.stop();
      await ctx.store.close();
    },
  };
}

// `--target=gateway`: the REST edge on rt.config.ports.gateway (HTTP/1.1),
// transcoding to the four services over gRPC with the runtime's clients.
// Rate limits live in Redis in cluster mode (shared by every replica) and in
// process in embedded mode.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { addressedTransport } from "../runtime/clients.js";
import { SERVICE_NAMES } from "../runtime/config.js";
import { SERVICES } from "../runtime/services.js";
import type { Runtime } from "../runtime/runtime.js";
import type { Started } from "../runtime/service.js";
import type { GatewayConfig } from "./config.js";
import { Gateway } from "./gateway.js";
import { Invoker } from "./invoker.js";
import { gatewayMetrics } from "./metrics.js";
import { MemoryRateLimiter } from "./ratelimit/memory.js";
import { LimitPolicy } from "./ratelimit/policy.js";
import type { RateLimiter } from "./ratelimit/port.js";
import { connectRedis } from "./ratelimit/redis-client.js";
import { RedisRateLimiter } from "./ratelimit/redis.js";
import { Readiness } from "./readiness.js";
import { clientIp } from "./http/client-ip.js";
import type { LargeFolloweesSource } from "../platform/bus/home-subjects.js";
import { LiveFeed } from "../platform/bus/live-feed.js";
import { liveMetrics } from "./live/metrics.js";
import { LiveServer } from "./live/server.js";

export interface StartedGateway extends Started {
  /** The port it listens on (the real one when 0 was asked for). */
  port: number;
}

async function rateLimiter(rt: Runtime, timeoutMs: number): Promise<RateLimiter> {
  if (rt.config.mode === "embedded") return new MemoryRateLimiter();
  const client = await connectRedis(rt.config.redis, timeoutMs);
  return new RedisRateLimiter(client, rt.config.redis.prefix, true);
}

/** What live home streams need of the timeline's side. */
export interface HomePresence {
  /** Records that a user has a live home stream open (fan-out then publishes their home events). */
  markOnline(userId: bigint): Promise<void>;
  /** The large accounts a user follows: their tweets reach home streams through their own. */
  largeFollowees: LargeFolloweesSource;
}

export async function start(rt: Runtime, cfg: GatewayConfig, presence: HomePresence): Promise<StartedGateway> {
  const logger = rt.logger.child({ target: "gateway" });
  const metrics = gatewayMetrics(rt.metrics.registry);
  const services = SERVICE_NAMES.map((name) => [SERVICES[name], rt.clients[name] as unknown as Client<DescService>, name] as const);
  const limiter = await rateLimiter(rt, cfg.rateLimit.timeoutMs);
  const limits = new LimitPolicy(limiter, cfg.rateLimit, logger, () => metrics.limiterErrors.inc());
  const gateway = new Gateway({
    services: services.map(([s]) => s),
    invoker: new Invoker(services.map(([s, c]) => [s, c])),
    config: cfg,
    limits,
    readiness: new Readiness(
      // Probed where each service really is: its address is resolved at every probe.
      services.map(([s, , name]) => ({ name, service: s.typeName, client: createClient(Health, addressedTransport(name, rt.addrs)) })),
      cfg.readyCacheMs,
    ),
    verifier: rt.verifier,
    metrics,
    metricsText: async () => ({ contentType: rt.metrics.registry.contentType, body: await rt.metrics.registry.metrics() }),
    logger,
    tracing: rt.tracing,
  });

  const live = new LiveServer({
    feed: new LiveFeed(rt.bus),
    registry: gateway.registry,
    config: cfg.live,
    verifier: rt.verifier,
    metrics: liveMetrics(rt.metrics.registry),
    logger: logger.child({ route: "streaming" }),
    ...presence,
    viewerStates: async (token, viewerId, tweetIds) => {
      const res = await rt.clients.tweet.batchGetViewerStates({ viewerId, tweetIds }, { headers: { authorization: `Bearer ${token}` } });
      return new Map(res.states.map((s) => [s.tweetId, { liked: s.liked, retweeted: s.retweeted }]));
    },
    // An upgrade counts against the client address's rate limit as a request does (a reconnect storm is refused with 429).
    admit: async (req) => {
      const outcome = await limits.check(clientIp(req, cfg.trustProxyHops), async () => undefined);
      if (!outcome.allowed) metrics.rateLimited.inc({ scope: outcome.refusedBy ?? "ip" });
      return outcome.allowed;
    },
  });
  const server = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 60_000 }, gateway.handle);
  server.on("upgrade", live.upgrade);
  // Event streams are long-lived by design; the request timeout is for
  // slow-loris uploads, which it still covers (it stops at the request's end).
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(rt.config.ports.gateway, rt.config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${rt.config.host.includes(":") ? `[${rt.config.host}]` : rt.config.host}:${port}`;
  logger.info({ port, routes: gateway.router.size, rateLimit: cfg.rateLimit, cors: cfg.cors.origins }, "gateway listening");

  return {
    name: "gateway",
    url,
    port,
    async stop() {
      // Stop accepting, end event streams, let in-flight requests finish,
      // then cut whatever is left after the grace period.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      gateway.close();
      live.close();
      // Keep-alive connections go idle as their last response ends.
      const idle = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), rt.config.shutdownGraceMs);
      await closed;
      clearTimeout(force);
      clearInterval(idle);
      await limiter.close();
      logger.info("gateway stopped");
    },
  };
}

// The framework ceiling's server: the kit's serve() (node:http + h2c on one
// port, connect-node, the auth / validation / metrics interceptors: what every
// Chirp service runs on) with a stub TimelineService that answers at once
// with a canned page of 20 hydrated tweets, the size of a real home timeline
// page. No storage, no downstream calls: what is left is the framework.
//   BENCH_ECHO_PORT=18159 CHIRP_JWT_PUBLIC_KEY=... node --import tsx bench/baselines/echo-server.ts
import { create } from "@bufbuild/protobuf";
import { GetUserTimelineResponseSchema, TimelineService } from "../../gen/chirp/timeline/v1/timeline_pb.js";
import { TokenVerifier } from "../../services/kit/auth.js";
import { HealthMonitor } from "../../services/kit/health.js";
import { createLogger } from "../../services/kit/logger.js";
import { createMetrics } from "../../services/kit/metrics.js";
import { serve } from "../../services/kit/server.js";
import { homePage } from "./home-page.js";
import { implement } from "../../services/kit/unary-call.js";

const port = Number(process.env.BENCH_ECHO_PORT ?? 18159);
const publicKey = process.env.CHIRP_JWT_PUBLIC_KEY;
if (!publicKey) throw new Error("CHIRP_JWT_PUBLIC_KEY is required (the same key as the system's, so tokens verify)");
const logger = createLogger({ name: "bench-echo", level: process.env.CHIRP_LOG_LEVEL ?? "warn" });
const verifier = await TokenVerifier.fromPem(publicKey, {
  issuer: process.env.CHIRP_JWT_ISSUER ?? "chirp",
  audience: process.env.CHIRP_JWT_AUDIENCE ?? "chirp-api",
});

const page = homePage();

const userPage = create(GetUserTimelineResponseSchema, { tweets: page.tweets, nextCursor: "", hasMore: true });

const health = new HealthMonitor({ services: [TimelineService.typeName], checks: [], logger, intervalMs: 60_000 });
const server = await serve({
  name: "bench-echo",
  host: "127.0.0.1",
  port,
  implementations: [
    implement(TimelineService, {
      getHomeTimeline: () => page,
      getUserTimeline: () => userPage,
    }),
  ],
  health,
  logger,
  metrics: createMetrics(),
  verifier,
});

const stop = () => void server.close(1000).then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);

// The gateway's own settings, read from the environment at start-up (the
// process-wide ones — ports, service addresses, Redis — are in
// services/runtime/config.ts). Defaults suit `make run` on a laptop.
import { z } from "zod";
import { envs, readEnv, type Env } from "../kit/config.js";
import { LIVE_DEFAULTS, type LiveConfig } from "./live/config.js";

const origins = z
  .string()
  .default("")
  .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean))
  .refine((list) => list.every((o) => o === "*" || (URL.canParse(o) && new URL(o).origin === o)), {
    message: "expected '*' or comma-separated origins like https://app.example.com (scheme, host, optional port; no path)",
  });

const schema = z.object({
  /** Requests per minute per client IP (token bucket, bursts up to the same number). Default 1200; 0 turns it off. */
  CHIRP_RATE_LIMIT_PER_IP: envs.int(1200, 0, 1_000_000),
  /** Requests per minute per signed-in user (the token's subject). Default 600; 0 turns it off. */
  CHIRP_RATE_LIMIT_PER_USER: envs.int(600, 0, 1_000_000),
  /**
   * Longest a rate-limit check may take (Redis round trip) before the request
   * is let through without it. Default 500 ms.
   */
  CHIRP_RATE_LIMIT_TIMEOUT_MS: envs.int(500, 10, 10_000),
  /** Origins allowed to call the API from a browser. Default none (CORS off); "*" allows any. */
  CHIRP_CORS_ORIGINS: origins,
  /** How long a browser may cache a preflight answer. Default 600 s. */
  CHIRP_CORS_MAX_AGE_SECONDS: envs.int(600, 0, 86_400),
  /** Largest accepted request body. Default 64 KiB (a tweet is at most 4 KiB of text). */
  CHIRP_MAX_BODY_BYTES: envs.int(64 * 1024, 1024, 16 * 1024 * 1024),
  /**
   * Reverse proxies in front of the gateway whose X-Forwarded-For entries are
   * trusted for the client IP. Default 0: the socket's peer is the client.
   */
  CHIRP_TRUST_PROXY_HOPS: envs.int(0, 0, 10),
  /** Comment lines sent on an idle event stream so proxies keep it open. Default 15 s. */
  CHIRP_SSE_KEEPALIVE_MS: envs.int(15_000, 100, 300_000),
  /** How long a /readyz answer is reused before the services are asked again. Default 2 s. */
  CHIRP_READY_CACHE_MS: envs.int(2000, 0, 60_000),
  /**
   * API requests one gateway process works on at once; one more is answered
   * 503 at once. Default 64; 0 turns it off. Event streams count only until
   * they start.
   */
  CHIRP_GATEWAY_MAX_IN_FLIGHT: envs.int(64, 0, 1_000_000),
  /** WebSocket pings this often; a socket that missed the last one is closed. Default 30 s. */
  CHIRP_WS_PING_INTERVAL_MS: envs.int(LIVE_DEFAULTS.pingIntervalMs, 100, 600_000),
  /** A WebSocket client with more unsent data than this is closed with 1013. Default 1 MiB. */
  CHIRP_WS_MAX_BUFFERED_BYTES: envs.int(LIVE_DEFAULTS.maxBufferedBytes, 1024, 64 * 1024 * 1024),
  /** Streams one WebSocket may follow. Default 50. */
  CHIRP_WS_MAX_SUBSCRIPTIONS: envs.int(LIVE_DEFAULTS.maxSubscriptions, 1, 10_000),
});

export interface GatewayConfig {
  rateLimit: { perIpPerMinute: number; perUserPerMinute: number; timeoutMs: number };
  cors: { origins: string[]; maxAgeSeconds: number };
  maxBodyBytes: number;
  trustProxyHops: number;
  sseKeepAliveMs: number;
  readyCacheMs: number;
  maxInFlight: number;
  /** The WebSocket endpoint's limits (live/config.ts). */
  live: LiveConfig;
}

export function readGatewayConfig(env: Env = process.env): GatewayConfig {
  const e = readEnv(schema, env);
  return {
    rateLimit: { perIpPerMinute: e.CHIRP_RATE_LIMIT_PER_IP, perUserPerMinute: e.CHIRP_RATE_LIMIT_PER_USER, timeoutMs: e.CHIRP_RATE_LIMIT_TIMEOUT_MS },
    cors: { origins: e.CHIRP_CORS_ORIGINS, maxAgeSeconds: e.CHIRP_CORS_MAX_AGE_SECONDS },
    maxBodyBytes: e.CHIRP_MAX_BODY_BYTES,
    trustProxyHops: e.CHIRP_TRUST_PROXY_HOPS,
    sseKeepAliveMs: e.CHIRP_SSE_KEEPALIVE_MS,
    readyCacheMs: e.CHIRP_READY_CACHE_MS,
    maxInFlight: e.CHIRP_GATEWAY_MAX_IN_FLIGHT,
    live: {
      ...LIVE_DEFAULTS,
      pingIntervalMs: e.CHIRP_WS_PING_INTERVAL_MS,
      maxBufferedBytes: e.CHIRP_WS_MAX_BUFFERED_BYTES,
      maxSubscriptions: e.CHIRP_WS_MAX_SUBSCRIPTIONS,
    },
  };
}

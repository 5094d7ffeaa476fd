// Settings of the shared hydration cache, read once at start-up.
import { z } from "zod";
import { envs, readEnv, type Env } from "../kit/config.js";

export const DEFAULT_BUCKETS = 16;

const schema = z.object({
  /** How long an entry lives unread-through: events keep it current, the TTL bounds what a lost event could leave. */
  CHIRP_HYDRATION_TTL_SECONDS: envs.int(3600, 1, 7 * 24 * 3600),
  /** Entries the in-process cache (embedded mode) keeps per kind; Redis is bounded by its maxmemory policy. */
  CHIRP_HYDRATION_MAX_ENTRIES: envs.int(200_000, 100, 100_000_000),
  /** Viewers whose likes and retweets the in-process cache keeps (the least recently reading go first). */
  CHIRP_HYDRATION_MAX_VIEWERS: envs.int(20_000, 0, 10_000_000),
  /** How long a read waits for the owning service on a miss before answering UNAVAILABLE. */
  CHIRP_HYDRATION_READ_THROUGH_TIMEOUT_MS: envs.int(2_000, 50, 60_000),
  /**
   * Redis hash-tag buckets the entries spread over: a read sends one MGET per
   * bucket it touches, so fewer buckets mean fewer commands per page and
   * more means finer spreading over masters (keep it several times their number).
   */
  CHIRP_HYDRATION_BUCKETS: envs.int(DEFAULT_BUCKETS, 1, 16_384),
});

export interface HydrationConfig {
  ttlMs: number;
  maxEntries: number;
  maxViewers: number;
  readThroughTimeoutMs: number;
  buckets: number;
  /** An invalidation's marker outlives any read-through in flight. */
  markerTtlMs: number;
}

export function readHydrationConfig(env: Env = process.env): HydrationConfig {
  const e = readEnv(schema, env);
  return {
    ttlMs: e.CHIRP_HYDRATION_TTL_SECONDS * 1000,
    maxEntries: e.CHIRP_HYDRATION_MAX_ENTRIES,
    maxViewers: e.CHIRP_HYDRATION_MAX_VIEWERS,
    readThroughTimeoutMs: e.CHIRP_HYDRATION_READ_THROUGH_TIMEOUT_MS,
    buckets: e.CHIRP_HYDRATION_BUCKETS,
    markerTtlMs: Math.max(60_000, 10 * e.CHIRP_HYDRATION_READ_THROUGH_TIMEOUT_MS),
  };
}

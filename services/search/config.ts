// Settings of the search service, read once at start-up and checked as a whole.
import { z } from "zod";
import { envs, readEnv, type Env } from "../kit/config.js";

const schema = z.object({
  /** Index entries a tweet search examines at most per request; beyond, the answer says it was cut short. */
  CHIRP_SEARCH_MAX_CANDIDATES: envs.int(2000, 10, 1_000_000),
  /** Day buckets of the rarest term a tweet search visits at most per request. */
  CHIRP_SEARCH_MAX_BUCKETS: envs.int(90, 1, 100_000),
  /** People search ranks this many candidates of a prefix (the highest follower ranks). */
  CHIRP_SEARCH_PEOPLE_WINDOW: envs.int(100, 10, 10_000),
  /** How often the indexer writes its summed bucket counts (cluster mode); they only rank a query's terms. */
  CHIRP_SEARCH_COUNT_FLUSH_MS: envs.int(5000, 0, 60_000),
});

export interface SearchConfig {
  maxCandidates: number;
  maxBuckets: number;
  peopleWindow: number;
  countFlushMs: number;
}

export function readSearchConfig(env: Env = process.env): SearchConfig {
  const e = readEnv(schema, env);
  return {
    maxCandidates: e.CHIRP_SEARCH_MAX_CANDIDATES,
    maxBuckets: e.CHIRP_SEARCH_MAX_BUCKETS,
    peopleWindow: e.CHIRP_SEARCH_PEOPLE_WINDOW,
    countFlushMs: e.CHIRP_SEARCH_COUNT_FLUSH_MS,
  };
}

// Settings of the discovery service (trending hashtags, who to follow), read
// once at start-up and checked as a whole.
import { z } from "zod";
import { envs, readEnv, type Env } from "../kit/config.js";
import { normalizeHashtag } from "../kit/hashtag.js";

const schema = z.object({
  /** Tags never listed as trending, comma-separated, with or without '#'; normalised as tags are (#Spam is spam). */
  CHIRP_TRENDS_DENY: z
    .string()
    .default("")
    .transform((v, ctx) => {
      const tags = v.split(",").map((s) => s.trim()).filter(Boolean);
      const bad = tags.filter((t) => normalizeHashtag(t) === undefined);
      if (bad.length) ctx.addIssue({ code: "custom", message: `not hashtags: ${bad.join(", ")}` });
      return tags.map((t) => normalizeHashtag(t)!).filter(Boolean);
    }),
  /** How often the trends are computed (by one replica: the others find the lock taken). */
  CHIRP_TRENDS_INTERVAL_MS: envs.int(60_000, 100, 3_600_000),
  /** Distinct accounts that must have used a tag in the last hour for it to trend. */
  CHIRP_TRENDS_MIN_AUTHORS: envs.int(5, 1, 1_000_000),
  /** The lowest (observed - expected) / sqrt(expected) that trends. */
  CHIRP_TRENDS_MIN_SCORE: z.coerce.number().min(0).max(1000).default(2),
  /** A past hour's score counts half after this long. */
  CHIRP_TRENDS_HALF_LIFE_MINUTES: envs.int(240, 1, 7 * 24 * 60),
  /** How long a user's suggestions are kept (a follow or a dismissal drops them sooner). */
  CHIRP_SUGGESTIONS_CACHE_SECONDS: envs.int(900, 0, 86_400),
  /** Of the accounts a user follows, how many are asked whom they follow (friends of friends). */
  CHIRP_SUGGESTIONS_SAMPLE: envs.int(50, 1, 5000),
  /** And how many of each one's follows (the newest) are counted. */
  CHIRP_SUGGESTIONS_PER_FOLLOW: envs.int(200, 1, 5000),
  /** How long those follow lists are kept (a follow or unfollow by their owner drops them sooner). */
  CHIRP_SUGGESTIONS_FOLLOWS_CACHE_SECONDS: envs.int(900, 0, 86_400),
});

export interface DiscoveryConfig {
  trends: {
    deny: string[];
    intervalMs: number;
    minAuthors: number;
    minScore: number;
    halfLifeMs: number;
  };
  suggestions: {
    cacheMs: number;
    sample: number;
    perFollow: number;
    followsCacheMs: number;
  };
}

export function readDiscoveryConfig(env: Env = process.env): DiscoveryConfig {
  const e = readEnv(schema, env);
  return {
    trends: {
      deny: e.CHIRP_TRENDS_DENY,
      intervalMs: e.CHIRP_TRENDS_INTERVAL_MS,
      minAuthors: e.CHIRP_TRENDS_MIN_AUTHORS,
      minScore: e.CHIRP_TRENDS_MIN_SCORE,
      halfLifeMs: e.CHIRP_TRENDS_HALF_LIFE_MINUTES * 60_000,
    },
    suggestions: {
      cacheMs: e.CHIRP_SUGGESTIONS_CACHE_SECONDS * 1000,
      sample: e.CHIRP_SUGGESTIONS_SAMPLE,
      perFollow: e.CHIRP_SUGGESTIONS_PER_FOLLOW,
      followsCacheMs: e.CHIRP_SUGGESTIONS_FOLLOWS_CACHE_SECONDS * 1000,
    },
  };
}

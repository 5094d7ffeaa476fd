// Settings of the timeline service and the fan-out worker, read from the
// environment once at start-up (CHIRP_* like the rest of the process).
import { z } from "zod";
import { envs, readEnv, type Env } from "../kit/config.js";
import { FOLLOWERS_PAGE } from "./fanout/followers.js";

const DAY_S = 24 * 3600;

const schema = z.object({
  /** Tweet ids kept per home timeline; older ones are trimmed. */
  CHIRP_TIMELINE_CAP: envs.int(800, 20, 10_000),
  /** An unread timeline expires after this long and is rebuilt on the next read. */
  CHIRP_TIMELINE_TTL_SECONDS: envs.int(14 * DAY_S, 60, 365 * DAY_S),
  /** Tweet and retweet ids kept per author for user timelines; pages past them come from the tweet service. */
  CHIRP_USER_TIMELINE_CAP: envs.int(200, 20, 10_000),
  /** An author's list that nobody read for this long expires and is built again on the next read. */
  CHIRP_USER_TIMELINE_TTL_SECONDS: envs.int(DAY_S, 60, 365 * DAY_S),
  /** Ids a missing author's list is built from: one ListUserTweets page, a few pages' worth, not the whole partition. */
  CHIRP_USER_TIMELINE_BUILD: envs.int(50, 1, 100),
  /**
   * Authors with at least this many followers are not fanned out on write;
   * their tweets are merged in at read time. 50,000 keeps one tweet's fan-out
   * to about 50 batch jobs (well under a second of Redis work on one machine)
   * while still fanning out the 10,000-follower accounts of the benchmark.
   */
  CHIRP_FANOUT_THRESHOLD: envs.int(50_000, 1, 100_000_000),
  /** Followers per fanout.batch job; a job never spans two follower pages. */
  CHIRP_FANOUT_BATCH_SIZE: envs.int(1000, 1, FOLLOWERS_PAGE),
  /** fanout.batch jobs one worker process handles at once. */
  CHIRP_FANOUT_CONCURRENCY: envs.int(8, 1, 256),
  /** An unacknowledged event goes to another worker after this long (a worker that died). */
  CHIRP_FANOUT_ACK_WAIT_MS: envs.int(30_000, 1_000, 600_000),
  /** How many of a new followee's recent tweets are merged in on follow. */
  CHIRP_FANOUT_FOLLOW_BACKFILL: envs.int(50, 1, 100),
  /** Idle streams get a keep-alive this often. */
  CHIRP_STREAM_KEEPALIVE_MS: envs.int(15_000, 100, 300_000),
  /**
   * How long a process reuses the set of large accounts; an account that just
   * became large is merged up to twice that late (an expired entry is served
   * while it reloads: ttl-cache.ts). Their tweet ids come from the shared author lists.
   */
  CHIRP_TIMELINE_LARGE_ACCOUNT_CACHE_MS: envs.int(1_000, 0, 600_000),
  /** How long a reader's set of followed large accounts is reused (a follow/unfollow of one shows up to twice that late). */
  CHIRP_TIMELINE_LARGE_ACCOUNT_FOLLOWS_CACHE_MS: envs.int(10_000, 0, 600_000),
  /**
   * How long the hydration cache keeps a viewer's likes and retweets (0: ask
   * the tweet service on every read). They are never stale while kept: a
   * like changes the viewer's states version (viewer-states.ts); this bounds
   * how long a change whose InvalidateViewerStates call failed could go unseen.
   */
  CHIRP_TIMELINE_VIEWER_STATES_CACHE_MS: envs.int(60_000, 0, 3_600_000),
});

export interface TimelineConfig {
  cap: number;
  ttlSeconds: number;
  userTimelineCap: number;
  userTimelineTtlSeconds: number;
  userTimelineBuild: number;
  fanoutThreshold: number;
  fanoutBatchSize: number;
  fanoutConcurrency: number;
  fanoutAckWaitMs: number;
  followBackfill: number;
  keepAliveMs: number;
  largeAccountCacheMs: number;
  largeAccountFollowsCacheMs: number;
  viewerStatesCacheMs: number;
}

export function readTimelineConfig(env: Env = process.env): TimelineConfig {
  const e = readEnv(schema, env);
  return {
    cap: e.CHIRP_TIMELINE_CAP,
    ttlSeconds: e.CHIRP_TIMELINE_TTL_SECONDS,
    userTimelineCap: e.CHIRP_USER_TIMELINE_CAP,
    userTimelineTtlSeconds: e.CHIRP_USER_TIMELINE_TTL_SECONDS,
    userTimelineBuild: e.CHIRP_USER_TIMELINE_BUILD,
    fanoutThreshold: e.CHIRP_FANOUT_THRESHOLD,
    fanoutBatchSize: e.CHIRP_FANOUT_BATCH_SIZE,
    fanoutConcurrency: e.CHIRP_FANOUT_CONCURRENCY,
    fanoutAckWaitMs: e.CHIRP_FANOUT_ACK_WAIT_MS,
    followBackfill: e.CHIRP_FANOUT_FOLLOW_BACKFILL,
    keepAliveMs: e.CHIRP_STREAM_KEEPALIVE_MS,
    largeAccountCacheMs: e.CHIRP_TIMELINE_LARGE_ACCOUNT_CACHE_MS,
    largeAccountFollowsCacheMs: e.CHIRP_TIMELINE_LARGE_ACCOUNT_FOLLOWS_CACHE_MS,
    viewerStatesCacheMs: e.CHIRP_TIMELINE_VIEWER_STATES_CACHE_MS,
  };
}

// The trends computation: once per interval (a minute), by one replica. Every
// replica ticks; each tick claims the run of the current interval (Redis SET
// NX PX in a cluster, in process in the all-in-one) and only the one that got
// it computes. Runs are numbered by ctx.now(), so a test that moves the
// clock gets a new run at each step and never waits for real minutes.
//
// A computation starts from the tags used in the last hour, skips those with
// fewer tweets than the minimum of authors (tweets bound authors from above),
// counts the rest in every window in one script per tag, scores them
// (score.ts) and stores the ranked list with its time. Nothing of a previous
// run is carried over: each list is recomputed from the counts as they are.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  ListTrendingHashtagsResponseSchema,
  type ListTrendingHashtagsResponse,
  type TrendingHashtag,
} from "../../../gen/chirp/discovery/v1/discovery_pb.js";
import type { DiscoveryContext } from "../context.js";
import { rank, scoreTag } from "./score.js";
import { HOUR_MS, RETENTION_MS, windowSpec } from "./windows.js";

/** The most a list holds (the API's maximum limit). */
export const MAX_TRENDS = 20;
/** Activity older than this does not make an account worth suggesting. */
export const ACTIVE_MS = 90 * 24 * HOUR_MS;

export class TrendsJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private lastPrune = -Infinity;

  constructor(private readonly ctx: DiscoveryContext) {}

  /** Claims this interval's run and, if it got it, computes and stores the trends. True when it computed. */
  async runOnce(): Promise<boolean> {
    const { ctx } = this;
    const now = ctx.now();
    const interval = ctx.config.trends.intervalMs;
    const bucket = Math.floor(now / interval);
    // Real time bounds the claim: a replica with a late tick finds it taken.
    if (!(await ctx.store.trends.claim("trends", bucket, Math.max(interval, 1000)))) {
      ctx.metrics.trendRuns.inc({ outcome: "skipped" });
      return false;
    }
    const end = ctx.metrics.trendSeconds.startTimer();
    const result = await this.compute(now);
    await ctx.store.trends.saveTrends(toBinary(ListTrendingHashtagsResponseSchema, result));
    if (now - this.lastPrune >= HOUR_MS) {
      this.lastPrune = now;
      await ctx.store.suggestions.pruneActivity(now - ACTIVE_MS);
    }
    end();
    ctx.metrics.trendRuns.inc({ outcome: "computed" });
    return true;
  }

  /** The trends at `now` from the counts as stored. */
  async compute(now: number): Promise<ListTrendingHashtagsResponse> {
    const { trends: store } = this.ctx.store;
    const rules = this.ctx.config.trends;
    const deny = new Set(rules.deny);
    const tags = (await store.recentTags(now - HOUR_MS)).filter((t) => !deny.has(t));
    const tweets = await store.tweetCounts(tags, now - HOUR_MS, now);
    const candidates = tags.filter((t) => (tweets.get(t) ?? 0) >= rules.minAuthors);
    const spec = windowSpec(now);
    const windows = await store.countWindows(candidates, spec);
    const listed: TrendingHashtag[] = [];
    for (const [tag, w] of windows) {
      const scored = scoreTag(tag, w, spec, rules);
      if (scored) listed.push(scored);
    }
    await store.prune(tags, now - RETENTION_MS, now);
    return create(ListTrendingHashtagsResponseSchema, { hashtags: rank(listed).slice(0, MAX_TRENDS), computedAt: timestampFromMs(now) });
  }

  /** The last stored list, without denied tags (the list may predate a change of the deny list). */
  async read(limit: number): Promise<ListTrendingHashtagsResponse> {
    const bytes = await this.ctx.store.trends.loadTrends();
    const res = bytes ? fromBinary(ListTrendingHashtagsResponseSchema, bytes) : create(ListTrendingHashtagsResponseSchema, {});
    const deny = new Set(this.ctx.config.trends.deny);
    res.hashtags = res.hashtags.filter((h) => !deny.has(h.tag)).slice(0, limit);
    return res;
  }

  start(): void {
    const tick = () => {
      if (this.running) return;
      this.running = this.runOnce()
        .catch((err) => {
          this.ctx.metrics.trendRuns.inc({ outcome: "error" });
          this.ctx.logger.warn({ err }, "trends not computed this time");
        })
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(tick, this.ctx.config.trends.intervalMs);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}

// fanout.batch: one tweet id into (or out of) up to ~1,000 home timelines, in
// one Lua call per Redis master, then a live event to those of them streaming
// (a redelivered job publishes the same message ids, stored once).
// The message is acked only after the writes succeeded; ZADD and ZREM are
// idempotent, so a redelivered job never duplicates an entry.
import { snowflakeTime } from "../../kit/snowflake.js";
import { NO_TRACING, SpanKind, withSpan } from "../../kit/tracing.js";
import type { TimelineContext } from "../context.js";
import type { FanoutJob, FanoutOp } from "./job.js";
import { fanoutMetrics } from "./metrics.js";

/**
 * One tweet id into (or out of) home timelines, in a span of its own with
 * tracing on; an add records how long after the post it became visible there.
 */
export async function writeTimelines(ctx: TimelineContext, op: FanoutOp, userIds: readonly bigint[], tweetId: bigint, audience: "author" | "followers"): Promise<void> {
  const attributes = { "db.system.name": ctx.mode === "cluster" ? "redis" : "in-process", "chirp.timelines": userIds.length, "chirp.tweet_id": tweetId.toString() };
  await withSpan(ctx.tracing ?? NO_TRACING, `timeline-store ${op}`, attributes, async () => {
    if (op === "add") await ctx.store.add(userIds, [tweetId]);
    else await ctx.store.remove(userIds, [tweetId]);
  }, SpanKind.CLIENT);
  if (op === "add") fanoutMetrics(ctx.metrics.registry).delay.observe({ audience }, Math.max(0, Date.now() - snowflakeTime(tweetId)) / 1000);
}

export async function handleBatch(ctx: TimelineContext, job: FanoutJob): Promise<void> {
  // Presence and the live event (hydrated once, mostly from the cache) are read alongside the write.
  const [, online, event] = await Promise.all([
    writeTimelines(ctx, job.op, job.followerIds, job.tweetId, "followers"),
    ctx.store.online(job.followerIds),
    ctx.live?.homeEvent(job.op, job.tweetId),
  ]);
  // Only users with a stream open lately: a live event nobody can resume is not worth storing.
  await ctx.live?.home(job.op, job.tweetId, online, event);
}

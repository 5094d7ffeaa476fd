// fanout.batch: one tweet id into (or out of) up to ~1,000 home timelines, in
// one Lua call per Redis master, then a live event to those of them streaming.
// The message is acked only after the writes succeeded; ZADD and ZREM are
// idempotent, so a redelivered job never duplicates an entry.
import type { TimelineContext } from "../context.js";
import { publishLive } from "../live.js";
import type { FanoutJob } from "./job.js";

export async function handleBatch(ctx: TimelineContext, job: FanoutJob): Promise<void> {
  // Presence is read alongside the write: both are one round trip.
  const [, online] = await Promise.all([
    job.op === "add" ? ctx.store.add(job.followerIds, [job.tweetId]) : ctx.store.remove(job.followerIds, [job.tweetId]),
    ctx.store.online(job.followerIds),
  ]);
  if (online.length > 0) {
    publishLive(
      ctx.bus,
      online,
      job.op === "add" ? { kind: "tweet", tweetId: job.tweetId, authorId: job.authorId } : { kind: "deleted", tweetId: job.tweetId },
    );
  }
}

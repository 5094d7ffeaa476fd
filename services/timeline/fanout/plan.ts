// Splits one tweet's fan-out (or its removal) into fanout.batch jobs that any
// worker can take. Progress is saved after each published batch, so a
// redelivered event resumes where the last attempt stopped; the job's msgId
// (fanout:<tweetId>:<n>) makes a batch published twice count once.
import { SUBJECTS } from "../../platform/bus/streams.js";
import type { TimelineContext } from "../context.js";
import { followerBatches } from "./followers.js";
import { encodeJob, jobMsgId, type FanoutOp } from "./job.js";

/** As long as the FANOUT stream keeps the jobs. */
const PROGRESS_TTL_MS = 24 * 3600 * 1000;

/** Publishes the jobs; returns how many followers they cover (this attempt). */
export async function planFanout(ctx: TimelineContext, op: FanoutOp, tweetId: bigint, authorId: bigint): Promise<number> {
  const key = `${op}:${tweetId}`;
  const progress = (await ctx.store.getProgress(key)) ?? { batches: 0, cursor: "", done: false };
  if (progress.done) return 0;
  let followers = 0;
  for await (const batch of followerBatches(ctx.rt.clients.graph, authorId, progress.cursor, ctx.config.fanoutBatchSize)) {
    if (batch.ids.length > 0) {
      const job = encodeJob({ op, tweetId, authorId, followerIds: batch.ids });
      await ctx.rt.bus.publish(SUBJECTS.fanoutBatch, job, jobMsgId(op, tweetId, progress.batches));
      progress.batches++;
      followers += batch.ids.length;
    }
    progress.cursor = batch.cursor;
    progress.done = batch.done;
    await ctx.store.setProgress(key, progress, PROGRESS_TTL_MS);
  }
  return followers;
}

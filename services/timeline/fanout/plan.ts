// Splits one tweet's fan-out (or its removal) into fanout.batch jobs that any
// worker can take. Followers are read in the largest pages ListFollowerIds
// gives and each page's jobs are published at once: the planner's round trips
// in sequence, not the work, bounded how soon a big fan-out got going.
// Progress is saved after each page, so a redelivered event resumes at the
// last saved page; a job's msgId (fanout:<tweetId>:<n>, n counted from the
// start) makes a batch published twice count once.
import { SUBJECTS } from "../../platform/bus/streams.js";
import type { TimelineContext } from "../context.js";
import { followerPages } from "./followers.js";
import { encodeJob, jobMsgId, type FanoutOp } from "./job.js";

/** As long as the FANOUT stream keeps the jobs. */
const PROGRESS_TTL_MS = 24 * 3600 * 1000;

/** Publishes the jobs; returns how many followers they cover (this attempt). */
export async function planFanout(ctx: TimelineContext, op: FanoutOp, tweetId: bigint, authorId: bigint): Promise<number> {
  const key = `${op}:${tweetId}`;
  const progress = (await ctx.store.getProgress(key)) ?? { batches: 0, cursor: "", done: false };
  if (progress.done) return 0;
  const size = ctx.config.fanoutBatchSize;
  let followers = 0;
  for await (const page of followerPages(ctx.rt.clients.graph, authorId, progress.cursor)) {
    const jobs: Array<Promise<void>> = [];
    for (let i = 0; i < page.ids.length; i += size) {
      const job = encodeJob({ op, tweetId, authorId, followerIds: page.ids.slice(i, i + size) });
      jobs.push(ctx.rt.bus.publish(SUBJECTS.fanoutBatch, job, jobMsgId(op, tweetId, progress.batches++)));
    }
    await Promise.all(jobs);
    followers += page.ids.length;
    progress.cursor = page.cursor;
    progress.done = page.done;
    await ctx.store.setProgress(key, progress, PROGRESS_TTL_MS);
  }
  return followers;
}

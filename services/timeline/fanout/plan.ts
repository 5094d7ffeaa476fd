// Splits a tweet's fan-out (or its removal) into fanout.batch jobs that any
// worker can take. Followers are read in the largest pages ListFollowerIds
// gives and each page's jobs are published at once: the planner's round trips
// in sequence, not the work, bounded how soon a big fan-out got going.
// Progress is saved per tweet after each page, so a redelivered event resumes
// at the last saved page; a job's msgId (fanout:<tweetId>:<n>, n counted from
// the start) makes a batch published twice count once.
//
// An author's tweets that arrive together share one read of the followers:
// re-reading 10,000 followers for each tweet of a burst was most of what a
// burst cost. A tweet only joins a read that starts after its event arrived
// (serial-batches.ts), and the event is published after the tweet is stored,
// so the read still sees every follow stored before the tweet; a follow
// stored later merges the tweet itself (graph.followed). A redelivered event
// with saved progress resumes alone, from its own cursor.
import { SUBJECTS } from "../../platform/bus/streams.js";
import type { TimelineContext } from "../context.js";
import type { FanoutProgress } from "../store/port.js";
import { followerPages } from "./followers.js";
import { encodeJobs, jobMsgId, type FanoutOp } from "./job.js";
import { fanoutMetrics, type FanoutMetrics } from "./metrics.js";
import { SerialBatches } from "./serial-batches.js";

/** As long as the FANOUT stream keeps the jobs. */
const PROGRESS_TTL_MS = 24 * 3600 * 1000;
/** Tweets planned by one read of the followers at most (bounds the jobs one page publishes at once). */
const MAX_TWEETS_PER_SCAN = 32;

interface Planned {
  tweetId: bigint;
  key: string;
  progress: FanoutProgress;
}

export class FanoutPlanner {
  private readonly scans = new SerialBatches<Planned, number>(MAX_TWEETS_PER_SCAN);
  private readonly metrics: FanoutMetrics;

  constructor(private readonly ctx: TimelineContext) {
    this.metrics = fanoutMetrics(ctx.metrics.registry);
  }

  /** Publishes the tweet's jobs; resolves with how many followers they cover (this attempt). */
  async plan(op: FanoutOp, tweetId: bigint, authorId: bigint): Promise<number> {
    const key = `${op}:${tweetId}`;
    const saved = await this.ctx.store.getProgress(key);
    if (saved?.done) return 0;
    if (saved) return this.scan(op, authorId, [{ tweetId, key, progress: saved }]);
    const fresh = { tweetId, key, progress: { batches: 0, cursor: "", done: false } };
    return this.scans.add(`${op}:${authorId}`, fresh, (tweets) => this.scan(op, authorId, tweets));
  }

  /** One read of the author's followers for every tweet in `tweets` (all at the same cursor). */
  private async scan(op: FanoutOp, authorId: bigint, tweets: Planned[]): Promise<number> {
    this.metrics.scans.inc({ op });
    this.metrics.scannedTweets.inc({ op }, tweets.length);
    const size = this.ctx.config.fanoutBatchSize;
    const { bus, clients } = this.ctx;
    let followers = 0;
    for await (const page of followerPages(clients.graph, authorId, tweets[0]!.progress.cursor)) {
      const jobs: Array<Promise<void>> = [];
      for (let i = 0; i < page.ids.length; i += size) {
        const encoded = encodeJobs(op, tweets.map((t) => t.tweetId), authorId, page.ids.slice(i, i + size));
        tweets.forEach((t, k) => jobs.push(bus.publish(SUBJECTS.fanoutBatch, encoded[k]!, jobMsgId(op, t.tweetId, t.progress.batches++))));
      }
      await Promise.all(jobs);
      followers += page.ids.length;
      await Promise.all(
        tweets.map((t) => {
          t.progress.cursor = page.cursor;
          t.progress.done = page.done;
          return this.ctx.store.setProgress(t.key, t.progress, PROGRESS_TTL_MS);
        }),
      );
    }
    return followers;
  }
}

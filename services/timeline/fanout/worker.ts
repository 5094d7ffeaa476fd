// The fan-out worker: durable consumers for the events that change home
// timelines. Several worker processes share each durable; every handler is
// idempotent, since the bus delivers at least once.
import type { BusMessage, Subscription } from "../../platform/bus/port.js";
import { SUBJECTS } from "../../platform/bus/streams.js";
import type { TimelineContext } from "../context.js";
import { decodeJob, type FanoutJob } from "./job.js";
import { handleBatch } from "./batch.js";
import { FanoutPlanner } from "./plan.js";
import { handleFollowed, handleUnfollowed } from "./graph-events.js";
import { fanoutMetrics } from "./metrics.js";
import { handleTweetCreated, handleTweetDeleted, handleTweetRetweeted } from "./tweet-events.js";

export const DURABLES = {
  tweets: "timeline-fanout-tweets",
  graph: "timeline-fanout-graph",
  batches: "timeline-fanout-batches",
} as const;

type Handler = (ctx: TimelineContext, msg: BusMessage, planner: FanoutPlanner) => Promise<void>;

const HANDLERS: Record<string, Handler> = {
  [SUBJECTS.tweetCreated]: handleTweetCreated,
  [SUBJECTS.tweetRetweeted]: handleTweetRetweeted,
  [SUBJECTS.tweetDeleted]: handleTweetDeleted,
  [SUBJECTS.graphFollowed]: handleFollowed,
  [SUBJECTS.graphUnfollowed]: handleUnfollowed,
};

export interface FanoutWorker {
  stop(): Promise<void>;
}

export async function startFanoutWorker(ctx: TimelineContext): Promise<FanoutWorker> {
  const metrics = fanoutMetrics(ctx.metrics.registry);
  const log = ctx.logger;
  const planner = new FanoutPlanner(ctx);

  const route = async (msg: BusMessage) => {
    const handler = HANDLERS[msg.subject];
    if (!handler) return void log.warn({ subject: msg.subject }, "no handler for this subject: acked");
    try {
      await handler(ctx, msg, planner);
      metrics.events.inc({ subject: msg.subject, outcome: "ok" });
    } catch (err) {
      metrics.events.inc({ subject: msg.subject, outcome: "retry" });
      throw err; // the bus logs it and delivers the event again
    }
  };

  const batch = async (msg: BusMessage) => {
    const started = process.hrtime.bigint();
    let job: FanoutJob;
    try {
      job = decodeJob(msg.data);
    } catch (err) {
      // Redelivering an undecodable job would fail the same way each time.
      return void log.error({ err, msgId: msg.msgId }, "undecodable fanout.batch job: dropped");
    }
    await handleBatch(ctx, job);
    metrics.writes.inc({ op: job.op }, job.followerIds.length);
    metrics.batchSeconds.observe({ op: job.op }, Number(process.hrtime.bigint() - started) / 1e9);
  };

  const ackWaitMs = ctx.config.fanoutAckWaitMs;
  const subs: Subscription[] = [];
  try {
    subs.push(
      await ctx.bus.consume({
        durable: DURABLES.tweets,
        subjects: [SUBJECTS.tweetCreated, SUBJECTS.tweetRetweeted, SUBJECTS.tweetDeleted],
        handler: route,
        ackWaitMs,
      }),
      await ctx.bus.consume({ durable: DURABLES.graph, subjects: [SUBJECTS.graphFollowed, SUBJECTS.graphUnfollowed], handler: route, ackWaitMs }),
      await ctx.bus.consume({
        durable: DURABLES.batches,
        subjects: [SUBJECTS.fanoutBatch],
        handler: batch,
        concurrency: ctx.config.fanoutConcurrency,
        ackWaitMs,
      }),
    );
  } catch (err) {
    await Promise.all(subs.map((s) => s.stop()));
    throw err;
  }
  log.info({ durables: Object.values(DURABLES) }, "fan-out worker consuming");
  return {
    async stop() {
      await Promise.all(subs.map((s) => s.stop()));
    },
  };
}

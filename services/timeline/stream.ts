// The live home timeline of one open StreamHomeTimeline call: subscribe to the
// user's ephemeral subject, mark the user online (so fan-out publishes to it),
// hydrate incoming ids for this viewer, keep-alive while idle, and end cleanly
// when the call's signal aborts (client gone or server shutting down).
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { KeepAliveSchema, type StreamHomeTimelineResponseSchema } from "../../gen/chirp/timeline/v1/timeline_pb.js";
import { requestScope, type RequestScope } from "../kit/request-context.js";
import { SUBJECTS } from "../platform/bus/streams.js";
import { hydrate } from "./hydrate.js";
import { decodeLive, type LiveEvent } from "./live.js";
import type { ReadContext } from "./read-context.js";

type Out = MessageInitShape<typeof StreamHomeTimelineResponseSchema>;

/** A reader that stops reading does not make us buffer forever: the oldest events go. */
const MAX_QUEUED = 1000;

export async function* liveHome(rc: ReadContext, userId: bigint, signal: AbortSignal, scope: RequestScope): AsyncGenerator<Out> {
  const keepAliveMs = rc.config.keepAliveMs;
  // Presence outlives one missed refresh; a crashed server's users age out by themselves.
  const presenceMs = 2 * keepAliveMs + 5_000;
  const queue: LiveEvent[] = [];
  let wake: (() => void) | undefined;
  const sub = rc.bus.subscribeEphemeral(SUBJECTS.liveHome(userId), (_subject, data) => {
    try {
      const e = decodeLive(data);
      if (!e) return;
      queue.push(e);
      if (queue.length > MAX_QUEUED) queue.shift();
      wake?.();
    } catch (err) {
      rc.logger.warn({ err }, "undecodable live event ignored");
    }
  });
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort);
  try {
    // The subscription is registered with the bus before we report the stream live.
    await rc.bus.ping();
    await rc.store.markOnline(userId, presenceMs);
    // The first keep-alive tells the client the stream is live (and sends the headers).
    yield keepAlive();
    let nextKeepAlive = Date.now() + keepAliveMs;
    while (!signal.aborted) {
      if (queue.length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, nextKeepAlive - Date.now()));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      if (signal.aborted) break;
      if (queue.length > 0) yield* deliver(rc, userId, queue.splice(0), scope);
      if (Date.now() >= nextKeepAlive) {
        yield keepAlive();
        await rc.store.markOnline(userId, presenceMs);
        nextKeepAlive = Date.now() + keepAliveMs;
      }
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    await sub.stop();
  }
}

async function* deliver(rc: ReadContext, viewerId: bigint, events: LiveEvent[], scope: RequestScope): AsyncGenerator<Out> {
  const tweetIds = [...new Set(events.filter((e) => e.kind === "tweet").map((e) => e.tweetId))];
  // Hydration calls carry the viewer's token (viewer states are private):
  // a generator resumes outside the interceptor's request scope, so set it again.
  const hydrated = tweetIds.length ? await requestScope.run(scope, () => hydrate(rc.hydration, { id: viewerId }, tweetIds)) : undefined;
  const byId = new Map(hydrated?.tweets.map((h) => [h.tweet!.tweetId, h]));
  const sent = new Set<bigint>();
  for (const e of events) {
    if (e.kind === "deleted") {
      yield { event: { case: "deletedTweetId", value: e.tweetId } };
      continue;
    }
    const h = byId.get(e.tweetId);
    if (!h || sent.has(e.tweetId)) continue; // deleted already, or a repeat
    sent.add(e.tweetId);
    yield { event: { case: "tweet", value: h } };
  }
}

function keepAlive(): Out {
  return { event: { case: "keepAlive", value: create(KeepAliveSchema, { sentAt: timestampNow() }) } };
}

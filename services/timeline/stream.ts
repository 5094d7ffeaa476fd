// The live home timeline of one open StreamHomeTimeline call, read from the
// LIVE stream like every other transport (platform/bus/live-feed.ts): mark
// the user online (so fan-out publishes to them), follow the large accounts
// they follow (fan-out never writes their tweets: platform/bus/home-subjects.ts),
// resume after the caller's id when given, keep-alive while idle, and end
// cleanly when the call's signal aborts (client gone or server shutting
// down). A retweet shows whether the reader liked or retweeted its original,
// as a page does (asked in the call's own scope, so with the caller's token).
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { KeepAliveSchema, type HydratedTweet, type StreamHomeTimelineResponseSchema } from "../../gen/chirp/timeline/v1/timeline_pb.js";
import { HomeSubjects } from "../platform/bus/home-subjects.js";
import { LIVE_STREAM, SUBJECTS } from "../platform/bus/streams.js";
import type { LiveMessage } from "../platform/bus/port.js";
import { decodeLive } from "./live.js";
import type { ReadContext } from "./read-context.js";

type Out = MessageInitShape<typeof StreamHomeTimelineResponseSchema>;

/** A reader that stops reading does not make us buffer forever: past this, it is told to reload. */
const MAX_QUEUED = 1000;

/**
 * How long fan-out keeps publishing to a user after their last stream was
 * seen: as long as events are kept, so a client that reconnects within that
 * window finds what it missed.
 */
export const PRESENCE_MS = LIVE_STREAM.maxAgeMs;

export async function* liveHome(rc: ReadContext, userId: bigint, since: string, signal: AbortSignal): AsyncGenerator<Out> {
  const keepAliveMs = rc.config.keepAliveMs;
  let queue: Out[] = [];
  let wake: (() => void) | undefined;
  const push = (out: Out) => {
    if (queue.length >= MAX_QUEUED) queue = [{ event: { case: "resyncRequired", value: {} } }];
    else queue.push(out);
    wake?.();
  };
  const tap = rc.feed.open({
    message: (m) => {
      const out = toOut(m);
      if (out) push(out);
      else rc.logger.warn({ seq: m.seq }, "undecodable live event ignored");
    },
    resync: () => push({ event: { case: "resyncRequired", value: {} } }),
  });
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort);
  const home = new HomeSubjects(tap, userId, rc.large.followees, (err) => rc.logger.warn({ err }, "large accounts followed not read: live home keeps the ones it had"));
  try {
    tap.add(SUBJECTS.liveHome(userId));
    await Promise.all([rc.store.markOnline(userId, PRESENCE_MS), home.refresh()]);
    // Subscribed before the replay, so nothing published meanwhile falls in between.
    if (since !== "") await tap.resume(Number(since));
    else await tap.ready();
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
      const batch = queue;
      queue = [];
      for (const out of batch) yield await withReaderStates(rc, userId, out);
      if (Date.now() >= nextKeepAlive) {
        yield keepAlive();
        await Promise.all([rc.store.markOnline(userId, PRESENCE_MS), home.refresh()]);
        nextKeepAlive = Date.now() + keepAliveMs;
      }
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    tap.close();
  }
}

function toOut(m: LiveMessage): Out | undefined {
  try {
    const e = decodeLive(m.data).event;
    if (e.case === "tweet" || e.case === "deletedTweetId") return { event: e, id: String(m.seq) };
  } catch {
    // fall through: not an event of ours
  }
  return undefined;
}

/** A retweet with the reader's states of its original (without them, when they cannot be read: the event still goes). */
async function withReaderStates(rc: ReadContext, userId: bigint, out: Out): Promise<Out> {
  const original = out.event?.case === "tweet" ? (out.event.value as HydratedTweet).retweetedTweet : undefined;
  const id = original?.tweet?.tweetId;
  if (!original || id === undefined) return out;
  try {
    const version = rc.hydration.statesCached ? await rc.store.statesVersion(userId) : undefined;
    const s = (await rc.hydration.states(userId, version, [id])).get(id);
    original.liked = s?.liked ?? false;
    original.retweeted = s?.retweeted ?? false;
  } catch (err) {
    rc.logger.debug({ err }, "reader states not read: the retweet goes out without them");
  }
  return out;
}

function keepAlive(): Out {
  return { event: { case: "keepAlive", value: create(KeepAliveSchema, { sentAt: timestampNow() }) } };
}

// Live home-timeline events on the ephemeral per-user subject. They carry ids
// only (a StreamHomeTimelineResponse with a bare tweet id, or a deleted id):
// each open stream hydrates for its own viewer, since liked/retweeted differ.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { StreamHomeTimelineResponseSchema, type StreamHomeTimelineResponse } from "../../gen/chirp/timeline/v1/timeline_pb.js";
import { SUBJECTS } from "../platform/bus/streams.js";
import type { EventBus } from "../platform/bus/port.js";

export type LiveEvent = { kind: "tweet"; tweetId: bigint; authorId: bigint } | { kind: "deleted"; tweetId: bigint };

export function encodeLive(e: LiveEvent): Uint8Array {
  const msg =
    e.kind === "tweet"
      ? create(StreamHomeTimelineResponseSchema, {
          event: { case: "tweet", value: { tweet: { tweetId: e.tweetId, authorId: e.authorId } } },
        })
      : create(StreamHomeTimelineResponseSchema, { event: { case: "deletedTweetId", value: e.tweetId } });
  return toBinary(StreamHomeTimelineResponseSchema, msg);
}

export function decodeLive(data: Uint8Array): LiveEvent | undefined {
  const msg: StreamHomeTimelineResponse = fromBinary(StreamHomeTimelineResponseSchema, data);
  if (msg.event.case === "tweet" && msg.event.value.tweet) {
    return { kind: "tweet", tweetId: msg.event.value.tweet.tweetId, authorId: msg.event.value.tweet.authorId };
  }
  if (msg.event.case === "deletedTweetId") return { kind: "deleted", tweetId: msg.event.value };
  return undefined;
}

/** Publishes the event to each of these users' live subjects (callers pass only online users). */
export function publishLive(bus: EventBus, userIds: readonly bigint[], e: LiveEvent): void {
  const data = encodeLive(e);
  for (const u of userIds) bus.publishEphemeral(SUBJECTS.liveHome(u), data);
}

// A live message as a WebSocket client receives it: {stream, event, id,
// payload}, the payload the same proto3 JSON the REST API writes (a tweet as
// a timeline page shows it; a notification group as the list shows it). A
// retweet shows whether the reader liked or retweeted its original, as a
// page does: those frames are rendered per reader (frameFor); every other
// frame is the same text for every reader.
import { clone, fromBinary, toJson, type Registry } from "@bufbuild/protobuf";
import { NotificationGroupSchema, NotificationLiveEventSchema } from "../../../gen/chirp/notification/v1/notification_pb.js";
import { HydratedTweetSchema, StreamHomeTimelineResponseSchema, type HydratedTweet } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import type { LiveMessage } from "../../platform/bus/port.js";
import { writeOptions } from "../transcode/json.js";

export interface Frame {
  stream: string | null;
  event: string;
  id: string | null;
  payload: unknown;
}

/** Payloads rendered lately, by content: a tweet fanned out to a thousand home streams is a thousand messages with the same bytes. */
const CACHED = 256;

/** A reader's likes and retweets, by tweet id. */
export type ReaderStates = ReadonlyMap<bigint, { liked: boolean; retweeted: boolean }>;

interface Rendered {
  event: string;
  payloadJson: string;
  /** A retweet: its original's id, whose states are the reader's own. */
  original?: { id: bigint; tweet: HydratedTweet };
}

export class Renderer {
  private readonly options;
  private readonly cache = new Map<string, Rendered | null>();

  constructor(registry: Registry) {
    this.options = writeOptions(registry);
  }

  private rendered(msg: LiveMessage): Rendered | null {
    const kind = msg.subject.startsWith("live.notifications.") ? "n" : "t";
    const key = kind + Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength).toString("latin1");
    let e = this.cache.get(key);
    if (e === undefined) {
      const made = this.event(msg);
      e = made ? { event: made.event, payloadJson: JSON.stringify(made.payload) } : null;
      const id = made?.tweet?.retweetedTweet?.tweet?.tweetId;
      if (e && id) e.original = { id, tweet: made!.tweet! };
      if (this.cache.size >= CACHED) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, e);
    }
    return e;
  }

  /** The tweet whose states the reader's frame shows (a retweet's original), if any. */
  statesShown(msg: LiveMessage): bigint | undefined {
    return this.rendered(msg)?.original?.id;
  }

  /** The frame's text for this message, as it is for a reader who has not acted on it; undefined for one that is not an event of ours. */
  frame(stream: string, msg: LiveMessage): string | undefined {
    const e = this.rendered(msg);
    return e ? framed(stream, e.event, msg.seq, e.payloadJson) : undefined;
  }

  /** The frame with the reader's states on a retweet's original. */
  frameFor(stream: string, msg: LiveMessage, states: ReaderStates): string | undefined {
    const e = this.rendered(msg);
    const s = e?.original && states.get(e.original.id);
    if (!e?.original || !s) return this.frame(stream, msg);
    const h = clone(HydratedTweetSchema, e.original.tweet);
    h.retweetedTweet!.liked = s.liked;
    h.retweetedTweet!.retweeted = s.retweeted;
    return framed(stream, e.event, msg.seq, JSON.stringify(toJson(HydratedTweetSchema, h, this.options)));
  }

  /** The event and payload of a message (and the tweet, for a tweet event); undefined for one that is not an event of ours. */
  event(msg: LiveMessage): { event: string; payload: unknown; tweet?: HydratedTweet } | undefined {
    try {
      if (msg.subject.startsWith("live.notifications.")) {
        const e = fromBinary(NotificationLiveEventSchema, msg.data);
        if (!e.event || !e.group) return undefined;
        return { event: e.event, payload: toJson(NotificationGroupSchema, e.group, this.options) };
      }
      const e = fromBinary(StreamHomeTimelineResponseSchema, msg.data).event;
      if (e.case === "tweet") return { event: "update", payload: toJson(HydratedTweetSchema, e.value, this.options), tweet: e.value };
      if (e.case === "deletedTweetId") return { event: "delete", payload: e.value.toString() };
    } catch {
      // fall through
    }
    return undefined;
  }
}

/** The same text JSON.stringify makes of a Frame, with the payload's JSON made once. */
function framed(stream: string, event: string, seq: number, payloadJson: string): string {
  return `{"stream":${JSON.stringify(stream)},"event":${JSON.stringify(event)},"id":"${seq}","payload":${payloadJson}}`;
}

export function frameText(f: Frame): string {
  return JSON.stringify(f);
}

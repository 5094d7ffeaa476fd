// A live message as a WebSocket client receives it: {stream, event, id,
// payload}, the payload the same proto3 JSON the REST API writes (a tweet as
// a timeline page shows it; a notification group as the list shows it).
import { fromBinary, toJson, type Registry } from "@bufbuild/protobuf";
import { NotificationGroupSchema, NotificationLiveEventSchema } from "../../../gen/chirp/notification/v1/notification_pb.js";
import { HydratedTweetSchema, StreamHomeTimelineResponseSchema } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
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

export class Renderer {
  private readonly options;
  private readonly cache = new Map<string, { event: string; payloadJson: string } | null>();

  constructor(registry: Registry) {
    this.options = writeOptions(registry);
  }

  /** The frame's text for this message; undefined for one that is not an event of ours. */
  frame(stream: string, msg: LiveMessage): string | undefined {
    const kind = msg.subject.startsWith("live.notifications.") ? "n" : "t";
    const key = kind + Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength).toString("latin1");
    let e = this.cache.get(key);
    if (e === undefined) {
      const made = this.event(msg);
      e = made ? { event: made.event, payloadJson: JSON.stringify(made.payload) } : null;
      if (this.cache.size >= CACHED) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, e);
    }
    if (!e) return undefined;
    // The same text JSON.stringify makes of a Frame, with the payload's JSON made once.
    return `{"stream":${JSON.stringify(stream)},"event":${JSON.stringify(e.event)},"id":"${msg.seq}","payload":${e.payloadJson}}`;
  }

  /** The event and payload of a message; undefined for one that is not an event of ours. */
  event(msg: LiveMessage): { event: string; payload: unknown } | undefined {
    try {
      if (msg.subject.startsWith("live.notifications.")) {
        const e = fromBinary(NotificationLiveEventSchema, msg.data);
        if (!e.event || !e.group) return undefined;
        return { event: e.event, payload: toJson(NotificationGroupSchema, e.group, this.options) };
      }
      const e = fromBinary(StreamHomeTimelineResponseSchema, msg.data).event;
      if (e.case === "tweet") return { event: "update", payload: toJson(HydratedTweetSchema, e.value, this.options) };
      if (e.case === "deletedTweetId") return { event: "delete", payload: e.value.toString() };
    } catch {
      // fall through
    }
    return undefined;
  }
}

export function frameText(f: Frame): string {
  return JSON.stringify(f);
}

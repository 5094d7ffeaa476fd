import test from "ava";
import { create, toBinary } from "@bufbuild/protobuf";
import { HydratedTweetSchema, StreamHomeTimelineResponseSchema } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import { jsonRegistry } from "../transcode/json.js";
import { SERVICES } from "../../runtime/services.js";
import { frameText, Renderer } from "./render.js";

const registry = jsonRegistry(Object.values(SERVICES));
const tweet = (content: string) =>
  toBinary(StreamHomeTimelineResponseSchema, create(StreamHomeTimelineResponseSchema, {
    event: { case: "tweet", value: create(HydratedTweetSchema, { tweet: { tweetId: 5n, authorId: 7n, content }, author: { userId: 7n } }) },
  }));

test("a frame is the Frame's JSON, with the payload as REST writes it; the same bytes render once", (t) => {
  const r = new Renderer(registry);
  const data = tweet("hi");
  const a = r.frame("home", { seq: 10, subject: "live.home.1", data });
  const e = r.event({ seq: 10, subject: "live.home.1", data })!;
  t.is(a, frameText({ stream: "home", event: "update", id: "10", payload: e.payload }));
  t.like(JSON.parse(a!), { stream: "home", event: "update", id: "10", payload: { tweet: { tweet_id: "5", content: "hi" }, liked: false } });
  // Another follower's copy: same content, another id and stream.
  t.like(JSON.parse(r.frame("user:7", { seq: 11, subject: "live.user.7", data: tweet("hi") })!), { stream: "user:7", id: "11", payload: { tweet: { content: "hi" } } });
  t.like(JSON.parse(r.frame("home", { seq: 12, subject: "live.home.1", data: tweet("other") })!), { payload: { tweet: { content: "other" } } });
  const del = toBinary(StreamHomeTimelineResponseSchema, create(StreamHomeTimelineResponseSchema, { event: { case: "deletedTweetId", value: 5n } }));
  t.deepEqual(JSON.parse(r.frame("home", { seq: 13, subject: "live.home.1", data: del })!), { stream: "home", event: "delete", id: "13", payload: "5" });
  t.is(r.frame("home", { seq: 14, subject: "live.home.1", data: new Uint8Array([0xff, 0xff]) }), undefined, "not an event of ours");
});

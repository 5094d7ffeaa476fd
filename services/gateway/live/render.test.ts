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

test("a retweet's frame for a reader carries that reader's states of the original; other frames need none", (t) => {
  const r = new Renderer(registry);
  const original = create(HydratedTweetSchema, { tweet: { tweetId: 3n, authorId: 8n, content: "first" }, author: { userId: 8n } });
  const data = toBinary(StreamHomeTimelineResponseSchema, create(StreamHomeTimelineResponseSchema, {
    event: { case: "tweet", value: create(HydratedTweetSchema, { tweet: { tweetId: 9n, authorId: 7n, retweetOfTweetId: 3n }, author: { userId: 7n }, retweetedTweet: original }) },
  }));
  const msg = { seq: 20, subject: "live.home.1", data };
  t.is(r.statesShown(msg), 3n);
  t.is(r.statesShown({ seq: 21, subject: "live.home.1", data: tweet("plain") }), undefined);
  const liked = JSON.parse(r.frameFor("home", msg, new Map([[3n, { liked: true, retweeted: false }]]))!);
  t.like(liked, { stream: "home", id: "20", payload: { tweet: { tweet_id: "9" }, retweeted_tweet: { tweet: { tweet_id: "3" }, liked: true } } });
  t.is(liked.payload.liked, false, "the retweet itself is new: not liked");
  t.like(JSON.parse(r.frame("home", msg)!), { payload: { retweeted_tweet: { tweet: { tweet_id: "3" } } } });
  t.is(JSON.parse(r.frame("home", msg)!).payload.retweeted_tweet.liked, false, "the shared frame: a reader who has not acted on it");
});

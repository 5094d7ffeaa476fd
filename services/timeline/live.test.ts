import test from "ava";
import { create } from "@bufbuild/protobuf";
import { HydratedTweetSchema } from "../../gen/chirp/timeline/v1/timeline_pb.js";
import { decodeLive, encodeLiveDeleted, encodeLiveTweet } from "./live.js";

test("live events carry the hydrated tweet, or the deleted id", (t) => {
  const h = create(HydratedTweetSchema, { tweet: { tweetId: 2n ** 62n + 5n, authorId: 7n, content: "hi" }, author: { userId: 7n, username: "ann" } });
  const got = decodeLive(encodeLiveTweet(h));
  t.is(got.event.case, "tweet");
  t.is(got.event.case === "tweet" ? got.event.value.tweet?.content : undefined, "hi");
  const del = decodeLive(encodeLiveDeleted(9n));
  t.deepEqual(del.event, { case: "deletedTweetId", value: 9n });
  t.is(decodeLive(new Uint8Array()).event.case, undefined, "an empty event carries nothing");
});

import test from "ava";
import { create, toBinary } from "@bufbuild/protobuf";
import { TweetSchema } from "../../gen/chirp/tweet/v1/tweet_pb.js";
import { sharedDecoder } from "./shared-decoder.js";

test("the same bytes decode once, to one frozen message; other bytes to another", (t) => {
  const decode = sharedDecoder(TweetSchema);
  const bytes = toBinary(TweetSchema, create(TweetSchema, { tweetId: 5n, content: "hi", hashtags: ["a"], createdAt: { seconds: 1n } }));
  const first = decode(bytes);
  t.is(decode(bytes), first);
  t.is(first.content, "hi");
  t.true(Object.isFrozen(first) && Object.isFrozen(first.hashtags) && Object.isFrozen(first.createdAt));
  t.throws(() => {
    first.content = "changed";
  });
  t.throws(() => first.hashtags.push("b"));
  const copy = decode(bytes.slice());
  t.not(copy, first);
  t.deepEqual(copy, first);
});

import test from "ava";
import { create } from "@bufbuild/protobuf";
import { TweetSchema } from "../../gen/chirp/tweet/v1/tweet_pb.js";
import { derivedOf, share } from "./shared-message.js";

test("a shared message is frozen through its lists and sub-messages, with room for what is derived from it", (t) => {
  const plain = create(TweetSchema, { tweetId: 5n, content: "hi", hashtags: ["a"], createdAt: { seconds: 1n } });
  t.is(derivedOf(plain), undefined);
  const shared = share(create(TweetSchema, { tweetId: 5n, content: "hi", hashtags: ["a"], createdAt: { seconds: 1n } }));
  t.true(Object.isFrozen(shared) && Object.isFrozen(shared.hashtags) && Object.isFrozen(shared.createdAt));
  t.throws(() => {
    shared.content = "changed";
  });
  t.throws(() => shared.hashtags.push("b"));
  const derived = derivedOf(shared)!;
  derived.json = "{}";
  t.is(derivedOf(shared)?.json, "{}", "derived values stay writable on a frozen message");
  t.deepEqual({ ...shared }, { ...plain });
});

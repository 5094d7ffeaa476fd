import test from "ava";
import { decodeLive, encodeLive } from "./live.js";

test("live events carry ids both ways", (t) => {
  const tweet = { kind: "tweet" as const, tweetId: 2n ** 62n + 5n, authorId: 7n };
  t.deepEqual(decodeLive(encodeLive(tweet)), tweet);
  const deleted = { kind: "deleted" as const, tweetId: 9n };
  t.deepEqual(decodeLive(encodeLive(deleted)), deleted);
  t.is(decodeLive(new Uint8Array()), undefined, "an empty event is ignored");
});

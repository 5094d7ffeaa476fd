// The indexer against each mode's bus and index: a create delivered twice is
// indexed once, and a delete that overtakes its create keeps the tweet out
// for good. Events are published by hand, under new message ids, so the
// bus's de-duplication does not hide a second delivery.
import test from "ava";
import { create, toBinary } from "@bufbuild/protobuf";
import { TweetCreatedEventSchema, TweetDeletedEventSchema } from "../../gen/chirp/tweet/v1/events_pb.js";
import { TweetSchema } from "../../gen/chirp/tweet/v1/tweet_pb.js";
import { Snowflake } from "../kit/snowflake.js";
import { SUBJECTS } from "../platform/bus/streams.js";
import { eventually } from "../testing/eventually.js";
import { startChirp } from "../testing/chirp.js";
import { MODES } from "../testing/runtime.js";
import { bucketOf } from "./buckets.js";
import type { StartedSearch } from "./target.js";

const ids = new Snowflake({ workerId: 901 });

for (const mode of MODES) {
  test(`${mode}: a redelivered create is indexed once; a delete that came first keeps the tweet out`, async (t) => {
    const s = await startChirp({ mode, label: "search_consumer", targets: ["user", "graph", "tweet", "search"] });
    try {
      const { store } = (s.targets.started.get("search") as StartedSearch).ctx;
      const word = `redeliver${Date.now().toString(36)}`;
      const tweet = create(TweetSchema, { tweetId: ids.next(), authorId: 1n, content: `${word} once` });
      const created = toBinary(TweetCreatedEventSchema, create(TweetCreatedEventSchema, { tweet }));
      await s.rt.bus.publish(SUBJECTS.tweetCreated, created, `test:${tweet.tweetId}:1`);
      await s.rt.bus.publish(SUBJECTS.tweetCreated, created, `test:${tweet.tweetId}:2`);
      const bucket = bucketOf(tweet.tweetId);
      t.true(await eventually(async () => (await store.tweetTerms(tweet.tweetId)) !== undefined, 10_000));
      // Both deliveries handled: a later event on the same consumer is done after them.
      const marker = create(TweetSchema, { tweetId: ids.next(), authorId: 1n, content: `${word}marker` });
      await s.rt.bus.publish(SUBJECTS.tweetCreated, toBinary(TweetCreatedEventSchema, create(TweetCreatedEventSchema, { tweet: marker })), `test:${marker.tweetId}`);
      t.true(await eventually(async () => (await store.tweetTerms(marker.tweetId)) !== undefined, 10_000));
      await store.flush();
      t.deepEqual(await store.postings(word, bucket, undefined, undefined, 10), [tweet.tweetId]);
      t.is((await store.buckets(word, bucket, bucket, 1))[0]?.count, 1, "counted once");

      const late = create(TweetSchema, { tweetId: ids.next(), authorId: 1n, content: `${word}late` });
      await s.rt.bus.publish(SUBJECTS.tweetDeleted, toBinary(TweetDeletedEventSchema, create(TweetDeletedEventSchema, { tweetId: late.tweetId, authorId: 1n })), `test:del:${late.tweetId}`);
      const lateBucket = bucketOf(late.tweetId);
      // The delete is handled before the create is sent.
      t.true(await eventually(async () => (await store.addTweet(late.tweetId, ["probe-only"])) === false, 10_000));
      await s.rt.bus.publish(SUBJECTS.tweetCreated, toBinary(TweetCreatedEventSchema, create(TweetCreatedEventSchema, { tweet: late })), `test:${late.tweetId}`);
      const after = create(TweetSchema, { tweetId: ids.next(), authorId: 1n, content: `${word}after` });
      await s.rt.bus.publish(SUBJECTS.tweetCreated, toBinary(TweetCreatedEventSchema, create(TweetCreatedEventSchema, { tweet: after })), `test:${after.tweetId}`);
      t.true(await eventually(async () => (await store.tweetTerms(after.tweetId)) !== undefined, 10_000));
      t.deepEqual(await store.postings(`${word}late`, lateBucket, undefined, undefined, 10), []);
    } finally {
      await s.stop();
    }
  });
}

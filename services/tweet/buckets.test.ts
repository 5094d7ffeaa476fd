import test from "ava";
import { CHIRP_EPOCH_MS, Snowflake, snowflakeFloor } from "../kit/snowflake.js";
import { BUCKET_MS, bucketFloor, bucketOf } from "./buckets.js";

test("a bucket is a 7-day window counted from the Chirp epoch", (t) => {
  t.is(bucketOf(snowflakeFloor(CHIRP_EPOCH_MS)), 0);
  t.is(bucketOf(snowflakeFloor(CHIRP_EPOCH_MS + BUCKET_MS - 1)), 0);
  t.is(bucketOf(snowflakeFloor(CHIRP_EPOCH_MS + BUCKET_MS)), 1);
  // The last id of a millisecond (worker and sequence bits all set) stays in it.
  t.is(bucketOf(snowflakeFloor(CHIRP_EPOCH_MS + BUCKET_MS) - 1n), 0);
});

test("bucketFloor is the first id of its bucket, and buckets follow id order", (t) => {
  for (const b of [0, 1, 52, 1000]) {
    t.is(bucketOf(bucketFloor(b)), b);
    t.is(bucketOf(bucketFloor(b) - 1n), b - 1);
  }
  const ids = new Snowflake({ workerId: 3 });
  const now = bucketOf(ids.next());
  t.is(now, Math.floor((Date.now() - CHIRP_EPOCH_MS) / BUCKET_MS));
});

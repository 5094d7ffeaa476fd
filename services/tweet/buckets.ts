// An author's tweets are partitioned by 7-day windows of the Snowflake time.
// Twitter caps an author at 2,400 tweets a day, so a partition stays under
// ~17k rows however long the account lives; the bucket is computed from the
// id alone, so readers and writers agree without coordination.
import { CHIRP_EPOCH_MS, snowflakeFloor, snowflakeTime } from "../kit/snowflake.js";

export const BUCKET_MS = 7 * 24 * 3600 * 1000;

export function bucketOf(tweetId: bigint): number {
  return bucketAt(snowflakeTime(tweetId));
}

/** The bucket of a wall-clock time (ms since the Unix epoch). */
export function bucketAt(ms: number): number {
  return Math.floor((ms - CHIRP_EPOCH_MS) / BUCKET_MS);
}

/** The smallest id that falls in a bucket (tests and benchmarks make ids with it). */
export function bucketFloor(bucket: number): bigint {
  return snowflakeFloor(CHIRP_EPOCH_MS + bucket * BUCKET_MS);
}

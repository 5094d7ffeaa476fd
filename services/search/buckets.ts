// Day buckets of the Snowflake time: the index's partitions.
import { CHIRP_EPOCH_MS, snowflakeFloor, snowflakeTime } from "../kit/snowflake.js";
import { BUCKET_MS } from "./store/port.js";

export const bucketAt = (ms: number) => Math.floor((ms - CHIRP_EPOCH_MS) / BUCKET_MS);
export const bucketOf = (tweetId: bigint) => bucketAt(snowflakeTime(tweetId));
/** The smallest id of a bucket. */
export const bucketFloor = (bucket: number) => snowflakeFloor(CHIRP_EPOCH_MS + bucket * BUCKET_MS);

// Small pieces both store adapters share, so they refuse with the same words.
import { failedPrecondition, notFound } from "../../kit/errors.js";
import { snowflakeTime } from "../../kit/snowflake.js";

/** A tweet's creation time is the time in its Snowflake id. */
export function createdAt(id: bigint): Date {
  return new Date(snowflakeTime(id));
}

export const notFoundTweet = (id: bigint) => notFound(`tweet ${id} not found`);

export const replyParentNotFound = (id: bigint) => notFound(`reply_to_tweet_id: tweet ${id} not found`);

/** A retried create whose first tweet was deleted since: say so rather than post it again. */
export const existingDeleted = (id: bigint) =>
  failedPrecondition(`the tweet created with this idempotency key (${id}) has been deleted; use a new key to post again`);

// Follower and following counts come from the graph service (BatchGetCounts)
// and tweet counts from the tweet service (BatchGetUserTweetCounts): two
// calls in parallel per batch of profiles. If either cannot answer, the call
// fails with UNAVAILABLE: a clear error beats profiles with wrong zeros.
import type { Client } from "@connectrpc/connect";
import type { GraphService } from "../../gen/chirp/graph/v1/graph_pb.js";
import type { TweetService } from "../../gen/chirp/tweet/v1/tweet_pb.js";
import { chunk } from "../kit/chunk.js";
import { unavailable } from "../kit/errors.js";
import type { Logger } from "../kit/logger.js";

export interface Counts {
  followers: bigint;
  following: bigint;
  tweets: bigint;
}

const MAX_BATCH = 100;

export async function fetchCounts(
  graph: Client<typeof GraphService>,
  tweet: Client<typeof TweetService>,
  userIds: bigint[],
  logger: Logger,
): Promise<Map<bigint, Counts>> {
  const out = new Map<bigint, Counts>();
  const unique = [...new Set(userIds)];
  for (const part of chunk(unique, MAX_BATCH)) {
    const [follows, tweets] = await Promise.all([
      graph.batchGetCounts({ userIds: part }).catch((err: unknown) => {
        logger.warn({ err }, "graph service did not answer BatchGetCounts");
        throw unavailable("follower counts are unavailable right now, retry later");
      }),
      tweet.batchGetUserTweetCounts({ userIds: part }).catch((err: unknown) => {
        logger.warn({ err }, "tweet service did not answer BatchGetUserTweetCounts");
        throw unavailable("tweet counts are unavailable right now, retry later");
      }),
    ]);
    const tweetCounts = new Map(tweets.counts.map((c) => [c.userId, c.tweetCount]));
    for (const c of follows.counts) {
      out.set(c.userId, { followers: c.followerCount, following: c.followingCount, tweets: tweetCounts.get(c.userId) ?? 0n });
    }
  }
  return out;
}

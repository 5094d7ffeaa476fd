// Follower and following counts come from the graph service, one
// BatchGetCounts call per batch of profiles. If it cannot answer, the call
// fails with UNAVAILABLE: a clear error beats profiles with wrong zeros.
//
// TODO(tweet_count): the tweet service has no RPC for per-user tweet counts
// yet (a BatchGetUserTweetCounts or similar); until it does, tweet_count is 0.
import type { Client } from "@connectrpc/connect";
import type { GraphService } from "../../gen/chirp/graph/v1/graph_pb.js";
import { unavailable } from "../kit/errors.js";
import type { Logger } from "../kit/logger.js";

export interface Counts {
  followers: bigint;
  following: bigint;
}

const MAX_BATCH = 100;

export async function fetchCounts(graph: Client<typeof GraphService>, userIds: bigint[], logger: Logger): Promise<Map<bigint, Counts>> {
  const out = new Map<bigint, Counts>();
  const unique = [...new Set(userIds)];
  for (let i = 0; i < unique.length; i += MAX_BATCH) {
    const chunk = unique.slice(i, i + MAX_BATCH);
    let res;
    try {
      res = await graph.batchGetCounts({ userIds: chunk });
    } catch (err) {
      logger.warn({ err }, "graph service did not answer BatchGetCounts");
      throw unavailable("follower counts are unavailable right now, retry later");
    }
    for (const c of res.counts) out.set(c.userId, { followers: c.followerCount, following: c.followingCount });
  }
  return out;
}

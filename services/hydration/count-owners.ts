// The owners of the counts an account shows, for the hydration consumer's
// counts refresh (invalidate.ts): the tweet service for tweet counts, the
// graph service for follows. An event names at most two accounts, well under
// the contracts' batch limit.
import type { ServiceClients } from "../runtime/clients.js";
import type { CountOwners } from "./invalidate.js";

export function countOwners(clients: Pick<ServiceClients, "tweet" | "graph">): CountOwners {
  return {
    tweets: async (userIds) => new Map((await clients.tweet.batchGetUserTweetCounts({ userIds })).counts.map((c) => [c.userId, c.tweetCount])),
    follows: async (userIds) =>
      new Map((await clients.graph.batchGetCounts({ userIds })).counts.map((c) => [c.userId, { followers: c.followerCount, following: c.followingCount }])),
  };
}

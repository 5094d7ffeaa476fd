// What timeline building reads from the other services, behind a small
// interface so the rebuild logic can be checked against a plain in-memory
// graph (rebuild.test.ts) as well as the real services (the e2e tests).
import { ListFollowingIdsRequestSchema } from "../../gen/chirp/graph/v1/graph_pb.js";
import { int32Lte } from "../kit/proto-limits.js";
import type { ServiceClients } from "../runtime/clients.js";

/** ListFollowingIds' largest page. */
const FOLLOWING_PAGE = int32Lte(ListFollowingIdsRequestSchema.field.limit!);

export interface IdPage {
  ids: bigint[];
  nextCursor: string;
  hasMore: boolean;
}

export interface TimelineSource {
  /** Everyone userId follows (all pages). */
  following(userId: bigint): Promise<bigint[]>;
  /** One page of an author's tweet and retweet ids, newest first. */
  tweets(authorId: bigint, limit: number, cursor: string): Promise<IdPage>;
}

export function clientSource(clients: Pick<ServiceClients, "graph" | "tweet">): TimelineSource {
  return {
    async following(userId) {
      const out: bigint[] = [];
      let cursor = "";
      for (;;) {
        const page = await clients.graph.listFollowingIds({ userId, limit: FOLLOWING_PAGE, cursor });
        out.push(...page.userIds);
        if (!page.hasMore || page.nextCursor === "") return out;
        cursor = page.nextCursor;
      }
    },
    async tweets(authorId, limit, cursor) {
      const page = await clients.tweet.listUserTweets({ userId: authorId, limit, cursor });
      return { ids: page.tweets.map((t) => t.tweetId), nextCursor: page.nextCursor, hasMore: page.hasMore };
    },
  };
}

/** Runs fn over items with at most `limit` calls in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

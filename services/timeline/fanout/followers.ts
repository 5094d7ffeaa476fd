// An author's followers for fan-out, one ListFollowerIds page per
// batch, so every batch ends on a cursor: a fan-out interrupted after batch n
// resumes exactly after it.
import type { Client } from "@connectrpc/connect";
import type { GraphService } from "../../../gen/chirp/graph/v1/graph_pb.js";

/** ListFollowerIds' largest page. */
export const FOLLOWERS_PAGE = 5000;

export interface FollowerBatch {
  ids: bigint[];
  /** Resume here to continue after this batch. */
  cursor: string;
  /** No followers after this batch. */
  done: boolean;
}

export async function* followerBatches(
  graph: Client<typeof GraphService>,
  authorId: bigint,
  startCursor: string,
  batchSize: number,
): AsyncGenerator<FollowerBatch> {
  const limit = Math.min(Math.max(1, batchSize), FOLLOWERS_PAGE);
  let cursor = startCursor;
  for (;;) {
    const page = await graph.listFollowerIds({ userId: authorId, limit, cursor });
    const more = page.hasMore && page.nextCursor !== "";
    cursor = page.nextCursor;
    yield { ids: page.userIds, cursor, done: !more };
    if (!more) return;
  }
}

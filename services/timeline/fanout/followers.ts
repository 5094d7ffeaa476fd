// An author's followers in batches for fan-out, built from whole ListFollowers
// pages (100, the contract's maximum) so every batch ends on a cursor: a
// fan-out interrupted after batch n resumes exactly after it.
import type { Client } from "@connectrpc/connect";
import type { GraphService } from "../../../gen/chirp/graph/v1/graph_pb.js";

export const FOLLOWERS_PAGE = 100;

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
  const pagesPerBatch = Math.max(1, Math.ceil(batchSize / FOLLOWERS_PAGE));
  let cursor = startCursor;
  for (;;) {
    const ids: bigint[] = [];
    let more = true;
    for (let i = 0; i < pagesPerBatch && more; i++) {
      const page = await graph.listFollowers({ userId: authorId, limit: FOLLOWERS_PAGE, cursor });
      for (const e of page.followers) ids.push(e.userId);
      more = page.hasMore && page.nextCursor !== "";
      cursor = page.nextCursor;
    }
    yield { ids, cursor, done: !more };
    if (!more) return;
  }
}

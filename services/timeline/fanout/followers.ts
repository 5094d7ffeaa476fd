// An author's followers for fan-out, in ListFollowerIds' largest pages, each
// ending on a cursor: a fan-out interrupted after page n resumes exactly after it.
import type { Client } from "@connectrpc/connect";
import { ListFollowerIdsRequestSchema, type GraphService } from "../../../gen/chirp/graph/v1/graph_pb.js";
import { int32Lte } from "../../kit/proto-limits.js";

/** ListFollowerIds' largest page. */
export const FOLLOWERS_PAGE = int32Lte(ListFollowerIdsRequestSchema.field.limit!);

export interface FollowerPage {
  ids: bigint[];
  /** Resume here to continue after this page. */
  cursor: string;
  /** No followers after this page. */
  done: boolean;
}

export async function* followerPages(graph: Client<typeof GraphService>, authorId: bigint, startCursor: string): AsyncGenerator<FollowerPage> {
  let cursor = startCursor;
  for (;;) {
    const page = await graph.listFollowerIds({ userId: authorId, limit: FOLLOWERS_PAGE, cursor });
    const more = page.hasMore && page.nextCursor !== "";
    cursor = page.nextCursor;
    yield { ids: page.userIds, cursor, done: !more };
    if (!more) return;
  }
}

// ListFollowers / ListFollowing: newest first, one bounded store read per page.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { FollowEdgeSchema, type FollowEdge, type GraphService } from "../../../gen/chirp/graph/v1/graph_pb.js";
import { snowflakeTime } from "../../kit/snowflake.js";
import type { GraphContext } from "../context.js";
import { decodeCursor, encodeCursor, pageLimit } from "../cursor.js";
import type { ListKind } from "../store/port.js";

async function page(ctx: GraphContext, kind: ListKind, req: { userId: bigint; limit: number; cursor: string }) {
  const before = decodeCursor(req.cursor, kind, req.userId);
  const res = await ctx.store.list(kind, req.userId, pageLimit(req.limit), before);
  const edges: FollowEdge[] = res.edges.map((e) =>
    create(FollowEdgeSchema, { userId: e.userId, createdAt: timestampFromDate(new Date(snowflakeTime(e.edgeId))) }),
  );
  const last = res.edges.at(-1);
  return { edges, hasMore: res.hasMore, nextCursor: res.hasMore && last ? encodeCursor(kind, req.userId, last.edgeId) : "" };
}

export function listRoutes(ctx: GraphContext): Partial<ServiceImpl<typeof GraphService>> {
  return {
    async listFollowers(req) {
      const p = await page(ctx, "followers", req);
      return { followers: p.edges, nextCursor: p.nextCursor, hasMore: p.hasMore };
    },
    async listFollowing(req) {
      const p = await page(ctx, "following", req);
      return { following: p.edges, nextCursor: p.nextCursor, hasMore: p.hasMore };
    },
  };
}

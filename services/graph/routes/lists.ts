// ListFollowers / ListFollowing (and their internal bare-id forms): newest
// first, one bounded store read per page.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { FollowEdgeSchema, type FollowEdge, type GraphService } from "../../../gen/chirp/graph/v1/graph_pb.js";
import { snowflakeTime } from "../../kit/snowflake.js";
import type { GraphContext } from "../context.js";
import { DEFAULT_ID_LIMIT, decodeCursor, encodeCursor, MAX_ID_LIMIT, pageLimit } from "../cursor.js";
import type { ListKind } from "../store/port.js";

type ListRequest = { userId: bigint; limit: number; cursor: string };

async function rawPage(ctx: GraphContext, kind: ListKind, req: ListRequest, limit: number) {
  const before = decodeCursor(req.cursor, kind, req.userId);
  const res = await ctx.store.list(kind, req.userId, limit, before);
  const last = res.edges.at(-1);
  return { edges: res.edges, hasMore: res.hasMore, nextCursor: res.hasMore && last ? encodeCursor(kind, req.userId, last.edgeId) : "" };
}

async function page(ctx: GraphContext, kind: ListKind, req: ListRequest) {
  const p = await rawPage(ctx, kind, req, pageLimit(req.limit));
  const edges: FollowEdge[] = p.edges.map((e) =>
    create(FollowEdgeSchema, { userId: e.userId, createdAt: timestampFromDate(new Date(snowflakeTime(e.edgeId))) }),
  );
  return { edges, hasMore: p.hasMore, nextCursor: p.nextCursor };
}

async function idPage(ctx: GraphContext, kind: ListKind, req: ListRequest) {
  const p = await rawPage(ctx, kind, req, pageLimit(req.limit, MAX_ID_LIMIT, DEFAULT_ID_LIMIT));
  return { userIds: p.edges.map((e) => e.userId), nextCursor: p.nextCursor, hasMore: p.hasMore };
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
    listFollowerIds: (req) => idPage(ctx, "followers", req),
    listFollowingIds: (req) => idPage(ctx, "following", req),
  };
}

// BatchGetRelationships and the counts, for hydrating timelines and profiles.
import type { ServiceImpl } from "@connectrpc/connect";
import type { GraphService } from "../../../gen/chirp/graph/v1/graph_pb.js";
import type { GraphContext } from "../context.js";

export function relationshipRoutes(ctx: GraphContext): Partial<ServiceImpl<typeof GraphService>> {
  return {
    async batchGetRelationships(req) {
      const r = await ctx.store.relationships(req.userId, req.targetIds, { followingOnly: req.followingOnly });
      return {
        relationships: req.targetIds.map((targetId) => ({
          targetId,
          following: r.following.has(targetId),
          followedBy: r.followedBy.has(targetId),
        })),
      };
    },

    async getCounts(req) {
      const c = (await ctx.store.counts([req.userId])).get(req.userId)!;
      return { counts: { userId: req.userId, followerCount: c.followers, followingCount: c.following } };
    },

    async batchGetCounts(req) {
      const c = await ctx.store.counts(req.userIds);
      return {
        counts: req.userIds.map((userId) => ({
          userId,
          followerCount: c.get(userId)!.followers,
          followingCount: c.get(userId)!.following,
        })),
      };
    },
  };
}

// Follow / Unfollow: the caller acts only for themself; the store's
// conditional write decides whether anything changed; the event goes out
// after the write, and again on every retry (same message id, de-duplicated
// by the bus), so a failed publish is never lost for good.
import type { ServiceImpl } from "@connectrpc/connect";
import type { GraphService } from "../../../gen/chirp/graph/v1/graph_pb.js";
import { requireSelf } from "../../kit/auth.js";
import { invalidArgument, notFound } from "../../kit/errors.js";
import type { GraphContext } from "../context.js";

export function followRoutes(ctx: GraphContext): Partial<ServiceImpl<typeof GraphService>> {
  return {
    async follow(req, hctx) {
      requireSelf(hctx, req.userId, "whom this account follows");
      if (req.userId === req.followeeId) throw invalidArgument("followee_id", "an account cannot follow itself");
      if (!(await ctx.userExists(req.followeeId))) throw notFound(`user ${req.followeeId} not found`);
      const res = await ctx.store.follow(req.userId, req.followeeId, ctx.ids.next());
      // Also when the edge already existed: this may be the retry of a call
      // whose publish failed.
      await ctx.events.followed(req.userId, req.followeeId, res.edgeId);
      return { created: res.created };
    },

    async unfollow(req, hctx) {
      requireSelf(hctx, req.userId, "whom this account follows");
      const res = await ctx.store.unfollow(req.userId, req.followeeId);
      if (res.edgeId !== undefined) await ctx.events.unfollowed(req.userId, req.followeeId, res.edgeId);
      return { removed: res.removed };
    },
  };
}

// Profile reads. Counts come from the graph and tweet services in one call
// each per request; by id, they are asked for while the profiles are read.
import type { ServiceImpl } from "@connectrpc/connect";
import type { UserService } from "../../../gen/chirp/user/v1/user_pb.js";
import { notFound } from "../../kit/errors.js";
import type { UserContext } from "../context.js";
import { checkUsername, usernameKey } from "../normalize.js";
import { countsAhead, toUser, withCounts } from "../present.js";

export function profileRoutes(ctx: UserContext): Partial<ServiceImpl<typeof UserService>> {
  return {
    async getUser(req) {
      const counts = countsAhead(ctx.counts, [req.userId]);
      const u = await ctx.store.getUser(req.userId);
      if (!u) throw notFound(`user ${req.userId} not found`);
      return { user: toUser(u, (await counts).get(u.userId)) };
    },

    async getUserByUsername(req) {
      const name = checkUsername(req.username);
      const u = await ctx.store.findByUsername(usernameKey(name));
      if (!u) throw notFound(`user '${name}' not found`);
      const [user] = await withCounts([u], ctx.counts);
      return { user };
    },

    async batchGetUsers(req) {
      const counts = countsAhead(ctx.counts, req.userIds);
      const found = await ctx.store.getUsers(req.userIds);
      // Request order, duplicates kept as asked; ids that do not exist are
      // listed (once each) instead of failing the call.
      const ordered = req.userIds.flatMap((id) => found.get(id) ?? []);
      const missing = [...new Set(req.userIds.filter((id) => !found.has(id)))];
      if (ordered.length === 0) return { users: [], missingUserIds: missing };
      const c = await counts;
      return { users: ordered.map((u) => toUser(u, c.get(u.userId))), missingUserIds: missing };
    },
  };
}

// UpdateProfile: only the account's owner, only the fields that are set.
import type { ServiceImpl } from "@connectrpc/connect";
import type { UserService } from "../../../gen/chirp/user/v1/user_pb.js";
import { requireSelf } from "../../kit/auth.js";
import { notFound } from "../../kit/errors.js";
import type { UserContext } from "../context.js";
import { checkAvatarUrl, checkBio, checkDisplayName } from "../normalize.js";
import { toUser, withCounts } from "../present.js";

export function updateProfileRoutes(ctx: UserContext): Partial<ServiceImpl<typeof UserService>> {
  return {
    async updateProfile(req, hctx) {
      requireSelf(hctx, req.userId, "this profile");
      const displayName = req.displayName === undefined ? undefined : checkDisplayName(req.displayName);
      const patch = {
        displayName,
        bio: req.bio === undefined ? undefined : checkBio(req.bio),
        avatarUrl: req.avatarUrl === undefined ? undefined : checkAvatarUrl(req.avatarUrl),
      };
      if (displayName === "") {
        // An empty display name falls back to the username, as at Register.
        const current = await ctx.store.getUser(req.userId);
        if (!current) throw notFound(`user ${req.userId} not found`);
        patch.displayName = current.username;
      }
      const updated = await ctx.store.updateProfile(req.userId, patch);
      if (!updated) throw notFound(`user ${req.userId} not found`);
      // Published before the counts are read: a cache drops the old profile even if the counts fail.
      await ctx.events.updated(toUser(updated), ctx.ids.next());
      const [user] = await withCounts([updated], ctx.counts);
      return { user };
    },
  };
}

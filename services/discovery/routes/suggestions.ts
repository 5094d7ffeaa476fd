// ListSuggestions and DismissSuggestion, for the caller only. A user's list
// is computed on a miss (suggestions/compute.ts) and cached for 15 minutes
// under a generation, which a follow, an unfollow (their events) or a
// dismissal bumps: a computation that started before one of those is not
// written back.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { ListSuggestionsResponseSchema, type DiscoveryService } from "../../../gen/chirp/discovery/v1/discovery_pb.js";
import { requireCaller } from "../../kit/auth.js";
import { invalidArgument, notFound } from "../../kit/errors.js";
import type { DiscoveryContext } from "../context.js";
import { computeSuggestions, DISMISS_MS } from "../suggestions/compute.js";
import { present } from "../suggestions/present.js";

export const DEFAULT_SUGGESTIONS = 20;

export function suggestionRoutes(ctx: DiscoveryContext): Partial<ServiceImpl<typeof DiscoveryService>> {
  const store = ctx.store.suggestions;
  return {
    async listSuggestions(req, hctx) {
      const { userId } = requireCaller(hctx);
      const cached = await store.readCache(userId);
      let suggestions;
      if (cached.value) {
        suggestions = fromBinary(ListSuggestionsResponseSchema, cached.value).suggestions;
        ctx.metrics.suggestions.inc({ result: "hit" });
      } else {
        const end = ctx.metrics.suggestionSeconds.startTimer();
        suggestions = await computeSuggestions(ctx, userId);
        end();
        ctx.metrics.suggestions.inc({ result: "computed" });
        // Behind the answer; a failed fill only costs the next request a
        // computation. Nothing to suggest is not kept: the first follows
        // elsewhere in the graph may change that soon, and it is cheap to find.
        if (suggestions.length > 0) {
          const value = toBinary(ListSuggestionsResponseSchema, create(ListSuggestionsResponseSchema, { suggestions }));
          store
            .fillCache(userId, value, cached.generation, ctx.config.suggestions.cacheMs)
            .catch((err) => ctx.logger.warn({ err }, "suggestions not cached"));
        }
      }
      return { suggestions: await present(ctx, suggestions, req.limit || DEFAULT_SUGGESTIONS) };
    },

    async dismissSuggestion(req, hctx) {
      const { userId } = requireCaller(hctx);
      if (req.accountId === userId) throw invalidArgument("account_id", "you cannot dismiss yourself");
      if (!(await ctx.users([req.accountId])).has(req.accountId)) throw notFound(`user ${req.accountId} not found`);
      await store.dismiss(userId, req.accountId, ctx.now(), DISMISS_MS);
      await store.invalidate([userId]);
      return {};
    },
  };
}

// SearchTweets: parse, find, hydrate for the caller (anonymous reads allowed).
import type { ServiceImpl } from "@connectrpc/connect";
import type { SearchService } from "../../../gen/chirp/search/v1/search_pb.js";
import { callerKey } from "../../kit/auth.js";
import { hydrateTweets } from "../../timeline/hydrate.js";
import type { SearchContext } from "../context.js";
import { decodeTweetCursor, encodeTweetCursor } from "../cursor.js";
import { findTweets } from "../find/tweets.js";
import { parseQuery, queryKey } from "../query/parse.js";
import { checkLimit } from "./limit.js";

export const DEFAULT_LIMIT = 20;

export function tweetRoutes(ctx: SearchContext): Partial<ServiceImpl<typeof SearchService>> {
  return {
    async searchTweets(req, hc) {
      const end = ctx.metrics.queries.startTimer({ kind: "tweets" });
      const limit = checkLimit(req.limit, DEFAULT_LIMIT);
      const q = parseQuery(req.q);
      const key = queryKey(q);
      const before = decodeTweetCursor(key, req.cursor);
      const viewerId = hc.values.get(callerKey)?.userId;
      // The states version is read before the states are, as their cache needs (timeline/viewer-states.ts).
      const [found, statesVersion] = await Promise.all([
        findTweets(ctx, q, before, limit),
        viewerId !== undefined ? ctx.statesVersion(viewerId) : undefined,
      ]);
      const tweets = await hydrateTweets(ctx.hydration, viewerId === undefined ? undefined : { id: viewerId, statesVersion }, found.tweets);
      ctx.metrics.examined.observe(found.examined);
      if (found.truncated) ctx.metrics.truncated.inc();
      end();
      return {
        tweets,
        hasMore: found.hasMore,
        truncated: found.truncated,
        examined: found.examined,
        nextCursor: found.continueBelow !== undefined ? encodeTweetCursor(key, found.continueBelow) : "",
      };
    },
  };
}

// GetUserTimeline: one account's tweets and retweets from the tweet service,
// hydrated for the caller when there is one (anonymous reads are allowed).
import type { ServiceImpl } from "@connectrpc/connect";
import type { TimelineService } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import { callerKey } from "../../kit/auth.js";
import { hydrateTweets } from "../hydrate.js";
import { timed } from "../metrics.js";
import type { ReadContext } from "../read-context.js";
import { DEFAULT_LIMIT } from "./home.js";

export function userRoutes(rc: ReadContext): Partial<ServiceImpl<typeof TimelineService>> {
  return {
    getUserTimeline: (req, hc) => timed(rc.timelineMetrics, "user", async () => {
      const viewer = hc.values.get(callerKey)?.userId;
      // The tweet service's cursor goes back and forth unchanged: it is as opaque to us as to the client.
      // The viewer's states version is read before their states are, as the cache needs (viewer-states.ts).
      const [page, statesVersion] = await Promise.all([
        rc.clients.tweet.listUserTweets({ userId: req.userId, limit: req.limit || DEFAULT_LIMIT, cursor: req.cursor }),
        viewer !== undefined && rc.hydration.statesCached ? rc.store.statesVersion(viewer) : undefined,
      ]);
      return {
        tweets: await hydrateTweets(rc.hydration, viewer === undefined ? undefined : { id: viewer, statesVersion }, page.tweets),
        nextCursor: page.nextCursor,
        hasMore: page.hasMore,
      };
    }),
  };
}

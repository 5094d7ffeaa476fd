// GetUserTimeline: one account's tweets and retweets, newest first, from the
// author's list in the timeline store (user.ts), hydrated through the shared
// cache for the caller when there is one (anonymous reads are allowed).
import type { ServiceImpl } from "@connectrpc/connect";
import type { TimelineService } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import { callerKey } from "../../kit/auth.js";
import { decodeCursor } from "../../kit/cursor.js";
import { hydrate, hydrateTweets } from "../hydrate.js";
import { timed } from "../metrics.js";
import type { ReadContext } from "../read-context.js";
import { userPage } from "../user.js";
import { DEFAULT_LIMIT } from "./home.js";

export function userRoutes(rc: ReadContext): Partial<ServiceImpl<typeof TimelineService>> {
  return {
    getUserTimeline: (req, hc) => timed(rc.timelineMetrics, "user", async () => {
      const viewer = hc.values.get(callerKey)?.userId;
      // The tweet service's cursors: one made by either service is valid on both.
      const before = decodeCursor("user-tweets", req.cursor);
      // The viewer's states version is read before their states are, as the cache needs (viewer-states.ts).
      const [page, statesVersion] = await Promise.all([
        userPage(rc, req.userId, before, req.limit || DEFAULT_LIMIT),
        viewer !== undefined && rc.hydration.statesCached ? rc.store.statesVersion(viewer) : undefined,
      ]);
      const who = viewer === undefined ? undefined : { id: viewer, statesVersion };
      const [listed, rest] = await Promise.all([
        hydrate(rc.hydration, who, page.ids),
        page.rest.length > 0 ? hydrateTweets(rc.hydration, who, page.rest) : [],
      ]);
      if (listed.missing.length > 0) {
        // Deleted tweets the fan-out has not taken out yet: drop them from the
        // author's list now; the response is not held up for it.
        rc.userTweets.remove([req.userId], listed.missing).catch((err) => rc.logger.warn({ err }, "could not drop deleted tweets"));
      }
      return { tweets: [...listed.tweets, ...rest], nextCursor: page.nextCursor, hasMore: page.hasMore };
    }),
  };
}

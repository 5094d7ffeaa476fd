// GetHomeTimeline: the caller's own home timeline, hydrated.
import type { ServiceImpl } from "@connectrpc/connect";
import type { TimelineService } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import { requireCaller } from "../../kit/auth.js";
import { decodeCursor, encodeCursor } from "../cursor.js";
import { homePage } from "../home.js";
import { hydrate } from "../hydrate.js";
import { timed } from "../metrics.js";
import type { ReadContext } from "../read-context.js";

export const DEFAULT_LIMIT = 20;

export function homeRoutes(rc: ReadContext): Partial<ServiceImpl<typeof TimelineService>> {
  return {
    getHomeTimeline: (req, hc) => timed(rc.timelineMetrics, "home", async () => {
      const { userId } = requireCaller(hc);
      const before = decodeCursor(req.cursor);
      const page = await homePage(rc, userId, before, req.limit || DEFAULT_LIMIT);
      const { tweets, missing } = await hydrate(rc.hydration, { id: userId, statesVersion: page.statesVersion }, page.ids);
      if (missing.length > 0) {
        // Deleted tweets the fan-out has not taken out yet: drop them from this
        // reader's timeline now; the response is not held up for it.
        rc.store.remove([userId], missing).catch((err) => rc.logger.warn({ err }, "could not drop deleted tweets"));
      }
      // The cursor is the last id considered, shown or not: dropped ids are not read again.
      const last = page.ids.at(-1);
      return { tweets, hasMore: page.hasMore, nextCursor: page.hasMore && last !== undefined ? encodeCursor(last) : "" };
    }),
  };
}

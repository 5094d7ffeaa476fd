// InvalidateViewerStates: the tweet service says a viewer's likes or
// retweets changed; a new states version makes every replica's cached states
// for that viewer stale at once (viewer-states.ts).
import type { ServiceImpl } from "@connectrpc/connect";
import type { TimelineService } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import { requireSelf } from "../../kit/auth.js";
import type { ReadContext } from "../read-context.js";

export function viewerStatesRoutes(rc: ReadContext): Partial<ServiceImpl<typeof TimelineService>> {
  return {
    async invalidateViewerStates(req, hc) {
      // Called with the viewer's forwarded token: only they change their states.
      requireSelf(hc, req.viewerId, "these viewer states");
      await rc.store.bumpStatesVersion(req.viewerId);
      return {};
    },
  };
}

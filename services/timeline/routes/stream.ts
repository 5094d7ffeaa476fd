// StreamHomeTimeline: the caller's live home timeline, resumable by event id.
import type { ServiceImpl } from "@connectrpc/connect";
import type { TimelineService } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import { requireCaller } from "../../kit/auth.js";
import type { ReadContext } from "../read-context.js";
import { liveHome } from "../stream.js";

export function streamRoutes(rc: ReadContext): Partial<ServiceImpl<typeof TimelineService>> {
  return {
    streamHomeTimeline(req, hc) {
      const { userId } = requireCaller(hc);
      return liveHome(rc, userId, req.since, hc.signal);
    },
  };
}

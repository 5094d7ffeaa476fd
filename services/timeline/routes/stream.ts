// StreamHomeTimeline: the caller's live home timeline.
import type { ServiceImpl } from "@connectrpc/connect";
import type { TimelineService } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import { requireCaller } from "../../kit/auth.js";
import { REQUEST_ID_HEADER, requestScope, sanitizeRequestId } from "../../kit/request-context.js";
import type { ReadContext } from "../read-context.js";
import { liveHome } from "../stream.js";

export function streamRoutes(rc: ReadContext): Partial<ServiceImpl<typeof TimelineService>> {
  return {
    streamHomeTimeline(_req, hc) {
      const { userId } = requireCaller(hc);
      const scope = requestScope.getStore() ?? {
        requestId: sanitizeRequestId(hc.requestHeader.get(REQUEST_ID_HEADER)) ?? "stream",
        authorization: hc.requestHeader.get("authorization") ?? undefined,
      };
      return liveHome(rc, userId, hc.signal, scope);
    },
  };
}

// Every TimelineService handler, one file per concern.
import type { ServiceImpl } from "@connectrpc/connect";
import type { TimelineService } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import type { ReadContext } from "../read-context.js";
import { homeRoutes } from "./home.js";
import { streamRoutes } from "./stream.js";
import { userRoutes } from "./user.js";
import { viewerStatesRoutes } from "./viewer-states.js";

export function timelineRoutes(rc: ReadContext): Partial<ServiceImpl<typeof TimelineService>> {
  return { ...homeRoutes(rc), ...userRoutes(rc), ...streamRoutes(rc), ...viewerStatesRoutes(rc) };
}

// The whole DiscoveryService implementation, from one factory per concern.
import type { ServiceImpl } from "@connectrpc/connect";
import { DiscoveryService } from "../../../gen/chirp/discovery/v1/discovery_pb.js";
import type { DiscoveryContext } from "../context.js";
import type { TrendsJob } from "../trends/job.js";
import { suggestionRoutes } from "./suggestions.js";
import { trendRoutes } from "./trends.js";

export function discoveryRoutes(ctx: DiscoveryContext, trends: TrendsJob): ServiceImpl<typeof DiscoveryService> {
  const impl = { ...trendRoutes(trends), ...suggestionRoutes(ctx) };
  // Fail at start-up, not at the first call, if an RPC has no handler.
  const missing = DiscoveryService.methods.filter((m) => !(m.localName in impl)).map((m) => m.name);
  if (missing.length) throw new Error(`DiscoveryService handlers missing: ${missing.join(", ")}`);
  return impl as ServiceImpl<typeof DiscoveryService>;
}

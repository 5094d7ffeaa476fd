// ListTrendingHashtags: the list the trends job stored last (trends/job.ts).
import type { ServiceImpl } from "@connectrpc/connect";
import type { DiscoveryService } from "../../../gen/chirp/discovery/v1/discovery_pb.js";
import type { TrendsJob } from "../trends/job.js";

export const DEFAULT_TRENDS = 10;

export function trendRoutes(job: TrendsJob): Partial<ServiceImpl<typeof DiscoveryService>> {
  return {
    listTrendingHashtags: (req) => job.read(req.limit || DEFAULT_TRENDS),
  };
}

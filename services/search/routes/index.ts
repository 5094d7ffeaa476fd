// The whole SearchService implementation, from one factory per RPC.
import type { ServiceImpl } from "@connectrpc/connect";
import { SearchService } from "../../../gen/chirp/search/v1/search_pb.js";
import type { SearchContext } from "../context.js";
import { tweetRoutes } from "./tweets.js";
import { userRoutes } from "./users.js";

export function searchRoutes(ctx: SearchContext): ServiceImpl<typeof SearchService> {
  const impl = { ...tweetRoutes(ctx), ...userRoutes(ctx) };
  // Fail at start-up, not at the first call, if an RPC has no handler.
  const missing = SearchService.methods.filter((m) => !(m.localName in impl)).map((m) => m.name);
  if (missing.length) throw new Error(`SearchService handlers missing: ${missing.join(", ")}`);
  return impl as ServiceImpl<typeof SearchService>;
}

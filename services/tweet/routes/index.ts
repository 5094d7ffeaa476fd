// All TweetService handlers, one file per area.
import type { ServiceImpl } from "@connectrpc/connect";
import { TweetService } from "../../../gen/chirp/tweet/v1/tweet_pb.js";
import type { TweetContext } from "../context.js";
import { engagementRoutes } from "./engagement.js";
import { listRoutes } from "./lists.js";
import { tweetRoutes } from "./tweets.js";

export function routes(ctx: TweetContext): ServiceImpl<typeof TweetService> {
  const impl = { ...tweetRoutes(ctx), ...listRoutes(ctx), ...engagementRoutes(ctx) };
  const missing = TweetService.methods.map((m) => m.localName).filter((name) => !(name in impl));
  if (missing.length) throw new Error(`TweetService handlers missing: ${missing.join(", ")}`);
  return impl as ServiceImpl<typeof TweetService>;
}
